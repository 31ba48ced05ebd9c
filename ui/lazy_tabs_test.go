package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// Settings and About cost nothing until they are opened: AppTabs measures
// every tab's content, so a tab built up front would hold its widgets,
// renderers and text (docs/PERFORMANCE-UI.md, idle memory).
func TestSettingsAndAboutAreBuiltWhenFirstShown(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, nil, nil)
	s := newTestShell(t, dir, testPassphrase)
	want := map[int]string{2: "Mirror the camera preview", 3: "Pairs two MISP instances face to face"}
	for _, i := range []int{2, 3} {
		item := s.tabs.Items[i]
		if n := len(item.Content.(*fyne.Container).Objects); n != 0 {
			t.Fatalf("%s was built before it was shown (%d objects)", item.Text, n)
		}
		s.tabs.SelectIndex(i)
		built := item.Content
		if !strings.Contains(textsOf(built), want[i]) {
			t.Fatalf("%s once selected shows %q, want %q in it", item.Text, textsOf(built), want[i])
		}
		s.tabs.SelectIndex(0)
		s.tabs.SelectIndex(i)
		if item.Content != built {
			t.Errorf("%s was built again on its second showing", item.Text)
		}
	}
	// Ctrl+Tab goes through the same selection.
	s.tabs.SelectIndex(0)
	s.switchTab(-1)
	if s.tabs.SelectedIndex() != 3 {
		t.Errorf("Ctrl+Shift+Tab from the first tab selected %d", s.tabs.SelectedIndex())
	}
}

// The unlock does not set the theme again when the store's choice is the one
// the passphrase screen already had: every SetTheme makes Fyne drop and redo
// its parsed fonts.
func TestUnlockKeepsTheThemeWhenUnchanged(t *testing.T) {
	for _, c := range []struct {
		stored, cached string
		wantSet        bool
	}{
		{"", themeSystem, false},
		{"dark", themeDark, false},
		{"dark", themeSystem, true},
		{"", themeLight, true},
	} {
		dir := t.TempDir()
		seedStoreWith(t, dir, func(d *store.Data) { d.Preferences.Theme = c.stored })
		a := test.NewTempApp(t)
		a.Preferences().SetString(prefTheme, c.cached)
		var sets int
		s := newShellWith(a, Options{DataDir: dir}, inline, inline)
		t.Cleanup(func() { s.window.Close() })
		a.Settings().AddListener(func(fyne.Settings) { sets++ })
		sets = 0 // AddListener may call it once on adding
		s.opts.Passphrase = testPassphrase
		s.showUnlock()
		if got := sets > 0; got != c.wantSet {
			t.Errorf("stored %q, cached %q: theme set again = %v, want %v", c.stored, c.cached, got, c.wantSet)
		}
		if got := a.Preferences().String(prefTheme); got != themeFromStore(c.stored) {
			t.Errorf("stored %q: cached choice is %q afterwards", c.stored, got)
		}
		if s.tabs == nil {
			t.Fatalf("stored %q: the main screen was not shown", c.stored)
		}
	}
}
