package session

import (
	"context"
	"errors"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// Finishing alone takes the partner's organisation from the pending record,
// by id. An id alone could name another organisation (the profile pointed at
// another MISP since): the server entry would then sync with the partner as
// that organisation. It must have the partner's UUID, or nothing is made.
func TestFinishAloneRefusesAnOrganisationThatIsNotThePartners(t *testing.T) {
	shortGrace(t)
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := newStore(t)
	remove := a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/servers/add"})
	p := startPair(t, pairOptions{cfg: [2]Config{a.config("pa", stA), b.config("pb", newStore(t))}, rejectOn: -1})
	p.wait(testTimeout)
	p.stop()
	remove()
	pend := stA.Snapshot().Pending
	if len(pend) != 1 || ResumeCase(pend[0]) != ResumeFinishAlone {
		t.Fatalf("no pending pairing to finish alone: %+v", pend)
	}
	host := a.sim.HostOrg()
	if err := stA.Update(func(d *store.Data) error {
		d.Pending[0].Partner.OnOurMISP.Org.ID = itoa(host.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	servers := len(a.sim.Servers())
	_, err := FinishAlone(context.Background(), a.client, a.login, stA, pend[0].ID, DefaultChoices())
	var notOurs *NotOursError
	if !errors.As(err, &notOurs) {
		t.Fatalf("finished alone with our own organisation as the partner's: %v", err)
	}
	if n := len(a.sim.Servers()); n != servers {
		t.Errorf("%d server entries made", n-servers)
	}
	if d := stA.Snapshot(); len(d.Pending) != 1 || len(d.Partners) != 0 {
		t.Errorf("the pending pairing was dropped or a record made: %d pending, %d partners", len(d.Pending), len(d.Partners))
	}
}
