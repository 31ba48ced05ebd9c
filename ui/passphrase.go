package ui

import (
	"math"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/version"
)

// passphraseScreen asks for the store's passphrase: to set it on the first run,
// or to unlock the store at start. onUnlocked runs once the store is open.
type passphraseScreen struct {
	window     fyne.Window
	vault      *vault
	onUnlocked func()

	passphrase *widget.Entry
	repeat     *widget.Entry
	strength   *widget.Label
	message    *widget.Label
	submit     *widget.Button
}

func newPassphraseScreen(w fyne.Window, v *vault, onUnlocked func()) *passphraseScreen {
	return &passphraseScreen{window: w, vault: v, onUnlocked: onUnlocked}
}

func (p *passphraseScreen) content() fyne.CanvasObject {
	firstRun := !p.vault.Exists()
	p.message = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.DangerImportance}
	p.strength = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.passphrase = &widget.Entry{Password: true, PlaceHolder: "Passphrase"}
	p.passphrase.OnSubmitted = func(string) { p.onSubmit() }

	title := &widget.Label{Text: "Unlock " + version.Name, TextStyle: fyne.TextStyle{Bold: true}, Alignment: fyne.TextAlignCenter}
	intro := &widget.Label{
		Text:     "Your partners and MISP profiles are kept encrypted with a passphrase. Enter it to continue.",
		Wrapping: fyne.TextWrapWord,
	}
	p.submit = &widget.Button{Text: "Unlock", Importance: widget.HighImportance, OnTapped: p.onSubmit}
	form := container.NewVBox(p.passphrase)

	if firstRun {
		title.Text = "Welcome to " + version.Name
		intro.Text = "Choose a passphrase. It encrypts what this app keeps on this computer: your MISP " +
			"profiles, the authkeys you let it remember and the record of every partner. " +
			"It cannot be recovered if you forget it."
		p.passphrase.OnChanged = func(s string) { p.strength.SetText(strengthHint(s)) }
		p.passphrase.OnSubmitted = func(string) { p.window.Canvas().Focus(p.repeat) }
		p.repeat = &widget.Entry{Password: true, PlaceHolder: "Repeat the passphrase", OnSubmitted: func(string) { p.onSubmit() }}
		p.submit.Text = "Set passphrase"
		form.Add(p.strength)
		form.Add(p.repeat)
	}

	box := container.NewVBox(title, intro, form, p.message, p.submit)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(440, box.MinSize().Height+80), box))
}

func (p *passphraseScreen) onSubmit() {
	pass := p.passphrase.Text
	if pass == "" {
		p.message.SetText("Enter a passphrase.")
		return
	}
	var err error
	if p.repeat != nil {
		if pass != p.repeat.Text {
			p.message.SetText("The two passphrases differ. Type the same passphrase twice.")
			return
		}
		err = p.vault.Create(pass)
	} else {
		err = p.vault.Unlock(pass)
	}
	if err != nil {
		p.message.SetText(passphraseErrorText(p.vault, err))
		p.passphrase.SetText("")
		p.window.Canvas().Focus(p.passphrase)
		return
	}
	p.passphrase.SetText("")
	p.onUnlocked()
}

func passphraseErrorText(v *vault, err error) string {
	if v.IsWrongPassphrase(err) {
		return "Wrong passphrase. Nothing was changed; try again."
	}
	return err.Error()
}

// showChangePassphrase is the Settings dialog that re-encrypts the store under
// a new passphrase. A wrong current passphrase changes nothing.
func showChangePassphrase(w fyne.Window, v *vault) {
	current := newEscEntry(true, "Current passphrase")
	next := newEscEntry(true, "New passphrase")
	repeat := newEscEntry(true, "Repeat the new passphrase")
	hint := &widget.Label{Wrapping: fyne.TextWrapWord}
	next.OnChanged = func(s string) { hint.SetText(strengthHint(s)) }

	items := []*widget.FormItem{
		{Text: "Current", Widget: current},
		{Text: "New", Widget: next, HintText: " "},
		{Text: "", Widget: hint},
		{Text: "Repeat", Widget: repeat},
	}
	d := dialog.NewForm("Change passphrase", "Change", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		switch {
		case next.Text == "":
			dialog.ShowInformation("Passphrase not changed", "The new passphrase is empty.", w)
		case next.Text != repeat.Text:
			dialog.ShowInformation("Passphrase not changed", "The two new passphrases differ. Nothing was changed.", w)
		default:
			if err := v.ChangePassphrase(current.Text, next.Text); err != nil {
				dialog.ShowInformation("Passphrase not changed", passphraseErrorText(v, err), w)
				return
			}
			dialog.ShowInformation("Passphrase changed", "The store is now encrypted with the new passphrase.", w)
		}
	}, w)
	submit := func(string) { d.Submit() }
	current.OnSubmitted, repeat.OnSubmitted = submit, submit
	next.OnSubmitted = func(string) { w.Canvas().Focus(repeat) }
	d.Resize(fyne.NewSize(460, 0))
	showWithEscape(d, w, current, next, repeat)
}

// strengthHint is a rough guide while typing a new passphrase: the entropy a
// random string of this length and alphabet would have. It flatters
// dictionary words, so it says "at least" and asks for length.
func strengthHint(s string) string {
	if s == "" {
		return ""
	}
	var lower, upper, digit, other bool
	n := 0
	for _, r := range s {
		n++
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	pool := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.has {
			pool += c.size
		}
	}
	bits := float64(n) * math.Log2(float64(pool))
	switch {
	case n < 10 || bits < 50:
		return "Weak: use at least four random words or 12 or more mixed characters."
	case bits < 75:
		return "Fair: a few more words or characters would make it strong."
	default:
		return "Strong."
	}
}
