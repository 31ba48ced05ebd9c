package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

func TestSearchPartners(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, samplePartners())
	s := newTestShell(t, dir, testPassphrase)
	p := s.partners

	if got := p.list.Length(); got != 3 {
		t.Fatalf("the list shows %d partners, want 3", got)
	}
	if first := p.shown[0].Org.Name; first != "Contoso SOC" {
		t.Errorf("the most recent pairing should come first, got %q", first)
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"acme", []string{"ACME CERT"}},                 // org name, other case
		{"0A1B2C3D", []string{"Northwind CSIRT"}},       // part of the UUID, other case
		{"northwind.test", []string{"Northwind CSIRT"}}, // e-mail domain and URL
		{"198.51.100", []string{"Northwind CSIRT"}},     // egress address
		{"misp.", []string{"Contoso SOC", "ACME CERT"}},
		{"nobody-has-this", nil},
		{"", []string{"Contoso SOC", "Northwind CSIRT", "ACME CERT"}},
	} {
		p.search.SetText("")
		test.Type(p.search, c.query)
		var got []string
		for _, partner := range p.shown {
			got = append(got, partner.Org.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") || p.list.Length() != len(c.want) {
			t.Errorf("search %q shows %v, want %v", c.query, got, c.want)
		}
		if len(c.want) == 0 && !strings.Contains(p.empty.Text, "No partner matches") {
			t.Errorf("search %q with no result says %q", c.query, p.empty.Text)
		}
	}
}

func TestCtrlFFocusesSearch(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	s.tabs.SelectIndex(2)
	c := s.window.Canvas()
	s.focusSearch(shortcutFind)
	if s.tabs.SelectedIndex() != 0 {
		t.Errorf("Ctrl+F left tab %d selected, want the partners", s.tabs.SelectedIndex())
	}
	if c.Focused() != s.partners.search {
		t.Errorf("Ctrl+F focused %T, want the search box", c.Focused())
	}
}

func TestPartnerDetailsShowEverything(t *testing.T) {
	dir := t.TempDir()
	partners := samplePartners()
	partners[0].OnOurMISP.Org.ID, partners[0].OnOurMISP.Org.Outcome = "12", "reused"
	partners[0].OnOurMISP.SyncUser.ID, partners[0].OnOurMISP.SyncUserEmail = "34", "sync-1111@mispbump.invalid"
	partners[0].OnOurMISP.Server.ID, partners[0].OnOurMISP.Server.Outcome = "56", "created"
	partners[0].NotificationSettings = &pairing.NotificationSettings{Version: "1", Formats: []string{"MISP", "CSV"},
		Emails: []pairing.NotificationEmail{{Address: "abuse@acme.example", PGPFingerprint: "4F2A9C1E77B03D58E6A10B92C4D735E819FA6C02"}}}
	seedStore(t, dir, nil, partners)
	s := newTestShell(t, dir, testPassphrase)

	s.partners.list.Select(2) // ACME CERT, the oldest
	got := textsOf(s.partners.details)
	for _, want := range []string{"ACME CERT", "5f6e7d8c-aaaa-4bbb-8ccc-000000000001", "soc@acme.example",
		"https://misp.acme.example", "#12, reused", "sync-1111@mispbump.invalid", "#56, created", "MISP", "CSV", "abuse@acme.example", "4F2A"} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q; they show:\n%s", want, got)
		}
	}
}

func TestNewPairingNeedsLoginThenOpensWizard(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{{ID: "dmz", Name: "DMZ", URL: simURL}}, nil) // key not stored
	s := newTestShell(t, dir, testPassphrase)

	s.newPairing()
	if got := overlayText(s.window); !strings.Contains(strings.ToLower(got), "log in to dmz") || s.tabs.SelectedIndex() != 1 {
		t.Fatalf("Ctrl+N without a login should point to the MISP tab; tab %d, dialog:\n%s", s.tabs.SelectedIndex(), got)
	}
	s.window.Canvas().Overlays().Top().Hide()

	p := s.profiles
	test.Type(p.authkey, sim.AdminKey())
	p.onLogin()
	before := len(s.app.Driver().AllWindows())
	s.newPairing()
	windows := s.app.Driver().AllWindows()
	if len(windows) != before+1 {
		t.Fatalf("Ctrl+N after login opened %d windows, want 1", len(windows)-before)
	}
	windows[len(windows)-1].Close()
	s.wizards.Wait() // its closing reloads the partners tab
}

func TestUnfinishedPairingsResume(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	started := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	alone := store.PendingPairing{ID: "pp-alone", ProfileID: "internal", StartedAt: started,
		Partner: store.Partner{Org: store.PartnerOrg{Name: "ACME CERT"},
			OnOurMISP: store.OnOurMISP{Org: store.ObjectRef{ID: "7", Outcome: store.Created}}},
		Creds:     &store.PartnerCreds{SyncAuthkey: strings.Repeat("k", 40), SyncUserEmail: "sync@acme.example"},
		StepsDone: []string{session.StepOrg, session.StepSyncUser, session.StepKey}}
	again := store.PendingPairing{ID: "pp-again", ProfileID: "internal", StartedAt: started,
		Partner: store.Partner{Org: store.PartnerOrg{Name: "Northwind CSIRT"}}}
	elsewhere := store.PendingPairing{ID: "pp-dmz", ProfileID: "dmz", StartedAt: started,
		Partner: store.Partner{Org: store.PartnerOrg{Name: "Contoso SOC"}}}
	if session.ResumeCase(alone) != session.ResumeFinishAlone || session.ResumeCase(again) != session.ResumeNewSession {
		t.Fatalf("the seeded pairings do not cover both cases: %v, %v", session.ResumeCase(alone), session.ResumeCase(again))
	}
	dir := t.TempDir()
	seedStoreWith(t, dir, func(d *store.Data) {
		d.Profiles = []store.Profile{
			{ID: "internal", Name: "Internal", URL: simURL}, // key not stored: no login at start
			{ID: "dmz", Name: "DMZ", URL: "https://dmz.example"},
		}
		d.Pending = []store.PendingPairing{alone, again, elsewhere}
	})
	s := newTestShell(t, dir, testPassphrase)
	s.profiles.active = "internal"
	s.partners.reload()

	got := textsOf(s.partners.pending)
	for _, want := range []string{"ACME CERT", "Finishes alone: we hold the partner's key",
		"Northwind CSIRT", "Needs a new face-to-face exchange"} {
		if !strings.Contains(got, want) {
			t.Errorf("the unfinished pairings lack %q; they show:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Contoso SOC") {
		t.Errorf("another profile's unfinished pairing is listed:\n%s", got)
	}
	if strings.Contains(got, strings.Repeat("k", 40)) {
		t.Error("the partner's key is on screen")
	}

	t.Run("needs a login", func(t *testing.T) {
		tapButton(t, s.partners.pending, "Resume")
		if msg := overlayText(s.window); !strings.Contains(strings.ToLower(msg), "log in to internal") || s.tabs.SelectedIndex() != 1 {
			t.Fatalf("Resume without a login should point to the MISP tab; tab %d, dialog:\n%s", s.tabs.SelectedIndex(), msg)
		}
		s.window.Canvas().Overlays().Top().Hide()
	})

	t.Run("opens the wizard on it", func(t *testing.T) {
		test.Type(s.profiles.authkey, sim.AdminKey())
		s.profiles.onLogin()
		if s.profiles.sessions["internal"] == nil {
			t.Fatalf("login failed: %s", s.profiles.message.Text)
		}
		before := len(s.app.Driver().AllWindows())
		tapButton(t, s.partners.pending, "Resume") // the first: ACME CERT, which finishes alone
		windows := s.app.Driver().AllWindows()
		if len(windows) != before+1 {
			t.Fatalf("Resume opened %d windows, want 1", len(windows)-before)
		}
		w := windows[len(windows)-1]
		defer func() {
			w.Close()
			s.wizards.Wait() // its closing reloads the partners tab
		}()
		if !strings.HasPrefix(w.Title(), "Resume pairing") {
			t.Errorf("the window is %q, not the wizard resuming", w.Title())
		}
		text := textsOf(w.Content())
		if !strings.Contains(text, "Resuming the pairing with ACME CERT") || !strings.Contains(text, "can finish alone") {
			t.Errorf("the wizard does not resume ACME CERT's pairing:\n%s", text)
		}
	})
}

// At the window's default size the "no partners yet" text is shown whole:
// as wide as the list and as tall as its wrapped lines need.
func TestPartnersEmptyStateNotClipped(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	s.window.Resize(fyne.NewSize(960, 640))
	s.tabs.SelectIndex(0)
	e := s.partners.empty
	if !strings.Contains(e.Text, "No partners yet") {
		t.Fatalf("empty state says %q", e.Text)
	}
	size := e.Size()
	if size.Width < 250 {
		t.Errorf("the empty-state text gets %v wide: it wraps into a narrow column", size)
	}
	if need := e.MinSize().Height; size.Height+0.5 < need {
		t.Errorf("the empty-state text gets %v high, its lines need %v: cut off", size.Height, need)
	}
}

// The sync user's e-mail is one long word: it stays on one line (cut with
// an ellipsis when the column is narrow, never broken mid-word) and its
// Copy button copies it whole.
func TestSyncUserEmailNotBrokenMidWord(t *testing.T) {
	dir := t.TempDir()
	partners := samplePartners()
	email := "mispbump-sync-3f2504e0-4f89-41d3-9a0c@cert-ruritania.example"
	partners[0].OnOurMISP.SyncUser.ID, partners[0].OnOurMISP.SyncUserEmail = "34", email
	seedStore(t, dir, nil, partners)
	s := newTestShell(t, dir, testPassphrase)
	s.window.Resize(fyne.NewSize(960, 640))
	s.partners.open(partners[0].ID)

	var field *widget.Label
	var copyButton *widget.Button
	for _, f := range findForms(s.partners.details) {
		for _, it := range f.Items {
			if it.Text == "Sync user e-mail" {
				c := it.Widget.(*fyne.Container)
				for _, o := range c.Objects {
					switch w := o.(type) {
					case *widget.Label:
						field = w
					case *widget.Button:
						copyButton = w
					}
				}
			}
			if it.Text == "Sync user" && strings.Contains(textsOf(it.Widget), "@") {
				t.Errorf("the e-mail is still in the wrapping Sync user row: %q", textsOf(it.Widget))
			}
		}
	}
	if field == nil || copyButton == nil {
		t.Fatalf("no Sync user e-mail row with a Copy button in:\n%s", textsOf(s.partners.details))
	}
	if field.Text != email || field.Wrapping != fyne.TextWrapOff || field.Truncation != fyne.TextTruncateEllipsis {
		t.Errorf("e-mail shown as %q, wrapping %v, truncation %v", field.Text, field.Wrapping, field.Truncation)
	}
	test.Tap(copyButton)
	if got := s.app.Clipboard().Content(); got != email {
		t.Errorf("Copy put %q on the clipboard", got)
	}
}

func findForms(o fyne.CanvasObject) []*widget.Form {
	var out []*widget.Form
	switch w := o.(type) {
	case *widget.Form:
		out = append(out, w)
	case *fyne.Container:
		for _, c := range w.Objects {
			out = append(out, findForms(c)...)
		}
	case *container.Scroll:
		out = append(out, findForms(w.Content)...)
	case *widget.Card:
		out = append(out, findForms(w.Content)...)
	}
	return out
}
