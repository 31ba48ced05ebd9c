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
	background func(func())
	onUnlocked func()

	passphrase *widget.Entry
	repeat     *widget.Entry
	strength   *widget.Label
	message    *widget.Label
	submit     *widget.Button
}

func newPassphraseScreen(w fyne.Window, v *vault, background func(func()), onUnlocked func()) *passphraseScreen {
	return &passphraseScreen{window: w, vault: v, background: background, onUnlocked: onUnlocked}
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
	if p.repeat != nil && pass != p.repeat.Text {
		p.message.SetText("The two passphrases differ. Type the same passphrase twice.")
		return
	}
	p.open(pass)
}

// open creates or unlocks the store off the UI goroutine: deriving the key
// from the passphrase takes a second or two on purpose.
func (p *passphraseScreen) open(pass string) {
	create := p.repeat != nil
	p.submit.Disable()
	p.message.Importance = widget.MediumImportance
	p.message.SetText("Opening the store…")
	p.background(func() {
		var err error
		if create {
			err = p.vault.Create(pass)
		} else {
			err = p.vault.Unlock(pass)
		}
		fyne.Do(func() {
			p.submit.Enable()
			p.message.Importance = widget.DangerImportance
			p.passphrase.SetText("")
			if p.repeat != nil {
				p.repeat.SetText("")
			}
			if err != nil {
				p.message.SetText(passphraseErrorText(p.vault, err))
				p.window.Canvas().Focus(p.passphrase)
				return
			}
			p.message.SetText("")
			p.onUnlocked()
		})
	})
}

func passphraseErrorText(v *vault, err error) string {
	if v.IsWrongPassphrase(err) {
		return "Wrong passphrase. Nothing was changed; try again."
	}
	return sentence(err.Error())
}

// changePassphraseDialog is the Settings dialog that re-encrypts the store
// under a new passphrase. A wrong current passphrase changes nothing.
type changePassphraseDialog struct {
	dialog                *dialog.FormDialog
	current, next, repeat *escEntry
}

func showChangePassphrase(w fyne.Window, v *vault, background func(func())) *changePassphraseDialog {
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
			old, fresh := current.Text, next.Text
			background(func() {
				err := v.ChangePassphrase(old, fresh)
				fyne.Do(func() {
					if err != nil {
						dialog.ShowInformation("Passphrase not changed", passphraseErrorText(v, err), w)
						return
					}
					dialog.ShowInformation("Passphrase changed", "The store is now encrypted with the new passphrase.", w)
				})
			})
		}
	}, w)
	submit := func(string) { d.Submit() }
	current.OnSubmitted, repeat.OnSubmitted = submit, submit
	next.OnSubmitted = func(string) { w.Canvas().Focus(repeat) }
	d.Resize(fyne.NewSize(460, 0))
	showWithEscape(d, w, current, next, repeat)
	return &changePassphraseDialog{dialog: d, current: current, next: next, repeat: repeat}
}

// strengthHint is a rough guide while typing a new passphrase. It assumes
// text-like input: about 2.3 bits per character for plain words (four random
// words from a 7776-word list give 52 bits in some 23 characters), a little
// more for each further kind of character, never more than a random string of
// that alphabet would have.
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
	pool, kinds := 0, 0
	for _, c := range []struct {
		has  bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.has {
			pool += c.size
			kinds++
		}
	}
	perChar := math.Min(2.3+0.8*float64(kinds-1), math.Log2(float64(pool)))
	bits := float64(n) * perChar
	switch {
	case bits < 50:
		return "Weak: use four or more random words, or a longer mix of characters."
	case bits < 70:
		return "Fair: another word or a few more characters would make it strong."
	default:
		return "Strong."
	}
}

// sentence starts an error text from core with a capital, as a sentence on
// screen should.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
