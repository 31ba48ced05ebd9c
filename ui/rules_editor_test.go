package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

func simClient(t *testing.T) (*mispsim.Sim, *misp.Client) {
	t.Helper()
	sim := mispsim.New(mispsim.Config{Name: "A", HostOrgName: "Org-A"})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	c, err := misp.New(url, sim.AdminKey(), misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

// Presets, the custom lists, the tags and organisations our MISP knows,
// and the preview, as the admin uses them.
func TestRulesEditor(t *testing.T) {
	test.NewTempApp(t)
	sim, c := simClient(t)
	sim.AddTag("tlp:green")
	sim.AddTag("tlp:red")
	circl := sim.AddOrg(mispsim.Org{Name: "CIRCL", UUID: "55f6ea5e-2c60-40e5-964f-47a8950d210f"})
	sim.AddEvent(mispsim.Event{Info: "green", Published: true, Distribution: 2, Tags: []string{"tlp:green"}})
	sim.AddEvent(mispsim.Event{Info: "red", Published: true, Distribution: 2, Tags: []string{"tlp:red"}})

	e := newRulesEditor(c, syncsetup.Rules{Preset: syncsetup.PresetEverything}, inline, inline)
	e.load(context.Background())
	if !strings.Contains(e.status.Text, "2 tags") {
		t.Errorf("status %q", e.status.Text)
	}
	if e.changed || !e.custom.Hidden {
		t.Error("a fresh editor counts as changed or shows the custom lists")
	}
	var heard string
	pushOff := false
	e.onPreset = func(name string, off bool) { heard, pushOff = name, off }

	e.preset.SetSelected(syncsetup.PresetTitle(syncsetup.PresetTLPClearGreen))
	r, err := e.rules()
	if err != nil || r.Preset != syncsetup.PresetTLPClearGreen || len(r.Push.TagsNOT) != 3 || !e.changed || heard != syncsetup.PresetTLPClearGreen {
		t.Fatalf("TLP preset: %+v %v", r, err)
	}
	if !strings.Contains(e.summary.Text, "not tagged tlp:red") {
		t.Errorf("summary %q", e.summary.Text)
	}
	e.runPreview()
	if !strings.Contains(e.preview.Text, "up to 1 of our published event") {
		t.Errorf("preview %q", e.preview.Text)
	}
	e.preset.SetSelected(syncsetup.PresetTitle(syncsetup.PresetNothingPushed))
	if !pushOff {
		t.Error("nothing pushed yet did not turn push off")
	}

	// Custom: the lists start from the last preset's; tags found by a
	// fragment, organisations by name (kept by UUID).
	e.preset.SetSelected(syncsetup.PresetTitle(syncsetup.PresetCustom))
	if e.custom.Hidden {
		t.Fatal("custom lists hidden")
	}
	e.findTag.SetText("RED")
	if m := e.matchingTags(e.findTag.Text); len(m) != 1 || m[0] != "tlp:red" {
		t.Errorf("tag search %v", m)
	}
	e.findTag.SetText("tlp:red")
	appendItem(e.tags[listPushNOT], e.findTag.Text)
	e.findOrg.SetText("circ")
	if m := e.matchingOrgs(e.findOrg.Text); len(m) != 1 || m[0] != "CIRCL" {
		t.Errorf("org search %v", m)
	}
	appendItem(e.orgs[listPullOR], "CIRCL")
	r, err = e.rules()
	if err != nil || r.Push.TagsNOT[0] != "tlp:red" || len(r.Pull.OrgsOR) != 1 || r.Pull.OrgsOR[0].UUID != circl.UUID {
		t.Fatalf("custom: %+v %v", r, err)
	}
	if got := pairing.DescribeFilter(r.Pull); got != "events created by CIRCL" {
		t.Errorf("pull in words %q", got)
	}
	// An organisation our MISP does not know, and a bad tag, are refused in words.
	e.orgs[listPushOR].SetText("Nobody Inc")
	if _, err := e.rules(); err == nil || !strings.Contains(err.Error(), "Nobody Inc") {
		t.Errorf("unknown org: %v", err)
	}
	e.orgs[listPushOR].SetText("")
	e.tags[listPullOR].SetText("ok, bad\u202etag")
	if _, err := e.rules(); err == nil || !strings.Contains(e.summary.Text, "control characters") {
		t.Errorf("bad tag: %v / %q", err, e.summary.Text)
	}
}

// Without a client the editor says what it cannot offer.
func TestRulesEditorWithoutMISP(t *testing.T) {
	test.NewTempApp(t)
	e := newRulesEditor(nil, syncsetup.Rules{}, inline, inline)
	e.load(context.Background())
	e.runPreview()
	if !strings.Contains(e.status.Text, "Not logged in") || !strings.Contains(e.preview.Text, "cannot be known") {
		t.Errorf("%q / %q", e.status.Text, e.preview.Text)
	}
}

func TestFlowsCardWords(t *testing.T) {
	test.NewTempApp(t)
	ours := &pairing.Flows{Push: true, Pull: true, PushFilter: pairing.FlowFilter{TagsNOT: []string{"tlp:red"}}}
	c := flowsCard(ours, nil, "A ↔ B")
	txt := textsOf(c)
	for _, want := range []string{"We push", "events not tagged tlp:red", "did not say", "A ↔ B"} {
		if !strings.Contains(txt, want) {
			t.Errorf("%q missing in %q", want, txt)
		}
	}
	c = flowsCard(ours, &pairing.Flows{Push: true}, "")
	if txt := textsOf(c); !strings.Contains(txt, "They will push") || !strings.Contains(txt, "every event its distribution allows") {
		t.Errorf("their side: %q", txt)
	}
}

// Prepare's choices of what flows reach both MISPs and both results, and
// are remembered as the next Prepare's defaults.
func TestWizardPairsWithRules(t *testing.T) {
	r := newRig(t)
	r.sims[0].AddTag("tlp:red")
	r.openRemote()
	p := r.wizards[0].prepare
	p.push.SetChecked(true)
	p.rules.preset.SetSelected(syncsetup.PresetTitle(syncsetup.PresetTLPClearGreen))
	p.sharingGroup.SetChecked(true)
	if !strings.Contains(r.text(0), "What flows") || !strings.Contains(r.text(0), "Push: events not tagged tlp:red") {
		t.Fatalf("Prepare does not show the rules:\n%s", r.text(0))
	}
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.waitForResults()
	r.until("both partners' results", func() bool {
		return r.wizards[0].result.res.PartnerDone != nil && r.wizards[1].result.res.PartnerDone != nil
	})
	r.checkPaired()
	push, err := misp.ParsePushRules(r.sims[0].Servers()[0].PushRules)
	if err != nil || len(push.Tags.NOT) != 3 {
		t.Errorf("A's entry push rules %+v %v", push, err)
	}
	if len(r.sims[0].SharingGroups()) != 1 {
		t.Errorf("A has %d sharing groups", len(r.sims[0].SharingGroups()))
	}
	if txt := r.text(1); !strings.Contains(txt, "They will push") || !strings.Contains(txt, "events not tagged tlp:red, tlp:amber or tlp:amber+strict") {
		t.Errorf("B's result does not say what A pushes:\n%s", txt)
	}
	if txt := r.text(0); !strings.Contains(txt, "Org A ↔ Org B") {
		t.Errorf("A's result does not name the sharing group:\n%s", txt)
	}
	prefs := r.sides[0].Store.Snapshot().Preferences.Prepare
	if prefs.RulesPreset != syncsetup.PresetTLPClearGreen || !prefs.SharingGroup {
		t.Errorf("not remembered: %+v", prefs)
	}
}

// Settings change Prepare's default of what flows; "Nothing pushed yet"
// also turns the push default off.
func TestFlowsDefaultsInSettings(t *testing.T) {
	test.NewTempApp(t)
	prefs := store.DefaultPreferences()
	prefs.Prepare.Push = true
	save := func(change func(*store.Preferences)) { change(&prefs) }
	push := &widget.Check{Checked: true}
	sel, group := flowsDefaults(prefs.Prepare, save, push)
	if sel.Selected != syncsetup.PresetTitle(syncsetup.PresetEverything) || group.Checked {
		t.Fatalf("defaults shown: %q %v", sel.Selected, group.Checked)
	}
	sel.SetSelected(syncsetup.PresetTitle(syncsetup.PresetTLPClearGreen))
	if prefs.Prepare.RulesPreset != syncsetup.PresetTLPClearGreen || len(prefs.Prepare.PushFilter.TagsNOT) != 3 || !prefs.Prepare.Push {
		t.Errorf("TLP default: %+v", prefs.Prepare)
	}
	sel.SetSelected(syncsetup.PresetTitle(syncsetup.PresetNothingPushed))
	if prefs.Prepare.Push || !prefs.Prepare.PushFilter.Empty() {
		t.Errorf("nothing pushed default: %+v", prefs.Prepare)
	}
	if push.Checked {
		t.Error("Settings still shows push ticked after \"Nothing pushed yet\": ticked again, the next pairing is refused")
	}
	group.SetChecked(true)
	if !prefs.Prepare.SharingGroup {
		t.Error("sharing group default not saved")
	}
}
