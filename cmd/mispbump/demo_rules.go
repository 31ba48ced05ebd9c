package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// demoRules are the demo's flags for what flows; both sides get them.
type demoRules struct {
	preset                string
	pushTags, pushNotTags string
	pullTags, pullNotTags string
	sharingGroup          bool
}

func (r *demoRules) register(fs *flag.FlagSet) {
	fs.StringVar(&r.preset, "preset", "", "what flows: "+strings.Join(syncsetup.Presets[:3], ", ")+" (default: everything; an existing entry keeps its rules unless a rules flag is given)")
	fs.StringVar(&r.pushTags, "push-tags", "", "push only events with one of these tags (comma-separated)")
	fs.StringVar(&r.pushNotTags, "push-not-tags", "", "never push events with one of these tags (comma-separated)")
	fs.StringVar(&r.pullTags, "pull-tags", "", "pull only events with one of these tags (comma-separated)")
	fs.StringVar(&r.pullNotTags, "pull-not-tags", "", "never pull events with one of these tags (comma-separated)")
	fs.BoolVar(&r.sharingGroup, "sharing-group", false, "make or reuse a bilateral sharing group \"<our org> ↔ <partner org>\" on each side")
}

// apply puts the rules into the choices. Any rules flag counts as a choice
// made in Prepare: an existing server entry gets the rules too.
func (r *demoRules) apply(c *session.Choices, pushGiven bool) error {
	c.SharingGroup = r.sharingGroup
	custom := r.pushTags != "" || r.pushNotTags != "" || r.pullTags != "" || r.pullNotTags != ""
	if r.preset == "" && !custom {
		return nil
	}
	if r.preset != "" {
		if err := c.WithPreset(r.preset); err != nil {
			return fmt.Errorf("--preset: %w", err)
		}
		if r.preset == syncsetup.PresetNothingPushed && pushGiven {
			return errors.New("--preset nothing-pushed turns push off; leave out --push")
		}
	}
	if custom {
		rules := c.Rules
		rules.Preset = syncsetup.PresetCustom
		for _, l := range []struct {
			flag string
			dst  *[]string
		}{{r.pushTags, &rules.Push.TagsOR}, {r.pushNotTags, &rules.Push.TagsNOT}, {r.pullTags, &rules.Pull.TagsOR}, {r.pullNotTags, &rules.Pull.TagsNOT}} {
			if tags := syncsetup.SplitList(l.flag); tags != nil {
				*l.dst = tags
			}
		}
		if err := rules.Validate(); err != nil {
			return err
		}
		c.Rules, c.RulesChanged = rules, true
	}
	return nil
}

// printRules adds each side's rules to the demo's summary.
func printRules(w io.Writer, name string, s session.LocalSideReport) {
	if s.Flows != nil {
		fmt.Fprintf(w, "  %s pushes: %s; pulls: %s\n", strings.ToUpper(name), s.Flows.PushWords, s.Flows.PullWords)
	}
	if s.PushRules != "" || s.PullRules != "" {
		fmt.Fprintf(w, "  server entry rules on %s: push_rules %s, pull_rules %s\n", strings.ToUpper(name), s.PushRules, s.PullRules)
	}
	if s.SharingGroup != "" {
		fmt.Fprintf(w, "  sharing group %s %q\n", s.SharingGroupID, s.SharingGroup)
	}
	if s.SharingGroupProblem != "" {
		fmt.Fprintf(w, "  sharing group problem: %s\n", s.SharingGroupProblem)
	}
}
