package session

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// storeWithProfile is a store holding our profile, as after a login.
func storeWithProfile(t *testing.T, id string) *store.Store {
	t.Helper()
	st := newStore(t)
	if err := st.Update(func(d *store.Data) error {
		d.Profiles = append(d.Profiles, store.Profile{ID: id, Name: id, URL: "https://" + id + ".test"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

// abortAfterOurKey pairs a and b but keeps b's CREDS from reaching a, so a
// minted and sent its key and waits for b's; then a's admin cancels (and
// stop, when set, closes a's window right after).
func abortAfterOurKey(t *testing.T, a, b *simSide, stA *store.Store, stop bool) (*pair, *Result) {
	t.Helper()
	filter := func(to int, frames, own []string) []string {
		if to != 0 {
			return frames
		}
		return slices.DeleteFunc(slices.Clone(frames), func(f string) bool {
			fi, err := pairing.Inspect(f)
			return err == nil && fi.Round == pairing.RoundCreds
		})
	}
	cfgs := [2]Config{a.config("pa", stA), b.config("pb", newStore(t))}
	p := startPair(t, pairOptions{cfg: cfgs, filter: filter, rejectOn: -1})
	deadline := time.Now().Add(testTimeout)
	for p.s[0].Stage() != StageWaitingForPartnerKey && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if p.s[0].Stage() != StageWaitingForPartnerKey {
		t.Fatalf("a never waited for b's key:\n%s", p.eventLog(0))
	}
	p.s[0].Cancel()
	if stop {
		for p.s[0].Result() == nil && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		p.stop() // the window closes while the revocation is slow
		return p, p.s[0].Result()
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return p, p.s[0].Wait(ctx)
}

func liveKey(s *simSide, id string) bool {
	for _, k := range s.sim.AuthKeys() {
		if strconv.Itoa(k.ID) == id {
			return true
		}
	}
	return false
}

// A key minted in a session that is aborted is noted in the store before
// its revocation; a failed revocation leaves it there, and the next login's
// RevokeAbandonedKeys finishes the job and clears it.
func TestAbortRevocationFailsKeyStaysPending(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := storeWithProfile(t, "pa")
	a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/auth_keys/delete"})
	_, res := abortAfterOurKey(t, a, b, stA, false)
	if res == nil || !isKind(res.Err, KindCancelled) || res.Partner.MintedKeyID == "" {
		t.Fatalf("result: %+v", res)
	}
	id := res.Partner.MintedKeyID
	pr := profileOf(stA, "pa")
	if len(pr.KeysPendingRevocation) != 1 || pr.KeysPendingRevocation[0].ID != id {
		t.Fatalf("profile's keys pending revocation %+v, want %s", pr.KeysPendingRevocation, id)
	}
	if !liveKey(a, id) {
		t.Fatal("the failing simulator revoked the key anyway")
	}
	a.sim.ClearFaults()
	gone, err := RevokeAbandonedKeys(context.Background(), a.client, stA, "pa")
	if err != nil || !slices.Equal(gone, []string{id}) {
		t.Fatalf("RevokeAbandonedKeys: %v %v", gone, err)
	}
	if liveKey(a, id) {
		t.Error("the key still works on our MISP")
	}
	if pr := profileOf(stA, "pa"); len(pr.KeysPendingRevocation) != 0 {
		t.Errorf("still pending: %+v", pr.KeysPendingRevocation)
	}
}

// The window closes while the revocation is slow: the key is in the store
// all the same.
func TestAbortRevocationCutShortByClosedWindow(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := storeWithProfile(t, "pa")
	a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultSlow, Method: "POST", PathPrefix: "/auth_keys/delete", Delay: 3 * time.Second})
	_, res := abortAfterOurKey(t, a, b, stA, true)
	if res == nil || res.Partner.MintedKeyID == "" {
		t.Fatalf("result: %+v", res)
	}
	id := res.Partner.MintedKeyID
	pr := profileOf(stA, "pa")
	if len(pr.KeysPendingRevocation) != 1 || pr.KeysPendingRevocation[0].ID != id {
		t.Fatalf("profile's keys pending revocation %+v, want %s", pr.KeysPendingRevocation, id)
	}
	a.sim.ClearFaults()
	if _, err := RevokeAbandonedKeys(context.Background(), a.client, stA, "pa"); err != nil {
		t.Fatal(err)
	}
	if liveKey(a, id) {
		t.Error("the key still works")
	}
}

// A successful revocation after an abort leaves nothing pending.
func TestAbortRevocationSucceedsNothingPending(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := storeWithProfile(t, "pa")
	_, res := abortAfterOurKey(t, a, b, stA, false)
	if res == nil || res.Partner.MintedKeyID == "" {
		t.Fatalf("result: %+v", res)
	}
	if liveKey(a, res.Partner.MintedKeyID) {
		t.Error("the key minted in the aborted session still works")
	}
	if pr := profileOf(stA, "pa"); len(pr.KeysPendingRevocation) != 0 {
		t.Errorf("pending after a successful revocation: %+v", pr.KeysPendingRevocation)
	}
}

func profileOf(st *store.Store, id string) store.Profile {
	d := st.Snapshot()
	pr, _ := d.Profile(id)
	if pr == nil {
		return store.Profile{}
	}
	return *pr
}
