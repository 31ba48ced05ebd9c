package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// partnersTab is the main screen: the saved partners, a search box, and the
// details of the selected partner beside the list.
type partnersTab struct {
	shell *shell

	search  *widget.Entry
	list    *widget.List
	empty   *widget.Label
	details *fyne.Container

	all      []store.Partner // as the store holds them, newest pairing first
	shown    []store.Partner // those matching the search
	selected string          // ID of the partner whose details are open
}

func newPartnersTab(s *shell) *partnersTab {
	t := &partnersTab{shell: s}
	// The search matches organisation name and UUID, e-mail, domain, URL and
	// address; the placeholder stays short enough not to be cut off.
	t.search = &widget.Entry{PlaceHolder: "Search partners (Ctrl+F)"}
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
	t.reload()
	return t
}

func (t *partnersTab) tabItem() *container.TabItem {
	pair := &widget.Button{Text: "New pairing (Ctrl+N)", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance, OnTapped: t.shell.newPairing}
	left := container.NewBorder(t.search, pair, nil, nil, container.NewStack(t.list, container.NewCenter(t.empty)))
	split := container.NewHSplit(left, t.details)
	split.Offset = 0.42
	return &container.TabItem{Text: "Partners", Icon: theme.AccountIcon(), Content: split}
}

// reload reads the partners from the store again (after a pairing, a test
// or a removal) and keeps the search and selection.
func (t *partnersTab) reload() {
	t.all = t.shell.vault.Partners()
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
