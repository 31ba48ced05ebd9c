package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// relayCalls are the two core/protected calls behind the relay dialog, bound
// to our logged-in MISP and the two keys. Tests pass their own.
type relayCalls struct {
	list  func(ctx context.Context) (*protected.Listing, error)
	relay func(ctx context.Context, ids []misp.ID, progress func(protected.EventResult)) ([]protected.EventResult, error)
}

// newRelayCalls binds the dialog to our MISP: own is our instance key (read
// at login with protected.FetchOwnKey), partner the key in the partner's
// record (see partnerKeyOf).
func newRelayCalls(c *misp.Client, login *misp.LoginInfo, own, partner *protected.Key) relayCalls {
	ownFP := ""
	if own != nil {
		ownFP = own.Fingerprint
	}
	return relayCalls{
		list: func(ctx context.Context) (*protected.Listing, error) {
			return protected.ListProtectedEvents(ctx, c, protected.ListOptions{
				OrgID: login.Org.ID, OrgUUID: login.Org.UUID, OwnFingerprint: ownFP,
			})
		},
		relay: func(ctx context.Context, ids []misp.ID, progress func(protected.EventResult)) ([]protected.EventResult, error) {
			return protected.Relay(ctx, c, ids, protected.RelayOptions{Own: own, Partner: partner}, progress)
		},
	}
}

// partnerKeyOf reads the key kept in a partner's record, checking that the
// stored fingerprint is the key's own. No key gives nil, nil.
func partnerKeyOf(p store.Partner) (*protected.Key, error) {
	if p.PGPKey == nil {
		return nil, nil
	}
	return protected.CheckAnnounced(p.PGPKey.Armored, p.PGPKey.Fingerprint)
}

// relayDialog is "Allow this partner to relay my protected events": it lists
// our organisation's protected events, adds the partner's key to the chosen
// ones, keeps our own key on them, bumps and republishes them, and reports
// each event's result.
type relayDialog struct {
	window             fyne.Window
	partnerName        string
	partnerFingerprint string
	calls              relayCalls
	background         func(func())

	events      []protected.ProtectedEvent
	checks      []*widget.Check
	list        *fyne.Container
	note        *widget.Label
	status      *widget.Label
	results     *fyne.Container
	relayButton *widget.Button
	selectAll   *widget.Button
	dlg         *dialog.CustomDialog
	root        fyne.CanvasObject
}

// showRelayDialog opens the dialog over w and starts listing the events off
// the UI goroutine (background; the shell's, or inline in tests).
func showRelayDialog(w fyne.Window, partnerName, partnerFingerprint string, calls relayCalls, background func(func())) *relayDialog {
	d := newRelayDialog(w, partnerName, partnerFingerprint, calls, background)
	d.root = d.content()
	d.dlg = dialog.NewCustom("Allow "+partnerName+" to relay my protected events", "Close", d.root, w)
	d.dlg.Resize(fyne.NewSize(760, 560))
	d.dlg.Show()
	d.load()
	return d
}

func newRelayDialog(w fyne.Window, partnerName, partnerFingerprint string, calls relayCalls, background func(func())) *relayDialog {
	d := &relayDialog{window: w, partnerName: partnerName, partnerFingerprint: partnerFingerprint, calls: calls, background: background}
	d.list = container.NewVBox()
	d.note = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	d.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	d.results = container.NewVBox()
	d.relayButton = &widget.Button{Text: "Add the partner's key, bump and republish", Icon: theme.UploadIcon(), Importance: widget.HighImportance, OnTapped: d.onRelay}
	d.relayButton.Disable()
	d.selectAll = &widget.Button{Text: "Choose all without the partner's key", OnTapped: d.onSelectAll}
	return d
}

func (d *relayDialog) content() fyne.CanvasObject {
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "A protected event travels only to MISPs whose key is on it. " +
		"For each event you choose, MISPbump adds " + d.partnerName + "'s instance key (" + protected.FormatFingerprint(d.partnerFingerprint) +
		"), makes sure our own instance key stays on it, then moves its timestamp and publishes it again: MISP pushes only events " +
		"newer than the partner's copy."}
	return container.NewBorder(
		container.NewVBox(intro, d.note),
		container.NewVBox(container.NewHBox(d.selectAll, d.relayButton), d.status, d.results),
		nil, nil,
		container.NewVScroll(d.list),
	)
}

// load lists the events off the UI goroutine.
func (d *relayDialog) load() {
	d.status.SetText("Looking for your organisation's protected events…")
	d.background(func() {
		listing, err := d.calls.list(context.Background())
		fyne.Do(func() { d.showListing(listing, err) })
	})
}

func (d *relayDialog) showListing(l *protected.Listing, err error) {
	if err != nil {
		d.status.Importance = widget.DangerImportance
		d.status.SetText("The events could not be listed: " + err.Error())
		return
	}
	d.events = l.Events
	d.note.SetText(l.Note())
	d.list.RemoveAll()
	d.checks = nil
	for _, e := range l.Events {
		check := &widget.Check{Text: relayEventText(e, d.partnerFingerprint), OnChanged: func(bool) { d.updateButton() }}
		d.checks = append(d.checks, check)
		d.list.Add(check)
	}
	d.status.Importance = widget.MediumImportance
	if len(l.Events) == 0 {
		d.status.SetText("Your organisation has no protected events on this MISP. Protect an event in MISP (Event actions → Protect event) first.")
		d.selectAll.Disable()
		return
	}
	d.status.SetText(fmt.Sprintf("%d protected event(s) of your organisation. Choose the ones %s may relay.", len(l.Events), d.partnerName))
	d.updateButton()
}

// relayEventText names an event and says what it already carries.
func relayEventText(e protected.ProtectedEvent, partnerFP string) string {
	s := "#" + string(e.ID) + " " + e.Info
	var notes []string
	if e.Carries(partnerFP) {
		notes = append(notes, "already carries the partner's key")
	}
	if !e.HasOwnKey {
		notes = append(notes, "lacks our own instance key (MISP cannot sign it; it will be added)")
	}
	if e.HiddenFromIndex {
		notes = append(notes, "hidden from MISP's event list")
	}
	if len(notes) > 0 {
		s += " — " + strings.Join(notes, "; ")
	}
	return s
}

func (d *relayDialog) updateButton() {
	for _, c := range d.checks {
		if c.Checked {
			d.relayButton.Enable()
			return
		}
	}
	d.relayButton.Disable()
}

func (d *relayDialog) onSelectAll() {
	for i, c := range d.checks {
		c.SetChecked(!d.events[i].Carries(d.partnerFingerprint) || !d.events[i].HasOwnKey)
	}
	d.updateButton()
}

func (d *relayDialog) chosen() []misp.ID {
	var ids []misp.ID
	for i, c := range d.checks {
		if c.Checked {
			ids = append(ids, d.events[i].ID)
		}
	}
	return ids
}

// onRelay runs the relay off the UI goroutine and shows each event's result
// as it comes.
func (d *relayDialog) onRelay() {
	ids := d.chosen()
	if len(ids) == 0 {
		return
	}
	d.relayButton.Disable()
	d.selectAll.Disable()
	d.results.RemoveAll()
	d.status.Importance = widget.MediumImportance
	d.status.SetText(fmt.Sprintf("Working on %d event(s)…", len(ids)))
	d.background(func() {
		results, err := d.calls.relay(context.Background(), ids, func(r protected.EventResult) {
			fyne.Do(func() { d.results.Add(relayResultLabel(r)) })
		})
		fyne.Do(func() { d.finish(results, err) })
	})
}

func relayResultLabel(r protected.EventResult) *widget.Label {
	l := &widget.Label{Text: r.Summary(), Wrapping: fyne.TextWrapWord}
	switch {
	case r.Err != nil:
		l.Importance = widget.DangerImportance
	case r.Published:
		l.Importance = widget.SuccessImportance
	}
	return l
}

func (d *relayDialog) finish(results []protected.EventResult, err error) {
	d.selectAll.Enable()
	d.updateButton()
	if err != nil {
		d.status.Importance = widget.DangerImportance
		d.status.SetText("Stopped: " + err.Error())
		return
	}
	published, failed := 0, 0
	for _, r := range results {
		if r.Published {
			published++
		}
		if r.Err != nil {
			failed++
		}
	}
	msg := fmt.Sprintf("Done: %d event(s) published again.", published)
	if published > 0 {
		msg += " " + d.partnerName + " receives them with the next push from our MISP (push on for its server entry) or its next pull."
	}
	if failed > 0 {
		msg += fmt.Sprintf(" %d event(s) failed; see above. Running this again skips what is done.", failed)
		d.status.Importance = widget.WarningImportance
	} else {
		d.status.Importance = widget.SuccessImportance
	}
	d.status.SetText(msg)
}

// newPGPKeysCard shows, for the result screen and the partner's details,
// both instance keys' fingerprints in groups of four and the cross-check
// verdict. A mismatch is an alarm, shown first and in red; "could not
// cross-check" is neutral. ownErr is why our own key is missing (for
// example protected.NoKeyError: GnuPG is not set up in our MISP); check may
// be nil when no cross-check was made.
func newPGPKeysCard(ownFingerprint string, ownErr error, partner *store.PGPKey, check *protected.CrossCheck) fyne.CanvasObject {
	box := container.NewVBox()
	if check != nil && check.Verdict == protected.VerdictMismatch {
		box.Add(&widget.Label{Text: check.Message(), Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}})
	}
	form := &widget.Form{}
	ours := protected.FormatFingerprint(ownFingerprint)
	if ours == "" {
		ours = "none"
		if ownErr != nil {
			ours += " — " + ownErr.Error()
		}
	}
	form.Append("Our instance key", &widget.Label{Text: ours, Wrapping: fyne.TextWrapWord, Selectable: true, TextStyle: fyne.TextStyle{Monospace: ownFingerprint != ""}})
	theirs := "none: the partner's MISP has no instance key (no GnuPG set up), so it cannot relay protected events"
	if partner != nil {
		theirs = protected.FormatFingerprint(partner.Fingerprint)
	}
	form.Append("Partner's instance key", &widget.Label{Text: theirs, Wrapping: fyne.TextWrapWord, Selectable: true, TextStyle: fyne.TextStyle{Monospace: partner != nil}})
	box.Add(form)
	if check != nil && check.Verdict != protected.VerdictMismatch {
		imp := widget.MediumImportance
		if check.Verdict == protected.VerdictMatch {
			imp = widget.SuccessImportance
		}
		box.Add(&widget.Label{Text: check.Message(), Importance: imp, Wrapping: fyne.TextWrapWord})
	}
	return &widget.Card{Subtitle: "Protected mode: PGP instance keys", Content: box}
}
