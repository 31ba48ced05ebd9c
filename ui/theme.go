package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme choices offered in Settings; the stored preference is one of these.
const (
	themeSystem = "System"
	themeLight  = "Light"
	themeDark   = "Dark"
)

var themeChoices = []string{themeSystem, themeLight, themeDark}

// appTheme is Fyne's default theme with the colours that are too faint to
// read replaced (success green on white was 1.5:1, unticked boxes and input
// borders 1.3:1), and, when pinned, one variant whatever the system says,
// because Fyne only offers "follow the system" and the admin may want
// otherwise (a dark room, a bright projector). TestThemeContrast holds every
// colour pair the app draws to WCAG's 4.5:1 for text and 3:1 for controls.
type appTheme struct {
	fyne.Theme
	pinned  bool
	variant fyne.ThemeVariant
}

func newAppTheme() appTheme { return appTheme{Theme: theme.DefaultTheme()} }

func newPinnedTheme(v fyne.ThemeVariant) appTheme {
	return appTheme{Theme: theme.DefaultTheme(), pinned: true, variant: v}
}

func (t appTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.pinned {
		v = t.variant
	}
	palette := lightColors
	if v == theme.VariantDark {
		palette = darkColors
	}
	if c, ok := palette[name]; ok {
		return c
	}
	return t.Theme.Color(name, v)
}

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// The replaced colours. Primary is darker in the light variant, so white
// text on a blue button reads; in the dark variant it is lighter with dark
// text on it, because it is also the colour of emphasised text on the dark
// background. The focus tint is a blue of another lightness than the
// primary, so a focused blue button visibly changes (Fyne's faint blue tint
// on a blue button did not show).
var (
	lightColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNamePrimary:             rgb(0x0d, 0x47, 0xa1),
		theme.ColorNameHyperlink:           rgb(0x0d, 0x47, 0xa1),
		theme.ColorNameForegroundOnPrimary: rgb(0xff, 0xff, 0xff),
		theme.ColorNameSuccess:             rgb(0x1b, 0x7a, 0x2b),
		theme.ColorNameWarning:             rgb(0xa3, 0x52, 0x00),
		theme.ColorNameError:               rgb(0xc6, 0x28, 0x28),
		theme.ColorNameDisabled:            rgb(0x75, 0x75, 0x75), // also low-importance text
		theme.ColorNamePlaceHolder:         rgb(0x6b, 0x6b, 0x6b),
		theme.ColorNameInputBorder:         rgb(0x8a, 0x8a, 0x8a),
		theme.ColorNameFocus:               color.NRGBA{R: 0x8c, G: 0xc4, B: 0xff, A: 0x60},
	}
	darkColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNamePrimary:             rgb(0x7a, 0xae, 0xff),
		theme.ColorNameHyperlink:           rgb(0x7a, 0xae, 0xff),
		theme.ColorNameForegroundOnPrimary: rgb(0x17, 0x17, 0x18),
		theme.ColorNameError:               rgb(0xff, 0x6b, 0x5e),
		theme.ColorNameDisabled:            rgb(0x80, 0x80, 0x84),
		theme.ColorNameInputBorder:         rgb(0x80, 0x80, 0x84),
		theme.ColorNameFocus:               color.NRGBA{R: 0x3d, G: 0x6b, B: 0xb3, A: 0x80},
	}
)

// applyTheme switches the whole app to the named theme choice.
func applyTheme(a fyne.App, choice string) {
	switch choice {
	case themeLight:
		a.Settings().SetTheme(newPinnedTheme(theme.VariantLight))
	case themeDark:
		a.Settings().SetTheme(newPinnedTheme(theme.VariantDark))
	default:
		a.Settings().SetTheme(newAppTheme())
	}
}
