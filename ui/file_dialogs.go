package ui

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// prefImageFolder is the folder a code image was last opened from or saved
// to (a path, not a secret: kept in Fyne's preferences).
const prefImageFolder = "lastImageFolder"

// imageFolder is where the open and save dialogs for code images start:
// the folder used last, else Downloads (where a partner's image sent by
// chat or e-mail usually lands), else Fyne's default. A folder that is gone
// is skipped.
func imageFolder(a fyne.App) string {
	candidates := []string{a.Preferences().String(prefImageFolder)}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "Downloads"))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
	}
	return ""
}

// rememberImageFolder keeps the folder of a code image just opened or saved.
func rememberImageFolder(a fyne.App, path string) {
	a.Preferences().SetString(prefImageFolder, filepath.Dir(path))
}

// showFileDialog shows d started in imageFolder and nearly as large as the
// window: Fyne's default file dialog is small, and finding an image from
// the home folder took six clicks in it. (A file dialog can only be resized
// once shown.)
func showFileDialog(a fyne.App, w fyne.Window, d *dialog.FileDialog) {
	if dir := imageFolder(a); dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
	size := w.Canvas().Size()
	d.Resize(fyne.NewSize(min(size.Width*0.92, 1000), min(size.Height*0.9, 680)))
}
