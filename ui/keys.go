package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// escEntry is a widget.Entry that reports the Escape key, which a plain Entry
// swallows (dialogs use it so that Escape cancels them even while typing),
// reports Ctrl+Enter (a multi-line field's submit), and passes the window's
// own shortcuts (Ctrl+N, Ctrl+F, Ctrl+Tab…) on to the window: Fyne hands a
// shortcut to the focused field alone, and a plain Entry drops those it does
// not know, so they did nothing while the cursor was in a field.
type escEntry struct {
	widget.Entry
	onEscape    func()
	onCtrlEnter func()
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

func (e *escEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok {
		if (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) && cs.Modifier == fyne.KeyModifierShortcutDefault && e.onCtrlEnter != nil {
			e.onCtrlEnter()
			return
		}
		if do := windowShortcutAction(fyne.CurrentApp().Driver().CanvasForObject(e), cs); do != nil {
			do(s)
			return
		}
	}
	e.Entry.TypedShortcut(s)
}

// windowShortcuts holds, by canvas, the actions of the shortcuts added with
// addWindowShortcut, by shortcut name, so that a field can pass them on
// (fyne.Canvas offers no way to run its own shortcuts).
var windowShortcuts sync.Map // fyne.Canvas → *sync.Map of string → func(fyne.Shortcut)

// addWindowShortcut adds a shortcut to a window's canvas that works also
// while an escEntry has the focus.
func addWindowShortcut(c fyne.Canvas, sc *desktop.CustomShortcut, do func(fyne.Shortcut)) {
	c.AddShortcut(sc, do)
	actions, _ := windowShortcuts.LoadOrStore(c, &sync.Map{})
	actions.(*sync.Map).Store(sc.ShortcutName(), do)
}

func windowShortcutAction(c fyne.Canvas, sc *desktop.CustomShortcut) func(fyne.Shortcut) {
	if c == nil {
		return nil
	}
	actions, ok := windowShortcuts.Load(c)
	if !ok {
		return nil
	}
	do, _ := actions.(*sync.Map).Load(sc.ShortcutName())
	f, _ := do.(func(fyne.Shortcut))
	return f
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
// focuses the partner search, Ctrl+N starts a pairing, Ctrl+Tab and
// Ctrl+Page Down go to the next tab, Ctrl+Shift+Tab and Ctrl+Page Up to the
// previous one (as in browsers; Ctrl, not Cmd, for Tab as on macOS too).
var (
	shortcutFind       = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNewPairing = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNextTab    = []*desktop.CustomShortcut{
		{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl},
		{KeyName: fyne.KeyPageDown, Modifier: fyne.KeyModifierControl},
	}
	shortcutPreviousTab = []*desktop.CustomShortcut{
		{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift},
		{KeyName: fyne.KeyPageUp, Modifier: fyne.KeyModifierControl},
	}
)
