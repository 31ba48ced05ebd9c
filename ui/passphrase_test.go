package ui

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
)

func TestFirstRunSetsPassphrase(t *testing.T) {
	dir := t.TempDir()
	s := newTestShell(t, dir, "")
	screen := s.window.Content()
	if !strings.Contains(textsOf(screen), "Welcome") {
		t.Fatalf("first run does not ask for a new passphrase; screen shows:\n%s", textsOf(screen))
	}
	entries := findEntries(screen)
	if len(entries) != 2 {
		t.Fatalf("want passphrase and repeat entries, got %d", len(entries))
	}

	test.Type(entries[0], "short")
	test.Type(entries[1], "shorter")
	entries[1].OnSubmitted(entries[1].Text)
	if got := textsOf(s.window.Content()); !strings.Contains(got, "differ") {
		t.Fatalf("different passphrases accepted; screen shows:\n%s", got)
	}
	if ok, _ := store.Exists(dir); ok {
		t.Fatal("a store was created although the passphrases differed")
	}

	entries[0].SetText("")
	entries[1].SetText("")
	test.Type(entries[0], testPassphrase)
	if got := textsOf(s.window.Content()); !strings.Contains(got, "Fair") && !strings.Contains(got, "Strong") {
		t.Errorf("no strength hint for a long passphrase; screen shows:\n%s", got)
	}
	test.Type(entries[1], testPassphrase)
	entries[1].OnSubmitted(entries[1].Text)
	if s.tabs == nil {
		t.Fatalf("the main window did not open; screen shows:\n%s", textsOf(s.window.Content()))
	}
	if _, err := store.Open(dir, []byte(testPassphrase)); err != nil {
		t.Fatalf("the store does not open with the chosen passphrase: %v", err)
	}
}

func TestWrongPassphraseSaysSoAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, samplePartners())
	before, err := os.ReadFile(store.Path(dir))
	if err != nil {
		t.Fatal(err)
	}

	s := newTestShell(t, dir, "")
	entries := findEntries(s.window.Content())
	if len(entries) != 1 {
		t.Fatalf("unlock should ask for one passphrase, got %d entries", len(entries))
	}
	test.Type(entries[0], "not the passphrase")
	entries[0].OnSubmitted(entries[0].Text)
	if got := textsOf(s.window.Content()); !strings.Contains(got, "Wrong passphrase") {
		t.Fatalf("a wrong passphrase is not reported as such; screen shows:\n%s", got)
	}
	if s.tabs != nil {
		t.Fatal("the main window opened with a wrong passphrase")
	}
	after, _ := os.ReadFile(store.Path(dir))
	if !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the store file")
	}

	test.Type(entries[0], testPassphrase)
	entries[0].OnSubmitted(entries[0].Text)
	if s.tabs == nil {
		t.Fatal("the right passphrase did not open the main window")
	}
	if n := len(s.partners.all); n != 3 {
		t.Fatalf("after unlock the list has %d partners, want 3", n)
	}
}

func TestChangePassphrase(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)

	d := showChangePassphrase(s.window, s.vault, inline)
	test.Type(d.current, "wrong current passphrase")
	test.Type(d.next, "a brand new passphrase")
	test.Type(d.repeat, "a brand new passphrase")
	d.dialog.Submit()
	if got := overlayText(s.window); !strings.Contains(got, "Wrong passphrase") {
		t.Fatalf("a wrong current passphrase is not reported; dialog shows:\n%s", got)
	}
	if _, err := store.Open(dir, []byte(testPassphrase)); err != nil {
		t.Fatalf("a failed change altered the store: %v", err)
	}
	s.window.Canvas().Overlays().Top().Hide()

	d = showChangePassphrase(s.window, s.vault, inline)
	test.Type(d.current, testPassphrase)
	test.Type(d.next, "a brand new passphrase")
	test.Type(d.repeat, "a brand new passphrase")
	d.dialog.Submit()
	if _, err := store.Open(dir, []byte("a brand new passphrase")); err != nil {
		t.Fatalf("the store does not open with the new passphrase: %v", err)
	}
}

func TestStrengthHint(t *testing.T) {
	for _, c := range []struct{ pass, want string }{
		{"password", "Weak"},
		{"Tr0ub4dor&3", "Fair"},
		{"1234567", "Weak"},
		{"correct horse battery", "Fair"},
		{"correct horse battery staple", "Strong"},
	} {
		if got := strengthHint(c.pass); !strings.HasPrefix(got, c.want) {
			t.Errorf("strengthHint(%q) = %q, want %s", c.pass, got, c.want)
		}
	}
}

// fieldThinksFocused reads widget.Entry's own idea of its focus. Fyne keeps
// it unexported; a field that still thinks it has the focus keeps its
// cursor blinking, an animation that repaints the window 60 times a second
// (docs/PERFORMANCE-UI.md, "Idle at the MISP tab").
func fieldThinksFocused(t *testing.T, e *widget.Entry) bool {
	t.Helper()
	f := reflect.ValueOf(e).Elem().FieldByName("focused")
	if !f.IsValid() || f.Kind() != reflect.Bool {
		t.Fatal("widget.Entry has no focused field any more: check the unfocus before SetContent by hand and update this test")
	}
	return f.Bool()
}

// The passphrase field has the focus when the store is unlocked; the main
// screen replaces it, and a field of a tab being left must let go too.
func TestNoFieldKeepsTheFocusOutOfSight(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, samplePartners())
	s := newTestShell(t, dir, "")
	c := s.window.Canvas()
	entries := findEntries(s.window.Content())
	if len(entries) != 1 {
		t.Fatalf("unlock should ask for one passphrase, got %d entries", len(entries))
	}
	pass := entries[0]
	c.Focus(pass)
	test.Type(pass, testPassphrase)
	if !fieldThinksFocused(t, pass) {
		t.Fatal("the passphrase field does not take the focus: the test shows nothing")
	}
	pass.OnSubmitted(pass.Text)
	if s.tabs == nil {
		t.Fatal("the right passphrase did not open the main window")
	}
	if fieldThinksFocused(t, pass) {
		t.Error("the passphrase field, out of sight, still has the focus (its cursor blinks on)")
	}

	s.tabs.SelectIndex(0)
	c.Focus(s.partners.search)
	if !fieldThinksFocused(t, &s.partners.search.Entry) {
		t.Fatal("the search box does not take the focus")
	}
	s.tabs.SelectIndex(1)
	if fieldThinksFocused(t, &s.partners.search.Entry) || c.Focused() != nil {
		t.Error("the search box of the hidden Partners tab keeps the focus")
	}
}
