package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// escEntry is a widget.Entry that reports the Escape key, which a plain Entry
// swallows; dialogs use it so that Escape cancels them even while typing.
type escEntry struct {
	widget.Entry
	onEscape func()
}

func newEscEntry(password bool, placeholder string) *escEntry {
	e := &escEntry{}
	e.Password = password
	e.PlaceHolder = placeholder
	e.ExtendBaseWidget(e)
	return e
}

func (e *escEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

// showWithEscape shows d and lets Escape dismiss it: on the canvas when nothing
// is focused, and through every escEntry given.
func showWithEscape(d dialog.Dialog, w fyne.Window, entries ...*escEntry) {
	c := w.Canvas()
	previous := c.OnTypedKey()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			d.Dismiss()
			return
		}
		if previous != nil {
			previous(ev)
		}
	})
	for _, e := range entries {
		e.onEscape = d.Dismiss
	}
	d.SetOnClosed(func() { c.SetOnTypedKey(previous) })
	d.Show()
	if len(entries) > 0 {
		c.Focus(entries[0])
	} else {
		c.Unfocus() // a field behind the dialog would swallow the Escape
	}
}

// Shortcuts of the main window (Cmd instead of Ctrl on macOS): Ctrl+F
// focuses the partner search, Ctrl+N starts a pairing.
var (
	shortcutFind       = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNewPairing = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
)
