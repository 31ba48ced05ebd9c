package session

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// A partner record names objects on our MISP by id, and an id alone can name
// someone else's object: the profile may have been pointed at another MISP
// since, or an id may have been given again. Removing a partner looks each
// object up by what else the record knows of it (the sync user's e-mail and
// organisation, the server entry's address and remote organisation, the
// sharing group's UUID) and touches nothing when one does not match.
func TestRemovePartnerTouchesOnlyObjectsThatAreProvablyItsOwn(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*simSide, *store.Store, string) {
		a, _, st, id := pairedSims(t)
		return a, st, id
	}
	tamper := func(t *testing.T, st *store.Store, id string, f func(*store.Partner)) {
		if err := st.Update(func(d *store.Data) error {
			for i := range d.Partners {
				if d.Partners[i].ID == id {
					f(&d.Partners[i])
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	untouched := func(t *testing.T, a *simSide, st *store.Store, id string, servers int) {
		t.Helper()
		if n := len(a.sim.Servers()); n != servers {
			t.Errorf("%d server entries left, want %d: one was deleted", n, servers)
		}
		for _, u := range a.sim.Users() {
			if u.Disabled {
				t.Errorf("user %s was disabled", u.Email)
			}
		}
		if snap := st.Snapshot(); !hasPartner(&snap, id) {
			t.Error("the record was removed although nothing on MISP was")
		}
	}

	t.Run("record's sync user id is the admin's", func(t *testing.T) {
		a, st, id := setup(t)
		tamper(t, st, id, func(p *store.Partner) { p.OnOurMISP.SyncUser.ID = itoa(a.sim.AdminUserID()) })
		_, err := RemovePartner(ctx, a.client, st, id, true)
		if err == nil || !strings.Contains(err.Error(), "Nothing was removed") {
			t.Fatalf("removal went ahead: %v", err)
		}
		untouched(t, a, st, id, 1)
		if len(a.sim.Users()) < 2 {
			t.Error("a user was deleted")
		}
	})

	t.Run("record's server id names another partner's entry", func(t *testing.T) {
		a, st, id := setup(t)
		other := a.sim.AddOrg(mispsim.Org{Name: "Someone Else", UUID: "6a1b2c3d-1111-4222-8333-444455556666"})
		elsewhere := a.sim.AddServer(mispsim.Server{Name: "Someone Else", URL: "https://misp.someone-else.example", RemoteOrgID: other.ID, Authkey: mispsim.NewKey()})
		tamper(t, st, id, func(p *store.Partner) { p.OnOurMISP.Server.ID = itoa(elsewhere.ID) })
		_, err := RemovePartner(ctx, a.client, st, id, false)
		if err == nil || !strings.Contains(err.Error(), "Nothing was removed") || !strings.Contains(err.Error(), "misp.someone-else.example") {
			t.Fatalf("removal went ahead or did not say why: %v", err)
		}
		untouched(t, a, st, id, 2)
	})

	t.Run("rules and tests leave another partner's entry alone", func(t *testing.T) {
		a, st, id := setup(t)
		other := a.sim.AddOrg(mispsim.Org{Name: "Someone Else", UUID: "6a1b2c3d-1111-4222-8333-444455556666"})
		elsewhere := a.sim.AddServer(mispsim.Server{Name: "Someone Else", URL: "https://misp.someone-else.example", RemoteOrgID: other.ID, Authkey: mispsim.NewKey(), Push: true})
		tamper(t, st, id, func(p *store.Partner) { p.OnOurMISP.Server.ID = itoa(elsewhere.ID) })
		edits := a.sim.RequestCount("POST", "/servers/edit")
		rules, _, _ := syncsetup.PresetRules(syncsetup.PresetTLPClearGreen)
		var notOurs *NotOursError
		if _, err := EditPartnerRules(ctx, a.client, st, id, rules); !errors.As(err, &notOurs) {
			t.Errorf("rules set on another partner's entry: %v", err)
		}
		if n := a.sim.RequestCount("POST", "/servers/edit") - edits; n != 0 {
			t.Errorf("%d servers/edit sent", n)
		}
		if _, _, _, err := PartnerEntryRules(ctx, a.client, st, id); !errors.As(err, &notOurs) {
			t.Errorf("another partner's rules shown as this one's: %v", err)
		}
		tests := a.sim.RequestCount("POST", "/servers/testConnection")
		if _, err := TestConnection(ctx, a.client, st, id); !errors.As(err, &notOurs) {
			t.Errorf("another partner's entry tested as this one's: %v", err)
		}
		if n := a.sim.RequestCount("POST", "/servers/testConnection") - tests; n != 0 {
			t.Errorf("%d servers/testConnection sent", n)
		}
	})

	t.Run("objects already gone are said, and the record goes", func(t *testing.T) {
		a, st, id := setup(t)
		snap := st.Snapshot()
		rec, _ := snap.Partner(id)
		if err := a.client.DeleteServer(ctx, misp.ID(rec.OnOurMISP.Server.ID)); err != nil {
			t.Fatal(err)
		}
		if err := a.client.DeleteUser(ctx, misp.ID(rec.OnOurMISP.SyncUser.ID)); err != nil {
			t.Fatal(err)
		}
		// The partner's actions say the entry is gone, and what to do.
		if _, err := TestConnection(ctx, a.client, st, id); err == nil || !strings.Contains(err.Error(), "no longer on our MISP") || !strings.Contains(err.Error(), "pair again") {
			t.Errorf("test now on a deleted entry: %v", err)
		}
		done, err := RemovePartner(ctx, a.client, st, id, false)
		if err != nil {
			t.Fatal(err)
		}
		words := strings.Join(done.Done, "\n")
		for _, want := range []string{"no longer on our MISP", "not found on our MISP"} {
			if !strings.Contains(words, want) {
				t.Errorf("the removal's words lack %q:\n%s", want, words)
			}
		}
		if snap := st.Snapshot(); hasPartner(&snap, id) {
			t.Error("record kept")
		}
	})

	t.Run("a clean removal says what it did", func(t *testing.T) {
		a, st, id := setup(t)
		snap := st.Snapshot()
		rec, _ := snap.Partner(id)
		done, err := RemovePartner(ctx, a.client, st, id, false)
		if err != nil {
			t.Fatal(err)
		}
		words := strings.Join(done.Done, "\n")
		for _, want := range []string{"Deleted server entry #" + rec.OnOurMISP.Server.ID, "Disabled sync user " + rec.OnOurMISP.SyncUserEmail, "Kept organisation #" + rec.OnOurMISP.Org.ID} {
			if !strings.Contains(words, want) {
				t.Errorf("the removal's words lack %q:\n%s", want, words)
			}
		}
	})

	t.Run("a sharing group deleted in MISP meanwhile", func(t *testing.T) {
		a, st, id := setup(t)
		g := groupInRecord(t, a, st, id, "Ours ↔ theirs", func(p *store.Partner) {})
		if err := a.client.DeleteSharingGroup(ctx, g.SharingGroup.ID); err != nil {
			t.Fatal(err)
		}
		// MISP answers the view of a deleted group with a 405 (183): still gone.
		if err := RemoveSharingGroup(ctx, a.client, st, id); err != nil {
			t.Fatalf("a group already deleted blocks the removal: %v", err)
		}
		snap := st.Snapshot()
		if rec, _ := snap.Partner(id); rec.OnOurMISP.SharingGroup.ID != "" {
			t.Errorf("the record still names the deleted group: %+v", rec.OnOurMISP.SharingGroup)
		}
	})

	t.Run("record's sharing group id names another group", func(t *testing.T) {
		a, st, id := setup(t)
		// The record names another group's id with its own name and UUID.
		g := groupInRecord(t, a, st, id, "Someone else's group", func(p *store.Partner) {
			p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID = "MISPbump ours ↔ theirs", "0f0e0d0c-0b0a-4009-8008-070605040302"
		})
		err := RemoveSharingGroup(ctx, a.client, st, id)
		if err == nil || !strings.Contains(err.Error(), "not \"MISPbump ours ↔ theirs\"") || !strings.Contains(err.Error(), "by hand") {
			t.Fatalf("another group was deleted, or nothing said: %v", err)
		}
		if _, err := a.client.SharingGroup(ctx, g.SharingGroup.ID); err != nil {
			t.Errorf("the other group is gone: %v", err)
		}
	})
}

func hasPartner(d *store.Data, id string) bool {
	_, ok := d.Partner(id)
	return ok
}

// pairedSims pairs two simulated MISPs with A's records in st and returns
// A's side, B's side, st and the id of A's partner record of B.
func pairedSims(t *testing.T) (a, b *simSide, st *store.Store, partnerID string) {
	t.Helper()
	a, b = startSim(t, "A", false), startSim(t, "B", false)
	st = newStore(t)
	p, res := simPair(t, a, b, st, nil, nil)
	requireOK(t, p, res)
	return a, b, st, res[0].PartnerID
}

// groupInRecord makes a sharing group on a's MISP and writes it into the
// record id as the group the app created; then change edits the record.
func groupInRecord(t *testing.T, a *simSide, st *store.Store, id, name string, change func(*store.Partner)) *misp.SharingGroupDetails {
	t.Helper()
	g, err := a.client.AddSharingGroup(context.Background(), misp.NewSharingGroup{Name: name, Releasability: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(d *store.Data) error {
		if p, ok := d.Partner(id); ok {
			p.OnOurMISP.SharingGroup = store.ObjectRef{ID: string(g.SharingGroup.ID), Outcome: store.Created}
			p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID = g.SharingGroup.Name, g.SharingGroup.UUID
			change(p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return g
}
