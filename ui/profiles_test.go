package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
)

// startSim runs a simulated MISP for one test.
func startSim(t *testing.T, cfg mispsim.Config) (*mispsim.Sim, string) {
	t.Helper()
	sim := mispsim.New(cfg)
	u, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim, u
}

// fillLogin types a profile into the MISP tab's form and submits it.
func fillLogin(p *profilesTab, name, url, key string) {
	p.list.UnselectAll()
	p.edit("")
	test.Type(p.name, name)
	test.Type(p.url, url)
	test.Type(p.authkey, key)
	p.authkey.OnSubmitted(p.authkey.Text)
}

// The store is shared by the login tests: opening one costs a deliberately
// slow key derivation.
func TestLogin(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles

	sim, simURL := startSim(t, mispsim.Config{Name: "A", HostOrgName: "CIRCL Test", HostOrgIDSet: true})

	t.Run("success", func(t *testing.T) {
		fillLogin(p, "Internal", simURL, sim.AdminKey())
		if p.sessions[p.selected] == nil {
			t.Fatalf("not logged in; message: %q", p.message.Text)
		}
		screen := textsOf(s.window.Content())
		for _, want := range []string{"CIRCL Test", sim.InstanceUUID(), sim.Version(), "does not expire"} {
			if !strings.Contains(screen, want) {
				t.Errorf("after login the screen lacks %q:\n%s", want, screen)
			}
		}
		if !strings.Contains(s.status.Text, "CIRCL Test") || !strings.Contains(s.status.Text, sim.Version()) {
			t.Errorf("status line %q does not name the org and version", s.status.Text)
		}
		if strings.Contains(screen, sim.AdminKey()) || p.authkey.Text != "" {
			t.Error("the authkey is visible after login")
		}
		prof := profileOf(t, s, p.selected)
		if prof.Authkey != sim.AdminKey() || prof.LastLogin == nil || prof.LastLogin.InstanceUUID != sim.InstanceUUID() {
			t.Errorf("profile not saved with key and login: %+v", prof.LastLogin)
		}
		if got := s.vault.Snapshot().Preferences.ActiveProfileID; got != p.selected {
			t.Errorf("the store's active profile is %q, want the one logged in to, %q", got, p.selected)
		}
	})

	t.Run("key not stored when asked", func(t *testing.T) {
		p.list.UnselectAll()
		p.edit("")
		p.remember.SetChecked(false)
		test.Type(p.name, "DMZ")
		test.Type(p.url, simURL)
		test.Type(p.authkey, sim.AdminKey())
		p.onLogin()
		prof := profileOf(t, s, p.selected)
		if p.sessions[p.selected] == nil || prof.Authkey != "" {
			t.Fatalf("want a login without a stored key; logged in %v, key stored %v", p.sessions[p.selected] != nil, prof.Authkey != "")
		}
		if len(s.vault.Snapshot().Profiles) != 2 {
			t.Errorf("want two saved profiles, got %d", len(s.vault.Snapshot().Profiles))
		}
	})

	t.Run("key expiry shown", func(t *testing.T) {
		// mispsim does not send MISP's X-Auth-Key-Expiration header, so the
		// expiry is set on the login the client returned.
		expires := time.Now().Add(72 * time.Hour)
		p.sessions[p.selected].login.KeyExpiry = expires
		p.showInfo()
		if got := textsOf(p.info); !strings.Contains(got, expires.Local().Format("2 Jan 2006")) || !strings.Contains(got, "soon") {
			t.Errorf("the key's expiry is not shown; info:\n%s", got)
		}
	})

	_, userKey := sim.AddUser(mispsim.User{OrgID: 1, RoleID: mispsim.RoleUser, Email: "analyst@example.org"})
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	stripAccept := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept") // as a proxy that rewrites headers would
		sim.ServeHTTP(w, r)
	}))
	defer stripAccept.Close()
	notMISP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>It works!</body></html>"))
	}))
	defer notMISP.Close()

	for _, c := range []struct {
		name, url, key, want string
	}{
		{"bad key", simURL, mispsim.NewKey(), "refused the authkey"},
		{"not a site admin", simURL, userKey, "not a site admin"},
		// core/misp maps the 403 of the admin calls after users/view/me to
		// KindNotSiteAdmin, whose message names the read-only flag.
		{"read-only key", simURL, sim.ReadOnlyKey(), "it is a read-only key"},
		{"unreachable", closedURL, sim.AdminKey(), "cannot be reached"},
		{"redirect to login", stripAccept.URL, sim.AdminKey(), "redirect to its login page"},
		{"not a URL", "misp.example.org", sim.AdminKey(), "starts with https://"},
		{"wrong scheme", "htp://misp.example.org", sim.AdminKey(), `starts with "htp", not "https" or "http"`},
		{"a web server, not MISP", notMISP.URL, sim.AdminKey(), "does not look like a MISP — check the URL"},
		{"no key", simURL, "", "Enter the authkey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fillLogin(p, c.name, c.url, c.key)
			if !strings.Contains(p.message.Text, c.want) {
				t.Errorf("message %q does not say %q", p.message.Text, c.want)
			}
			if p.sessions[p.selected] != nil {
				t.Error("logged in although the login failed")
			}
			if c.key != "" && strings.Contains(textsOf(s.window.Content()), c.key) {
				t.Error("the authkey appears on screen")
			}
		})
	}
}

func TestLoginTrustCertificate(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles

	sim := mispsim.New(mispsim.Config{Name: "self-signed"})
	simURL, err := sim.StartTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	fillLogin(p, "Self-signed", simURL, sim.AdminKey())
	if p.sessions[p.selected] != nil {
		t.Fatal("logged in to an untrusted certificate without asking")
	}
	dialogText := overlayText(s.window)
	if !strings.Contains(dialogText, "SHA-256") || !strings.Contains(dialogText, "self-signed") {
		t.Fatalf("no trust dialog with the fingerprint; overlay shows:\n%s", dialogText)
	}
	tapButton(t, s.window.Canvas().Overlays().Top(), "Trust this certificate")
	if p.sessions[p.selected] == nil {
		t.Fatalf("not logged in after trusting the certificate; message %q", p.message.Text)
	}
	prof := profileOf(t, s, p.selected)
	if prof.Certificate == nil || !strings.Contains(dialogText, fingerprintGroups(prof.Certificate.SHA256)) {
		t.Errorf("the pinned certificate is not the one shown: %+v", prof.Certificate)
	}
	if prof.Authkey != sim.AdminKey() {
		t.Error("the key was not kept across the trust step")
	}
}

// fingerprintGroups is the start of a fingerprint as the dialog writes it.
func fingerprintGroups(hex string) string {
	return strings.ToUpper(hex[:2]) + ":" + strings.ToUpper(hex[2:4])
}

func profileOf(t *testing.T, s *shell, id string) store.Profile {
	t.Helper()
	d := s.vault.Snapshot()
	prof, ok := d.Profile(id)
	if !ok {
		t.Fatalf("no profile %q in the store", id)
	}
	return *prof
}

// TestInstanceKeyAfterLogin: the login reads our instance's signing key and
// shows its fingerprint, or says in words that the MISP has none.
func TestInstanceKeyAfterLogin(t *testing.T) {
	withKey, withKeyURL := startSim(t, mispsim.Config{Name: "A", GPGKeyArmored: protected.DemoKey(0)})
	without, withoutURL := startSim(t, mispsim.Config{Name: "B"})
	want, err := protected.ParseKey(protected.DemoKey(0), "test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles

	fillLogin(p, "With key", withKeyURL, withKey.AdminKey())
	sess := p.sessions[p.selected]
	if sess == nil || sess.ownKey == nil {
		t.Fatalf("no instance key after login; message %q", p.message.Text)
	}
	if own, err := p.ownKeyFor(p.selected); own == nil || err != nil || own.Fingerprint != want.Fingerprint {
		t.Errorf("ownKeyFor = %v, %v; want %s", own, err, want.Fingerprint)
	}
	if got := textsOf(p.info); !strings.Contains(got, "Instance signing key") || !strings.Contains(got, protected.FormatFingerprint(want.Fingerprint)) {
		t.Errorf("the login summary lacks the key's fingerprint:\n%s", got)
	}

	fillLogin(p, "Without key", withoutURL, without.AdminKey())
	if p.sessions[p.selected] == nil {
		t.Fatalf("not logged in; message %q", p.message.Text)
	}
	if got := textsOf(p.info); !strings.Contains(got, "publishes no PGP instance key") || !strings.Contains(got, "Pairing works without it") {
		t.Errorf("the login summary does not say the MISP has no key:\n%s", got)
	}
}

// TestLoginRevokesAbandonedKeys: keys an aborted pairing left on our MISP
// are revoked at the next login, and the login says so.
func TestLoginRevokesAbandonedKeys(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "A"})
	org := sim.AddOrg(mispsim.Org{Name: "Aborted Partner"})
	user, _ := sim.AddUser(mispsim.User{OrgID: org.ID, RoleID: mispsim.RoleSyncUser, Email: "sync@aborted.example"})
	key, raw, err := sim.AddAuthKey(user.ID, mispsim.AuthKeyOptions{Comment: "MISPbump: aborted pairing"})
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(key.ID)
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey(),
		KeysPendingRevocation: []store.MintedKey{{ID: id, UserID: fmt.Sprint(user.ID), Comment: key.Comment}}}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, nil)
	s := newTestShell(t, dir, testPassphrase)

	if s.profiles.sessions[profile.ID] == nil {
		t.Fatalf("no login at start: %q", s.profiles.message.Text)
	}
	if sim.KeyWorks(raw) {
		t.Error("the abandoned key still works after the login")
	}
	if !strings.Contains(s.profiles.message.Text, "Revoked key #"+id) {
		t.Errorf("the login does not say it revoked the key: %q", s.profiles.message.Text)
	}
	snap := s.vault.Snapshot()
	if p, _ := snap.Profile(profile.ID); len(p.KeysPendingRevocation) != 0 {
		t.Errorf("the profile still lists keys to revoke: %+v", p.KeysPendingRevocation)
	}
}

// TestNotificationSettingsOfAProfile: "How we want to be notified…" opens
// the editor with the profile's settings and saves the change in the store.
func TestNotificationSettingsOfAProfile(t *testing.T) {
	profile := store.Profile{ID: "internal", Name: "Internal", URL: "https://misp.internal.example",
		Notifications: &pairing.NotificationSettings{Version: "1", Formats: []string{"MISP"},
			Emails: []pairing.NotificationEmail{{Address: "cert@example.org"}}}}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles
	if p.selected != profile.ID {
		t.Fatalf("the form shows profile %q, want %q", p.selected, profile.ID)
	}

	tapButton(t, s.window.Content(), "How we want to be notified…")
	top := s.window.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("the notification settings editor did not open")
	}
	entries := findEntries(top)
	if len(entries) == 0 || entries[0].Text != "cert@example.org" {
		t.Fatalf("the editor does not show the profile's address; entries: %d", len(entries))
	}
	entries[0].SetText("soc@example.org")
	tapButton(t, top, "Save notification settings")

	snap := s.vault.Snapshot()
	got, _ := snap.Profile(profile.ID)
	if got.Notifications == nil || len(got.Notifications.Emails) != 1 || got.Notifications.Emails[0].Address != "soc@example.org" {
		t.Errorf("the store holds %+v, want the new address", got.Notifications)
	}
	if !strings.Contains(textsOf(top), "Saved") {
		t.Errorf("the editor does not say it saved:\n%s", textsOf(top))
	}
	top.Hide()

	p.list.UnselectAll()
	p.edit("") // a new profile is not saved yet: nothing to attach settings to
	if !p.notify.Disabled() {
		t.Error("the notification settings can be edited for an unsaved profile")
	}
}

// TestActiveProfileFromTheStore: the app opens on the store's active
// profile, and carries over, once, the one older versions kept in Fyne's
// preferences.
func TestActiveProfileFromTheStore(t *testing.T) {
	profiles := []store.Profile{{ID: "p1", Name: "Internal", URL: "https://misp.internal.example"}, {ID: "p2", Name: "DMZ", URL: "https://misp.dmz.example"}}
	open := func(t *testing.T, dir, fynePref string) *shell {
		storetest.UseCheapKeyDerivation(t)
		a := test.NewTempApp(t)
		if fynePref != "" {
			a.Preferences().SetString(prefActiveProfile, fynePref)
		}
		s := newShellWith(a, Options{DataDir: dir, Passphrase: testPassphrase}, inline, inline)
		t.Cleanup(func() { s.window.Close() })
		return s
	}

	// seedWithP2Active is a store whose active profile is p2.
	seedWithP2Active := func(t *testing.T) string {
		dir := t.TempDir()
		seedStoreWith(t, dir, func(d *store.Data) {
			d.Profiles = append(d.Profiles, profiles...)
			d.Preferences.ActiveProfileID = "p2"
		})
		return dir
	}

	t.Run("the store's choice wins", func(t *testing.T) {
		s := open(t, seedWithP2Active(t), "p1")
		if s.profiles.active != "p2" {
			t.Errorf("active profile %q, want the store's p2", s.profiles.active)
		}
	})

	t.Run("carried over from Fyne's preferences once", func(t *testing.T) {
		dir := t.TempDir()
		seedStore(t, dir, profiles, nil)
		s := open(t, dir, "p2")
		if s.profiles.active != "p2" {
			t.Errorf("active profile %q, want p2 from Fyne's preferences", s.profiles.active)
		}
		if got := s.vault.Snapshot().Preferences.ActiveProfileID; got != "p2" {
			t.Errorf("the store's active profile is %q after the carry-over, want p2", got)
		}
		if got := s.app.Preferences().String(prefActiveProfile); got != "" {
			t.Errorf("Fyne's preference still holds %q after the carry-over", got)
		}
	})

	t.Run("deleting the active profile forgets it", func(t *testing.T) {
		s := open(t, seedWithP2Active(t), "")
		s.profiles.edit("p2")
		s.profiles.onDelete()
		tapButton(t, s.window.Canvas().Overlays().Top(), "Yes")
		if got := s.vault.Snapshot().Preferences.ActiveProfileID; got != "" {
			t.Errorf("the store's active profile is %q after deleting it", got)
		}
	})
}

// TestLoginKeepsTheStoredKeyToItsOrigin: a stored site-admin key is only
// sent to the origin it was stored for; a failed login saves nothing; a
// stored key MISP refused is dropped.
func TestLoginKeepsTheStoredKeyToItsOrigin(t *testing.T) {
	simA, urlA := startSim(t, mispsim.Config{Name: "A"})
	simB, urlB := startSim(t, mispsim.Config{Name: "B"})
	saved := store.Profile{ID: "pa", Name: "Alpha", URL: urlA, Authkey: simA.AdminKey()}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{saved}, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles
	unchanged := func(t *testing.T) {
		t.Helper()
		got := profileOf(t, s, "pa")
		if got.URL != saved.URL || got.Name != saved.Name || got.Authkey != saved.Authkey {
			t.Errorf("the saved profile changed: %s, %s, key kept %v", got.Name, got.URL, got.Authkey == saved.Authkey)
		}
	}

	t.Run("changed URL with an empty key field asks for the key", func(t *testing.T) {
		p.edit("pa")
		p.url.SetText(urlB)
		p.authkey.SetText("")
		p.onLogin()
		if !strings.Contains(p.message.Text, "only ever sent to the MISP it was stored for") || !strings.Contains(p.message.Text, "nter the authkey") {
			t.Errorf("message %q does not ask for the key", p.message.Text)
		}
		if n := simB.RequestCount("GET", "/users/view/me"); n != 0 {
			t.Errorf("the new address got %d login requests", n)
		}
		if sess := p.sessions["pa"]; sess != nil && misp.SameOrigin(sess.client.BaseURL(), urlB) {
			t.Error("logged in to the new address")
		}
		unchanged(t)
	})

	t.Run("a refused key does not overwrite the saved profile", func(t *testing.T) {
		p.edit("pa")
		p.url.SetText(urlB)
		p.authkey.SetText(mispsim.NewKey())
		p.onLogin()
		if !strings.Contains(p.message.Text, "refused the authkey") {
			t.Errorf("message %q", p.message.Text)
		}
		unchanged(t)
	})

	t.Run("a new profile whose login fails is not saved", func(t *testing.T) {
		fillLogin(p, "Beta", urlB, mispsim.NewKey())
		if n := len(s.vault.Snapshot().Profiles); n != 1 {
			t.Errorf("%d profiles saved, want only the first", n)
		}
	})

	t.Run("the same origin uses the stored key", func(t *testing.T) {
		p.edit("pa")
		p.authkey.SetText("")
		p.onLogin()
		if p.sessions["pa"] == nil {
			t.Fatalf("not logged in with the stored key: %q", p.message.Text)
		}
		unchanged(t)
	})

	t.Run("a stored key MISP refuses is not kept", func(t *testing.T) {
		revoked := mispsim.NewKey()
		if err := s.vault.Update(func(d *store.Data) error {
			pr, _ := d.Profile("pa")
			pr.Authkey = revoked
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p.reload()
		p.edit("pa")
		p.onLogin()
		if !strings.Contains(p.message.Text, "refused the authkey") || !strings.Contains(p.message.Text, "no longer kept") {
			t.Errorf("message %q", p.message.Text)
		}
		got := profileOf(t, s, "pa")
		if got.Authkey != "" || got.URL != urlA {
			t.Errorf("after the refusal: key kept %v, URL %s", got.Authkey != "", got.URL)
		}
		if strings.Contains(textsOf(s.window.Content()), revoked) {
			t.Error("the refused key is on screen")
		}
	})
}
