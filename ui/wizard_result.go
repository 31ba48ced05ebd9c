package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// resultStep is step 3: everything the partner sent and everything done on
// our MISP. Our code stays beside it while the partner still needs it.
type resultStep struct {
	res   *session.Result
	stage session.Stage
	box   *fyne.Container
}

// showResult shows (or, for a late partner result, updates) the Result step.
func (w *wizard) showResult(res *session.Result, stage session.Stage) {
	if res != nil && stage == session.StageDone && !res.OK {
		stage = session.StageFailed
	}
	first := w.result == nil
	if first {
		w.result = &resultStep{box: container.NewVBox()}
	}
	r := w.result
	if w.exchange != nil {
		res = withProgress(res, w.exchange.partner)
	}
	r.res, r.stage = res, stage
	r.box.Objects = w.resultSections(res, stage)
	r.box.Refresh()
	if w.opts.onResult != nil {
		w.opts.onResult(res)
	}
	if !first {
		return
	}
	closeButton := &widget.Button{Text: "Close", Icon: theme.WindowCloseIcon(), Importance: widget.HighImportance, OnTapped: w.close}
	main := container.NewBorder(nil, container.NewPadded(container.NewBorder(nil, nil, nil, closeButton)), nil, nil, container.NewVScroll(r.box))
	if w.exchange == nil {
		w.setStep(2, main)
		return
	}
	// The code stays on screen until the partner has everything, and so do
	// the buttons that send it and read the partner's (its result may still
	// be on its way).
	caption := "Our code, for your partner's camera"
	if w.choices.Remote {
		caption = "Our code, to send to your partner"
	}
	side := container.NewBorder(&widget.Label{Text: caption, Alignment: fyne.TextAlignCenter, SizeName: theme.SizeNameCaptionText},
		w.exchange.cam.controls(), nil, nil, w.exchange.qr)
	split := container.NewHSplit(main, container.NewPadded(side))
	split.Offset = 0.62
	w.setStep(2, split)
}

// withProgress completes a result's summary with what the events reported
// as done on our MISP, so a cancel says everything that was written.
func withProgress(res *session.Result, seen *session.PartnerSummary) *session.Result {
	if seen == nil {
		return res
	}
	c := *res
	p := &c.Partner
	if p.OrgName == "" {
		p.OrgName, p.OrgUUID, p.InstanceUUID, p.URL = seen.OrgName, seen.OrgUUID, seen.InstanceUUID, seen.URL
	}
	if p.OrgID == "" {
		p.OrgID, p.OrgCreated, p.OrgNameUsed = seen.OrgID, seen.OrgCreated, seen.OrgNameUsed
	}
	if p.SyncUserID == "" {
		p.SyncUserID, p.UserCreated, p.SyncUserEmail = seen.SyncUserID, seen.UserCreated, seen.SyncUserEmail
	}
	if p.ServerID == "" {
		p.ServerID, p.ServerCreated = seen.ServerID, seen.ServerCreated
	}
	if p.MintedKeyID == "" {
		p.MintedKeyID = seen.MintedKeyID
	}
	return &c
}

// resultSections builds the Result step's content.
func (w *wizard) resultSections(res *session.Result, stage session.Stage) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	partnerName := res.Partner.OrgName
	if partnerName == "" {
		partnerName = "the partner"
	}
	title, imp := "The pairing stopped", widget.WarningImportance
	switch stage {
	case session.StageDone:
		title, imp = "Paired with "+partnerName, widget.SuccessImportance
	case session.StageFailed:
		title, imp = "The pairing with "+partnerName+" failed", widget.DangerImportance
	}
	out = append(out, &widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText, Importance: imp, Wrapping: fyne.TextWrapWord})
	if why := whyText(res); why != "" {
		out = append(out, &widget.Label{Text: why, Wrapping: fyne.TextWrapWord})
	}
	if res.Advice != "" && !(res.OK && res.PartnerDone != nil) {
		out = append(out, &widget.Label{Text: sentence(res.Advice), Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Italic: true}})
	}

	tests := []string{
		"Ours to the partner", ourTestText(res, stage),
		"The partner's to us", w.partnerTestText(res, stage),
	}
	if res.Test != nil && res.Test.RemoteUser != "" {
		// servers/getRemoteUser, in words, as the brief asks.
		tests = append(tests[:2], append([]string{"Our key on their MISP", shortAddresses(res.Test.RemoteUser)}, tests[2:]...)...)
	}
	out = append(out, card("Connection tests", fieldForm(tests...)))
	p, known := w.partnerRecord(res)
	on := writtenForm(res)
	if res.Partner.ServerID != "" {
		// What MISP has for the entry, read back after the setup; without
		// a read-back the pairing's choices, said as such.
		settings := res.Partner.ServerSettings
		if settings == nil && known {
			settings = p.ServerSettings
		}
		if settings != nil && settings.KeptExisting {
			out = append(out[:1], append([]fyne.CanvasObject{&widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance,
				Text: "Our MISP already had a server entry for this partner. As chosen (update its key only), the pairing replaced only its key: " +
					"the entry keeps its own settings — " + syncText(settings.Push, settings.Pull) + ", its rules and TLS settings (see On our MISP)."}}, out[1:]...)...)
		}
		on = container.NewVBox(on, fieldForm(serverSettingsFields(settings, w.choices.Push, w.choices.Pull, res.Partner.URL)...))
	}
	out = append(out, card("On our MISP", on))
	if id := res.Identity; id != nil && len(id.Checked) > 0 {
		out = append(out, card("What was checked of the partner's claims", &widget.Label{Text: checkedText(id), Wrapping: fyne.TextWrapWord}))
	}
	if f := res.Partner; f.OurFlows != nil || f.PartnerFlows != nil {
		group := f.SharingGroupName
		if f.SharingGroupProblem != "" {
			group = "not made: " + f.SharingGroupProblem
		}
		out = append(out, flowsCard(f.OurFlows, f.PartnerFlows, group))
	}

	if known {
		sent := append(partnerOrgFields(p), partnerMISPFields(p)...)
		out = append(out, card("What the partner sent", fieldForm(sent...)))
		ownFP := ""
		var ownErr error
		if w.exchange != nil {
			if w.exchange.ownKey != nil {
				ownFP = w.exchange.ownKey.Fingerprint
			}
			ownErr = w.exchange.ownKeyErr
		}
		var check *protected.CrossCheck
		if res.PartnerKey != nil {
			c := res.PartnerKey.Check.CrossCheck
			check = &c
			if res.PartnerKey.Alarm != "" {
				// Shown first and in red: protected events should not be
				// relayed until the fingerprint was compared another way.
				out = append(out[:1], append([]fyne.CanvasObject{&widget.Label{Text: sentence(res.PartnerKey.Alarm), Importance: widget.DangerImportance,
					Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}}, out[1:]...)...)
			}
		}
		out = append(out, newPGPKeysCard(ownFP, ownErr, p.PGPKey, check))
		out = append(out, newNotificationsView(p.NotificationSettings))
	}
	if res.SAS != "" {
		out = append(out, &widget.Label{Text: "Codes compared: " + res.SAS, SizeName: theme.SizeNameCaptionText})
	}
	return out
}

// partnerRecord is what the store kept of the partner (the saved record, or
// the pending pairing), else what the session's summary knows.
func (w *wizard) partnerRecord(res *session.Result) (store.Partner, bool) {
	if w.vault != nil && w.vault.store != nil {
		snap := w.vault.Snapshot()
		if res.PartnerID != "" {
			if p, ok := snap.Partner(res.PartnerID); ok {
				return *p, true
			}
		}
		if res.PendingID != "" {
			if pp, ok := snap.PendingPairing(res.PendingID); ok {
				return pp.Partner, true
			}
		}
	}
	s := res.Partner
	if s.OrgUUID == "" && s.InstanceUUID == "" {
		return store.Partner{}, false
	}
	return store.Partner{Org: store.PartnerOrg{Name: s.OrgName, UUID: s.OrgUUID}, InstanceUUID: s.InstanceUUID, AnnouncedURL: s.URL,
		Push: w.choices.Push, Pull: w.choices.Pull}, true
}

// whyText says why a pairing ended without success, in words.
func whyText(res *session.Result) string {
	if res.Err == nil {
		return ""
	}
	if res.AbortedByPartner {
		msg := "Your partner stopped the pairing"
		if res.Abort != nil && res.Abort.Message != "" {
			msg += ": " + res.Abort.Message
		}
		return msg + "."
	}
	return errText(res.Err)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return sentence(err.Error())
}

// writtenForm lists what the pairing wrote on our MISP, created versus
// reused, with IDs; "nothing" when it wrote nothing (a cancel before both
// confirmed, a rejected code).
func writtenForm(res *session.Result) fyne.CanvasObject {
	p := res.Partner
	lines := writtenLines(p)
	if len(lines) == 0 {
		return &widget.Label{Text: "Nothing was written to our MISP.", Wrapping: fyne.TextWrapWord}
	}
	f := fieldForm(lines...)
	// The sync user's e-mail is one long word, broken mid-word in this
	// narrow column: it gets a row of its own on one line (emailField).
	for i, it := range f.Items {
		if l, ok := it.Widget.(*widget.Label); ok && it.Text == "Sync user" && p.SyncUserEmail != "" {
			l.Text = strings.Replace(l.Text, " "+p.SyncUserEmail, "", 1)
			return withEmailRow(f, i, "Sync user e-mail", p.SyncUserEmail)
		}
	}
	return f
}

func writtenLines(p session.PartnerSummary) []string {
	var lines []string
	outcome := func(created bool) string {
		if created {
			return "created"
		}
		return "reused (it was there before)"
	}
	if p.OrgID != "" {
		name := p.OrgNameUsed
		if name == "" {
			name = p.OrgName
		}
		lines = append(lines, "Organisation", strings.Join(nonEmpty("#"+p.OrgID, name), " ")+", "+outcome(p.OrgCreated))
	}
	if p.SyncUserID != "" {
		lines = append(lines, "Sync user", strings.Join(nonEmpty("#"+p.SyncUserID, p.SyncUserEmail), " ")+", "+outcome(p.UserCreated))
	}
	var earlier []string
	mintedRevoked := false
	for _, k := range p.KeysRevoked {
		if k == p.MintedKeyID {
			mintedRevoked = true
		} else {
			earlier = append(earlier, k)
		}
	}
	if p.MintedKeyID != "" {
		what := "#" + p.MintedKeyID + ", minted by our MISP"
		if mintedRevoked {
			what += ", then revoked because the pairing stopped"
		}
		lines = append(lines, "Key for the partner", what)
	}
	if p.ServerID != "" {
		lines = append(lines, "Server entry", fmt.Sprintf("#%s, %s", p.ServerID, outcome(p.ServerCreated)))
	}
	if len(earlier) > 0 {
		lines = append(lines, "Earlier keys revoked", "#"+strings.Join(earlier, ", #"))
	}
	if len(p.KeysPendingRevoking) > 0 {
		lines = append(lines, "Keys to revoke", "#"+strings.Join(p.KeysPendingRevoking, ", #")+" — once the partner confirms the new key works")
	}
	return lines
}

func ourTestText(res *session.Result, stage session.Stage) string {
	if res.Test != nil {
		return testText(res.Test.Status, res.Test.Message)
	}
	var se *session.Error
	if errors.As(res.Err, &se) && se.Kind == session.KindStep && se.Step == session.StepTest {
		return errText(res.Err)
	}
	return "not run"
}

func (w *wizard) partnerTestText(res *session.Result, stage session.Stage) string {
	if res.PartnerDone != nil {
		return session.PartnerTestWords(*res.PartnerDone)
	}
	if w.exchange == nil {
		return "not exchanged: finishing alone shows no codes; the partner sees its own connection test"
	}
	if (stage == session.StageDone || stage == session.StageFailed) && w.choices.Remote {
		return "partner's result not received (yet): send them our code (our result) and paste or open theirs when it arrives"
	}
	if stage == session.StageDone || stage == session.StageFailed {
		return "partner's result not received (yet): keep our code in view of their camera; their window shows their result"
	}
	return "not run"
}

func testText(status int, message string) string {
	if message == "" {
		if status == 1 {
			return "OK"
		}
		return fmt.Sprintf("failed (status %d)", status)
	}
	return message
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkedText lists, one per line, what the session checked of the
// partner's claims (session.IdentityCheck.Checked) and how our MISP's
// organisation was chosen.
func checkedText(id *session.IdentityCheck) string {
	lines := make([]string, 0, len(id.Checked)+1)
	for _, c := range id.Checked {
		lines = append(lines, "• "+sentence(c))
	}
	switch {
	case id.Approved && id.Known != nil:
		lines = append(lines, "• You confirmed that the partner is "+id.Known.Name+", which your MISP already knew")
	case id.PreApproved:
		lines = append(lines, "• You vouched for "+id.ClaimedOrgName+" in advance (Pair again)")
	}
	return strings.Join(lines, "\n")
}
