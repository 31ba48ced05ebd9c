package syncsetup

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

func entryRules(t *testing.T, s *side) (misp.PushRules, misp.PullRules) {
	t.Helper()
	sv := s.sim.Servers()
	if len(sv) != 1 {
		t.Fatalf("%d server entries", len(sv))
	}
	push, err := misp.ParsePushRules(sv[0].PushRules)
	if err != nil {
		t.Fatal(err)
	}
	pull, err := misp.ParsePullRules(sv[0].PullRules)
	if err != nil {
		t.Fatal(err)
	}
	return push, pull
}

func withRules(s *side, r Rules, apply, sg bool) {
	s.setup.Policy.Rules, s.setup.Policy.ApplyRules, s.setup.Policy.SharingGroup = r, apply, sg
}

// Each preset lands on the server entry in MISP's shape; push tags are
// tag IDS (MISP 2.5.1 compares push_rules with tag ids), pull tags names.
func TestPresetsOnTheServerEntry(t *testing.T) {
	for _, name := range []string{PresetEverything, PresetTLPClearGreen, PresetNothingPushed} {
		t.Run(name, func(t *testing.T) {
			a, b := twoSides(t)
			red, amber := a.sim.AddTag("tlp:red"), a.sim.AddTag("tlp:amber")
			r, pushOff, err := PresetRules(name)
			if err != nil {
				t.Fatal(err)
			}
			if pushOff != (name == PresetNothingPushed) {
				t.Errorf("push off: %v", pushOff)
			}
			withRules(a, r, false, false)
			a.setup.Policy.Push = !pushOff
			ra, _ := pair(t, a, b)
			push, pull := entryRules(t, a)
			switch name {
			case PresetTLPClearGreen:
				var strict int
				for _, tag := range a.sim.Tags() {
					if tag.Name == "tlp:amber+strict" {
						strict = tag.ID
					}
				}
				if want := []string{strconv.Itoa(red.ID), strconv.Itoa(amber.ID), strconv.Itoa(strict)}; strict == 0 || !reflect.DeepEqual(push.Tags.NOT, want) {
					t.Errorf("push NOT %v, want the ids %v (tlp:amber+strict made on our MISP)", push.Tags.NOT, want)
				}
				if !reflect.DeepEqual(pull.Tags.OR, []string{"tlp:clear", "tlp:white", "tlp:green"}) {
					t.Errorf("pull OR %v", pull.Tags.OR)
				}
				if !ra.Server.RulesSet || !strings.Contains(ra.Server.PushRules, `"NOT":["`+strconv.Itoa(red.ID)) {
					t.Errorf("result does not record the rules: %+v", ra.Server)
				}
				if !strings.Contains(strings.Join(ra.Notes(), " "), `Made the tag "tlp:amber+strict"`) {
					t.Errorf("no note on the tag made: %v", ra.Notes())
				}
			default:
				if !push.Empty() || !pull.Empty() {
					t.Errorf("rules %+v %+v, want none", push, pull)
				}
			}
			if sv := a.sim.Servers()[0]; sv.Push != !pushOff {
				t.Errorf("push %v", sv.Push)
			}
		})
	}
}

// Custom rules: an OR tag our MISP lacks stays as a name (matches nothing,
// so the list never becomes "everything"); orgs go by id for push and UUID
// for pull; reading the entry back gives the same rules in words.
func TestCustomRulesAndReadBack(t *testing.T) {
	a, b := twoSides(t)
	green := a.sim.AddTag("tlp:green")
	circl := a.sim.AddOrg(mispsim.Org{Name: "CIRCL", UUID: "55f6ea5e-2c60-40e5-964f-47a8950d210f", Local: false})
	r := Rules{Preset: PresetCustom,
		Push: pairing.FlowFilter{TagsOR: []string{"tlp:green", "osint:unknown"}, OrgsNOT: []pairing.FlowOrg{{UUID: circl.UUID, Name: "CIRCL"}}},
		Pull: pairing.FlowFilter{TagsNOT: []string{"tlp:red"}, OrgsOR: []pairing.FlowOrg{{UUID: circl.UUID, Name: "CIRCL"}}},
	}
	withRules(a, r, false, false)
	ra, _ := pair(t, a, b)
	push, pull := entryRules(t, a)
	if len(push.Tags.OR) != 2 || push.Tags.OR[0] != strconv.Itoa(green.ID) || !reflect.DeepEqual(push.Orgs.NOT, []string{strconv.Itoa(circl.ID)}) {
		t.Errorf("push %+v", push)
	}
	if !reflect.DeepEqual(pull.Orgs.OR, []string{circl.UUID}) || !reflect.DeepEqual(pull.Tags.NOT, []string{"tlp:red"}) {
		t.Errorf("pull %+v", pull)
	}
	entries, err := a.client.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadEntryRules(ctx, a.client, entries[0].Server)
	if err != nil {
		t.Fatal(err)
	}
	if got := pairing.DescribeFilter(back.Push); got != "events tagged tlp:green or osint:unknown, not created by CIRCL" {
		t.Errorf("push read back in words: %q", got)
	}
	if got := pairing.DescribeFilter(back.Pull); got != "events not tagged tlp:red, created by CIRCL" {
		t.Errorf("pull read back in words: %q", got)
	}
	if back.Preset != PresetCustom || ra.Server.PullRules == "" {
		t.Errorf("preset %q, result %+v", back.Preset, ra.Server)
	}

	// Edited later from the partner's details: servers/edit with strings.
	for _, tag := range []string{"tlp:red", "tlp:amber", "tlp:amber+strict"} {
		a.sim.AddTag(tag)
	}
	tlp, _, _ := PresetRules(PresetTLPClearGreen)
	if _, _, err := EditEntryRules(ctx, a.client, ra.Server.ID, tlp); err != nil {
		t.Fatal(err)
	}
	entries, _ = a.client.Servers(ctx)
	back, err = ReadEntryRules(ctx, a.client, entries[0].Server)
	if err != nil || back.Preset != PresetTLPClearGreen {
		t.Errorf("after edit: %+v %v", back, err)
	}
}

// Hostile or broken rules never reach MISP.
func TestRulesValidatedBeforeMISP(t *testing.T) {
	a, b := twoSides(t)
	withRules(a, Rules{Push: pairing.FlowFilter{TagsNOT: []string{"bad\x00tag"}}}, false, false)
	pair0 := a.counts()
	ra, err := a.setup.BeforeCreds(ctx, b.partner())
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		t.Fatal(err)
	}
	err = a.setup.AfterCreds(ctx, ra, Creds{Authkey: rb.User.Authkey})
	if err == nil || !strings.Contains(err.Error(), "control characters") {
		t.Fatalf("got %v", err)
	}
	if len(a.sim.Servers()) != pair0.servers {
		t.Error("a server entry was made with bad rules")
	}
}

// Re-pairing under "update key only" keeps the entry's rules unless the
// admin changed them in Prepare (ApplyRules).
func TestRepairingKeepsRulesUnlessChanged(t *testing.T) {
	a, b := twoSides(t)
	a.sim.AddTag("tlp:red")
	tlp, _, _ := PresetRules(PresetTLPClearGreen)
	withRules(a, tlp, false, false)
	pair(t, a, b)
	before := a.sim.Servers()[0]

	// Again with other rules, not changed in Prepare: kept.
	withRules(a, Rules{Preset: PresetEverything}, false, false)
	ra, _ := pair(t, a, b)
	after := a.sim.Servers()[0]
	if after.PushRules != before.PushRules || after.PullRules != before.PullRules {
		t.Fatalf("rules changed on a key-only update: %s → %s", before.PushRules, after.PushRules)
	}
	if ra.Server.RulesSet || ra.Server.PushRules != before.PushRules {
		t.Errorf("result %+v", ra.Server)
	}
	if !strings.Contains(strings.Join(ra.Notes(), " "), "keeps its push/pull settings and rules") {
		t.Errorf("notes %v", ra.Notes())
	}

	// Changed in Prepare: applied to the existing entry.
	withRules(a, Rules{Preset: PresetEverything}, true, false)
	ra, _ = pair(t, a, b)
	push, pull := entryRules(t, a)
	if !push.Empty() || !pull.Empty() || !ra.Server.RulesSet {
		t.Errorf("changed rules not applied: %+v %+v", push, pull)
	}
}

// The bilateral sharing group is made once with both orgs and our entry,
// then reused; removing the partner keeps it unless asked.
func TestSharingGroupCreatedThenReused(t *testing.T) {
	a, b := twoSides(t)
	withRules(a, Rules{}, false, true)
	ra, _ := pair(t, a, b)
	g := ra.SharingGroup
	if g == nil || !g.Created || g.Name != "Org-A ↔ Org-B" {
		t.Fatalf("sharing group %+v", g)
	}
	sgs := a.sim.SharingGroups()
	if len(sgs) != 1 {
		t.Fatalf("%d groups", len(sgs))
	}
	orgID, _ := ra.Org.ID.Int64()
	srvID, _ := ra.Server.ID.Int64()
	hasOrg, hasSrv := false, false
	for _, o := range sgs[0].Orgs {
		hasOrg = hasOrg || o.OrgID == int(orgID)
	}
	for _, s := range sgs[0].Servers {
		hasSrv = hasSrv || s.ServerID == int(srvID)
	}
	if !hasOrg || !hasSrv {
		t.Errorf("group %+v lacks the partner org or our entry", sgs[0])
	}

	// Again (a new record, found by name; the session keeps "created" from
	// the earlier record): the same group, nothing added twice.
	ra2, _ := pair(t, a, b)
	if len(a.sim.SharingGroups()) != 1 || ra2.SharingGroup.ID != g.ID || ra2.SharingGroup.Created {
		t.Fatalf("second run: %+v, %d groups", ra2.SharingGroup, len(a.sim.SharingGroups()))
	}
	if got := a.sim.SharingGroups()[0]; len(got.Orgs) != 1 || len(got.Servers) != 2 {
		t.Errorf("members doubled: %+v", got)
	}
	// A fresh record (another laptop) finds it by name.
	a.relogin(t, a.setup.Policy)
	ra3, _ := pair(t, a, b)
	if ra3.SharingGroup.ID != g.ID || len(a.sim.SharingGroups()) != 1 {
		t.Errorf("not found again by name: %+v", ra3.SharingGroup)
	}

	// Removing keeps it by default, deletes it on request (only the one
	// the app made: the first record says so).
	if err := a.setup.Remove(ctx, ra2, RemoveOptions{DeleteSharingGroup: true}); err != nil {
		t.Fatal(err)
	}
	if len(a.sim.SharingGroups()) != 1 {
		t.Error("deleted a group the record does not say the app made")
	}
	if err := a.setup.Remove(ctx, ra, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(a.sim.SharingGroups()) != 1 {
		t.Error("removing the partner deleted the group unasked")
	}
	if err := a.setup.Remove(ctx, ra, RemoveOptions{DeleteSharingGroup: true}); err != nil {
		t.Fatal(err)
	}
	if len(a.sim.SharingGroups()) != 0 {
		t.Error("the group was not deleted on request")
	}
}

// A group of that name with a third organisation in it is not taken over.
func TestSharingGroupOfSameNameWithOthersNotReused(t *testing.T) {
	a, b := twoSides(t)
	withRules(a, Rules{}, false, true)
	third := a.sim.AddOrg(mispsim.Org{Name: "Third", Local: true})
	g, err := a.client.AddSharingGroup(ctx, misp.NewSharingGroup{Name: "Org-A ↔ Org-B", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.client.AddSharingGroupOrg(ctx, g.SharingGroup.ID, misp.ID(strconv.Itoa(third.ID))); err != nil {
		t.Fatal(err)
	}
	ra, _ := pair(t, a, b)
	if ra.SharingGroup.ID == g.SharingGroup.ID || !ra.SharingGroup.Created || len(a.sim.SharingGroups()) != 2 {
		t.Errorf("took over a group with a third org: %+v", ra.SharingGroup)
	}
}

// The preview counts published events the push filter selects, from
// X-Result-Count, and says when it cannot know.
func TestPreviewPush(t *testing.T) {
	a, _ := twoSides(t)
	for _, e := range []struct {
		tag       string
		published bool
	}{{"tlp:green", true}, {"tlp:red", true}, {"tlp:green", false}, {"tlp:clear", true}} {
		a.sim.AddEvent(mispsim.Event{Info: e.tag, Published: e.published, Distribution: 1, Tags: []string{e.tag}})
	}
	tlp, _, _ := PresetRules(PresetTLPClearGreen)
	if p := PreviewPush(ctx, a.client, tlp.Push); p.Count != 2 {
		t.Errorf("TLP push preview %+v, want 2 (green and clear published)", p)
	}
	if p := PreviewPush(ctx, a.client, pairing.FlowFilter{}); p.Count != 3 || !strings.Contains(p.Text(), "3 of our published events") {
		t.Errorf("everything: %+v %q", p, p.Text())
	}
	a.sim.Close()
	p := PreviewPush(ctx, a.client, tlp.Push)
	if p.Count != -1 || !strings.Contains(p.Text(), "cannot be known") {
		t.Errorf("unreachable MISP: %+v %q", p, p.Text())
	}
}

// When our MISP cannot make a missing tag, an OR list keeps the name (it
// matches nothing, never "everything") and a NOT list leaves it out.
func TestMissingTagThatCannotBeMade(t *testing.T) {
	a, _ := twoSides(t)
	a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/tags/add"})
	res, err := ResolveRules(ctx, a.client, Rules{Push: pairing.FlowFilter{TagsOR: []string{"tlp:clear"}, TagsNOT: []string{"tlp:red"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Push.Tags.OR, []string{"tlp:clear"}) || len(res.Push.Tags.NOT) != 0 {
		t.Errorf("push %+v", res.Push)
	}
	if n := strings.Join(res.Notes, " "); !strings.Contains(n, "could not be made") || !strings.Contains(n, "matches nothing") {
		t.Errorf("notes %q", n)
	}
}

// The group's name holds the partner's claimed name: a partner naming
// itself so that "<our org> ↔ <its name>" is a group of ours without it is
// not added to that group (it would read the group's events). A new group
// is made and the old one is left as it was.
func TestSharingGroupNotJoinedByClaimedName(t *testing.T) {
	a, b := twoSides(t)
	withRules(a, Rules{}, false, true)
	ours, err := a.setup.Client.AddSharingGroup(ctx, misp.NewSharingGroup{Name: SharingGroupName("Org-A", "Org-B"), Releasability: "ours", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	before := a.sim.SharingGroups()
	ra, _ := pair(t, a, b)
	if g := ra.SharingGroup; g == nil || g.ID == ours.SharingGroup.ID || !g.Created {
		t.Fatalf("the pairing used the group that was already ours: %+v", ra.SharingGroup)
	}
	for _, g := range a.sim.SharingGroups() {
		if idStr := strconv.Itoa(g.ID); idStr == ours.SharingGroup.ID.String() {
			if len(g.Orgs) != len(before[0].Orgs) || len(g.Servers) != len(before[0].Servers) {
				t.Errorf("the group that was ours changed: %+v -> %+v", before[0], g)
			}
		}
	}
}

func TestSplitList(t *testing.T) {
	if got := SplitList(" tlp:red, ,tlp:amber ,"); !reflect.DeepEqual(got, []string{"tlp:red", "tlp:amber"}) {
		t.Errorf("SplitList = %q", got)
	}
	if got := SplitList(" , "); got != nil {
		t.Errorf("an empty list is %q, want nil (the demo reads nil as no flag)", got)
	}
}
