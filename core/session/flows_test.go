package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// A pairing with the TLP preset and push on (A) against custom rules and a
// sharing group (B): each entry gets its rules, each INFO tells the other,
// both records keep both directions, and the report shows them.
func TestPairingCarriesRulesBothWays(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	for _, tag := range []string{"tlp:red", "tlp:amber"} {
		a.sim.AddTag(tag)
	}
	chA := DemoChoices()
	chA.Push = true
	if err := chA.WithPreset(syncsetup.PresetTLPClearGreen); err != nil {
		t.Fatal(err)
	}
	chB := DemoChoices()
	chB.Rules = syncsetup.Rules{Preset: syncsetup.PresetCustom, Pull: pairing.FlowFilter{TagsNOT: []string{"tlp:red"}}}
	chB.RulesChanged, chB.SharingGroup = true, true
	stA, stB := newStore(t), newStore(t)
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: stA, ProfileID: "pa", Choices: chA}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: stB, ProfileID: "pb", Choices: chB}
	rep, res := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second})
	if !rep.OK {
		t.Fatalf("report %+v", rep)
	}
	ra, rb := rep.Sides["a"], rep.Sides["b"]
	push, err := misp.ParsePushRules(a.sim.Servers()[0].PushRules)
	if err != nil || len(push.Tags.NOT) != 3 { // tlp:amber+strict made on A
		t.Errorf("A's entry push rules %+v %v", push, err)
	}
	if !strings.Contains(ra.PushRules, `"NOT":[`) || ra.Flows == nil || ra.Flows.PushWords != "events not tagged tlp:red, tlp:amber or tlp:amber+strict" {
		t.Errorf("A's report: %+v %+v", ra.PushRules, ra.Flows)
	}
	if rb.PartnerFlows == nil || rb.PartnerFlows.PushWords != ra.Flows.PushWords || rb.PartnerFlows.PullWords != "events tagged tlp:clear, tlp:white or tlp:green" {
		t.Errorf("B did not hear A's rules: %+v", rb.PartnerFlows)
	}
	if rb.Flows.PushWords != "nothing (push is off)" || ra.PartnerFlows.PullWords != "events not tagged tlp:red" {
		t.Errorf("B's rules: %+v / as A heard them %+v", rb.Flows, ra.PartnerFlows)
	}
	if rb.SharingGroup != "Org-B ↔ Org-A" || rb.SharingGroupID == "" || ra.SharingGroup != "" {
		t.Errorf("sharing groups: a %q, b %q (%s)", ra.SharingGroup, rb.SharingGroup, rb.SharingGroupProblem)
	}
	if len(b.sim.SharingGroups()) != 1 || len(a.sim.SharingGroups()) != 0 {
		t.Errorf("groups on A %d, on B %d", len(a.sim.SharingGroups()), len(b.sim.SharingGroups()))
	}
	// The records keep both directions and the group.
	pb := stB.Snapshot().Partners[0]
	if pb.PartnerFlows == nil || pb.OurFlows == nil || pb.OnOurMISP.SharingGroup.ID != rb.SharingGroupID || pb.OnOurMISP.SharingGroup.Outcome != store.Created {
		t.Errorf("B's record: %+v %+v %+v", pb.PartnerFlows, pb.OurFlows, pb.OnOurMISP)
	}
	_ = res

	// Partner details: read our entry's rules, edit them, read them again.
	ctx := context.Background()
	pa := stA.Snapshot().Partners[0]
	r, push2, _, err := PartnerEntryRules(ctx, a.client, stA, pa.ID)
	if err != nil || !push2 || r.Preset != syncsetup.PresetTLPClearGreen {
		t.Errorf("read back: %+v %v %v", r, push2, err)
	}
	everything, _, _ := syncsetup.PresetRules(syncsetup.PresetEverything)
	if _, err := EditPartnerRules(ctx, a.client, stA, pa.ID, everything); err != nil {
		t.Fatal(err)
	}
	r, _, _, err = PartnerEntryRules(ctx, a.client, stA, pa.ID)
	if err != nil || r.Preset != syncsetup.PresetEverything {
		t.Errorf("after edit: %+v %v", r, err)
	}
	if f := stA.Snapshot().Partners[0].OurFlows; f == nil || !f.PushFilter.Empty() || !f.Push {
		t.Errorf("record after edit: %+v", f)
	}
	if _, err := EditPartnerRules(ctx, a.client, stA, pa.ID, syncsetup.Rules{Pull: pairing.FlowFilter{TagsOR: []string{"x\u202ey"}}}); !isKind(err, KindBadChoice) {
		t.Errorf("a bad tag reached MISP: %v", err)
	}
	// The sharing group goes only when asked.
	if err := RemoveSharingGroup(ctx, b.client, stB, pb.ID); err != nil || len(b.sim.SharingGroups()) != 0 {
		t.Errorf("group not removed on request: %v", err)
	}
}

// Choices refuse rules that would not pass the partner's own checks.
func TestChoicesValidateRules(t *testing.T) {
	ch := DefaultChoices()
	ch.Rules.Push.TagsNOT = []string{"a\nb"}
	if err := ch.Validate(); !isKind(err, KindBadChoice) {
		t.Errorf("bad tag accepted: %v", err)
	}
	ch = DefaultChoices()
	if err := ch.WithPreset("everything-and-more"); !isKind(err, KindBadChoice) {
		t.Errorf("unknown preset accepted: %v", err)
	}
	ch.Push = true
	if err := ch.WithPreset(syncsetup.PresetNothingPushed); err != nil || ch.Push || !ch.RulesChanged {
		t.Errorf("nothing-pushed: %+v %v", ch, err)
	}
	ch.Push = true
	if err := ch.Validate(); !isKind(err, KindBadChoice) {
		t.Errorf("push on with 'nothing pushed yet' accepted: %v", err)
	}
	ch.Push = false
	// Remembered as Prepare's defaults and read back.
	var p store.PrepareDefaults
	ch.SharingGroup = true
	RememberRules(ch, &p)
	back := ChoicesFromPreferences(p)
	if back.Rules.Preset != syncsetup.PresetNothingPushed || !back.SharingGroup || back.RulesChanged {
		t.Errorf("defaults round trip: %+v", back)
	}
}

// A re-pairing whose rules were not changed in Prepare keeps the entry's
// rules, and the record keeps saying what the entry holds.
func TestRepairingKeepsRulesInRecord(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	a.sim.AddTag("tlp:red")
	chA := DemoChoices()
	chA.Push = true
	if err := chA.WithPreset(syncsetup.PresetTLPClearGreen); err != nil {
		t.Fatal(err)
	}
	stA, stB := newStore(t), newStore(t)
	chB := DemoChoices()
	side := func(ch Choices) (LocalSide, LocalSide) {
		return LocalSide{Name: "a", Client: a.client, Login: a.login, Store: stA, ProfileID: "pa", Choices: ch},
			LocalSide{Name: "b", Client: b.client, Login: b.login, Store: stB, ProfileID: "pb", Choices: chB}
	}
	sa, sb := side(chA)
	if rep, _ := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second}); !rep.OK {
		t.Fatalf("first pairing: %+v", rep)
	}
	before := a.sim.Servers()[0].PushRules

	again := DemoChoices() // everything, not changed in Prepare
	again.Push = true
	// A re-pairing: each admin vouches that the partner is the org it knows.
	again.ReuseOrgUUID = b.login.HostOrg.UUID
	chB.ReuseOrgUUID = a.login.HostOrg.UUID
	sa, sb = side(again)
	rep, _ := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second})
	if !rep.OK {
		t.Fatalf("re-pairing: %+v", rep)
	}
	if after := a.sim.Servers()[0].PushRules; after != before {
		t.Errorf("push rules changed on a key-only re-pairing: %s → %s", before, after)
	}
	if rep.Sides["a"].PushRules != before {
		t.Errorf("report says %s, the entry holds %s", rep.Sides["a"].PushRules, before)
	}
	f := stA.Snapshot().Partners[0].OurFlows
	if f == nil || pairing.DescribeFilter(f.PushFilter) != "events not tagged tlp:red, tlp:amber or tlp:amber+strict" {
		t.Errorf("record after re-pairing: %+v", f)
	}
}

// A sharing group MISP does not make leaves a working pairing, and the
// report says so without the setup's "run the setup again".
func TestSharingGroupProblemSaysSyncWorks(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	b.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, PathPrefix: "/sharing_groups/add"})
	chB := DemoChoices()
	chB.SharingGroup = true
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: newStore(t), ProfileID: "pa", Choices: DemoChoices()}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: newStore(t), ProfileID: "pb", Choices: chB}
	rep, _ := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second})
	if !rep.OK {
		t.Fatalf("report %+v", rep)
	}
	p := rep.Sides["b"].SharingGroupProblem
	if !strings.Contains(p, "Sync works without it") || strings.Contains(p, "run the setup again") {
		t.Errorf("B's sharing group problem: %q", p)
	}
}
