package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
)

// The code-image dialogs start where the admin was last (else Downloads)
// and are nearly as large as the wizard's window.
func TestImageDialogsStartInTheLastFolderAndAreLarge(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	a := test.NewTempApp(t)
	if got := imageFolder(a); got != "" {
		t.Errorf("without a Downloads folder nor a last one: %q", got)
	}
	downloads := filepath.Join(home, "Downloads")
	if err := os.Mkdir(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := imageFolder(a); got != downloads {
		t.Errorf("first time: %q, want Downloads", got)
	}
	chat := filepath.Join(home, "chat files")
	if err := os.Mkdir(chat, 0o755); err != nil {
		t.Fatal(err)
	}
	rememberImageFolder(a, filepath.Join(chat, "partner-code.png"))
	if got := imageFolder(a); got != chat {
		t.Errorf("after opening an image in %q: %q", chat, got)
	}
	if err := os.Remove(chat); err != nil {
		t.Fatal(err)
	}
	if got := imageFolder(a); got != downloads {
		t.Errorf("the last folder is gone: %q, want Downloads", got)
	}

	r := newRig(t)
	r.openRemote()
	r.relay = [2]bool{}
	r.start()
	w := r.wizards[0]
	w.exchange.cam.onOpen()
	d := w.window.Canvas().Overlays().Top()
	if d == nil {
		t.Fatal("Open image showed no dialog")
	}
	win := w.window.Canvas().Size()
	if got := d.Size(); got.Width < 0.85*min(win.Width, 1000) || got.Height < 0.85*min(win.Height, 680) {
		t.Errorf("the open dialog is %v in a %v window", got, win)
	}
}
