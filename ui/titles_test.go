package ui

import (
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// The main window's title names the MISP it works on once logged in, so
// two app windows (or the taskbar) tell apart; the "Logged in as" card shows
// only once there is a login to show.
func TestMainWindowTitleNamesTheProfile(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	if got := s.window.Title(); got != "MISPbump" {
		t.Errorf("before a login the title is %q, want MISPbump", got)
	}
	if s.profiles.infoCard.Visible() {
		t.Error("the \"Logged in as\" card shows before a login")
	}
	fillLogin(s.profiles, "DMZ", simURL, sim.AdminKey())
	if !s.profiles.infoCard.Visible() || !strings.Contains(textsOf(s.profiles.info), "MISP version") {
		t.Errorf("after the login the \"Logged in as\" card is hidden or empty: %q", textsOf(s.profiles.info))
	}
	sess := s.profiles.sessions[s.profiles.active]
	if sess == nil {
		t.Fatalf("not logged in: %s", s.profiles.message.Text)
	}
	want := "MISPbump — DMZ (" + sess.login.HostOrg.Name + ")"
	if got := s.window.Title(); got != want || sess.login.HostOrg.Name == "" {
		t.Errorf("title %q, want %q", got, want)
	}
	if strings.Contains(s.window.Title(), sim.AdminKey()) {
		t.Error("the key is in the title")
	}
}
