package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// pairedOnSim seeds sim with what a pairing leaves behind (partner org, sync
// user, server entry) and returns the partner record of it.
func pairedOnSim(sim *mispsim.Sim, profileID string, serverOutcome store.Outcome) (store.Partner, mispsim.Org, mispsim.User, mispsim.Server) {
	org := sim.AddOrg(mispsim.Org{Name: "ACME CERT", UUID: "5f6e7d8c-aaaa-4bbb-8ccc-000000000001"})
	user, _ := sim.AddUser(mispsim.User{OrgID: org.ID, RoleID: mispsim.RoleSyncUser, Email: "sync-acme@mispbump.invalid"})
	srv := sim.AddServer(mispsim.Server{Name: "ACME CERT", URL: "https://misp.acme.example", RemoteOrgID: org.ID, Authkey: mispsim.NewKey(), Pull: true})
	p := samplePartners()[0]
	p.ProfileID = profileID
	p.OnOurMISP = store.OnOurMISP{
		Org:           store.ObjectRef{ID: fmt.Sprint(org.ID), Outcome: store.Created},
		SyncUser:      store.ObjectRef{ID: fmt.Sprint(user.ID), Outcome: store.Created},
		SyncUserEmail: user.Email,
		Server:        store.ObjectRef{ID: fmt.Sprint(srv.ID), Outcome: serverOutcome},
	}
	return p, org, user, srv
}

func TestRemovePartner(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	created, org, user, srv := pairedOnSim(sim, profile.ID, store.Created)
	reused, _, user2, srv2 := pairedOnSim(sim, profile.ID, store.Reused)
	reused.ID, reused.Org.Name = "p-reused", "Reused Server Org"

	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{created, reused})
	s := newTestShell(t, dir, testPassphrase)
	if s.profiles.sessions[profile.ID] == nil {
		t.Fatalf("the profile with a stored key did not log in at start: %q", s.profiles.message.Text)
	}

	t.Run("created server is deleted, user disabled, org kept", func(t *testing.T) {
		d := newPartnerDetails(s, created)
		d.content()
		d.onRemove()
		plan := overlayText(s.window)
		for _, want := range []string{
			"delete server entry #" + fmt.Sprint(srv.ID),
			"disable sync user #" + fmt.Sprint(user.ID),
			"keep organisation #" + fmt.Sprint(org.ID),
		} {
			if !strings.Contains(plan, want) {
				t.Errorf("the removal plan lacks %q; it says:\n%s", want, plan)
			}
		}
		tapButton(t, s.window.Canvas().Overlays().Top(), "Remove")

		for _, sv := range sim.Servers() {
			if sv.ID == srv.ID {
				t.Error("the server entry the app created is still there")
			}
		}
		if u := findSimUser(sim, user.ID); u == nil || !u.Disabled {
			t.Errorf("the sync user should be disabled, not deleted: %+v", u)
		}
		if !simHasOrg(sim, org.ID) {
			t.Error("the partner organisation was deleted")
		}
		said := overlayText(s.window)
		for _, want := range []string{"Deleted server entry #" + fmt.Sprint(srv.ID), "Disabled sync user " + user.Email, "Kept organisation #" + fmt.Sprint(org.ID)} {
			if !strings.Contains(said, want) {
				t.Errorf("after the removal the window does not say %q; it says:\n%s", want, said)
			}
		}
		s.window.Canvas().Overlays().Top().Hide()
		for _, p := range s.partners.all {
			if p.ID == created.ID {
				t.Error("the partner is still listed")
			}
		}
	})

	t.Run("reused server is kept, user deleted on request", func(t *testing.T) {
		d := newPartnerDetails(s, reused)
		d.content()
		d.remove(true)
		found := false
		for _, sv := range sim.Servers() {
			found = found || sv.ID == srv2.ID
		}
		if !found {
			t.Error("a server entry the app did not create was deleted")
		}
		if u := findSimUser(sim, user2.ID); u != nil {
			t.Errorf("the sync user should be deleted on request: %+v", u)
		}
		if len(s.vault.Snapshot().Partners) != 0 {
			t.Error("the partner record was not forgotten")
		}
	})
}

func TestRemovePartnerNeedsLogin(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	profile := store.Profile{ID: "dmz", Name: "DMZ", URL: simURL} // key not stored: no login at start
	p, _, _, srv := pairedOnSim(sim, profile.ID, store.Created)
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)

	newPartnerDetails(s, p).remove(false)
	if got := overlayText(s.window); !strings.Contains(strings.ToLower(got), "log in to dmz") {
		t.Errorf("removal without a login should ask to log in; it shows:\n%s", got)
	}
	if len(s.vault.Snapshot().Partners) != 1 || len(sim.Servers()) == 0 || sim.Servers()[0].ID != srv.ID {
		t.Error("something was removed without a login")
	}
}

func findSimUser(sim *mispsim.Sim, id int) *mispsim.User {
	for _, u := range sim.Users() {
		if u.ID == id {
			return &u
		}
	}
	return nil
}

func simHasOrg(sim *mispsim.Sim, id int) bool {
	for _, o := range sim.Orgs() {
		if o.ID == id {
			return true
		}
	}
	return false
}

func TestRelayNeedsLogin(t *testing.T) {
	p := samplePartners()[0]
	p.ProfileID = "dmz"
	p.PGPKey = &store.PGPKey{Armored: "-----BEGIN PGP PUBLIC KEY BLOCK-----", Fingerprint: "4F2A9C1E77B03D58E6A10B92C4D735E819FA6C02"}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{{ID: "dmz", Name: "DMZ", URL: "https://misp.dmz.example"}}, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)

	d := newPartnerDetails(s, p)
	if !strings.Contains(textsOf(d.content()), "Allow this partner to relay my protected events") {
		t.Fatal("a partner with a PGP key offers no relay of protected events")
	}
	d.onRelay()
	if got := overlayText(s.window); !strings.Contains(strings.ToLower(got), "log in to dmz") {
		t.Errorf("relay without a login should ask to log in; it shows:\n%s", got)
	}
}

func TestRevokePendingKeysFromDetails(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	p, _, user, _ := pairedOnSim(sim, profile.ID, store.Created)
	old, oldRaw, err := sim.AddAuthKey(user.ID, mispsim.AuthKeyOptions{Comment: "MISPbump: first pairing"})
	if err != nil {
		t.Fatal(err)
	}
	current, currentRaw, err := sim.AddAuthKey(user.ID, mispsim.AuthKeyOptions{Comment: "MISPbump: new pairing"})
	if err != nil {
		t.Fatal(err)
	}
	p.MintedKeys = []store.MintedKey{{ID: fmt.Sprint(current.ID), Comment: current.Comment, UserID: fmt.Sprint(user.ID)}}
	p.KeysPendingRevocation = []store.MintedKey{{ID: fmt.Sprint(old.ID), Comment: old.Comment, UserID: fmt.Sprint(user.ID)}}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)

	s.partners.list.Select(0)
	got := textsOf(s.partners.details)
	if !strings.Contains(got, "1 earlier key of this partner's sync user is still valid") || !strings.Contains(got, "#"+fmt.Sprint(old.ID)) {
		t.Fatalf("the details do not say a key awaits revocation:\n%s", got)
	}
	tapButton(t, s.partners.details, "Revoke now")
	ask := s.window.Canvas().Overlays().Top()
	if ask == nil || !strings.Contains(textsOf(ask), "cannot be undone") || !strings.Contains(textsOf(ask), "#"+fmt.Sprint(old.ID)) {
		t.Fatal("Revoke now acted without asking, or the question does not name the key")
	}
	tapButton(t, ask, "Cancel")
	if !sim.KeyWorks(oldRaw) || s.window.Canvas().Overlays().Top() != nil {
		t.Fatal("Cancel revoked the key, or left the question open")
	}
	tapButton(t, s.partners.details, "Revoke now")
	tapButton(t, s.window.Canvas().Overlays().Top(), "Revoke")
	if got := overlayText(s.window); !strings.Contains(got, "Revoked key #"+fmt.Sprint(old.ID)) {
		t.Errorf("the result of the revocation is not shown; dialog:\n%s", got)
	}

	if sim.KeyWorks(oldRaw) {
		t.Error("the key pending revocation still works")
	}
	if !sim.KeyWorks(currentRaw) {
		t.Error("the partner's current key was revoked too")
	}
	if keys := s.vault.Snapshot().Partners[0].KeysPendingRevocation; len(keys) != 0 {
		t.Errorf("the record still lists keys to revoke: %+v", keys)
	}
	if got := textsOf(s.partners.details); strings.Contains(got, "Revoke now") || strings.Contains(got, "still valid") {
		t.Errorf("the details still offer to revoke:\n%s", got)
	}
}

// TestRelayOfferedOnlyForACheckedKey: partner details show both keys and
// offer the relay dialog, refused with the reason for a partner without a
// key or whose key raised an alarm when paired.
func TestRelayOfferedOnlyForACheckedKey(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "A", GPGKeyArmored: protected.DemoKey(0)})
	theirs, err := protected.ParseKey(protected.DemoKey(1), "test")
	if err != nil {
		t.Fatal(err)
	}
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	parts := samplePartners()
	good, none, alarm := parts[0], parts[1], parts[2]
	for _, p := range []*store.Partner{&good, &none, &alarm} {
		p.ProfileID = profile.ID
	}
	good.PGPKey = &store.PGPKey{Armored: theirs.Armored, Fingerprint: theirs.Fingerprint}
	good.PGPKeyCheck = &store.PGPKeyCheck{Fingerprint: theirs.Fingerprint, Verdict: "match", Message: "the partner's MISP publishes the same key"}
	alarm.PGPKey = good.PGPKey
	alarm.PGPKeyCheck = &store.PGPKeyCheck{Verdict: "mismatch", Message: "different key", Alarm: "the partner's MISP publishes another key than the one sent"}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{good, none, alarm})
	s := newTestShell(t, dir, testPassphrase)
	if s.profiles.sessions[profile.ID] == nil {
		t.Fatalf("no login at start: %q", s.profiles.message.Text)
	}
	ours, _ := protected.ParseKey(protected.DemoKey(0), "test")

	d := newPartnerDetails(s, good)
	text := textsOf(d.content())
	for _, want := range []string{protected.FormatFingerprint(ours.Fingerprint), protected.FormatFingerprint(theirs.Fingerprint),
		"Checked when paired: the partner's MISP publishes the same key", "Allow this partner to relay my protected events"} {
		if !strings.Contains(text, want) {
			t.Errorf("details of a partner with a checked key lack %q:\n%s", want, text)
		}
	}
	tapButton(t, d.content(), "Allow this partner to relay my protected events…")
	if got := overlayText(s.window); !strings.Contains(got, "Allow ACME CERT to relay my protected events") {
		t.Errorf("the relay dialog did not open; the overlay shows:\n%s", got)
	}
	s.window.Canvas().Overlays().Top().Hide()

	for _, c := range []struct {
		partner store.Partner
		why     string
	}{
		{none, "the partner sent no PGP instance key"},
		{alarm, "did not pass the check"},
	} {
		d := newPartnerDetails(s, c.partner)
		text := textsOf(d.content())
		if !strings.Contains(text, c.why) {
			t.Errorf("%s: the details do not say why the relay is refused (%q):\n%s", c.partner.Org.Name, c.why, text)
		}
		d.onRelay()
		if got := overlayText(s.window); !strings.Contains(got, c.why) || strings.Contains(got, "to relay my protected events") {
			t.Errorf("%s: the relay was not refused with the reason; the overlay shows:\n%s", c.partner.Org.Name, got)
		}
		s.window.Canvas().Overlays().Top().Hide()
	}
	if text := textsOf(newPartnerDetails(s, alarm).content()); !strings.Contains(text, "publishes another key than the one sent") {
		t.Errorf("the alarm is not shown:\n%s", text)
	}
}

func TestLastTestTextSaysWhoOurKeyIs(t *testing.T) {
	words := "The key logs in to the partner's MISP as sync-x@mispbump.invalid, role \"Sync user\", which can sync."
	got := lastTestText(&store.ConnectionTest{Status: 1, Message: "Connection OK", RemoteUser: words}, "OK")
	if !strings.Contains(got, "Connection OK") || !strings.Contains(got, words) {
		t.Errorf("partner details say %q", got)
	}
	if got := lastTestText(&store.ConnectionTest{Status: 1}, "OK"); got != "Last test: OK" {
		t.Errorf("without words: %q", got)
	}
}

func TestShortAddressesKeepsSentencesUnbroken(t *testing.T) {
	for in, want := range map[string]string{
		"The key logs in to the partner's MISP as sync-36ecd37d-9cae-45a6-9fa7-c253632922da@mispbump.invalid, role \"Sync user\", which can sync.": "The key logs in to the partner's MISP as sync-36ecd37d…, role \"Sync user\", which can sync.",
		"as admin@alpha.test, role":                    "as admin@alpha.test, role",
		"no address here":                              "no address here",
		"as ünïcödé-lönger-than-thirteen@example.org.": "as ünïcödé-lönge….",
	} {
		if got := shortAddresses(in); got != want {
			t.Errorf("shortAddresses(%q) = %q, want %q", in, got, want)
		}
	}
}

// A record whose server entry id now names another partner's entry is not
// removed, and the window says that nothing was.
func TestRemovePartnerRefusesAnotherPartnersEntry(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	p, _, user, _ := pairedOnSim(sim, profile.ID, store.Created)
	_, _, _, other := pairedOnSim(sim, profile.ID, store.Created)
	p.OnOurMISP.Server.ID = fmt.Sprint(other.ID)
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)

	d := newPartnerDetails(s, p)
	d.content()
	d.remove(false)
	said := overlayText(s.window)
	if !strings.Contains(said, p.Org.Name+" was not removed:") || !strings.Contains(said, "Nothing was removed") {
		t.Errorf("the refusal is not said plainly:\n%s", said)
	}
	if n := len(sim.Servers()); n != 2 {
		t.Errorf("%d server entries left, want 2", n)
	}
	if u := findSimUser(sim, user.ID); u == nil || u.Disabled {
		t.Errorf("the sync user was touched: %+v", u)
	}
	if n := len(s.vault.Snapshot().Partners); n != 1 {
		t.Errorf("%d records left, want 1", n)
	}
}
