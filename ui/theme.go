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

// fixedVariantTheme is the default theme pinned to one variant, because Fyne
// only offers "follow the system" and the admin may want otherwise (a dark
// room, a bright projector).
type fixedVariantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t fixedVariantTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(name, t.variant)
}

// applyTheme switches the whole app to the named theme choice.
func applyTheme(a fyne.App, choice string) {
	switch choice {
	case themeLight:
		a.Settings().SetTheme(fixedVariantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight})
	case themeDark:
		a.Settings().SetTheme(fixedVariantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}
