// Package assets embeds the application's own artwork (the icon).
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

//go:embed icon.svg
var iconSVG []byte

// Icon is the MISPbump application icon (512×512, 8 bits a channel), for
// window icons and packaging.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// Artwork is the same icon as a vector drawing, for showing it inside a
// window: Fyne draws it at the size shown instead of decoding and keeping
// the 512×512 bitmap in memory.
var Artwork = fyne.NewStaticResource("icon.svg", iconSVG)
