package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// A server that accepts the connection and never answers: while "Logging
// in…" shows, a Cancel button ends the login at once, through the context
// down to the HTTP request.
func TestLoginToAServerThatNeverAnswersCanBeCanceled(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)

	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	p := s.profiles
	if p.cancelLogin.Visible() {
		t.Fatal("Cancel shows although no login runs")
	}
	finished := make(chan struct{}, 4)
	s.background = func(f func()) {
		go func() {
			f()
			finished <- struct{}{}
		}()
	}

	fillLogin(p, "Silent", hang.URL, "KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	if !strings.Contains(p.message.Text, "Logging in") || !p.cancelLogin.Visible() || !p.login.Disabled() {
		t.Fatalf("while logging in: message %q, Cancel shown %v, Log in disabled %v", p.message.Text, p.cancelLogin.Visible(), p.login.Disabled())
	}
	test.Tap(p.cancelLogin)
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the login did not end after Cancel")
	}
	if !strings.Contains(p.message.Text, "canceled") || p.cancelLogin.Visible() || p.login.Disabled() {
		t.Errorf("after Cancel: message %q, Cancel shown %v, Log in disabled %v", p.message.Text, p.cancelLogin.Visible(), p.login.Disabled())
	}
	if p.sessions[p.selected] != nil {
		t.Error("a canceled login counts as logged in")
	}
}
