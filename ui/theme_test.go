package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// TestThemeContrast computes WCAG 2 contrast ratios from the app theme's own
// colours, for both variants: text at least 4.5:1 against what it is drawn
// on, controls (input borders, unticked boxes and radios, ticked ones,
// icons drawn in the disabled colour) at least 3:1, and a focused button
// visibly different from an unfocused one.
func TestThemeContrast(t *testing.T) {
	for _, variant := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		th := newPinnedTheme(variant)
		c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, variant) }
		bg := c(theme.ColorNameBackground)
		over := func(under fyne.ThemeColorName, top fyne.ThemeColorName) color.Color {
			return blendOver(c(under), c(top))
		}
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[variant]
		type pair struct {
			what     string
			fg, back color.Color
			min      float64
		}
		fg := c(theme.ColorNameForeground)
		pairs := []pair{
			{"text on the background", fg, bg, 4.5},
			{"text in a field", fg, c(theme.ColorNameInputBackground), 4.5},
			{"text on a button", fg, c(theme.ColorNameButton), 4.5},
			{"text on a focused button", fg, over(theme.ColorNameButton, theme.ColorNameFocus), 4.5},
			{"text on a hovered button", fg, over(theme.ColorNameButton, theme.ColorNameHover), 4.5},
			{"text on a selected list row", fg, blendOver(bg, c(theme.ColorNameSelection)), 4.5},
			{"text in a dialog", fg, c(theme.ColorNameOverlayBackground), 4.5},
			{"text in a menu", fg, c(theme.ColorNameMenuBackground), 4.5},
			{"placeholder in a field", c(theme.ColorNamePlaceHolder), c(theme.ColorNameInputBackground), 4.5},
			{"emphasised (primary) text", c(theme.ColorNamePrimary), bg, 4.5},
			{"link", c(theme.ColorNameHyperlink), bg, 4.5},
			{"success text", c(theme.ColorNameSuccess), bg, 4.5},
			{"warning text", c(theme.ColorNameWarning), bg, 4.5},
			{"error text", c(theme.ColorNameError), bg, 4.5},
			{"text on a primary button", c(theme.ColorNameForegroundOnPrimary), c(theme.ColorNamePrimary), 4.5},
			{"text on a focused primary button", c(theme.ColorNameForegroundOnPrimary), over(theme.ColorNamePrimary, theme.ColorNameFocus), 4.5},
			{"text on a hovered primary button", c(theme.ColorNameForegroundOnPrimary), over(theme.ColorNamePrimary, theme.ColorNameHover), 4.5},
			{"text on a danger button", c(theme.ColorNameForegroundOnError), c(theme.ColorNameError), 4.5},
			{"text on a warning button", c(theme.ColorNameForegroundOnWarning), c(theme.ColorNameWarning), 4.5},
			{"text on a success button", c(theme.ColorNameForegroundOnSuccess), c(theme.ColorNameSuccess), 4.5},
			{"input border / unticked box / radio", c(theme.ColorNameInputBorder), bg, 3},
			{"input border on the field", c(theme.ColorNameInputBorder), c(theme.ColorNameInputBackground), 3},
			{"ticked box, focused field border", c(theme.ColorNamePrimary), bg, 3},
			{"icon in the disabled colour", c(theme.ColorNameDisabled), bg, 3},
			// Fyne draws low-importance labels in the disabled colour, and the
			// app uses them for real text ("No partners yet…", "not tested").
			{"low-importance text", c(theme.ColorNameDisabled), bg, 4.5},
			{"focused primary button against unfocused", over(theme.ColorNamePrimary, theme.ColorNameFocus), c(theme.ColorNamePrimary), 1.4},
			{"focused button against unfocused", over(theme.ColorNameButton, theme.ColorNameFocus), c(theme.ColorNameButton), 1.2},
		}
		for _, p := range pairs {
			got := contrastRatio(p.fg, p.back)
			if got < p.min {
				t.Errorf("%s theme, %s: contrast %.2f:1, want at least %.1f:1", name, p.what, got, p.min)
			} else {
				t.Logf("%s theme, %s: %.2f:1", name, p.what, got)
			}
		}
	}
}

func TestContrastRatioKnownValues(t *testing.T) {
	black, white := color.NRGBA{A: 0xff}, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	if got := contrastRatio(black, white); math.Abs(got-21) > 0.01 {
		t.Errorf("black on white: %.2f, want 21", got)
	}
	if got := contrastRatio(white, white); math.Abs(got-1) > 0.001 {
		t.Errorf("white on white: %.2f, want 1", got)
	}
	// Fyne's stock success green on white, the colour the issue measured.
	if got := contrastRatio(color.NRGBA{R: 0x43, G: 0xf4, B: 0x36, A: 0xff}, white); got > 1.7 || got < 1.4 {
		t.Errorf("stock success green on white: %.2f, want about 1.5", got)
	}
}

// contrastRatio is WCAG 2's (L1 + 0.05) / (L2 + 0.05), lighter over darker.
func contrastRatio(a, b color.Color) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func relativeLuminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// blendOver draws top (possibly translucent) over an opaque under, as Fyne
// does for a focused or hovered button.
func blendOver(under, top color.Color) color.Color {
	u := color.NRGBAModel.Convert(under).(color.NRGBA)
	o := color.NRGBAModel.Convert(top).(color.NRGBA)
	a := float64(o.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(y)*a + float64(x)*(1-a))) }
	return color.NRGBA{R: mix(u.R, o.R), G: mix(u.G, o.G), B: mix(u.B, o.B), A: 0xff}
}
