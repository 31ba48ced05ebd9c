package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/session"
)

// confirmPartnerStep is the pause before anything is minted, a screen of its
// own: the partner claims an organisation our MISP already knows, which only
// the admin, who sees the person, can vouch for (session.StageConfirmPartner).
// It shows what our MISP knows, what the partner claims, what our record
// says and what the partner would get; the admin answers "reuse" or
// "cancel". Every fact comes from the session's IdentityCheck.
type confirmPartnerStep struct {
	w      *wizard
	id     *session.IdentityCheck
	reuse  *widget.Button
	cancel *widget.Button
	// answered is set once a button was pressed: the screen stays until the
	// session's next event, and a second press does nothing.
	answered bool
}

func newConfirmPartnerStep(w *wizard, id *session.IdentityCheck) *confirmPartnerStep {
	c := &confirmPartnerStep{w: w, id: id}
	name := id.ClaimedOrgName
	if id.Known != nil {
		name = id.Known.Name
	}
	c.reuse = &widget.Button{Text: "Yes, this is " + name + ": reuse", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: c.onReuse}
	c.cancel = &widget.Button{Text: "Cancel — I cannot vouch for them", Icon: theme.CancelIcon(), OnTapped: c.onCancel}
	return c
}

func (c *confirmPartnerStep) content() fyne.CanvasObject {
	id := c.id
	k := id.Known
	title := &widget.Label{Text: "Is the person across the table really " + id.ClaimedOrgName + "?", TextStyle: fyne.TextStyle{Bold: true},
		SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Your partner claims to be an organisation your MISP already knows. " +
		"The codes you compared prove that you are talking to the laptop in front of you, not who owns it: organisation and instance UUIDs are public, anyone can repeat them. " +
		"Nothing has been written to your MISP yet. Reuse the organisation only if you know this person speaks for it."}
	sections := []fyne.CanvasObject{title, intro}
	if k != nil {
		kind := "external (known from sync; no one logs in with it)"
		if k.Local {
			kind = "local"
		}
		sections = append(sections, card("What your MISP knows", fieldForm(
			"Organisation", k.Name,
			"UUID", k.UUID,
			"Kind", kind,
			"Users", k.UserCount,
			"Created", strings.TrimSpace(k.Created+" "+by(k.CreatedBy)),
			"Sync user", k.SyncUser,
			"Server entries", strings.Join(k.ServerEntries, "\n"),
			"Sharing groups", strings.Join(k.SharingGroups, "\n"),
			"Not known", strings.Join(k.Problems, "\n"),
		)))
	}
	sections = append(sections, card("What the partner claims", fieldForm(
		"Organisation", id.ClaimedOrgName,
		"Organisation UUID", id.ClaimedOrgUUID,
		"Instance UUID", id.ClaimedInstanceUUID,
		"URL", id.ClaimedURL,
		"Address", id.AddressNote,
	)))
	sections = append(sections, card("Compared with your record", continuityForm(id)))
	if k != nil {
		sections = append(sections, card("What they would get", &widget.Label{Text: sentence(k.WouldGet) + ".", Wrapping: fyne.TextWrapWord}))
	}
	buttons := container.NewHBox(c.reuse, c.cancel)
	scroll := container.NewVScroll(container.NewVBox(sections...))
	return container.NewBorder(nil, container.NewPadded(buttons), nil, nil, scroll)
}

// continuityForm says how the claims compare with this laptop's record.
func continuityForm(id *session.IdentityCheck) fyne.CanvasObject {
	if !id.Record {
		return &widget.Label{Wrapping: fyne.TextWrapWord, Text: "This laptop holds no record of a pairing with this organisation, so there is nothing to compare the claims with. Only your own knowledge of the person vouches for them."}
	}
	pgp := map[string]string{
		session.ContinuitySame:    "the same key as recorded",
		session.ContinuityAbsent:  "none sent, though we recorded one",
		session.ContinuityNew:     "sent; none was recorded",
		session.ContinuityNone:    "none recorded, none sent",
		session.ContinuityChanged: "CHANGED",
	}[id.PGP]
	url := "the same as recorded (" + id.RecordURL + ")"
	if id.URL == session.ContinuityChanged {
		url = "CHANGED: recorded " + id.RecordURL + ", now " + id.ClaimedURL
	}
	return fieldForm(
		"Record", id.RecordOrgName+", paired "+id.RecordPairedWhen,
		"Instance", id.RecordInstance,
		"Instance PGP key", pgp,
		"URL", url,
	)
}

func by(who string) string {
	if who == "" {
		return ""
	}
	return "by " + who
}

func (c *confirmPartnerStep) onReuse() {
	if c.answered || c.w.session == nil {
		return
	}
	c.answered = true
	c.reuse.Disable()
	c.cancel.Disable()
	c.w.session.ReuseExisting()
}

func (c *confirmPartnerStep) onCancel() {
	if c.answered || c.w.session == nil {
		return
	}
	c.answered = true
	c.reuse.Disable()
	c.cancel.Disable()
	c.w.session.Cancel()
}

// showConfirmPartner replaces the exchange with the pause screen; the
// exchange comes back with the session's next event.
func (w *wizard) showConfirmPartner(id *session.IdentityCheck) {
	w.confirmPartner = newConfirmPartnerStep(w, id)
	w.setStep(1, w.confirmPartner.content())
	// Keyboard: Tab moves between the two answers; the focus starts on
	// Cancel, so a stray Enter or Space never vouches for anyone.
	w.window.Canvas().Focus(w.confirmPartner.cancel)
}
