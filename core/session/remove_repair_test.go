package session

import (
	"context"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// Removing a partner disables the sync user we made for it; pairing with
// that partner again re-enables that user (the app disabled it), reuses it,
// and forgets that the app had disabled it — while a sync user someone else
// disabled in MISP stops the pairing (core/syncsetup's ConflictError).
func TestRemoveThenPairAgainReEnablesOurSyncUser(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := newStore(t)
	if err := stA.Update(func(d *store.Data) error {
		d.Profiles = append(d.Profiles, store.Profile{ID: "pa", Name: "A", URL: a.client.BaseURL()})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p, res := simPair(t, a, b, stA, nil, nil)
	requireOK(t, p, res)
	ctx := context.Background()
	syncUsers := func() (ids []int, disabled int) {
		for _, u := range a.sim.Users() {
			if u.RoleID == mispsim.RoleSyncUser {
				ids = append(ids, u.ID)
				if u.Disabled {
					disabled++
				}
			}
		}
		return ids, disabled
	}

	if _, err := RemovePartner(ctx, a.client, stA, res[0].PartnerID, false); err != nil {
		t.Fatal(err)
	}
	before, disabled := syncUsers()
	if len(before) != 1 || disabled != 1 {
		t.Fatalf("after remove: sync users %v, %d disabled; want one, disabled", before, disabled)
	}
	snap := stA.Snapshot()
	prof, _ := snap.Profile("pa")
	if len(prof.SyncUsersDisabledByApp) != 1 || prof.SyncUsersDisabledByApp[0] != itoa(before[0]) {
		t.Fatalf("the profile does not remember the user the app disabled: %v", prof.SyncUsersDisabledByApp)
	}

	p, res = simPair(t, a, b, stA, nil, vouch(a, b))
	requireOK(t, p, res)
	after, disabled := syncUsers()
	if len(after) != 1 || after[0] != before[0] || disabled != 0 {
		t.Fatalf("pairing again: sync users %v (was %v), %d disabled; want the same user, enabled", after, before, disabled)
	}
	snap = stA.Snapshot()
	prof, _ = snap.Profile("pa")
	if len(prof.SyncUsersDisabledByApp) != 0 {
		t.Errorf("the re-enabled user is still listed as disabled by the app: %v", prof.SyncUsersDisabledByApp)
	}
	checkPaired(t, a, b)
}
