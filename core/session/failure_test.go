package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

func shortGrace(t *testing.T) {
	old := partnerCredsGrace
	partnerCredsGrace = 200 * time.Millisecond
	t.Cleanup(func() { partnerCredsGrace = old })
}

// A MISP step fails on A: A sends DONE with the failure; each side keeps what
// it can; the pairing is then resumed as the brief says — finish alone when A
// holds B's key, else a new face-to-face session — and ends fully paired.
func TestMISPFailureAtEachStepAndResume(t *testing.T) {
	shortGrace(t)
	cases := []struct {
		name   string
		fault  mispsim.Fault
		step   string
		resume Resume
	}{
		{"org", mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/admin/organisations/add"}, StepOrg, ResumeNewSession},
		{"sync user", mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/admin/users/add"}, StepSyncUser, ResumeNewSession},
		{"server", mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/servers/add"}, StepServer, ResumeFinishAlone},
		{"test", mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/servers/testConnection"}, StepTest, ResumeFinishAlone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := startSim(t, "A", false), startSim(t, "B", false)
			stA, stB := newStore(t), newStore(t)
			remove := a.sim.InjectFault(tc.fault)
			cfgs := [2]Config{a.config("pa", stA), b.config("pb", stB)}
			p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
			res := p.wait(testTimeout)
			p.stop()
			remove()

			if res[0].OK || !isKind(res[0].Err, KindStep) || !strings.Contains(res[0].Err.Error(), stepWords(tc.step)) {
				t.Fatalf("A: ok=%v err=%v\n%s", res[0].OK, res[0].Err, p.eventLog(0))
			}
			if res[1].PartnerDone == nil || res[1].PartnerDone.Status == 1 || res[1].PartnerDone.Message == "" {
				t.Errorf("B did not get A's failure: %+v", res[1].PartnerDone)
			}
			pendA := stA.Snapshot().Pending
			if len(pendA) != 1 {
				t.Fatalf("A keeps %d pending pairings, want 1", len(pendA))
			}
			if got := ResumeCase(pendA[0]); got != tc.resume {
				t.Fatalf("A's resume case %v, want %v", got, tc.resume)
			}
			if tc.resume == ResumeFinishAlone {
				// B finished its side: its entry to A works.
				if !res[1].OK {
					t.Errorf("B: %v", res[1].Err)
				}
				r, err := FinishAlone(context.Background(), a.client, a.login, stA, pendA[0].ID, DefaultChoices())
				if err != nil || !r.OK {
					t.Fatalf("finish alone: %v %+v", err, r)
				}
				if d := stA.Snapshot(); len(d.Pending) != 0 || len(d.Partners) != 1 || d.Partners[0].LastTest.Status != 1 {
					t.Errorf("A's store after finishing alone: %+v", d)
				}
			} else {
				// B cannot finish without A's key: a new face-to-face session
				// on both sides, replacing the pending ones.
				if res[1].OK {
					t.Errorf("B finished without A's key")
				}
				// B says whose step failed, and which (not `the MISP step "" failed`).
				if msg := res[1].Err.Error(); !strings.HasPrefix(msg, "the partner's MISP step failed: ") || strings.Contains(msg, `""`) || !strings.Contains(msg, stepWords(tc.step)) {
					t.Errorf("B's error: %s", msg)
				}
				pendB := stB.Snapshot().Pending
				if len(pendB) != 1 || ResumeCase(pendB[0]) != ResumeNewSession {
					t.Fatalf("B pending %+v", pendB)
				}
				cfgs := [2]Config{a.config("pa", stA), b.config("pb", stB)}
				cfgs[0].ResumeID, cfgs[1].ResumeID = pendA[0].ID, pendB[0].ID
				p2 := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
				requireOK(t, p2, p2.wait(testTimeout))
				for i, st := range []*store.Store{stA, stB} {
					if d := st.Snapshot(); len(d.Pending) != 0 || len(d.Partners) != 1 {
						t.Errorf("store %d after the new session: %d pending, %d partners", i, len(d.Pending), len(d.Partners))
					}
				}
			}
			_, userA, _ := checkPaired(t, a, b)
			_, userB, _ := checkPaired(t, b, a)
			if tc.resume == ResumeNewSession {
				// The key B minted in the failed session was revoked once the
				// new one worked.
				if k := liveSyncKeys(b, userB); len(k) != 1 {
					t.Errorf("B's sync user has keys %v, want only the new one", k)
				}
			}
			if k := liveSyncKeys(a, userA); len(k) != 1 {
				t.Errorf("A's sync user has keys %v, want one", k)
			}
		})
	}
}

// A 500 after a saved servers/add is checked against servers/index: no second
// entry, the pairing succeeds.
func TestServerAddAnswer500AfterSave(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	defer a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500AfterSave, Method: "POST", PathPrefix: "/servers/add"})()
	p, res := simPair(t, a, b, nil, nil, nil)
	requireOK(t, p, res)
	checkPaired(t, a, b)
}

// The partner's DONE never arrives: our result stands, "partner's result not
// received", and the keys of the earlier pairing stay, marked pending
// revocation in the partner record.
func TestPartnerDoneNeverSeen(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := newStore(t)
	p, res := simPair(t, a, b, stA, nil, nil)
	requireOK(t, p, res)
	_, userA, _ := checkPaired(t, a, b)
	firstKeys := liveSyncKeys(a, userA)
	p.stop()

	dropDone := func(to int, frames, own []string) []string {
		if to != 0 {
			return frames
		}
		var out []string
		for _, f := range frames {
			if fi, err := pairing.Inspect(f); err == nil && fi.Round == pairing.RoundDone {
				continue
			}
			out = append(out, f)
		}
		return out
	}
	cfgs := [2]Config{a.config("pa", stA), b.config("pb", nil)}
	vouch(a, b)(&cfgs)
	p2 := startPair(t, pairOptions{cfg: cfgs, filter: dropDone, rejectOn: -1})
	fin := p2.waitFinal(testTimeout)
	r := fin[0]
	if !r.OK || r.PartnerDone != nil || !strings.Contains(r.Advice, "partner's result not received") {
		t.Fatalf("A: ok=%v partnerDone=%+v advice=%q", r.OK, r.PartnerDone, r.Advice)
	}
	// B got A's DONE and finished; A keeps waiting for B's until closed.
	if res := p2.s[1].Wait(ctxTimeout(t)); res == nil || !res.OK {
		t.Fatalf("B: %+v", res)
	}
	select {
	case <-p2.s[0].Done():
		t.Fatal("A stopped waiting for the partner's result on its own")
	case <-time.After(50 * time.Millisecond):
	}
	p2.s[0].Cancel()
	<-p2.s[0].Done()

	d := stA.Snapshot()
	if len(d.Partners) != 1 {
		t.Fatalf("%d partner records", len(d.Partners))
	}
	pr := d.Partners[0]
	if len(pr.KeysPendingRevocation) != 1 || pr.KeysPendingRevocation[0].ID != itoa(firstKeys[0]) {
		t.Errorf("pending revocation %+v, want the first pairing's key %v", pr.KeysPendingRevocation, firstKeys)
	}
	if k := liveSyncKeys(a, userA); len(k) != 2 {
		t.Errorf("A's sync user keys %v: the old key must stay until the partner confirms the new one", k)
	}
	// The admin revokes them from the partner's page.
	gone, err := RevokePendingKeys(context.Background(), a.client, stA, pr.ID)
	if err != nil || len(gone) != 1 {
		t.Fatalf("revoke pending: %v %v", gone, err)
	}
	if k := liveSyncKeys(a, userA); len(k) != 1 || k[0] == firstKeys[0] {
		t.Errorf("A's sync user keys %v after revoking", k)
	}
	snap := stA.Snapshot()
	if q, _ := snap.Partner(pr.ID); q == nil || len(q.KeysPendingRevocation) != 0 {
		t.Errorf("record after revoking: %+v", q)
	}
}

// B's MISP is reachable only over HTTPS with a self-signed certificate: the
// certificate travels in B's INFO and A's server entry carries it as
// submitted_cert, so A's connection test passes (and the other way round).
func TestPartnerReachableOnlyWithSubmittedCertificate(t *testing.T) {
	a, b := startSim(t, "A", true), startSim(t, "B", true)
	p, res := simPair(t, a, b, nil, nil, nil)
	requireOK(t, p, res)
	checkPaired(t, a, b)
	checkPaired(t, b, a)
	for _, sv := range a.sim.Servers() {
		if sv.SubmittedCertPEM != b.certPEM || sv.SelfSigned {
			t.Errorf("A's entry: submitted %d bytes, self_signed %v", len(sv.SubmittedCertPEM), sv.SelfSigned)
		}
	}
}

// Without the certificate in INFO the partner is unreachable: the test fails
// with status 2 and says so, and A's side fails rather than pretending.
func TestPartnerCertificateMissing(t *testing.T) {
	a, b := startSim(t, "A", true), startSim(t, "B", true)
	p, res := simPair(t, a, b, nil, nil, func(cfgs *[2]Config) { cfgs[1].CertificatePEM = "" })
	if res[0].OK || res[0].Test == nil || res[0].Test.Status == 1 {
		t.Errorf("A passed a test it cannot pass: %+v\n%s", res[0], p.eventLog(0))
	}
	if !res[1].OK {
		t.Errorf("B: %v", res[1].Err)
	}
}
