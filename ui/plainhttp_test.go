package ui

import (
	"image/png"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// The login summary warns when our MISP is reached over plain http:// on
// another machine (the keys would cross the network unencrypted), and stays
// quiet for a MISP on this machine.
func TestLoginSummaryWarnsAboutPlainHTTP(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "A"})
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles

	fillLogin(p, "Local", simURL, sim.AdminKey())
	sess := p.sessions[p.selected]
	if sess == nil {
		t.Fatalf("not logged in; message %q", p.message.Text)
	}
	if got := p.message.Text; got != "Logged in." && !strings.HasPrefix(got, "Logged in. Revoked") {
		t.Errorf("a MISP on this machine (%s) got more than \"Logged in.\": %q", simURL, got)
	}

	// The same login, as if the MISP were another machine reached over
	// http:// (no request is made: the summary shows the stored login).
	remote, err := misp.New("http://misp.partner.example", sim.AdminKey(), misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sess.client = remote
	p.onLoggedIn(p.selected, sess)
	got := p.message.Text
	if !strings.HasPrefix(got, "Logged in.") || !strings.Contains(got, "unencrypted") || !strings.Contains(got, "https://") {
		t.Errorf("no plain-http warning after logging in to %s: %q", remote.BaseURL(), got)
	}
	if got, need := p.message.Size().Height, p.message.MinSize().Height; got < need {
		t.Errorf("the warning is cut off: %v high, its text needs %v", got, need)
	}
	if p.message.Importance != widget.WarningImportance {
		t.Errorf("the warning is shown as %v, not as a warning", p.message.Importance)
	}
	if strings.Contains(got, sim.AdminKey()) || strings.Contains(textsOf(p.info), sim.AdminKey()) {
		t.Error("the login message or summary shows the authkey")
	}
	if path := os.Getenv("MISPBUMP_SHOT"); path != "" { // a look at it: MISPBUMP_SHOT=x.png go test -run PlainHTTP ./ui
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, s.window.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
}
