package session

import (
	"testing"
)

// The MISP steps are syncsetup's: a chosen server name goes into the new
// entry in the one servers/add (no second request to rename it), and the
// re-pairing revokes the earlier key OldKeys listed, without listing the
// keys a second time (the real pair showed that second auth_keys/index was
// not needed). The request counts per side are the ones docs/SESSION.md
// states.
func TestMISPStepsUseSyncsetupPolicy(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	p, res := simPair(t, a, b, newStore(t), newStore(t), func(cfg *[2]Config) {
		cfg[0].Choices.ServerName = "Partner B via MISPbump"
	})
	for i, r := range res {
		if !r.OK {
			t.Fatalf("side %d: %+v\n%s", i, r, p.eventLog(i))
		}
		if r.Requests-6 != 12 { // the login's 6 are included
			t.Errorf("side %d: %d requests after the login on a first pairing, want 12", i, r.Requests-6)
		}
	}
	names := map[string]bool{}
	for _, sv := range a.sim.Servers() {
		names[sv.Name] = true
	}
	if !names["Partner B via MISPbump"] || len(names) != 1 {
		t.Errorf("A's server entries are named %v", names)
	}
	p.stop()

	before := [2]int64{a.client.Requests(), b.client.Requests()}
	p, res = simPair(t, a, b, newStore(t), newStore(t), vouch(a, b))
	for i, r := range res {
		if !r.OK || len(r.Partner.KeysRevoked) != 1 {
			t.Fatalf("re-pairing side %d: %+v\n%s", i, r, p.eventLog(i))
		}
	}
	// The revocation runs after the final event; wait for the session's end.
	p.wait(testTimeout)
	for i, c := range []int64{a.client.Requests(), b.client.Requests()} {
		if n := c - before[i]; n != 11 {
			t.Errorf("side %d: %d requests on a re-pairing, want 11", i, n)
		}
	}
}
