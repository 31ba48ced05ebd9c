package syncsetup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// Presets of what flows (PAIRING.md "What flows").
const (
	PresetEverything    = "everything"      // no rules: everything the distribution allows
	PresetTLPClearGreen = "tlp-clear-green" // TLP:CLEAR/WHITE and GREEN only
	PresetNothingPushed = "nothing-pushed"  // pull only, nothing pushed yet
	PresetCustom        = "custom"          // the admin's own lists
)

// Presets lists the preset names in the order the app offers them.
var Presets = []string{PresetEverything, PresetTLPClearGreen, PresetNothingPushed, PresetCustom}

// PresetTitle is a preset's name for people.
func PresetTitle(name string) string {
	switch name {
	case PresetEverything:
		return "Everything the distribution allows"
	case PresetTLPClearGreen:
		return "TLP:CLEAR/WHITE and GREEN only"
	case PresetNothingPushed:
		return "Nothing pushed yet"
	case PresetCustom:
		return "Custom rules"
	}
	return name
}

// Rules are the admin's choice of what flows over our server entry: the
// filters of push and pull, and the preset they came from.
type Rules struct {
	Preset string             `json:"preset,omitempty"`
	Push   pairing.FlowFilter `json:"push"`
	Pull   pairing.FlowFilter `json:"pull"`
}

// PresetRules returns a preset's rules, and whether the preset turns push
// off ("Nothing pushed yet"). Custom and unknown names are an error: their
// rules come from the editor.
func PresetRules(name string) (r Rules, pushOff bool, err error) {
	switch name {
	case PresetEverything:
		return Rules{Preset: name}, false, nil
	case PresetTLPClearGreen:
		return Rules{Preset: name,
			Pull: pairing.FlowFilter{TagsOR: []string{"tlp:clear", "tlp:white", "tlp:green"}},
			Push: pairing.FlowFilter{TagsNOT: []string{"tlp:red", "tlp:amber", "tlp:amber+strict"}},
		}, false, nil
	case PresetNothingPushed:
		return Rules{Preset: name}, true, nil
	}
	return Rules{}, false, fmt.Errorf("%q is not a preset (choose %s)", name, strings.Join(Presets[:3], ", "))
}

// Validate checks both filters (the same bounds as a partner's Flows).
func (r Rules) Validate() error {
	if err := r.Push.Validate(); err != nil {
		return err
	}
	return r.Pull.Validate()
}

// Flows is what INFO tells the partner about these rules.
func (r Rules) Flows(push, pull bool) *pairing.Flows {
	return &pairing.Flows{Version: pairing.FlowsVersion, Push: push, Pull: pull, PushFilter: r.Push, PullFilter: r.Pull}
}

// ResolvedRules are Rules in MISP's shape for our MISP, with notes on what
// could not be resolved.
type ResolvedRules struct {
	Push  misp.PushRules
	Pull  misp.PullRules
	Notes []string
}

// ResolveRules turns rules into MISP's push_rules and pull_rules for our
// MISP. MISP 2.5.1 matches push_rules by TAG ID and creator ORG ID
// (Server::eventFilterPushableServers), so push tags are looked up in
// tags/index and push orgs by UUID; a name there would match nothing. A
// push tag our MISP lacks is made with tags/add, so "never push tlp:red"
// still holds when tlp:red appears later. If that fails, and for an org our
// MISP does not know: in a NOT list it is left out (no event of ours
// carries it), in an OR list it stays as a name that matches nothing (so an
// OR list never becomes empty, which would push everything). Pull rules filter the partner's index, by tag name and org
// UUID, and are sent as they are.
func ResolveRules(ctx context.Context, c *misp.Client, r Rules) (*ResolvedRules, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	out := &ResolvedRules{
		Pull: misp.PullRules{
			Tags: misp.RuleList{OR: slices.Clone(r.Pull.TagsOR), NOT: slices.Clone(r.Pull.TagsNOT)},
			Orgs: misp.RuleList{OR: pairing.OrgUUIDs(r.Pull.OrgsOR), NOT: pairing.OrgUUIDs(r.Pull.OrgsNOT)},
		},
	}
	p := r.Push
	if len(p.TagsOR)+len(p.TagsNOT) > 0 {
		tags, err := c.Tags(ctx)
		if err != nil {
			return nil, err
		}
		ids := map[string]misp.ID{}
		for _, t := range tags {
			if t.ID.Valid() {
				ids[strings.ToLower(t.Name)] = t.ID
			}
		}
		// A tag our MISP lacks is made (tags/add, idempotent): MISP reuses
		// it by name when events get it later, so the rule holds then too.
		idOf := func(name string) (misp.ID, bool) {
			if id, ok := ids[strings.ToLower(name)]; ok {
				return id, true
			}
			t, err := c.AddTag(ctx, name)
			if err != nil {
				out.Notes = append(out.Notes, fmt.Sprintf("Our MISP has no tag %q and it could not be made (%s).", name, kindOf(err)))
				return "", false
			}
			ids[strings.ToLower(name)] = t.ID
			out.Notes = append(out.Notes, fmt.Sprintf("Made the tag %q on our MISP (id %s) so the push rule holds once events carry it: MISP matches push rules by tag id.", name, t.ID))
			return t.ID, true
		}
		for _, name := range p.TagsOR {
			if id, ok := idOf(name); ok {
				out.Push.Tags.OR = append(out.Push.Tags.OR, id.String())
			} else {
				out.Push.Tags.OR = append(out.Push.Tags.OR, name)
				out.Notes = append(out.Notes, fmt.Sprintf("The push rule keeps %q by name, which matches nothing: set the rules again once the tag exists.", name))
			}
		}
		for _, name := range p.TagsNOT {
			if id, ok := idOf(name); ok {
				out.Push.Tags.NOT = append(out.Push.Tags.NOT, id.String())
			} else {
				out.Notes = append(out.Notes, fmt.Sprintf("No event of ours carries %q now, so the push rule leaves it out; set the rules again once the tag exists.", name))
			}
		}
	}
	resolveOrg := func(o pairing.FlowOrg) (misp.ID, bool, error) {
		org, err := c.Organisation(ctx, o.UUID)
		if misp.IsKind(err, misp.KindNotFound) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		// MISP looks up a value that is no UUID by name (103): the answer
		// must be about the UUID asked for.
		if !strings.EqualFold(org.UUID, o.UUID) || !org.ID.Valid() {
			return "", false, nil
		}
		return org.ID, true, nil
	}
	for _, o := range p.OrgsOR {
		id, ok, err := resolveOrg(o)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Push.Orgs.OR = append(out.Push.Orgs.OR, id.String())
		} else {
			out.Push.Orgs.OR = append(out.Push.Orgs.OR, o.UUID)
			out.Notes = append(out.Notes, fmt.Sprintf("Our MISP does not know the organisation %s; the push rule keeps its UUID, which matches nothing.", orgLabel(o)))
		}
	}
	for _, o := range p.OrgsNOT {
		id, ok, err := resolveOrg(o)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Push.Orgs.NOT = append(out.Push.Orgs.NOT, id.String())
		}
	}
	return out, nil
}

func orgLabel(o pairing.FlowOrg) string {
	if o.Name != "" {
		return fmt.Sprintf("%q (%s)", o.Name, o.UUID)
	}
	return o.UUID
}

// ReadEntryRules reads a server entry's rules back into words-ready
// filters: push tag ids become names (tags/index) and push org ids become
// organisations (organisations/index). A value it cannot resolve is kept as
// it is, so nothing the entry holds is hidden.
func ReadEntryRules(ctx context.Context, c *misp.Client, sv misp.Server) (Rules, error) {
	push, err := misp.ParsePushRules(string(sv.PushRules))
	if err != nil {
		return Rules{}, fmt.Errorf("the push rules of server entry %s cannot be read (%w): look at them on the entry in MISP (Sync Actions → List Servers → Edit) and fix or clear them", sv.ID, err)
	}
	pull, err := misp.ParsePullRules(string(sv.PullRules))
	if err != nil {
		return Rules{}, fmt.Errorf("the pull rules of server entry %s cannot be read (%w): look at them on the entry in MISP (Sync Actions → List Servers → Edit) and fix or clear them", sv.ID, err)
	}
	r := Rules{Preset: PresetCustom,
		Pull: pairing.FlowFilter{TagsOR: pull.Tags.OR, TagsNOT: pull.Tags.NOT, OrgsOR: flowOrgs(pull.Orgs.OR, nil), OrgsNOT: flowOrgs(pull.Orgs.NOT, nil)}}
	names := map[string]string{}
	if len(push.Tags.OR)+len(push.Tags.NOT) > 0 {
		tags, err := c.Tags(ctx)
		if err != nil {
			return Rules{}, err
		}
		for _, t := range tags {
			names[t.ID.String()] = t.Name
		}
	}
	tagName := func(v string) string {
		if n, ok := names[v]; ok {
			return n
		}
		return v
	}
	for _, v := range push.Tags.OR {
		r.Push.TagsOR = append(r.Push.TagsOR, tagName(v))
	}
	for _, v := range push.Tags.NOT {
		r.Push.TagsNOT = append(r.Push.TagsNOT, tagName(v))
	}
	var orgs []misp.Organisation
	if len(push.Orgs.OR)+len(push.Orgs.NOT)+len(pull.Orgs.OR)+len(pull.Orgs.NOT) > 0 {
		if orgs, err = c.Organisations(ctx); err != nil {
			return Rules{}, err
		}
		r.Pull.OrgsOR, r.Pull.OrgsNOT = flowOrgs(pull.Orgs.OR, orgs), flowOrgs(pull.Orgs.NOT, orgs)
	}
	r.Push.OrgsOR, r.Push.OrgsNOT = flowOrgs(push.Orgs.OR, orgs), flowOrgs(push.Orgs.NOT, orgs)
	r.Preset = matchPreset(r)
	return r, nil
}

// flowOrgs maps rule values (ids, UUIDs or names) to organisations.
func flowOrgs(values []string, known []misp.Organisation) []pairing.FlowOrg {
	var out []pairing.FlowOrg
	for _, v := range values {
		o := pairing.FlowOrg{UUID: strings.ToLower(v)}
		for _, k := range known {
			if k.ID.String() == v || strings.EqualFold(k.UUID, v) || k.Name == v {
				o = pairing.FlowOrg{UUID: strings.ToLower(k.UUID), Name: k.Name}
			}
		}
		out = append(out, o)
	}
	return out
}

// matchPreset names the preset that has exactly these filters, else custom.
func matchPreset(r Rules) string {
	for _, name := range []string{PresetEverything, PresetTLPClearGreen} {
		p, _, _ := PresetRules(name)
		if sameFilter(p.Push, r.Push) && sameFilter(p.Pull, r.Pull) {
			return name
		}
	}
	return PresetCustom
}

func sameFilter(a, b pairing.FlowFilter) bool {
	eq := func(x, y []string) bool {
		x, y = slices.Clone(x), slices.Clone(y)
		slices.Sort(x)
		slices.Sort(y)
		return slices.Equal(x, y)
	}
	return eq(a.TagsOR, b.TagsOR) && eq(a.TagsNOT, b.TagsNOT) &&
		eq(pairing.OrgUUIDs(a.OrgsOR), pairing.OrgUUIDs(b.OrgsOR)) && eq(pairing.OrgUUIDs(a.OrgsNOT), pairing.OrgUUIDs(b.OrgsNOT))
}

// EditEntryRules sets the rules of an existing server entry (servers/edit,
// recording 113), as from the partner's details. It returns the entry as
// MISP answered, and notes on what could not be resolved.
func EditEntryRules(ctx context.Context, c *misp.Client, serverID misp.ID, r Rules) (*misp.Server, []string, error) {
	res, err := ResolveRules(ctx, c, r)
	if err != nil {
		return nil, nil, err
	}
	push, pull := res.Push.Encode(), res.Pull.Encode()
	sv, err := c.EditServer(ctx, serverID, misp.ServerChanges{PushRules: &push, PullRules: &pull})
	if err != nil {
		return nil, res.Notes, err
	}
	if sv.ID != "" && sv.ID != serverID {
		return nil, res.Notes, &misp.Error{Kind: misp.KindBadResponse, Op: "POST /servers/edit", Message: "the answer is about another server entry"}
	}
	return sv, res.Notes, nil
}

// Preview is the answer to "how many of our published events would these
// push rules push now".
type Preview struct {
	// Count is the number of matching published events; -1 when unknown.
	Count int
	// Why says why the count is unknown, in words.
	Why string
}

// Text says the preview in words.
func (p Preview) Text() string {
	if p.Count < 0 {
		return "How many events these rules would push cannot be known now: " + p.Why
	}
	if p.Count == 0 {
		return "With these push rules, none of our published events would be pushed now."
	}
	noun := "events"
	if p.Count == 1 {
		noun = "event"
	}
	return fmt.Sprintf("With these push rules, up to %d of our published %s would be pushed now: MISP pushes only those shared with connected or all communities, or in a sharing group that holds the partner's entry.", p.Count, noun)
}

// PreviewPush counts our published events the push filter selects, with
// an upper bound on what a push sends: restSearch cannot filter by
// distribution, and MISP pushes only distribution 2, 3 and 4-with-the-entry
// (Event::checkDistributionForPush, recording 154). It uses one
// metadata-only search that reads MISP's count (misp
// CountPublishedEvents): quick on a MISP with many events. Tags go by name
// (restSearch resolves names itself) and orgs by UUID.
func PreviewPush(ctx context.Context, c *misp.Client, f pairing.FlowFilter) Preview {
	if err := f.Validate(); err != nil {
		return Preview{Count: -1, Why: err.Error() + "."}
	}
	n, err := c.CountPublishedEvents(ctx, misp.EventCountQuery{
		Tags: misp.RuleList{OR: f.TagsOR, NOT: f.TagsNOT},
		Orgs: misp.RuleList{OR: pairing.OrgUUIDs(f.OrgsOR), NOT: pairing.OrgUUIDs(f.OrgsNOT)},
	})
	if err != nil {
		var me *misp.Error
		if errors.As(err, &me) {
			return Preview{Count: -1, Why: me.Error()}
		}
		return Preview{Count: -1, Why: err.Error()}
	}
	return Preview{Count: n}
}

// SplitList reads a comma-separated list of tags or organisation names as
// an admin types it (the rules editor, the demo's flags): each item trimmed,
// empty items dropped.
func SplitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
