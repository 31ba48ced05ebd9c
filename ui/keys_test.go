package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
)

func TestEscapeCancelsDialogs(t *testing.T) {
	test.NewTempApp(t)
	search := &widget.Entry{}
	w := test.NewTempWindow(t, search)
	w.Resize(fyne.NewSize(600, 400))
	w.Canvas().Focus(search)

	confirmed := false
	d := dialog.NewConfirm("Remove", "Really?", func(ok bool) { confirmed = ok }, w)
	showWithEscape(d, w)
	if w.Canvas().Focused() != nil {
		t.Fatal("a field behind the dialog keeps the focus and would swallow Escape")
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Canvas().Overlays().Top() != nil || confirmed {
		t.Fatal("Escape did not cancel the dialog")
	}

	entry := newEscEntry(true, "Current passphrase")
	d2 := dialog.NewForm("Change", "Change", "Cancel", []*widget.FormItem{{Text: "Current", Widget: entry}}, func(ok bool) { confirmed = ok }, w)
	showWithEscape(d2, w, entry)
	if w.Canvas().Focused() != entry {
		t.Fatal("the dialog's first field is not focused")
	}
	test.Type(entry, "abc")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Canvas().Overlays().Top() != nil || confirmed {
		t.Fatal("Escape while typing did not cancel the dialog")
	}
	if w.Canvas().OnTypedKey() != nil {
		t.Error("the window's key handler was not restored after the dialog closed")
	}
}

// pressShortcut hands a shortcut over as Fyne's GL driver does: to the
// focused widget alone when it takes shortcuts, else to the window's own
// (the test canvas cannot run those: the registry addWindowShortcut keeps
// stands in for it).
func pressShortcut(t *testing.T, c fyne.Canvas, s fyne.Shortcut) {
	t.Helper()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	if cs, ok := s.(*desktop.CustomShortcut); ok {
		if do := windowShortcutAction(c, cs); do != nil {
			do(s)
		}
	}
}

func TestWindowShortcutsWorkInATextField(t *testing.T) {
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{{ID: "dmz", Name: "DMZ", URL: "https://misp.example.org"}}, samplePartners())
	s := newTestShell(t, dir, testPassphrase)
	c := s.window.Canvas()
	ctrl := func(k fyne.KeyName, m fyne.KeyModifier) fyne.Shortcut {
		return &desktop.CustomShortcut{KeyName: k, Modifier: m}
	}

	s.tabs.SelectIndex(1)
	c.Focus(s.profiles.url)
	pressShortcut(t, c, ctrl(fyne.KeyF, fyne.KeyModifierShortcutDefault))
	if s.tabs.SelectedIndex() != 0 || c.Focused() != s.partners.search {
		t.Fatalf("Ctrl+F in the URL field: tab %d, focus %T; want the partner search", s.tabs.SelectedIndex(), c.Focused())
	}

	test.Type(s.partners.search, "contoso")
	pressShortcut(t, c, &fyne.ShortcutSelectAll{})
	if got := s.partners.search.SelectedText(); got != "contoso" {
		t.Errorf("the field's own Ctrl+A selected %q", got)
	}

	for _, step := range []struct {
		key  fyne.Shortcut
		want int
	}{
		{ctrl(fyne.KeyTab, fyne.KeyModifierControl), 1},
		{ctrl(fyne.KeyPageDown, fyne.KeyModifierControl), 2},
		{ctrl(fyne.KeyPageDown, fyne.KeyModifierControl), 3},
		{ctrl(fyne.KeyTab, fyne.KeyModifierControl), 0},
		{ctrl(fyne.KeyTab, fyne.KeyModifierControl|fyne.KeyModifierShift), 3},
		{ctrl(fyne.KeyPageUp, fyne.KeyModifierControl), 2},
	} {
		switch s.tabs.SelectedIndex() { // a field of the shown tab has the focus
		case 0:
			c.Focus(s.partners.search)
		case 1:
			c.Focus(s.profiles.url)
		}
		pressShortcut(t, c, step.key)
		if f := c.Focused(); f != nil && f != s.partners.search && f != s.profiles.url {
			t.Errorf("after %s the focus is on %T", step.key.ShortcutName(), f)
		}
		if (c.Focused() == s.partners.search && s.tabs.SelectedIndex() != 0) || (c.Focused() == s.profiles.url && s.tabs.SelectedIndex() != 1) {
			t.Errorf("after %s a field of a hidden tab keeps the focus (its cursor would blink out of sight)", step.key.ShortcutName())
		}
		if got := s.tabs.SelectedIndex(); got != step.want {
			t.Fatalf("%s: tab %d, want %d", step.key.ShortcutName(), got, step.want)
		}
	}

	s.tabs.SelectIndex(0)
	c.Focus(s.partners.search)
	pressShortcut(t, c, ctrl(fyne.KeyN, fyne.KeyModifierShortcutDefault))
	if got := overlayText(s.window); !strings.Contains(strings.ToLower(got), "log in to dmz") {
		t.Errorf("Ctrl+N in the search field did nothing; dialog:\n%s", got)
	}
}

func TestPasteDialogKeys(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.relay = [2]bool{}
	r.start()
	a := r.wizards[0]
	c := a.window.Canvas()

	a.exchange.cam.onPaste()
	entry, ok := c.Focused().(*escEntry)
	if !ok {
		t.Fatalf("the paste dialog's field is not focused: %T", c.Focused())
	}
	test.Type(entry, "MB1:THIS IS NOT A FRAME")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.Overlays().Top() != nil || a.exchange.cam.fallback.Visible() {
		t.Fatal("Escape did not close the paste dialog without reading it")
	}

	a.exchange.cam.onPaste()
	entry = c.Focused().(*escEntry)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(entry, "   ")
	pressShortcut(t, c, &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault})
	if c.Overlays().Top() != nil {
		t.Fatal("Ctrl+Enter did not submit the paste dialog")
	}
	if text := r.text(0); !strings.Contains(text, "Nothing was pasted") {
		t.Errorf("Ctrl+Enter did not hand the text over:\n%s", text)
	}
}
