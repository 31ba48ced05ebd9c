package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// The four lists of a rules editor, in the order they are shown.
const (
	listPushOR = iota
	listPushNOT
	listPullOR
	listPullNOT
)

var listTitles = [4]string{"Push only events tagged", "Never push events tagged", "Pull only events tagged", "Never pull events tagged"}
var orgListTitles = [4]string{"Push only events created by", "Never push events created by", "Pull only events created by", "Never pull events created by"}

// rulesEditor chooses what flows over our server entry: a preset, or custom
// OR/NOT lists of tags and organisations for push and pull, with the tags
// and organisations our MISP knows to pick from, and a preview of what the
// push rules select. Prepare and the partner's details use it.
type rulesEditor struct {
	client *misp.Client
	// background runs network work; onUI brings results back.
	background, onUI func(func())

	preset    *widget.Select
	summary   *widget.Label
	tags      [4]*widget.Entry // comma-separated tag names
	orgs      [4]*widget.Entry // comma-separated organisation names
	findTag   *widget.SelectEntry
	findOrg   *widget.SelectEntry
	custom    *fyne.Container
	status    *widget.Label
	preview   *widget.Label
	previewOn *widget.Button

	knownTags []string
	knownOrgs map[string]pairing.FlowOrg // by name
	// changed is true once the admin picked or edited anything.
	changed bool
	// onPreset hears a chosen preset; "Nothing pushed yet" turns push off.
	onPreset func(name string, pushOff bool)
}

func newRulesEditor(client *misp.Client, start syncsetup.Rules, background, onUI func(func())) *rulesEditor {
	e := &rulesEditor{client: client, background: background, onUI: onUI, knownOrgs: map[string]pairing.FlowOrg{}}
	titles := make([]string, len(syncsetup.Presets))
	for i, p := range syncsetup.Presets {
		titles[i] = syncsetup.PresetTitle(p)
	}
	e.summary = &widget.Label{Wrapping: fyne.TextWrapWord}
	e.status = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	e.preview = &widget.Label{Wrapping: fyne.TextWrapWord, Text: "Count how many of our published events the push rules select now."}
	e.previewOn = &widget.Button{Text: "Count now", Icon: theme.SearchIcon(), OnTapped: e.runPreview}
	for i := range e.tags {
		e.tags[i] = &widget.Entry{PlaceHolder: "none", OnChanged: func(string) { e.edited() }}
		e.orgs[i] = &widget.Entry{PlaceHolder: "none", OnChanged: func(string) { e.edited() }}
	}
	e.findTag = widget.NewSelectEntry(nil)
	e.findTag.PlaceHolder = "type part of a tag our MISP knows, e.g. tlp"
	e.findTag.OnChanged = func(s string) { e.findTag.SetOptions(e.matchingTags(s)) }
	e.findOrg = widget.NewSelectEntry(nil)
	e.findOrg.PlaceHolder = "type part of an organisation's name"
	e.findOrg.OnChanged = func(s string) { e.findOrg.SetOptions(e.matchingOrgs(s)) }
	e.preset = &widget.Select{Options: titles, OnChanged: e.onPresetChosen}
	e.setRules(start)
	e.preset.Selected = syncsetup.PresetTitle(orDefaultPreset(start.Preset))
	e.custom = container.NewVBox(e.customForm())
	e.custom.Hidden = orDefaultPreset(start.Preset) != syncsetup.PresetCustom
	e.describe()
	return e
}

func orDefaultPreset(p string) string {
	if p == "" {
		return syncsetup.PresetEverything
	}
	return p
}

func (e *rulesEditor) customForm() fyne.CanvasObject {
	addButtons := func(target *[4]*widget.Entry, from func() string) fyne.CanvasObject {
		labels := [4]string{"push only", "never push", "pull only", "never pull"}
		var row []fyne.CanvasObject
		for i := range 4 {
			row = append(row, &widget.Button{Text: labels[i], Icon: theme.ContentAddIcon(), OnTapped: func() {
				if v := strings.TrimSpace(from()); v != "" {
					appendItem(target[i], v)
				}
			}})
		}
		return container.NewGridWithColumns(4, row...)
	}
	items := []*widget.FormItem{}
	for i := range 4 {
		items = append(items, &widget.FormItem{Text: listTitles[i], Widget: e.tags[i]})
	}
	for i := range 4 {
		items = append(items, &widget.FormItem{Text: orgListTitles[i], Widget: e.orgs[i]})
	}
	return container.NewVBox(
		explain("Tags: events need one of the \"only\" tags (when there are any) and none of the \"never\" tags. Organisations are the events' creators. Lists are comma-separated."),
		&widget.Form{Items: []*widget.FormItem{
			{Text: "Find a tag", Widget: e.findTag},
			{Text: "Add it to", Widget: addButtons(&e.tags, func() string { return e.findTag.Text })},
			{Text: "Find an organisation", Widget: e.findOrg},
			{Text: "Add it to", Widget: addButtons(&e.orgs, func() string { return e.findOrg.Text })},
		}},
		&widget.Form{Items: items},
		e.status,
	)
}

// content is the editor; withPreview adds the preview line.
func (e *rulesEditor) content(withPreview bool) fyne.CanvasObject {
	box := container.NewVBox(e.preset, e.summary, e.custom)
	if withPreview {
		box.Add(container.NewBorder(nil, nil, nil, e.previewOn, e.preview))
	}
	return box
}

func appendItem(entry *widget.Entry, v string) {
	items := syncsetup.SplitList(entry.Text)
	if !slices.Contains(items, v) {
		items = append(items, v)
	}
	entry.SetText(strings.Join(items, ", "))
}

func (e *rulesEditor) matchingTags(s string) []string {
	s = strings.ToLower(strings.TrimSpace(s))
	var out []string
	for _, t := range e.knownTags {
		if s == "" || strings.Contains(strings.ToLower(t), s) {
			out = append(out, t)
			if len(out) == 20 {
				break
			}
		}
	}
	return out
}

func (e *rulesEditor) matchingOrgs(s string) []string {
	s = strings.ToLower(strings.TrimSpace(s))
	var out []string
	for name := range e.knownOrgs {
		if s == "" || strings.Contains(strings.ToLower(name), s) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out[:min(20, len(out))]
}

// setRules shows rules in the lists.
func (e *rulesEditor) setRules(r syncsetup.Rules) {
	lists := [4][]string{r.Push.TagsOR, r.Push.TagsNOT, r.Pull.TagsOR, r.Pull.TagsNOT}
	orgs := [4][]pairing.FlowOrg{r.Push.OrgsOR, r.Push.OrgsNOT, r.Pull.OrgsOR, r.Pull.OrgsNOT}
	for i := range 4 {
		e.tags[i].Text = strings.Join(lists[i], ", ")
		var names []string
		for _, o := range orgs[i] {
			name := o.Name
			if name == "" {
				name = o.UUID
			}
			e.knownOrgs[name] = o
			names = append(names, name)
		}
		e.orgs[i].Text = strings.Join(names, ", ")
		e.tags[i].Refresh()
		e.orgs[i].Refresh()
	}
}

func (e *rulesEditor) presetName() string {
	for _, p := range syncsetup.Presets {
		if syncsetup.PresetTitle(p) == e.preset.Selected {
			return p
		}
	}
	return syncsetup.PresetEverything
}

func (e *rulesEditor) onPresetChosen(string) {
	e.changed = true
	name := e.presetName()
	if name != syncsetup.PresetCustom {
		r, pushOff, _ := syncsetup.PresetRules(name)
		e.setRules(r)
		if e.onPreset != nil {
			e.onPreset(name, pushOff)
		}
	}
	e.custom.Hidden = name != syncsetup.PresetCustom
	e.custom.Refresh()
	e.describe()
}

func (e *rulesEditor) edited() {
	e.changed = true
	e.describe()
}

// rules reads the editor; the error says what to fix.
func (e *rulesEditor) rules() (syncsetup.Rules, error) {
	name := e.presetName()
	if name != syncsetup.PresetCustom {
		r, _, err := syncsetup.PresetRules(name)
		return r, err
	}
	r := syncsetup.Rules{Preset: name}
	tagLists := [4]*[]string{&r.Push.TagsOR, &r.Push.TagsNOT, &r.Pull.TagsOR, &r.Pull.TagsNOT}
	orgLists := [4]*[]pairing.FlowOrg{&r.Push.OrgsOR, &r.Push.OrgsNOT, &r.Pull.OrgsOR, &r.Pull.OrgsNOT}
	for i := range 4 {
		*tagLists[i] = syncsetup.SplitList(e.tags[i].Text)
		for _, name := range syncsetup.SplitList(e.orgs[i].Text) {
			o, ok := e.knownOrgs[name]
			if !ok {
				return r, fmt.Errorf("%s: our MISP knows no organisation named %q (pick one with \"Find an organisation\")", strings.ToLower(orgListTitles[i]), name)
			}
			*orgLists[i] = append(*orgLists[i], o)
		}
	}
	return r, r.Validate()
}

// describe says the current rules in words under the preset.
func (e *rulesEditor) describe() {
	r, err := e.rules()
	if err != nil {
		e.summary.Importance = widget.DangerImportance
		e.summary.SetText(sentence(err.Error()))
		return
	}
	e.summary.Importance = widget.MediumImportance
	text := "Push: " + pairing.DescribeFilter(r.Push) + ". Pull: " + pairing.DescribeFilter(r.Pull) + "."
	if e.presetName() == syncsetup.PresetNothingPushed {
		text = "Push is turned off; pull brings every event the partner's distribution allows. Turn push on later in MISP or pair again."
	}
	e.summary.SetText(text)
}

// load reads the tags and organisations our MISP knows, off the UI
// goroutine (tags/index is searched here: tags/search finds nothing for a
// fragment, recording 127).
func (e *rulesEditor) load(ctx context.Context) {
	if e.client == nil {
		e.status.SetText("Not logged in to our MISP: the tags and organisations it knows cannot be offered.")
		return
	}
	e.status.SetText("Reading the tags and organisations our MISP knows…")
	c := e.client
	e.background(func() {
		tags, orgs, err := session.KnownTagsAndOrgs(ctx, c)
		e.onUI(func() {
			e.knownTags = tags
			for _, o := range orgs {
				e.knownOrgs[o.Name] = o
			}
			if err != nil {
				e.status.SetText("What our MISP knows could not all be read: " + err.Error())
				return
			}
			e.status.SetText(fmt.Sprintf("Our MISP knows %s and %s.", plural(len(tags), "tag"), plural(len(orgs), "organisation")))
		})
	})
}

// runPreview counts, off the UI goroutine, how many of our published events
// the push rules select now (one metadata-only search).
func (e *rulesEditor) runPreview() {
	r, err := e.rules()
	if err != nil {
		e.preview.SetText(sentence(err.Error()))
		return
	}
	if e.client == nil {
		e.preview.SetText("Not logged in to our MISP: the count cannot be known.")
		return
	}
	e.previewOn.Disable()
	e.preview.SetText("Counting our published events…")
	c := e.client
	e.background(func() {
		p := session.PreviewPush(context.Background(), c, r.Push)
		e.onUI(func() {
			e.previewOn.Enable()
			e.preview.SetText(p.Text())
		})
	})
}

// flowsCard says in words what flows each way: what our entry pushes and
// pulls, and what the partner said theirs does.
func flowsCard(ours, theirs *pairing.Flows, sharingGroup string) *widget.Card {
	pairs := []string{}
	if ours != nil {
		pairs = append(pairs, "We push", ours.DescribePush(), "We pull", ours.DescribePull())
	} else {
		pairs = append(pairs, "We", "not recorded for this pairing (made before MISPbump recorded rules); \"Edit our rules…\" reads them from our MISP")
	}
	if theirs != nil {
		pairs = append(pairs, "They will push", theirs.DescribePush(), "They will pull", theirs.DescribePull())
	} else {
		pairs = append(pairs, "They", "did not say what their server entry pushes and pulls")
	}
	if sharingGroup != "" {
		pairs = append(pairs, "Sharing group", sharingGroup)
	}
	return card("What flows", fieldForm(pairs...))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// flowsDefaults are Settings' widgets for Prepare's default of what flows:
// a preset (custom keeps the lists Prepare last used) and the sharing group.
// A preset that means push off unticks push, Settings' push default.
func flowsDefaults(d store.PrepareDefaults, save func(func(*store.Preferences)), push *widget.Check) (*widget.Select, *widget.Check) {
	titles := make([]string, len(syncsetup.Presets))
	for i, p := range syncsetup.Presets {
		titles[i] = syncsetup.PresetTitle(p)
	}
	sel := &widget.Select{Options: titles, Selected: syncsetup.PresetTitle(orDefaultPreset(d.RulesPreset))}
	sel.OnChanged = func(title string) {
		for _, name := range syncsetup.Presets {
			if syncsetup.PresetTitle(name) != title {
				continue
			}
			pushOff := false
			save(func(p *store.Preferences) {
				p.Prepare.RulesPreset = name
				if r, off, err := syncsetup.PresetRules(name); err == nil {
					p.Prepare.PushFilter, p.Prepare.PullFilter = r.Push, r.Pull
					if off {
						p.Prepare.Push, pushOff = false, true
					}
				}
			})
			if pushOff && push.Checked {
				push.SetChecked(false) // saved (false) again by its own OnChanged
			}
		}
	}
	group := &widget.Check{Text: "Make a bilateral sharing group with the partner", Checked: d.SharingGroup,
		OnChanged: func(on bool) { save(func(p *store.Preferences) { p.Prepare.SharingGroup = on }) }}
	return sel, group
}
