package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
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
