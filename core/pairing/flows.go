package pairing

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mispbump/mispbump-desktop/core/ident"
)

// FlowsVersion is the version of the Flows structure in INFO.
const FlowsVersion = "1.0"

// Limits on a Flows structure: the partner's copy is hostile, so every list
// and text is bounded before anything shows it.
const (
	maxFlowList = 64  // entries in one tag or organisation list (4 lists a filter)
	maxFlowText = 255 // bytes of one tag or organisation name (MISP's column)
)

// Flows says, for information, what one side's server entry to the other
// will push and pull: the directions and the rules' filters. It travels in
// INFO so both admins see what will flow each way.
type Flows struct {
	Version    string     `json:"v"`
	Push       bool       `json:"push"`
	Pull       bool       `json:"pull"`
	PushFilter FlowFilter `json:"push_filter"`
	PullFilter FlowFilter `json:"pull_filter"`
}

// FlowFilter is one direction's rules: events must carry one of TagsOR (if
// any) and none of TagsNOT, and come from one of OrgsOR (if any) and none of
// OrgsNOT (the creator organisation). Tags are names.
type FlowFilter struct {
	TagsOR  []string  `json:"tags_or,omitempty"`
	TagsNOT []string  `json:"tags_not,omitempty"`
	OrgsOR  []FlowOrg `json:"orgs_or,omitempty"`
	OrgsNOT []FlowOrg `json:"orgs_not,omitempty"`
}

// FlowOrg names an organisation in a rule: its UUID, which MISP matches,
// and its name for people.
type FlowOrg struct {
	UUID string `json:"uuid"`
	Name string `json:"name,omitempty"`
}

// Empty reports whether the filter lets everything through.
func (f FlowFilter) Empty() bool {
	return len(f.TagsOR) == 0 && len(f.TagsNOT) == 0 && len(f.OrgsOR) == 0 && len(f.OrgsNOT) == 0
}

// OrgUUIDs returns the UUIDs of a list.
func OrgUUIDs(orgs []FlowOrg) []string {
	out := make([]string, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, o.UUID)
	}
	return out
}

// FlowsError says what is wrong with a Flows structure.
type FlowsError struct{ Problem string }

func (e *FlowsError) Error() string { return "the rules of what flows " + e.Problem }

// CheckFlowText reports what is wrong with a tag or organisation name, or "".
func CheckFlowText(s string) string {
	return checkClaimText(s, maxFlowText)
}

// maxURLText bounds the partner's announced URL.
const maxURLText = 2048

// checkClaimText is CheckFlowText with a length of the caller's.
func checkClaimText(s string, maxLen int) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "an empty name"
	case len(s) > maxLen:
		return fmt.Sprintf("a name longer than %d bytes", maxLen)
	case !utf8.ValidString(s):
		return "a name that is not UTF-8"
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return "a name with control characters"
		}
	}
	return ""
}

// Validate checks a filter: bounded lists of clean names and canonical
// (lower-case) organisation UUIDs.
func (f FlowFilter) Validate() error {
	for _, l := range [][]string{f.TagsOR, f.TagsNOT} {
		if len(l) > maxFlowList {
			return &FlowsError{"list more than 64 tags in one list: keep to 64, or set longer rules on the server entry in MISP itself"}
		}
		for _, t := range l {
			if p := CheckFlowText(t); p != "" {
				return &FlowsError{"name a tag with " + p}
			}
		}
	}
	for _, l := range [][]FlowOrg{f.OrgsOR, f.OrgsNOT} {
		if len(l) > maxFlowList {
			return &FlowsError{"list more than 64 organisations in one list: keep to 64, or set longer rules on the server entry in MISP itself"}
		}
		for _, o := range l {
			if !ident.IsCanonicalUUID(o.UUID) {
				return &FlowsError{"name an organisation without a valid UUID"}
			}
			if o.Name != "" {
				if p := CheckFlowText(o.Name); p != "" {
					return &FlowsError{"name an organisation with " + p}
				}
			}
		}
	}
	return nil
}

// Validate checks both filters.
func (f *Flows) Validate() error {
	if err := f.PushFilter.Validate(); err != nil {
		return err
	}
	return f.PullFilter.Validate()
}

// DescribeFilter says in words which events a filter lets through, e.g.
// "events tagged tlp:clear or tlp:green" or "events not tagged tlp:red".
func DescribeFilter(f FlowFilter) string {
	if f.Empty() {
		return "every event its distribution allows"
	}
	var parts []string
	if len(f.TagsOR) > 0 {
		parts = append(parts, "tagged "+orList(f.TagsOR))
	}
	if len(f.TagsNOT) > 0 {
		parts = append(parts, "not tagged "+orList(f.TagsNOT))
	}
	if len(f.OrgsOR) > 0 {
		parts = append(parts, "created by "+orList(orgNames(f.OrgsOR)))
	}
	if len(f.OrgsNOT) > 0 {
		parts = append(parts, "not created by "+orList(orgNames(f.OrgsNOT)))
	}
	return "events " + strings.Join(parts, ", ")
}

func orgNames(orgs []FlowOrg) []string {
	out := make([]string, 0, len(orgs))
	for _, o := range orgs {
		if o.Name != "" {
			out = append(out, o.Name)
		} else {
			out = append(out, o.UUID)
		}
	}
	return out
}

func orList(items []string) string {
	const show = 6
	if len(items) > show {
		return strings.Join(items[:show], ", ") + " or one of " + itoa(len(items)-show) + " more"
	}
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// DescribePush says what a side's entry pushes: "nothing (push is off)" or
// the filter in words.
func (f Flows) DescribePush() string {
	if !f.Push {
		return "nothing (push is off)"
	}
	return DescribeFilter(f.PushFilter)
}

// DescribePull says what a side's entry pulls.
func (f Flows) DescribePull() string {
	if !f.Pull {
		return "nothing (pull is off)"
	}
	return DescribeFilter(f.PullFilter)
}

// checkFlows holds the partner's Flows to our major version and to the
// bounds; a malformed copy fails INFO like any other malformed field.
func checkFlows(f *Flows) error {
	if err := checkVersion(f.Version, "the rules of what flows"); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return errorf(KindMalformed, err.Error())
	}
	return nil
}

// maxPartnerWords bounds a free-text message of the partner's (DONE,
// ABORT) when we show it.
const maxPartnerWords = 300

// PartnerWords makes a free-text message of the partner's fit to show: one
// line (control and direction-changing characters become spaces) of at most
// 300 characters, quoted so it reads as the partner's words, not ours.
func PartnerWords(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxPartnerWords {
			b.WriteRune('…')
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return strconv.Quote(b.String())
}
