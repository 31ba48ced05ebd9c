package session

import (
	"context"
	"strconv"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// A stored key to revoke is named by id, and an id alone can name another
// user's key (the profile pointed at another MISP since). A key is deleted
// only when our MISP lists it under the user the record names, with the
// comment the app gave it.
func TestStoredRevocationsDeleteOnlyKeysThatAreTheRecordsOwn(t *testing.T) {
	ctx := context.Background()
	a, _, st, id := pairedSims(t)
	snap := st.Snapshot()
	rec, _ := snap.Partner(id)
	syncUser := rec.OnOurMISP.SyncUser.ID

	admins, _, err := a.sim.AddAuthKey(a.sim.AdminUserID(), mispsim.AuthKeyOptions{Comment: "the admin's scripts"})
	if err != nil {
		t.Fatal(err)
	}
	spare, _, err := a.sim.AddAuthKey(mustAtoi(t, syncUser), mispsim.AuthKeyOptions{Comment: "MISPbump pairing 2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	pending := []store.MintedKey{
		{ID: itoa(admins.ID), UserID: syncUser, Comment: "MISPbump pairing 2026-01-01"},     // another user's key
		{ID: itoa(spare.ID), UserID: syncUser, Comment: "MISPbump pairing 2026-01-01"},      // ours
		{ID: itoa(admins.ID), UserID: itoa(a.sim.AdminUserID()), Comment: "something else"}, // the comment differs
	}
	if err := st.Update(func(d *store.Data) error {
		q, _ := d.Partner(id)
		q.KeysPendingRevocation = pending
		pr, ok := d.Profile(q.ProfileID)
		if !ok {
			d.Profiles = append(d.Profiles, store.Profile{ID: q.ProfileID, Name: "A", URL: a.client.BaseURL()})
			pr, _ = d.Profile(q.ProfileID)
		}
		pr.KeysPendingRevocation = pending
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := RevokePendingKeys(ctx, a.client, st, id); err != nil {
		t.Fatal(err)
	}
	if _, err := RevokeAbandonedKeys(ctx, a.client, st, rec.ProfileID); err != nil {
		t.Fatal(err)
	}
	var adminKept, spareGone = false, true
	for _, k := range a.sim.AuthKeys() {
		adminKept = adminKept || k.ID == admins.ID
		spareGone = spareGone && k.ID != spare.ID
	}
	if !adminKept {
		t.Error("the admin's key was deleted as a pending revocation of the partner's")
	}
	if !spareGone {
		t.Error("the record's own pending key was not revoked")
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
