package session

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// The attacks of issue 11, each by a hostile pairing.Side (an attacker who
// runs the protocol honestly — the SAS matches, it is the partner — but lies
// in its INFO) against a real Session on a simulated MISP. Each must be
// refused, or paused before anything is minted, with a message in words on
// both sides.

// hostileRun is the outcome of one attack.
type hostileRun struct {
	res      *Result
	events   []Event
	attacker *pairing.Side
}

func (h *hostileRun) log() string {
	var b strings.Builder
	for _, ev := range h.events {
		b.WriteString(ev.Stage.String() + ": " + ev.Message + "\n")
	}
	return b.String()
}

// attack runs a session on victim (cfg) against an attacker that confirms
// with info, sends a key in CREDS and DONE(1) whenever the protocol lets
// it, and returns when the victim's session ended. onEvent sees the
// victim's events and may act on the session (the admin at the pause).
//
// blindToInfo keeps the attacker's own Side from reading our INFO: a real
// attacker runs a modified app, whose checks of our INFO do not stop it.
func attack(t *testing.T, cfg Config, info pairing.Info, onEvent func(s *Session, ev Event), blindToInfo ...bool) *hostileRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	h := &hostileRun{}
	var mu sync.Mutex
	var shown []string
	src := make(chan string)
	var sess *Session
	ready := make(chan struct{})
	cfg.Source = src
	cfg.TickInterval = 10 * time.Millisecond
	cfg.Sink = SinkFunc(func(f []string) { mu.Lock(); shown = f; mu.Unlock() })
	cfg.OnEvent = func(ev Event) {
		<-ready
		mu.Lock()
		h.events = append(h.events, ev)
		mu.Unlock()
		if ev.Stage == StageCompareSAS && ev.SAS != "" {
			sess.Confirm() // the SAS matches: the attacker is the one across the table
		}
		if onEvent != nil {
			onEvent(sess, ev)
		}
	}
	attacker, err := pairing.New(pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h.attacker = attacker
	sess, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	var wg sync.WaitGroup
	var heardEnd atomic.Bool // the attacker read our ABORT or DONE
	wg.Add(1)
	go func() {
		defer wg.Done()
		confirmed, credsSent, doneSent := false, false, false
		for ctx.Err() == nil {
			mu.Lock()
			frames := append([]string(nil), shown...)
			mu.Unlock()
			for _, f := range frames {
				if fi, err := pairing.Inspect(f); len(blindToInfo) > 0 && blindToInfo[0] && err == nil && fi.Round == pairing.RoundInfo {
					continue
				}
				_, _ = attacker.Receive(f)
			}
			if _, ok := attacker.SAS(); ok && !confirmed {
				confirmed = attacker.Confirm(info) == nil
			}
			if _, ok := attacker.PartnerInfo(); ok && confirmed && !credsSent {
				credsSent = attacker.SendCreds(pairing.Creds{SyncAuthkey: strings.Repeat("A", 40), SyncUserEmail: "sync-x@mispbump.invalid"}) == nil
			}
			if _, ok := attacker.PartnerCreds(); ok && credsSent && !doneSent {
				doneSent = attacker.SendDone(pairing.Done{Status: 1, Message: "works"}) == nil
			}
			_, aborted := attacker.PartnerAbort()
			_, done := attacker.PartnerDone()
			heardEnd.Store(aborted || done)
			for _, f := range attacker.Display() {
				select {
				case src <- f:
				case <-ctx.Done():
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}()
	h.res = sess.Wait(ctx)
	// Let the attacker read the victim's last frames (its ABORT or DONE);
	// requireRefused says so when it never did.
	for end := time.Now().Add(5 * time.Second); !heardEnd.Load() && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	<-sess.Done()
	if h.res == nil {
		t.Fatalf("the victim's session did not end; stage %v\n%s", sess.Stage(), h.log())
	}
	return h
}

// liar is an INFO claiming to be whoever the fields say.
func liar(orgUUID, orgName, instance, url string) pairing.Info {
	return pairing.Info{Org: pairing.Organisation{UUID: orgUUID, Name: orgName}, InstanceUUID: instance, URL: url, MISPVersion: "2.5.1", AdminEmail: "mallory@evil.test"}
}

const (
	evilOrg      = "6e5a0c4b-1d2e-4f3a-9b8c-7d6e5f4a3b2c"
	evilInstance = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
	evilURL      = "https://misp.evil.test"
)

// state is what the victim's MISP holds that an attack must not change.
type simState struct {
	counts  simCounts
	keys    string
	servers string
}

func stateOf(s *simSide) simState {
	var keys, servers []string
	for _, k := range s.sim.AuthKeys() {
		keys = append(keys, itoa(k.ID))
	}
	for _, sv := range s.sim.Servers() {
		servers = append(servers, itoa(sv.ID)+":"+sv.Authkey)
	}
	return simState{counts: s.counts(), keys: strings.Join(keys, ","), servers: strings.Join(servers, ",")}
}

// requireRefused checks an attack ended with nothing minted or written on
// the victim, a message in words for our admin and a sealed ABORT with
// words for the attacker.
func requireRefused(t *testing.T, h *hostileRun, victim *simSide, before simState, ours, theirs string) {
	t.Helper()
	if h.res.OK || h.res.Err == nil || !strings.Contains(h.res.Err.Error(), ours) {
		t.Errorf("our side: ok=%v err=%v, want it to say %q\n%s", h.res.OK, h.res.Err, ours, h.log())
	}
	if got := stateOf(victim); got != before {
		t.Errorf("the victim's MISP changed: %+v -> %+v\n%s", before, got, h.log())
	}
	if _, ok := h.attacker.PartnerCreds(); ok {
		t.Error("the attacker got a key")
	}
	a, ok := h.attacker.PartnerAbort()
	if !ok || !strings.Contains(a.Message, theirs) {
		t.Errorf("the attacker read ABORT %+v (ok %v), want it to say %q", a, ok, theirs)
	}
}

// pairedAB pairs A and B for real first, so A knows B (org, sync user,
// server entry, a record in stA).
func pairedAB(t *testing.T) (a, b *simSide, stA *store.Store) {
	t.Helper()
	a, b = startSim(t, "A", false), startSim(t, "B", false)
	stA = newStore(t)
	p, res := simPair(t, a, b, stA, newStore(t), nil)
	requireOK(t, p, res)
	p.stop()
	return a, b, stA
}

// Attack 1a: "uuid": "1" names our host org by id (recording 11).
func TestAttackOrgUUIDOne(t *testing.T) {
	a := startSim(t, "A", false)
	before := stateOf(a)
	h := attack(t, a.config("pa", newStore(t)), liar("1", "Org-A", evilInstance, evilURL), nil)
	requireRefused(t, h, a, before, `organisation UUID "1" is not a UUID`, `organisation UUID "1" is not a UUID`)
}

// Attack 1b: our org's name as its uuid finds our host org by name
// (recording 103).
func TestAttackOrgUUIDIsOurName(t *testing.T) {
	a := startSim(t, "A", false)
	before := stateOf(a)
	h := attack(t, a.config("pa", newStore(t)), liar(a.login.HostOrg.Name, a.login.HostOrg.Name, evilInstance, evilURL), nil)
	requireRefused(t, h, a, before, "is not a UUID", `organisation UUID "Org-A" is not a UUID`)
}

// Attack 1c: our host org by its real UUID.
func TestAttackOrgUUIDIsOurHostOrg(t *testing.T) {
	a := startSim(t, "A", false)
	before := stateOf(a)
	h := attack(t, a.config("pa", newStore(t)), liar(a.login.HostOrg.UUID, "Friendly", evilInstance, evilURL), nil, true)
	// pairing's own check refuses our org before any MISP call.
	requireRefused(t, h, a, before, "same organisation", "same organisation")
}

// Attack 1d: a third organisation our MISP knows, by name (refused) and by
// UUID (paused; Cancel leaves our MISP unchanged and tells the partner).
func TestAttackThirdOrg(t *testing.T) {
	a := startSim(t, "A", false)
	third := a.sim.SeedExternalOrg("Org-Third", "9b2e6a51-3c1d-4e0f-a7b8-0c9d8e7f6a5b")
	before := stateOf(a)
	h := attack(t, a.config("pa", newStore(t)), liar("Org-Third", "Org-Third", evilInstance, evilURL), nil)
	requireRefused(t, h, a, before, "is not a UUID", "is not a UUID")

	var paused *IdentityCheck
	h = attack(t, a.config("pa", newStore(t)), liar(third.UUID, "Org-Third", evilInstance, evilURL), func(s *Session, ev Event) {
		if ev.Stage == StageConfirmPartner {
			paused = ev.Identity
			s.Cancel()
		}
	})
	requireRefused(t, h, a, before, `you did not confirm that the partner is "Org-Third"`, `did not confirm that you are "Org-Third"`)
	if paused == nil || paused.Known == nil || paused.Known.Name != "Org-Third" || paused.Known.Local {
		t.Fatalf("the pause showed %+v", paused)
	}
	words := strings.Join(paused.Words(), "\n")
	for _, want := range []string{"already knows this organisation", "an external organisation", "If you reuse it, the partner gets", "no record"} {
		if !strings.Contains(words, want) {
			t.Errorf("the pause does not say %q:\n%s", want, words)
		}
	}
}

// Attack 2: impersonating the existing partner B with its public org and
// instance UUIDs — alone, with B's URL too, and with a leading space in the
// UUID. Paused before anything is minted (Cancel: nothing changes, B's
// keys and record stay), or refused.
func TestAttackImpersonateExistingPartner(t *testing.T) {
	a, b, stA := pairedAB(t)
	recBefore := stA.Snapshot().Partners
	for _, tc := range []struct {
		name string
		info pairing.Info
		url  string // the continuity the pause shows
	}{
		{"own URL", liar(b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, evilURL), ContinuityChanged},
		{"B's URL", liar(b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, b.url), ContinuitySame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := stateOf(a)
			cfg := a.config("pa", stA)
			var paused *IdentityCheck
			h := attack(t, cfg, tc.info, func(s *Session, ev Event) {
				if ev.Stage == StageConfirmPartner {
					paused = ev.Identity
					s.Cancel()
				}
			})
			requireRefused(t, h, a, before, `you did not confirm that the partner is "Org-B"`, `did not confirm that you are "Org-B"`)
			if paused == nil || !paused.Record || paused.URL != tc.url || paused.Known == nil || !strings.Contains(paused.Known.SyncUser, "in this organisation") {
				t.Fatalf("the pause showed %+v", paused)
			}
			if !strings.Contains(paused.Known.WouldGet, "fresh key for the existing sync user") {
				t.Errorf("would get: %q", paused.Known.WouldGet)
			}
		})
	}
	t.Run("leading space", func(t *testing.T) {
		before := stateOf(a)
		h := attack(t, a.config("pa", stA), liar(" "+b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, evilURL), nil)
		requireRefused(t, h, a, before, "is not a UUID", "is not a UUID")
		h = attack(t, a.config("pa", stA), liar(b.login.HostOrg.UUID, "Org-B", " "+b.login.InstanceUUID, evilURL), nil)
		requireRefused(t, h, a, before, "instance UUID", "instance UUID")
	})
	if got := stA.Snapshot().Partners; len(got) != 1 || got[0].AnnouncedURL != recBefore[0].AnnouncedURL || got[0].PairedAt != recBefore[0].PairedAt {
		t.Errorf("B's record changed: %+v", got)
	}
	checkPaired(t, a, b) // B's key on A's entry still works
}

// Attack 2, the admin vouched (wrongly) in advance: the impersonator gets
// a key, but the connection test with its CREDS does not reach B, so the
// key is revoked at once, B's record and old keys stay, and both sides are
// told why.
func TestAttackImpersonatorVouchedForIsCaughtByTheSafetyNet(t *testing.T) {
	a, b, stA := pairedAB(t)
	recBefore := stA.Snapshot().Partners[0]
	orgB := recBefore.OnOurMISP.Org.ID
	var userB string = recBefore.OnOurMISP.SyncUser.ID
	keysBefore := liveSyncKeys(a, atoi(t, userB))
	cfg := a.config("pa", stA)
	cfg.Choices.ReuseOrgUUID = b.login.HostOrg.UUID // "Pair again with Org-B"
	h := attack(t, cfg, liar(b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, b.url), nil)
	if h.res.OK || !isKind(h.res.Err, KindIdentity) || !strings.Contains(h.res.Err.Error(), "revoked at once") {
		t.Fatalf("ok=%v err=%v\n%s", h.res.OK, h.res.Err, h.log())
	}
	d, ok := h.attacker.PartnerDone()
	if !ok || d.Status == 1 || !strings.Contains(d.Message, "revoked") {
		t.Errorf("the attacker read DONE %+v (ok %v)", d, ok)
	}
	// The revocation runs after the final event: give it a moment.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(liveSyncKeys(a, atoi(t, userB))) != len(keysBefore) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := liveSyncKeys(a, atoi(t, userB)); !slices.Equal(got, keysBefore) {
		t.Errorf("B's sync user keys %v, want exactly the old ones %v (the new one revoked, the old kept)", got, keysBefore)
	}
	rec := stA.Snapshot().Partners
	if len(rec) != 1 || rec[0].PairedAt != recBefore.PairedAt || rec[0].OnOurMISP.Org.ID != orgB {
		t.Errorf("B's record was overwritten: %+v", rec)
	}
}

// Attack 3: a partner URL on our loopback (a probe of our own network,
// whose result would go back in DONE) is refused unless local addresses
// were allowed in Prepare.
func TestAttackLoopbackURL(t *testing.T) {
	a := startSim(t, "A", false)
	before := stateOf(a)
	cfg := a.config("pa", newStore(t))
	cfg.Choices.AllowLocalAddresses = false
	for _, u := range []string{"http://127.0.0.1:6379", "http://169.254.169.254/latest", "http://[::1]"} {
		h := attack(t, cfg, liar(evilOrg, "Evil", evilInstance, u), nil)
		requireRefused(t, h, a, before, "loopback, link-local or unspecified", "loopback, link-local or unspecified")
	}
}

// Attack 4: re-pairing onto our existing entry to the partner that has TLS
// verification off, without sending a certificate: the new key is not
// written to that entry, and both sides are told why.
func TestAttackSelfSignedExistingEntry(t *testing.T) {
	a := startSim(t, "A", false)
	org := a.sim.SeedExternalOrg("Org-Old", evilOrg)
	entry := a.sim.AddServer(mispsim.Server{Name: "old link", URL: evilURL, RemoteOrgID: org.ID, Authkey: mispsim.NewKey(), Pull: true, SelfSigned: true})
	cfg := a.config("pa", newStore(t))
	cfg.Choices.ReuseOrgUUID = evilOrg
	h := attack(t, cfg, liar(evilOrg, "Org-Old", evilInstance, evilURL), nil)
	if h.res.OK || h.res.Err == nil || !strings.Contains(h.res.Err.Error(), "verification off") {
		t.Fatalf("ok=%v err=%v\n%s", h.res.OK, h.res.Err, h.log())
	}
	for _, sv := range a.sim.Servers() {
		if sv.ID == entry.ID && (sv.Authkey != entry.Authkey || !sv.SelfSigned) {
			t.Errorf("the unverified entry was changed: %+v", sv)
		}
	}
	if d, ok := h.attacker.PartnerDone(); !ok || d.Status == 1 || !strings.Contains(d.Message, "verification off") {
		t.Errorf("the partner read DONE %+v (ok %v)", d, ok)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, ok := misp.ID(s).Int64()
	if !ok {
		t.Fatalf("id %q is not a number", s)
	}
	return int(n)
}

// Attack 2 with the admin's word given in advance ("Pair again with Org-B"),
// but from another URL than the one recorded: the changed URL is shown at a
// pause all the same, and Cancel there changes nothing.
func TestAttackPreApprovedButURLChangedStillPauses(t *testing.T) {
	a, b, stA := pairedAB(t)
	before := stateOf(a)
	cfg := a.config("pa", stA)
	cfg.Choices.ReuseOrgUUID = b.login.HostOrg.UUID
	var paused *IdentityCheck
	h := attack(t, cfg, liar(b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, evilURL), func(s *Session, ev Event) {
		if ev.Stage == StageConfirmPartner {
			paused = ev.Identity
			s.Cancel()
		}
	})
	requireRefused(t, h, a, before, `you did not confirm that the partner is "Org-B"`, `did not confirm that you are "Org-B"`)
	if paused == nil || paused.URL != ContinuityChanged {
		t.Fatalf("the pause showed %+v", paused)
	}
	if words := strings.Join(paused.Words(), "\n"); !strings.Contains(words, "The URL changed: recorded "+b.url+", now "+evilURL) {
		t.Errorf("the pause does not show the changed URL:\n%s", words)
	}
}

// Attack 2 with another instance PGP key than the one our record holds for
// B: the pairing stops with an alarm before anything is created, whatever
// the admin said in advance.
func TestAttackChangedPGPKeyStops(t *testing.T) {
	a, b := startSim(t, "A", false), startSimWithKey(t, "B", 1)
	stA := newStore(t)
	armoredB, fpB, err := OwnPGPKey(context.Background(), b.client)
	if err != nil || fpB == "" {
		t.Fatalf("B's key: %q %v", fpB, err)
	}
	p, res := simPair(t, a, b, stA, newStore(t), func(cfg *[2]Config) { cfg[1].PGPKey, cfg[1].PGPFingerprint = armoredB, fpB })
	requireOK(t, p, res)
	p.stop()
	if rec := onlyPartner(t, stA); rec.PGPKey == nil || rec.PGPKey.Fingerprint != fpB {
		t.Fatalf("A's record of B's key: %+v", rec.PGPKey)
	}
	before := stateOf(a)
	cfg := a.config("pa", stA)
	cfg.Choices.ReuseOrgUUID = b.login.HostOrg.UUID
	info := liar(b.login.HostOrg.UUID, "Org-B", b.login.InstanceUUID, b.url)
	info.PGPKey, info.PGPFingerprint = protected.DemoKey(0), fingerprintA
	h := attack(t, cfg, info, nil)
	requireRefused(t, h, a, before, "instance PGP key is not the one we recorded", "instance PGP key is not the one we recorded")
	if h.res.Identity == nil || h.res.Identity.PGP != ContinuityChanged {
		t.Errorf("identity %+v", h.res.Identity)
	}
}
