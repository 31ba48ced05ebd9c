package session

import (
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

func startSimCfg(t *testing.T, cfg mispsim.Config) *simSide {
	t.Helper()
	sim := mispsim.New(cfg)
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	s := &simSide{sim: sim, url: url}
	s.relogin(t, misp.Options{})
	return s
}

const sharedOrgUUID = "5a1e0a90-0000-4000-8000-00000000c0de"

// Same-organisation mode: two instances of one organisation pair explicitly,
// and MISP keeps the entries internal.
func TestInternalMode(t *testing.T) {
	cfg := mispsim.Config{HostOrgName: "Shared", HostOrgUUID: sharedOrgUUID, HostOrgIDSet: true}
	cfg.Name = "A"
	a := startSimCfg(t, cfg)
	cfg.Name = "B"
	b := startSimCfg(t, cfg)
	p, res := simPair(t, a, b, nil, nil, func(c *[2]Config) {
		c[0].Choices.Internal, c[1].Choices.Internal = true, true
	})
	requireOK(t, p, res)
	for _, s := range []*simSide{a, b} {
		svs := s.sim.Servers()
		if len(svs) != 1 || !svs[0].Internal || svs[0].RemoteOrgID != s.sim.HostOrg().ID {
			t.Errorf("%s: entries %+v, want one internal entry to the shared org", s.url, svs)
		}
	}
}

// The same organisation on both sides without same-organisation mode is an
// accident: the pairing stops before anything is written.
func TestSameOrganisationWithoutInternalStops(t *testing.T) {
	cfg := mispsim.Config{HostOrgName: "Shared", HostOrgUUID: sharedOrgUUID, HostOrgIDSet: true}
	a, b := startSimCfg(t, cfg), startSimCfg(t, cfg)
	before := [2]simCounts{a.counts(), b.counts()}
	_, res := simPair(t, a, b, nil, nil, nil)
	for i, r := range res {
		if r.OK || r.Abort == nil {
			t.Errorf("side %d: %+v", i, r)
		}
	}
	if after := [2]simCounts{a.counts(), b.counts()}; after != before {
		t.Errorf("written: %+v -> %+v", before, after)
	}
}
