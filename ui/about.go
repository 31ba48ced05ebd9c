package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/assets"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// projectURL is where the source, the issues and the documentation live.
const projectURL = "https://github.com/mispbump/mispbump-desktop"

// library is one third-party library the app ships, with the licence its
// LICENSE file in the module cache states.
type library struct {
	name, licence, link string
}

// libraries lists the licences as read from each module's LICENSE file.
var libraries = []library{
	{"Fyne (fyne.io/fyne/v2)", "BSD-3-Clause", "https://github.com/fyne-io/fyne"},
	{"go-qrcode (github.com/skip2/go-qrcode)", "MIT", "https://github.com/skip2/go-qrcode"},
	{"gozxing (github.com/makiuchi-d/gozxing)", "MIT; includes ZXing, Apache-2.0", "https://github.com/makiuchi-d/gozxing"},
	{"webcam (github.com/blackjack/webcam)", "MIT", "https://github.com/blackjack/webcam"},
	{"go-crypto (github.com/ProtonMail/go-crypto)", "BSD-3-Clause", "https://github.com/ProtonMail/go-crypto"},
	{"Go standard library and golang.org/x", "BSD-3-Clause", "https://go.dev/LICENSE"},
}

// newAboutTab is the About tab, empty until the shell builds its content
// (aboutContent) on first show.
func newAboutTab() *container.TabItem {
	return &container.TabItem{Text: "About", Icon: theme.InfoIcon(), Content: container.NewStack()}
}

func aboutContent() fyne.CanvasObject {
	icon := &canvas.Image{Resource: assets.Artwork, FillMode: canvas.ImageFillContain}
	icon.SetMinSize(fyne.NewSquareSize(96))

	title := &widget.Label{Text: version.Name + " " + version.Version, TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignCenter}
	summary := &widget.Label{
		Text: "Pairs two MISP instances face to face: each admin logs in to their own MISP, " +
			"the laptops read each other's QR codes, and both MISPs end up with the partner's " +
			"organisation, a sync user and a tested sync server entry.",
		Wrapping:  fyne.TextWrapWord,
		Alignment: fyne.TextAlignCenter,
	}
	links := container.NewHBox(layout.NewSpacer(),
		&widget.Hyperlink{Text: "Source and issues", URL: mustParseURL(projectURL)},
		&widget.Hyperlink{Text: "MISP project", URL: mustParseURL("https://www.misp-project.org/")},
		layout.NewSpacer())

	licences := container.NewGridWithColumns(2)
	for _, lib := range libraries {
		licences.Add(&widget.Hyperlink{Text: lib.name, URL: mustParseURL(lib.link), Truncation: fyne.TextTruncateEllipsis})
		licences.Add(&widget.Label{Text: lib.licence, Wrapping: fyne.TextWrapWord})
	}

	return container.NewScroll(container.NewVBox(
		container.NewCenter(icon),
		title,
		summary,
		links,
		&widget.Card{Title: "Libraries and their licences", Content: licences},
	))
}

// mustParseURL is for the constant links above; a typo there is a programming error.
func mustParseURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
