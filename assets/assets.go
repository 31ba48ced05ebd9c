// Package assets embeds the application's own artwork (the icon).
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the MISPbump application icon.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)
