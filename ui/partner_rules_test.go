package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// The partner's details say both directions and edit our entry's rules
// with the editor of Prepare (servers/edit on our MISP).
func TestPartnerDetailsEditRules(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	sim.AddTag("tlp:red")
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	p, _, _, srv := pairedOnSim(sim, profile.ID, store.Created)
	p.OurFlows = &pairing.Flows{Pull: true}
	p.PartnerFlows = &pairing.Flows{Push: true, PushFilter: pairing.FlowFilter{TagsNOT: []string{"tlp:red"}}}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)

	s.partners.list.Select(0)
	got := textsOf(s.partners.details)
	for _, want := range []string{"What flows", "They will push", "events not tagged tlp:red", "We pull", "every event its distribution allows"} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q:\n%s", want, got)
		}
	}
	tapButton(t, s.partners.details, "Edit our rules…")
	top := s.window.Canvas().Overlays().Top()
	if top == nil || !strings.Contains(textsOf(top), "What flows to and from") {
		t.Fatal("the editor did not open")
	}

	d := newPartnerDetails(s, s.vault.Snapshot().Partners[0])
	d.content()
	client, err := s.profiles.clientFor(profile.ID)
	if err != nil {
		t.Fatal(err)
	}
	editor := newRulesEditor(client, syncsetup.Rules{}, inline, inline)
	editor.preset.SetSelected(syncsetup.PresetTitle(syncsetup.PresetTLPClearGreen))
	d.saveRules(editor)
	if !strings.Contains(d.rulesResult.Text, "Saved") {
		t.Fatalf("save: %q", d.rulesResult.Text)
	}
	var entry mispsim.Server
	for _, sv := range sim.Servers() {
		if sv.ID == srv.ID {
			entry = sv
		}
	}
	push, err := misp.ParsePushRules(entry.PushRules)
	if err != nil || len(push.Tags.NOT) != 3 {
		t.Errorf("entry push rules %q", entry.PushRules)
	}
	pull, _ := misp.ParsePullRules(entry.PullRules)
	if len(pull.Tags.OR) != 3 {
		t.Errorf("entry pull rules %q", entry.PullRules)
	}
	if f := s.vault.Snapshot().Partners[0].OurFlows; f == nil || len(f.PullFilter.TagsOR) != 3 {
		t.Errorf("record not updated: %+v", f)
	}
}

// Removing a partner keeps its sharing group unless the admin asks, and
// then deletes only a group the app made.
func TestRemovePartnerKeepsSharingGroupUnlessAsked(t *testing.T) {
	sim, simURL := startSim(t, mispsim.Config{Name: "ours"})
	profile := store.Profile{ID: "internal", Name: "Internal", URL: simURL, Authkey: sim.AdminKey()}
	c, err := misp.New(simURL, sim.AdminKey(), misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var partners []store.Partner
	for _, name := range []string{"kept", "deleted"} {
		p, _, _, _ := pairedOnSim(sim, profile.ID, store.Created)
		p.ID, p.Org.Name = "p-"+name, "Partner "+name
		g, err := c.AddSharingGroup(context.Background(), misp.NewSharingGroup{Name: "Ours ↔ " + name, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		p.OnOurMISP.SharingGroup = store.ObjectRef{ID: g.SharingGroup.ID.String(), Outcome: store.Created}
		p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID = g.SharingGroup.Name, g.SharingGroup.UUID
		partners = append(partners, p)
	}
	if got := strings.Join(sharingGroupPlan(partners[0], false), ""); !strings.Contains(got, "keep sharing group") {
		t.Errorf("plan %q", got)
	}
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{profile}, partners)
	s := newTestShell(t, dir, testPassphrase)

	d := newPartnerDetails(s, partners[0])
	d.content()
	d.removeAll(false, false)
	if len(sim.SharingGroups()) != 2 {
		t.Fatalf("a group went unasked: %d left", len(sim.SharingGroups()))
	}
	d = newPartnerDetails(s, partners[1])
	d.content()
	d.removeAll(false, true)
	if gs := sim.SharingGroups(); len(gs) != 1 || gs[0].Name != "Ours ↔ kept" {
		t.Fatalf("groups left: %+v", gs)
	}
	if n := len(s.vault.Snapshot().Partners); n != 0 {
		t.Errorf("%d partners left", n)
	}
}
