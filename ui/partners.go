package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// partnersTab is the main screen: the saved partners, a search box, and the
// details of the selected partner beside the list.
type partnersTab struct {
	shell *shell

	search  *escEntry
	list    *widget.List
	empty   *widget.Label
	details *fyne.Container
	// pending lists the active profile's unfinished pairings above the
	// partners, each with Resume; hidden when there are none.
	pending *widget.Card

	all        []store.Partner        // as the store holds them, newest pairing first
	unfinished []store.PendingPairing // the active profile's, oldest first
	shown      []store.Partner        // those matching the search
	selected   string                 // ID of the partner whose details are open
}

func newPartnersTab(s *shell) *partnersTab {
	t := &partnersTab{shell: s}
	// The search matches organisation name and UUID, e-mail, domain, URL and
	// address; the placeholder stays short enough not to be cut off.
	t.search = newEscEntry(false, "Search partners (Ctrl+F)")
	t.search.OnChanged = func(string) { t.filter() }
	t.search.ActionItem = &widget.Button{Icon: theme.SearchIcon(), Importance: widget.LowImportance,
		OnTapped: func() { s.window.Canvas().Focus(t.search) }}
	t.list = &widget.List{
		Length:     func() int { return len(t.shown) },
		CreateItem: newPartnerRow,
		UpdateItem: func(id widget.ListItemID, o fyne.CanvasObject) { updatePartnerRow(o, t.shown[id]) },
		OnSelected: func(id widget.ListItemID) { t.open(t.shown[id].ID) },
	}
	t.empty = &widget.Label{Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance}
	t.details = container.NewStack(placeholderDetails())
	t.pending = &widget.Card{Subtitle: "Unfinished pairings"}
	t.reload()
	return t
}

func (t *partnersTab) tabItem() *container.TabItem {
	pair := &widget.Button{Text: "New pairing (Ctrl+N)", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: t.shell.newPairing}
	left := container.NewBorder(container.NewVBox(t.search, t.pending), pair, nil, nil, container.NewStack(t.list, emptyState(t.empty)))
	split := container.NewHSplit(left, t.details)
	split.Offset = 0.42
	return &container.TabItem{Text: "Partners", Icon: theme.AccountIcon(), Content: split}
}

// emptyState places the "no partners" text over the list: across the whole
// width and centred in height. In a Center container a wrapping label got
// only its minimum width and was cut off at the default window size.
func emptyState(l *widget.Label) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer())
}

// reload reads the partners from the store again (after a pairing, a test
// or a removal) and keeps the search and selection.
func (t *partnersTab) reload() {
	t.all = t.shell.vault.Partners()
	t.showPending()
	t.filter()
	if t.selected != "" {
		t.open(t.selected)
	}
}

// filter applies the search box to the list.
func (t *partnersTab) filter() {
	query := t.search.Text
	t.shown = store.SearchPartners(t.all, query)
	switch {
	case len(t.all) == 0:
		t.empty.SetText("No partners yet. Sit down with another MISP admin and choose New pairing.")
	case len(t.shown) == 0:
		t.empty.SetText(fmt.Sprintf("No partner matches %q.", query))
	default:
		t.empty.SetText("")
	}
	t.list.UnselectAll()
	t.list.Refresh()
	if t.selected != "" && !containsPartner(t.shown, t.selected) {
		t.open("") // the open details would not match the list any more
	}
}

func containsPartner(ps []store.Partner, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// open shows the details of one partner beside the list.
func (t *partnersTab) open(id string) {
	for _, p := range t.all {
		if p.ID == id {
			t.selected = id
			t.details.Objects = []fyne.CanvasObject{newPartnerDetails(t.shell, p).content()}
			t.details.Refresh()
			return
		}
	}
	t.selected = ""
	t.details.Objects = []fyne.CanvasObject{placeholderDetails()}
	t.details.Refresh()
}

func placeholderDetails() fyne.CanvasObject {
	return container.NewCenter(&widget.Label{Text: "Select a partner to see its details.", Importance: widget.LowImportance})
}

// A partner row: organisation name and test status over URL and pairing date.
func newPartnerRow() fyne.CanvasObject {
	name := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	status := container.NewHBox(&widget.Icon{}, &widget.Label{})
	detail := &widget.Label{Truncation: fyne.TextTruncateEllipsis, SizeName: theme.SizeNameCaptionText}
	return container.NewVBox(container.NewBorder(nil, nil, nil, status, name), detail)
}

func updatePartnerRow(o fyne.CanvasObject, p store.Partner) {
	rows := o.(*fyne.Container).Objects
	top := rows[0].(*fyne.Container)
	top.Objects[0].(*widget.Label).SetText(p.Org.Name)
	status := top.Objects[1].(*fyne.Container)
	rows[1].(*widget.Label).SetText(p.AnnouncedURL + " · paired " + formatDay(p.PairedAt))
	icon, label := status.Objects[0].(*widget.Icon), status.Objects[1].(*widget.Label)
	res, short, imp := testStatus(p.LastTest)
	icon.SetResource(res)
	label.Importance = imp
	label.SetText(short)
}

// testStatus turns the last connection test into an icon, a word and a colour.
func testStatus(t *store.ConnectionTest) (fyne.Resource, string, widget.Importance) {
	switch {
	case t == nil:
		return theme.NewColoredResource(theme.QuestionIcon(), theme.ColorNameDisabled), "not tested", widget.LowImportance
	case t.Status == 1:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon()), "OK " + formatAge(t.At), widget.SuccessImportance
	default:
		return theme.NewErrorThemedResource(theme.ErrorIcon()), "failed " + formatAge(t.At), widget.DangerImportance
	}
}

func formatDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2 Jan 2006")
}

// formatAge says how long ago, coarsely: a status column needs no seconds.
func formatAge(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// showPending lists the active profile's unfinished pairings, each with the
// case that applies in words and a Resume button that opens the wizard on it.
func (t *partnersTab) showPending() {
	t.unfinished = nil
	if t.shell.profiles != nil {
		for _, pp := range t.shell.vault.Snapshot().Pending {
			if pp.ProfileID == t.shell.profiles.active {
				t.unfinished = append(t.unfinished, pp)
			}
		}
	}
	if len(t.unfinished) == 0 {
		t.pending.Hide()
		return
	}
	rows := container.NewVBox()
	for _, pp := range t.unfinished {
		rows.Add(t.pendingRow(pp))
	}
	t.pending.SetContent(rows)
	t.pending.Show()
}

func (t *partnersTab) pendingRow(pp store.PendingPairing) fyne.CanvasObject {
	name := pp.Partner.Org.Name
	if name == "" {
		name = "A partner not yet known"
	}
	title := &widget.Label{Text: name, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	resume := &widget.Button{Text: "Resume", Icon: theme.MediaPlayIcon(), OnTapped: func() { t.shell.resumePairing(pp) }}
	how := &widget.Label{Text: "Started " + formatDay(pp.StartedAt) + ". " + resumeCaseText(session.ResumeCase(pp)),
		Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	return container.NewBorder(nil, nil, nil, container.NewCenter(resume), container.NewVBox(title, how))
}

// resumeCaseText says in words what resuming a pending pairing will take.
func resumeCaseText(c session.Resume) string {
	if c == session.ResumeFinishAlone {
		return "Finishes alone: we hold the partner's key."
	}
	return "Needs a new face-to-face exchange: the partner's key never arrived."
}

// resumePairing opens the wizard on an unfinished pairing, logged in to the
// profile it was started on, or says to log in first.
func (s *shell) resumePairing(pp store.PendingPairing) {
	sess, err := s.profiles.sessionFor(pp.ProfileID)
	if err != nil {
		dialog.ShowError(err, s.window)
		s.tabs.SelectIndex(1)
		return
	}
	s.openPairingWizard(pp.ProfileID, sess, &pp, wizardOptions{})
}

// openPairingWizard opens the wizard for a logged-in profile (resume nil:
// a new pairing) and reloads the partners and the unfinished pairings once
// its window has closed and its session has stopped writing to the store.
func (s *shell) openPairingWizard(profileID string, sess *mispSession, resume *store.PendingPairing, opts wizardOptions) {
	login := wizardLoginFor(s.vault, profileID, sess.client, sess.login)
	login.knownOwnKey = func() *protected.Key {
		key, _ := s.profiles.ownKeyFor(profileID)
		return key
	}
	s.trackWizard(openWizard(s.app, s.vault, login, resume, opts))
}

// pairAgain is "Pair again with <org>" from a partner's details: a new
// pairing on the profile the partner was paired on, with the admin's word
// given in advance for exactly that organisation.
func (s *shell) pairAgain(p store.Partner) {
	sess, err := s.profiles.sessionFor(p.ProfileID)
	if err != nil {
		dialog.ShowError(err, s.window)
		s.tabs.SelectIndex(1)
		return
	}
	s.openPairingWizard(p.ProfileID, sess, nil, wizardOptions{pairAgainWith: &p})
}

// trackWizard reloads the partners once the wizard's window has closed and
// its session has stopped writing to the store.
func (s *shell) trackWizard(w *wizard) {
	s.wizards.Add(1)
	w.opts.onClosed = func() { // after the session stopped, off the UI goroutine
		defer s.wizards.Done()
		fyne.Do(s.partners.reload)
	}
}
