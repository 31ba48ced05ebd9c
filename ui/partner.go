package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// partnerDetails shows everything known about one partner and its actions.
type partnerDetails struct {
	shell   *shell
	partner store.Partner

	testButton   *widget.Button
	removeButton *widget.Button
	revokeButton *widget.Button
	testResult   *widget.Label
	revokeResult *widget.Label
	rulesResult  *widget.Label
	rulesButton  *widget.Button
	// column scrolls the details; laid out again when a result message
	// changes length (setMessage).
	column *container.Scroll
}

func newPartnerDetails(s *shell, p store.Partner) *partnerDetails {
	return &partnerDetails{shell: s, partner: p}
}

func (d *partnerDetails) content() fyne.CanvasObject {
	p := d.partner
	title := &widget.Label{Text: p.Org.Name, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Wrapping: fyne.TextWrapWord}

	res, short, imp := testStatus(p.LastTest)
	d.testResult = &widget.Label{Text: lastTestText(p.LastTest, short), Importance: imp, Wrapping: fyne.TextWrapWord}
	d.testButton = &widget.Button{Text: "Test connection now", Icon: theme.ViewRefreshIcon(), OnTapped: d.onTest}
	d.removeButton = &widget.Button{Text: "Remove partner…", Icon: theme.DeleteIcon(), Importance: widget.DangerImportance, OnTapped: d.onRemove}

	pairAgain := &widget.Button{Text: "Pair again with " + p.Org.Name, Icon: theme.ViewRefreshIcon(), OnTapped: func() { d.shell.pairAgain(d.partner) }}
	actions := container.NewHBox(d.testButton, pairAgain, d.removeButton)
	sections := []fyne.CanvasObject{
		title,
		container.NewBorder(nil, nil, &widget.Icon{Resource: res}, nil, d.testResult),
		actions,
	}
	if n := len(p.KeysPendingRevocation); n > 0 {
		sections = append(sections, d.pendingRevocationCard(n))
	}
	sections = append(sections,
		card("Their organisation", fieldForm(partnerOrgFields(p)...)),
		card("Their MISP", fieldForm(partnerMISPFields(p)...)),
		d.protectedCard(),
		card("On our MISP", withEmailRow(fieldForm(append(append([]string{
			"Organisation", objectText(p.OnOurMISP.Org, "never deleted by this app"),
			"Sync user", objectText(p.OnOurMISP.SyncUser, ""),
			"Server entry", objectText(p.OnOurMISP.Server, ""),
		}, serverSettingsFields(p.ServerSettings, p.Push, p.Pull, p.AnnouncedURL)...),
			"Paired", formatDay(p.PairedAt),
			"Keys minted", keysText(p.MintedKeys),
			"Keys to revoke", keysText(p.KeysPendingRevocation),
		)...), 1, "Sync user e-mail", p.OnOurMISP.SyncUserEmail)),
		newNotificationsView(p.NotificationSettings),
	)
	sections = append(sections, d.rulesCard())
	d.column = container.NewVScroll(container.NewVBox(sections...))
	return d.column
}

// onTest runs servers/testConnection on our server entry, off the UI goroutine.
func (d *partnerDetails) onTest() {
	client, err := d.shell.profiles.clientFor(d.partner.ProfileID)
	if err != nil {
		dialog.ShowError(err, d.shell.window)
		return
	}
	d.testButton.Disable()
	setMessage(d.testResult, d.testResult.Importance, "Testing the connection…", d.column)
	id := d.partner.ID
	d.shell.background(func() {
		err := testPartnerConnection(context.Background(), client, d.shell.vault, id)
		fyne.Do(func() {
			d.testButton.Enable()
			if err != nil {
				setMessage(d.testResult, widget.DangerImportance, err.Error(), d.column)
				return
			}
			d.shell.partners.reload()
		})
	})
}

// pendingRevocationCard says that earlier keys of this partner's sync user
// still work and offers to revoke them now.
func (d *partnerDetails) pendingRevocationCard(n int) fyne.CanvasObject {
	what, it := "1 earlier key of this partner's sync user is still valid", "It was"
	if n > 1 {
		what, it = fmt.Sprintf("%d earlier keys of this partner's sync user are still valid", n), "They were"
	}
	d.revokeResult = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance,
		Text: what + ": " + strings.ReplaceAll(keysText(d.partner.KeysPendingRevocation), "\n", ", ") + ". " +
			it + " to be revoked once the partner confirmed the new key works, and that confirmation never arrived. " +
			"Revoke now once you know the partner's MISP uses the new key (a connection test from their side passes)."}
	d.revokeButton = &widget.Button{Text: "Revoke now", Icon: theme.DeleteIcon(), OnTapped: d.onRevoke}
	return card("Keys pending revocation", container.NewVBox(d.revokeResult, container.NewHBox(d.revokeButton)))
}

// onRevoke asks first: a revoked key cannot be brought back, and if the
// partner's MISP still uses it, its sync stops until a new pairing.
func (d *partnerDetails) onRevoke() {
	client, err := d.shell.profiles.clientFor(d.partner.ProfileID)
	if err != nil {
		dialog.ShowError(err, d.shell.window)
		return
	}
	keys := strings.ReplaceAll(keysText(d.partner.KeysPendingRevocation), "\n", ", ")
	msg := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Revoke " + keys + " of " + d.partner.Org.Name +
		"'s sync user on our MISP? This cannot be undone: if the partner's MISP still uses it, its sync with us stops until you pair again."}
	confirm := dialog.NewCustomConfirm("Revoke the earlier keys?", "Revoke", "Cancel", msg, func(ok bool) {
		if ok {
			d.revoke(client)
		}
	}, d.shell.window)
	confirm.SetConfirmImportance(widget.DangerImportance)
	confirm.Resize(fyne.NewSize(480, 0))
	showWithEscape(confirm, d.shell.window)
}

// revoke revokes the keys pending revocation on our MISP, off the UI
// goroutine, and says what it did in a dialog: the card it was asked from
// goes away with the keys.
func (d *partnerDetails) revoke(client *misp.Client) {
	d.revokeButton.Disable()
	setMessage(d.revokeResult, widget.MediumImportance, "Revoking…", d.column)
	id := d.partner.ID
	d.shell.background(func() {
		revoked, err := revokePendingKeys(context.Background(), client, d.shell.vault, id)
		fyne.Do(func() {
			if err != nil {
				d.revokeButton.Enable()
				setMessage(d.revokeResult, widget.DangerImportance, "The keys were not revoked: "+err.Error(), d.column)
				return
			}
			done := "Revoked: the partner's sync user now has only its current key."
			if len(revoked) > 0 {
				done = "Revoked key #" + strings.Join(revoked, ", #") + " on our MISP: the partner's sync user now has only its current key."
			}
			setMessage(d.revokeResult, widget.SuccessImportance, done, d.column)
			d.shell.partners.reload()
			dialog.ShowInformation("Keys revoked", done, d.shell.window)
		})
	})
}

// protectedCard is protected mode for this partner: both instance keys, the
// check of the partner's key made at pairing time (an alarm first and in
// red), and "Allow this partner to relay my protected events…" — refused,
// with the reason, when the partner sent no key or its check raised an alarm.
func (d *partnerDetails) protectedCard() fyne.CanvasObject {
	p := d.partner
	ownFP := ""
	own, ownErr := d.shell.profiles.ownKeyFor(p.ProfileID)
	if _, loginErr := d.shell.profiles.sessionFor(p.ProfileID); loginErr != nil {
		ownErr = errors.New("read at login: " + loginErr.Error())
	} else if own == nil && ownErr == nil {
		ownErr = errors.New("being read from our MISP's /gpg.asc")
	}
	if own != nil {
		ownFP = own.Fingerprint
	}
	box := container.NewVBox()
	check := p.PGPKeyCheck
	if check != nil && check.Alarm != "" {
		box.Add(&widget.Label{Text: sentence(check.Alarm), Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}})
	}
	box.Add(newPGPKeysCard(ownFP, ownErr, p.PGPKey, nil))
	if check != nil && check.Alarm == "" && check.Message != "" {
		imp := widget.MediumImportance
		if check.Verdict == "match" {
			imp = widget.SuccessImportance
		}
		box.Add(&widget.Label{Text: "Checked when paired: " + check.Message, Importance: imp, Wrapping: fyne.TextWrapWord})
	}
	relay := &widget.Button{Text: "Allow this partner to relay my protected events…", Icon: theme.UploadIcon(), OnTapped: d.onRelay}
	box.Add(container.NewHBox(relay))
	if why := relayRefusal(p); why != "" {
		relay.Disable()
		box.Add(&widget.Label{Text: why, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText})
	}
	return box
}

// relayRefusal says why this partner may not relay our protected events, or
// "" when it may: it needs a key, and one whose check raised no alarm.
func relayRefusal(p store.Partner) string {
	switch c := p.PGPKeyCheck; {
	case p.PGPKey == nil || p.PGPKey.Armored == "":
		return "Not possible: the partner sent no PGP instance key, so its MISP could not verify our protected events. " +
			"Once GnuPG is set up on their MISP, pair again."
	case c != nil && c.Alarm != "":
		return "Refused: the partner's key did not pass the check when paired (see above). " +
			"Compare its fingerprint with their admin by another channel (phone), then pair again."
	case c != nil && c.Verdict == "refused":
		return "Refused: the key the partner sent could not be used (" + c.Message + "). Pair again once their MISP publishes a valid key."
	}
	return ""
}

// onRelay opens "Allow this partner to relay my protected events" with our
// instance key as read at login.
func (d *partnerDetails) onRelay() {
	w := d.shell.window
	if why := relayRefusal(d.partner); why != "" {
		dialog.ShowError(errors.New(why), w)
		return
	}
	sess, err := d.shell.profiles.sessionFor(d.partner.ProfileID)
	if err != nil {
		dialog.ShowError(err, w)
		return
	}
	partnerKey, err := partnerKeyOf(d.partner)
	if err != nil {
		dialog.ShowError(err, w)
		return
	}
	// A nil own key is fine: the dialog says we have none.
	calls := newRelayCalls(sess.client, sess.login, sess.ownKey, partnerKey)
	showRelayDialog(w, d.partner.Org.Name, partnerKey.Fingerprint, calls, d.shell.background)
}

// onRemove says what removal will do on our MISP, then does it.
func (d *partnerDetails) onRemove() {
	w := d.shell.window
	deleteUser := &widget.Check{Text: "Delete the sync user instead of disabling it"}
	deleteGroup := &widget.Check{Text: "Also delete the sharing group this app made"}
	plan := &widget.Label{Wrapping: fyne.TextWrapWord}
	update := func() {
		plan.SetText(strings.Join(append(removalPlan(d.partner, deleteUser.Checked), sharingGroupPlan(d.partner, deleteGroup.Checked)...), "\n"))
	}
	deleteUser.OnChanged = func(bool) { update() }
	deleteGroup.OnChanged = func(bool) { update() }
	update()
	content := container.NewVBox(
		&widget.Label{Text: "Removing " + d.partner.Org.Name + " will:", Wrapping: fyne.TextWrapWord},
		plan,
	)
	if d.partner.OnOurMISP.SyncUser.ID != "" {
		content.Add(deleteUser)
	}
	if g := d.partner.OnOurMISP.SharingGroup; g.ID != "" && g.Outcome == store.Created {
		content.Add(deleteGroup)
	}
	confirm := dialog.NewCustomConfirm("Remove partner", "Remove", "Cancel", content, func(ok bool) {
		if ok {
			d.removeAll(deleteUser.Checked, deleteGroup.Checked)
		}
	}, w)
	confirm.Resize(fyne.NewSize(520, 0))
	showWithEscape(confirm, w)
}

func (d *partnerDetails) remove(deleteUser bool) {
	w := d.shell.window
	p := d.partner
	needsMISP := p.OnOurMISP.Server.Outcome == store.Created || p.OnOurMISP.SyncUser.ID != ""
	var client mispClient
	if needsMISP {
		var err error
		if client, err = d.shell.profiles.clientFor(p.ProfileID); err != nil {
			dialog.ShowError(err, w)
			return
		}
	}
	progress := dialog.NewCustomWithoutButtons("Removing "+p.Org.Name, widget.NewProgressBarInfinite(), w)
	progress.Show()
	d.removeButton.Disable()
	d.shell.background(func() {
		done, err := removePartner(context.Background(), client, d.shell.vault, p, deleteUser)
		fyne.Do(func() {
			progress.Hide()
			d.removeButton.Enable()
			switch {
			case isNotThePartners(err):
				dialog.ShowError(fmt.Errorf("%s was not removed: %w", p.Org.Name, err), w)
			case err != nil:
				dialog.ShowError(fmt.Errorf("%s was not removed completely: %w", p.Org.Name, err), w)
			case len(done) > 0:
				dialog.ShowInformation("Removed "+p.Org.Name, strings.Join(done, "\n"), w)
			}
			d.shell.partners.reload()
		})
	})
}

// removalPlan lists, in words, what removing p does on our MISP and here.
// It follows the brief: only what the app created is deleted, the sync user
// is disabled unless asked, the organisation stays.
func removalPlan(p store.Partner, deleteUser bool) []string {
	var plan []string
	srv := p.OnOurMISP.Server
	switch {
	case srv.ID == "":
	case srv.Outcome == store.Created:
		plan = append(plan, "• delete server entry #"+srv.ID+", which this app created")
	default:
		plan = append(plan, "• keep server entry #"+srv.ID+": it existed before the pairing")
	}
	if u := p.OnOurMISP.SyncUser; u.ID != "" {
		who := "#" + u.ID
		if p.OnOurMISP.SyncUserEmail != "" {
			who += " (" + p.OnOurMISP.SyncUserEmail + ")"
		}
		if deleteUser {
			plan = append(plan, "• delete sync user "+who)
		} else {
			plan = append(plan, "• disable sync user "+who+"; it can be re-enabled in MISP")
		}
	}
	if o := p.OnOurMISP.Org; o.ID != "" {
		plan = append(plan, "• keep organisation #"+o.ID+" ("+p.Org.Name+"): organisations are never deleted")
	}
	return append(plan, "• forget this partner's record in MISPbump")
}

func card(title string, content fyne.CanvasObject) *widget.Card {
	return &widget.Card{Subtitle: title, Content: content}
}

// partnerOrgFields are the label/value pairs (for fieldForm) of what a
// partner sent about its organisation; the partner's details and the
// wizard's result both show them, so they read the same in both.
func partnerOrgFields(p store.Partner) []string {
	return []string{
		"Organisation", p.Org.Name,
		"Organisation UUID", p.Org.UUID,
		"Description", p.Org.Description,
		"Nationality", p.Org.Nationality,
		"Sector", p.Org.Sector,
		"Type", p.Org.Type,
		"Contacts", p.Org.Contacts,
		"Admin e-mail", p.AdminEmail,
	}
}

// partnerMISPFields are the label/value pairs of what a partner sent about
// its MISP, for the same two places as partnerOrgFields.
func partnerMISPFields(p store.Partner) []string {
	return []string{
		"MISP URL", p.AnnouncedURL,
		"Instance UUID", p.InstanceUUID,
		"MISP version", p.MISPVersion,
		"Certificate", certificateText(p.CertificatePEM),
		"Connects from", strings.Join(p.EgressAddresses, ", "),
	}
}

// fieldForm lays out label/value pairs, skipping empty values; values wrap
// and can be selected for copying.
func fieldForm(pairs ...string) *widget.Form {
	f := &widget.Form{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		f.Append(pairs[i], &widget.Label{Text: pairs[i+1], Wrapping: fyne.TextWrapWord, Selectable: true})
	}
	return f
}

// withEmailRow inserts a row for an e-mail address after row `after` of f.
// The address is one long word: in a wrapping label it broke mid-word in a
// narrow column, so it is shown on one line, cut with an ellipsis when too
// long, beside a Copy button that copies it whole.
func withEmailRow(f *widget.Form, after int, label, email string) *widget.Form {
	if email == "" {
		return f
	}
	row := &widget.FormItem{Text: label, Widget: emailField(email)}
	i := min(after+1, len(f.Items))
	f.Items = append(f.Items[:i], append([]*widget.FormItem{row}, f.Items[i:]...)...)
	f.Refresh()
	return f
}

// emailField shows an address on one line (ellipsis when too long) with a
// button that copies it whole.
func emailField(email string) fyne.CanvasObject {
	text := &widget.Label{Text: email, Truncation: fyne.TextTruncateEllipsis, Selectable: true}
	copyButton := &widget.Button{Icon: theme.ContentCopyIcon(), Importance: widget.LowImportance, OnTapped: func() {
		fyne.CurrentApp().Clipboard().SetContent(email)
	}}
	return container.NewBorder(nil, nil, nil, copyButton, text)
}

func objectText(o store.ObjectRef, note string) string {
	if o.ID == "" {
		return ""
	}
	s := "#" + o.ID
	if o.Outcome != "" {
		s += ", " + string(o.Outcome)
	}
	if note != "" {
		s += " — " + note
	}
	return s
}

// serverSettingsFields says our server entry's settings as MISP has them
// (read back after the pairing: an entry that was there before keeps its
// own); a record without them says the pairing's choices, as such.
func serverSettingsFields(s *store.ServerSettings, push, pull bool, url string) []string {
	if s == nil {
		return []string{"Sync", syncText(push, pull) + " (as chosen; not read back from MISP)"}
	}
	out := []string{"Sync", syncText(s.Push, s.Pull) + " (as MISP has it)"}
	if s.KeptExisting {
		out = append(out, "Settings kept", "the entry was there before: the pairing replaced only its key (update key only); push, pull and rules are the entry's own")
	}
	out = append(out,
		"Rules", "push: "+syncsetup.RulesWords(s.PushRules)+" — pull: "+syncsetup.RulesWords(s.PullRules),
		"TLS", tlsText(s, url))
	if s.Internal {
		out = append(out, "Internal", "yes (same organisation)")
	}
	return out
}

// tlsText says how our MISP checks the partner's MISP through the entry.
func tlsText(s *store.ServerSettings, url string) string {
	switch {
	case strings.HasPrefix(strings.ToLower(strings.TrimSpace(url)), "http://"):
		return "plain http: nothing is encrypted or verified"
	case s.SelfSigned:
		return "self_signed is on: MISP does not verify the partner's certificate"
	case s.CertFile != "":
		return "verified against the partner's certificate stored with the entry (" + s.CertFile + ")"
	}
	return "verified against the system's trusted certificate authorities"
}

func syncText(push, pull bool) string {
	switch {
	case push && pull:
		return "push and pull"
	case push:
		return "push only"
	case pull:
		return "pull only"
	default:
		return "neither push nor pull"
	}
}

func keysText(keys []store.MintedKey) string {
	var parts []string
	for _, k := range keys {
		s := "#" + k.ID
		if k.Comment != "" {
			s += " " + k.Comment
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

func certificateText(pem string) string {
	if pem == "" {
		return ""
	}
	return "pinned (the partner's MISP is not publicly trusted)"
}

func lastTestText(t *store.ConnectionTest, short string) string {
	if t == nil {
		return "The connection has not been tested yet."
	}
	text := "Last test: " + short
	if t.Message != "" {
		text = fmt.Sprintf("Tested %s: %s", formatAge(t.At), t.Message)
	}
	if t.RemoteUser != "" {
		text += "\n" + shortAddresses(t.RemoteUser)
	}
	return text
}

// shortAddresses cuts each long e-mail address in a sentence to its start
// ("sync-36ecd37d…"): a sync user's address is longer than a form's value
// column and would otherwise break mid-word. Where the whole address
// matters it has a row of its own (emailField).
func shortAddresses(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		at := strings.IndexByte(w, '@')
		if at <= 0 || utf8.RuneCountInString(w) <= 24 {
			continue
		}
		tail := strings.TrimRight(w, ",.;:)")
		local := []rune(w[:at])
		if len(local) > 13 {
			local = append(local[:13], '…')
		}
		words[i] = string(local) + w[len(tail):]
	}
	return strings.Join(words, " ")
}
