package session

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

const fingerprintA = "5626761B7DA78C7B046F18F41C6D20BD9F5DF798"

func startSimWithKey(t *testing.T, name string, key int) *simSide {
	t.Helper()
	return startSimConfig(t, mispsim.Config{Name: name, HostOrgName: "Org-" + name, GPGKeyArmored: protected.DemoKey(key)}, false)
}

func onlyPartner(t *testing.T, st *store.Store) store.Partner {
	t.Helper()
	d := st.Snapshot()
	if len(d.Partners) != 1 {
		t.Fatalf("%d partner records, want 1", len(d.Partners))
	}
	return d.Partners[0]
}

// Each side's own /gpg.asc travels in INFO through the whole QR path: A's
// key is read with OwnPGPKey and passed in LocalSide, B's is read by
// PairLocally itself; each side cross-checks the other's against its
// /gpg.asc, and B's partner record holds A's key and fingerprint.
func TestPGPKeyTravelsEndToEnd(t *testing.T) {
	a, b := startSimWithKey(t, "A", 0), startSimWithKey(t, "B", 1)
	armored, fp, err := OwnPGPKey(context.Background(), a.client)
	if err != nil || fp != fingerprintA {
		t.Fatalf("OwnPGPKey: %q %v", fp, err)
	}
	stA, stB := newStore(t), newStore(t)
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: stA, ProfileID: "pa", Choices: DemoChoices(), PGPKey: armored, PGPFingerprint: fp}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: stB, ProfileID: "pb", Choices: DemoChoices()}
	rep, res := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second})
	if !rep.OK {
		t.Fatalf("report %+v", rep)
	}
	rec := onlyPartner(t, stB)
	if rec.PGPKey == nil || rec.PGPKey.Armored != protected.DemoKey(0) || rec.PGPKey.Fingerprint != fingerprintA {
		t.Fatalf("B's record of A's key: %+v", rec.PGPKey)
	}
	if rec.PGPKeyCheck == nil || rec.PGPKeyCheck.Verdict != "match" || rec.PGPKeyCheck.Alarm != "" || rec.PGPKeyCheck.Fingerprint != fingerprintA {
		t.Errorf("B's record of the check: %+v", rec.PGPKeyCheck)
	}
	if k := res[1].PartnerKey; k == nil || k.Verdict != "match" || res[1].Partner.PGPFingerprint != fingerprintA {
		t.Errorf("B's result: %+v", k)
	}
	if rep.Sides["b"].PartnerPGPFingerprint != fingerprintA || rep.Sides["a"].PartnerKeyCheck != "match" {
		t.Errorf("report sides: %+v", rep.Sides)
	}
	if recA := onlyPartner(t, stA); recA.PGPKey == nil || recA.PGPKey.Armored != protected.DemoKey(1) {
		t.Errorf("A's record of B's key: %+v", recA.PGPKey)
	}
}

// A's laptop sends a key A's MISP does not publish: B raises the alarm
// (event, result, record) and the pairing still finishes, since both admins
// confirmed the SAS.
func TestPGPKeyMismatchRaisesAlarm(t *testing.T) {
	a, b := startSimWithKey(t, "A", 0), startSimWithKey(t, "B", 1)
	stB := newStore(t)
	wrong, wrongFP, err := OwnPGPKey(context.Background(), b.client) // B's key, announced by A
	if err != nil {
		t.Fatal(err)
	}
	p, res := simPair(t, a, b, newStore(t), stB, func(cfg *[2]Config) {
		cfg[0].PGPKey, cfg[0].PGPFingerprint = wrong, wrongFP
		cfg[1].PGPKey, cfg[1].PGPFingerprint = wrong, wrongFP // B's own, honestly
	})
	if !res[1].OK {
		t.Fatalf("B did not finish: %+v\n%s", res[1], p.eventLog(1))
	}
	k := res[1].PartnerKey
	var me *protected.MismatchError
	if k == nil || k.Verdict != "mismatch" || k.Alarm == "" || !errors.As(k.AlarmErr(), &me) || res[1].Partner.KeyAlarm != k.Alarm {
		t.Fatalf("B's check: %+v", k)
	}
	alarmed := false
	for _, err := range p.problems(1) {
		alarmed = alarmed || errors.As(err, &me)
	}
	if !alarmed {
		t.Errorf("no alarm event on B:\n%s", p.eventLog(1))
	}
	rec := onlyPartner(t, stB)
	if rec.PGPKeyCheck == nil || rec.PGPKeyCheck.Verdict != "mismatch" || rec.PGPKeyCheck.Alarm == "" {
		t.Errorf("B's record: %+v", rec.PGPKeyCheck)
	}
	// A's check of B's honest key matches.
	if k := res[0].PartnerKey; k == nil || k.Verdict != "match" {
		t.Errorf("A's check: %+v", k)
	}
}

// A MISP that fails on /gpg.asc (on the real pair: B stopped past the
// client's timeout) does not stop the pairing, but the report says so for
// that side (own_key_error) instead of pairing silently without the key.
func TestOwnKeyNotReadIsReported(t *testing.T) {
	a, b := startSimWithKey(t, "A", 0), startSimWithKey(t, "B", 1)
	b.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, PathPrefix: "/gpg.asc"})
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: newStore(t), ProfileID: "pa", Choices: DemoChoices()}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: newStore(t), ProfileID: "pb", Choices: DemoChoices()}
	var noted bool
	var mu sync.Mutex
	rep, _ := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 3 * time.Minute, OnEvent: func(side string, ev Event) {
		if side == "b" && strings.Contains(ev.Message, "/gpg.asc") {
			mu.Lock()
			noted = true
			mu.Unlock()
		}
	}})
	if !rep.OK {
		t.Fatalf("report %+v", rep)
	}
	if e := rep.Sides["b"].OwnKeyError; !strings.Contains(e, "could not be read") || !strings.Contains(e, "internal error") {
		t.Errorf("B's own_key_error: %q", e)
	}
	if rep.Sides["a"].OwnKeyError != "" || rep.Sides["a"].PartnerPGPFingerprint != "" {
		t.Errorf("A: %+v", rep.Sides["a"])
	}
	mu.Lock()
	defer mu.Unlock()
	if !noted {
		t.Error("no event said B's key could not be read")
	}
}
