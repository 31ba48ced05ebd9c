package session

import (
	"context"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// "Test connection now" and "remove partner" on a saved record.
func TestTestConnectionNowAndRemovePartner(t *testing.T) {
	a, b, stA, id := pairedSims(t)
	ctx := context.Background()

	ct, err := TestConnection(ctx, a.client, stA, id)
	if err != nil || ct.Status != 1 {
		t.Fatalf("test now: %+v %v", ct, err)
	}
	// The partner revokes our key: the test says so and the record keeps it.
	for _, k := range b.sim.AuthKeys() {
		for _, u := range b.sim.Users() {
			if u.ID == k.UserID && u.RoleID == mispsim.RoleSyncUser {
				if err := b.client.DeleteAuthKey(ctx, misp.ID(itoa(k.ID))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ct, err = TestConnection(ctx, a.client, stA, id)
	if err != nil || ct.Status != 4 {
		t.Fatalf("test after the partner revoked our key: %+v %v", ct, err)
	}
	snap := stA.Snapshot()
	if rec, _ := snap.Partner(id); rec == nil || rec.LastTest == nil || rec.LastTest.Status != 4 {
		t.Errorf("last test not saved: %+v", rec)
	}

	orgs, users := len(a.sim.Orgs()), len(a.sim.Users())
	if _, err := RemovePartner(ctx, a.client, stA, id, false); err != nil {
		t.Fatal(err)
	}
	if len(a.sim.Servers()) != 0 || len(a.sim.Orgs()) != orgs || len(a.sim.Users()) != users {
		t.Errorf("after remove: %d servers (want 0), orgs %d->%d, users %d->%d", len(a.sim.Servers()), orgs, len(a.sim.Orgs()), users, len(a.sim.Users()))
	}
	for _, u := range a.sim.Users() {
		if u.RoleID == mispsim.RoleSyncUser && !u.Disabled {
			t.Errorf("sync user %s still enabled", u.Email)
		}
	}
	if d := stA.Snapshot(); len(d.Partners) != 0 {
		t.Errorf("record kept")
	}
}
