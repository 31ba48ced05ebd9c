package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// Exchange modes offered in Prepare.
const (
	modeFaceToFace = "Face to face: the laptops' webcams read each other's screen"
	modeRemote     = "Partner elsewhere: codes travel as chat text or image files, the code is read over the phone"
)

// prepareStep is step 1: every choice before the exchange, each explained.
type prepareStep struct {
	pull, push, publishWithoutEmail *widget.Check
	announceURL, serverName, egress *widget.Entry
	existingServer, nameClash       *widget.Select
	internal                        *widget.Check
	internalWarning                 *widget.Label
	allowLocal, keepUnverified      *widget.Check
	rules                           *rulesEditor
	sharingGroup                    *widget.Check
	mode                            *widget.RadioGroup
	start, cancel                   *widget.Button
	message                         *widget.Label
	progress                        *widget.ProgressBarInfinite
}

func (w *wizard) startingChoices() session.Choices {
	c := session.ChoicesFromPreferences(w.vault.Snapshot().Preferences.Prepare)
	if w.opts.choices != nil {
		c = *w.opts.choices
	}
	if pa := w.opts.pairAgainWith; pa != nil {
		// "Pair again with <org>": the admin's word, given in advance, for
		// exactly this organisation UUID.
		// A record whose UUID is not one keeps it as it is, and
		// Choices.Validate says so before anything starts.
		c.ReuseOrgUUID = pa.Org.UUID
		if u, err := ident.CanonicalUUID("organisation", pa.Org.UUID); err == nil {
			c.ReuseOrgUUID = u
		}
	}
	return c
}

// explain is the small text under a choice that says what it does.
func explain(text string) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
}

func (w *wizard) showPrepare() {
	c := w.startingChoices()
	if w.resume != nil && (w.resume.Partner.Push || w.resume.Partner.Pull) {
		// A resumed pairing keeps the directions chosen when it started.
		c.Push, c.Pull = w.resume.Partner.Push, w.resume.Partner.Pull
	}
	p := &prepareStep{}
	w.prepare = p
	login := w.login.login

	p.pull = &widget.Check{Text: "Pull: our MISP fetches the partner's events", Checked: c.Pull}
	p.push = &widget.Check{Text: "Push: our MISP sends our events to the partner", Checked: c.Push}
	p.publishWithoutEmail = &widget.Check{Text: "Publish pulled events without e-mailing our users", Checked: c.PublishWithoutEmail}
	announce := c.AnnounceURL
	if announce == "" && login != nil {
		announce = login.AnnounceURL
	}
	p.announceURL = &widget.Entry{Text: announce, PlaceHolder: "https://misp.example.org"}
	p.serverName = &widget.Entry{Text: c.ServerName, PlaceHolder: "empty: the partner organisation's name (MISPbump)"}
	p.egress = &widget.Entry{Text: strings.Join(c.EgressAddresses, ", "), PlaceHolder: "optional, e.g. 198.51.100.7, 2001:db8::7"}
	p.existingServer = &widget.Select{Options: choiceLabels(serverPolicies), Selected: choiceLabel(serverPolicies, c.ExistingServer)}
	p.nameClash = &widget.Select{Options: choiceLabels(nameClashPolicies), Selected: choiceLabel(nameClashPolicies, c.NameClash)}
	p.internalWarning = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance,
		Text: "Org-only data will flow: events and attributes shared with \"your organisation only\" go to the partner MISP too. Use this only for two MISPs of one organisation."}
	p.internal = &widget.Check{Text: "Same organisation (internal mode): an internal and a DMZ MISP of one organisation", Checked: c.Internal}
	p.internal.OnChanged = func(on bool) { p.internalWarning.Hidden = !on; p.internalWarning.Refresh() }
	p.internalWarning.Hidden = !c.Internal
	internalNote := "Both MISPs must be run by the same organisation, with MISP.host_org_id set."
	if login != nil && !login.HostOrgSet {
		p.internal.Disable()
		p.internal.Checked = false
		p.internalWarning.Hidden = true
		internalNote = "Not available: MISP.host_org_id is not set on this MISP (MISP keeps a server entry internal only when it is)."
	}
	p.allowLocal = &widget.Check{Text: "Allow a partner URL on this machine (loopback, link-local)", Checked: c.AllowLocalAddresses}
	p.keepUnverified = &widget.Check{Text: "Keep an existing entry with TLS verification off if no certificate comes", Checked: c.KeepUnverifiedEntry}
	p.rules = newRulesEditor(w.login.client, c.Rules, w.opts.background, w.opts.ui)
	p.rules.onPreset = func(_ string, pushOff bool) {
		if pushOff {
			p.push.SetChecked(false)
		}
	}
	ourOrg := "our organisation"
	if login != nil {
		ourOrg = login.HostOrg.Name
	}
	p.sharingGroup = &widget.Check{Text: "Make a bilateral sharing group \"" + ourOrg + " ↔ partner\" on our MISP", Checked: c.SharingGroup}
	mode := modeFaceToFace
	if c.Remote {
		mode = modeRemote
	}
	p.mode = &widget.RadioGroup{Options: []string{modeFaceToFace, modeRemote}, Selected: mode, Required: true}
	p.message = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.progress = &widget.ProgressBarInfinite{}
	p.progress.Hide()
	p.start = &widget.Button{Text: "Start the exchange", Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: w.onStart}
	p.cancel = &widget.Button{Text: "Cancel", Icon: theme.CancelIcon(), OnTapped: w.close}

	source := ""
	if login != nil && login.AnnounceURLSource != "" {
		source = " Prefilled from " + login.AnnounceURLSource + "."
	}
	sections := []fyne.CanvasObject{}
	if w.resume != nil {
		sections = append(sections, w.resumeCard())
	}
	if pa := w.opts.pairAgainWith; pa != nil {
		sections = append(sections, &widget.Card{Title: "Pairing again with " + pa.Org.Name,
			Content: &widget.Label{Wrapping: fyne.TextWrapWord, Text: "You vouch in advance that the person you pair with speaks for " + pa.Org.Name + " (organisation " + pa.Org.UUID + "): " +
				"your MISP's organisation for it is reused without asking. Any other organisation your MISP already knows still stops the pairing before anything is created, " +
				"and so do a changed PGP key or URL compared with this laptop's record."}})
	}
	finishAlone := w.resume != nil && session.ResumeCase(*w.resume) == session.ResumeFinishAlone
	// Finishing alone exchanges nothing: where the partner is and what it
	// gets from us no longer matter.
	modeCard := &widget.Card{Subtitle: "Where is your partner?", Content: p.mode}
	modeCard.Hidden = finishAlone
	sections = append(sections,
		modeCard,
		&widget.Card{Subtitle: "What our server entry to the partner does", Content: container.NewVBox(
			p.pull,
			explain("Uses the key the partner's MISP mints for us: we get the events their sync user may see. The partner gets a sync user on our MISP either way; what their MISP pulls from or pushes to us is their choice, within our events' distribution settings."),
			p.push,
			explain("Off by default: many teams push only once they know what they want to share."),
			p.publishWithoutEmail,
			explain("Without it a first pull publishes every pulled event and MISP mails every user about each one."),
		)},
		&widget.Card{Subtitle: "What flows", Content: container.NewVBox(
			p.rules.content(true),
			explain("The rules go on our server entry (MISP's push_rules and pull_rules), and the partner is told them. An existing entry updated under \"update its key only\" keeps its rules unless you change them here. MISP pushes only events shared with connected or all communities, or in a sharing group that holds the entry."),
			p.sharingGroup,
			explain("Off by default. With both organisations and our server entry in it, events shared in the group flow to the partner only. Kept when the partner is removed, unless you ask."),
		)},
		partnerCard(finishAlone, &widget.Form{Items: []*widget.FormItem{
			{Text: "Our MISP's URL", Widget: p.announceURL, HintText: "the address the partner's MISP will use to reach ours." + source},
			{Text: "Connects from", Widget: p.egress, HintText: "addresses our MISP connects from, for the partner's firewall"},
			{Text: "How to notify us", Widget: wrapped(notificationsNote(w.login.notifications))},
		}}),
		&widget.Card{Subtitle: "On our MISP", Content: &widget.Form{Items: []*widget.FormItem{
			{Text: "Server entry name", Widget: p.serverName},
			{Text: "Entry already there", Widget: p.existingServer, HintText: "when our MISP already has a server entry to this partner"},
			{Text: "Name already taken", Widget: p.nameClash, HintText: "when another organisation on our MISP has the partner's name"},
		}}},
		&widget.Card{Subtitle: "Same organisation", Content: container.NewVBox(p.internal, explain(internalNote), p.internalWarning)},
		&widget.Card{Subtitle: "Safety", Content: container.NewVBox(
			p.allowLocal,
			explain("Off, a partner who announces a loopback or link-local URL is refused: a real partner's MISP is never there, and our MISP's connection test would probe our own network. Turn it on only for two MISPs on one machine."),
			p.keepUnverified,
			explain("Off, the pairing stops before putting the new key on such an entry (it would go to whoever answers at that URL). A partner who sends its certificate turns verification back on either way."),
		)},
	)
	if w.resume != nil && session.ResumeCase(*w.resume) == session.ResumeFinishAlone {
		// Push and pull come from the pending pairing; only the server entry's
		// other choices still matter.
		p.pull.Disable()
		p.push.Disable()
		p.pull.SetChecked(w.resume.Partner.Pull)
		p.push.SetChecked(w.resume.Partner.Push)
		p.mode.Disable()
		p.start.Text = "Finish now"
		p.start.OnTapped = w.onFinishAlone
	}
	p.rules.load(w.ctx)
	buttons := container.NewBorder(nil, nil, p.cancel, p.start, container.NewVBox(p.progress, p.message))
	w.setStep(0, container.NewBorder(nil, container.NewPadded(buttons), nil, nil,
		newPageScroll(container.NewVBox(sections...))))
}

// resumeCard says which pending pairing this is and which case applies.
func (w *wizard) resumeCard() fyne.CanvasObject {
	pp := w.resume
	name := pp.Partner.Org.Name
	if name == "" {
		name = "a partner"
	}
	started := formatDay(pp.StartedAt)
	var what string
	switch session.ResumeCase(*pp) {
	case session.ResumeFinishAlone:
		what = "Your MISP already holds the key the partner's MISP minted for it, so this side can finish alone: " +
			"add or update the server entry to the partner and test the connection. No codes are exchanged."
	default:
		what = "The partner's key never arrived, and the one-time keys of that exchange are gone by design. " +
			"Sit together again (or call each other) for a new exchange: new codes to compare and a new key; " +
			"the key made in the unfinished pairing is revoked once the new one works."
	}
	done := "nothing yet"
	if len(pp.StepsDone) > 0 {
		var words []string
		for _, st := range pp.StepsDone {
			words = append(words, stepWords(st))
		}
		done = strings.Join(words, ", ")
	}
	return &widget.Card{Title: "Resuming the pairing with " + name, Subtitle: "started " + started + "; steps done: " + done,
		Content: &widget.Label{Text: what, Wrapping: fyne.TextWrapWord}}
}

// partnerCard is "What the partner gets from us", hidden when finishing alone.
func partnerCard(hidden bool, content fyne.CanvasObject) *widget.Card {
	c := &widget.Card{Subtitle: "What the partner gets from us", Content: content}
	c.Hidden = hidden
	return c
}

// stepWords names a session step for people.
func stepWords(step string) string {
	switch step {
	case session.StepOrg:
		return "partner organisation"
	case session.StepSyncUser:
		return "sync user"
	case session.StepKey:
		return "key for the partner"
	case session.StepServer:
		return "server entry"
	case session.StepTest:
		return "connection test"
	}
	return step
}

// choicesFromForm reads the Prepare form; the error says what to fix.
func (w *wizard) choicesFromForm() (session.Choices, error) {
	p := w.prepare
	c := w.startingChoices()
	c.Pull, c.Push, c.PublishWithoutEmail = p.pull.Checked, p.push.Checked, p.publishWithoutEmail.Checked
	c.AnnounceURL = strings.TrimSpace(p.announceURL.Text)
	if _, err := misp.ParseBaseURL(c.AnnounceURL); err != nil {
		return c, fmt.Errorf("our MISP's URL: %w", err)
	}
	c.ServerName = strings.TrimSpace(p.serverName.Text)
	c.ExistingServer = choiceValue(serverPolicies, p.existingServer.Selected)
	c.NameClash = choiceValue(nameClashPolicies, p.nameClash.Selected)
	c.Internal = p.internal.Checked && !p.internal.Disabled()
	c.AllowLocalAddresses, c.KeepUnverifiedEntry = p.allowLocal.Checked, p.keepUnverified.Checked
	// The timeouts stay those of the preferences; the mode picks which.
	c.Remote = p.mode.Selected == modeRemote
	c.EgressAddresses = strings.FieldsFunc(p.egress.Text, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	rules, err := p.rules.rules()
	if err != nil {
		return c, fmt.Errorf("what flows: %w", err)
	}
	c.Rules, c.RulesChanged, c.SharingGroup = rules, p.rules.changed, p.sharingGroup.Checked
	// The session's own check, said without its preamble: the admin is
	// still at the form it is about.
	if err := c.Validate(); err != nil {
		var se *session.Error
		if errors.As(err, &se) && se.Detail != "" {
			return c, errors.New(se.Detail)
		}
		return c, err
	}
	return c, nil
}

func (w *wizard) prepareFailed(msg string) {
	p := w.prepare
	p.progress.Hide()
	p.start.Enable()
	p.message.Importance = widget.DangerImportance
	p.message.SetText(msg)
}

func (w *wizard) prepareBusy(msg string) {
	p := w.prepare
	p.start.Disable()
	p.progress.Show()
	p.message.Importance = widget.MediumImportance
	p.message.SetText(msg)
}

// onStart takes our instance's PGP key (it travels in INFO) as the login
// read it, or reads it off the UI goroutine when the login has not got it,
// then starts the session and shows the Exchange step.
func (w *wizard) onStart() {
	c, err := w.choicesFromForm()
	if err != nil {
		w.prepareFailed(sentence(err.Error()))
		return
	}
	w.choices = c
	// What flows is remembered as Prepare's default, like the settings.
	_ = w.vault.Update(func(d *store.Data) error {
		session.RememberRules(c, &d.Preferences.Prepare)
		return nil
	})
	if w.login.knownOwnKey != nil {
		if key := w.login.knownOwnKey(); key != nil {
			w.startSession(key, nil)
			return
		}
	}
	w.prepareBusy("Reading our MISP's PGP instance key…")
	ctx := w.ctx
	client := w.login.client
	w.opts.background(func() {
		key, keyErr := protected.FetchOwnKey(ctx, client)
		w.opts.ui(func() {
			if ctx.Err() != nil {
				return
			}
			w.startSession(key, keyErr)
		})
	})
}

// startSession starts the pairing and moves to the Exchange step.
func (w *wizard) startSession(ownKey *protected.Key, ownKeyErr error) {
	cfg := session.Config{
		Client: w.login.client, Login: w.login.login, Store: w.vault.store, ProfileID: w.login.profileID,
		Choices: w.choices, CertificatePEM: w.login.certificatePEM, Notifications: w.login.notifications,
		Source: w.texts,
		Sink: session.SinkFunc(func(frames []string) {
			w.opts.ui(func() { w.exchange.showFrames(frames) })
			if w.opts.onFrames != nil {
				w.opts.onFrames(frames)
			}
		}),
		OnEvent: func(ev session.Event) { w.opts.ui(func() { w.onEvent(ev) }) },
	}
	if ownKey != nil {
		cfg.PGPKey, cfg.PGPFingerprint = ownKey.Armored, ownKey.Fingerprint
	}
	if w.resume != nil {
		cfg.ResumeID = w.resume.ID
	}
	// The exchange step exists before the session can call the sink.
	w.exchange = newExchangeStep(w, ownKey, ownKeyErr)
	s, err := session.Start(w.ctx, cfg)
	if err != nil {
		w.exchange = nil
		w.prepareFailed(sentence(err.Error()))
		return
	}
	w.session = s
	w.exchangeContent = w.exchange.content()
	w.setStep(1, w.exchangeContent)
	w.exchange.startCamera()
}

// onFinishAlone finishes a pending pairing that holds the partner's key,
// off the UI goroutine, and shows the result.
func (w *wizard) onFinishAlone() {
	c, err := w.choicesFromForm()
	if err != nil {
		w.prepareFailed(sentence(err.Error()))
		return
	}
	w.prepareBusy("Adding the server entry to the partner and testing the connection…")
	ctx := w.ctx
	pendingID := w.resume.ID
	w.opts.background(func() {
		res, err := finishPendingAlone(ctx, w.login, w.vault, pendingID, c)
		w.opts.ui(func() {
			if ctx.Err() != nil {
				return
			}
			if res == nil {
				w.prepareFailed(sentence(err.Error()))
				return
			}
			w.showResult(res, session.StageDone)
		})
	})
}

// finishPendingAlone is session.FinishAlone for the wizard's login.
func finishPendingAlone(ctx context.Context, l wizardLogin, v *vault, pendingID string, c session.Choices) (*session.Result, error) {
	return session.FinishAlone(ctx, l.client, l.login, v.store, pendingID, c)
}

// notificationsNote says whether our IEP005 notification settings go along.
func notificationsNote(n *pairing.NotificationSettings) string {
	if n == nil {
		return "none set: the partner is not told how we want to be notified (set it on the MISP tab: How we want to be notified…)"
	}
	return "sent as set on the MISP tab (How we want to be notified…)"
}
