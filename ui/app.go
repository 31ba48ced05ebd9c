// Package ui is the MISPbump desktop user interface: one file per screen,
// all protocol, crypto and HTTP work delegated to core.
package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/assets"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// AppID is the reverse-DNS application identifier (FyneApp.toml carries it too).
const AppID = "app.mispbump.desktop"

// Run opens the main window and blocks until the app quits.
func Run(a fyne.App) {
	a.SetIcon(assets.Icon)
	w := a.NewWindow(version.Name)
	w.SetContent(welcome())
	w.Resize(fyne.NewSize(720, 480))
	w.ShowAndRun()
}

func welcome() fyne.CanvasObject {
	title := &widget.Label{Text: version.Name + " " + version.Version, TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignCenter}
	body := &widget.Label{
		Text: "Pair two MISP instances face to face: each admin logs in to their own MISP, " +
			"the laptops show each other a QR code, and both MISPs end up with the partner's " +
			"organisation, a sync user and a tested sync server entry.",
		Wrapping:  fyne.TextWrapWord,
		Alignment: fyne.TextAlignCenter,
	}
	return container.NewCenter(container.NewVBox(title, body))
}
