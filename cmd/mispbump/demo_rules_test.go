package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

func TestDemoRulesFlags(t *testing.T) {
	var out bytes.Buffer
	f, err := parseDemoFlags([]string{"--headless", "--push", "--preset", "tlp-clear-green", "--push-not-tags", "tlp:red, tlp:amber", "--sharing-group"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.choices()
	if err != nil {
		t.Fatal(err)
	}
	if !c.RulesChanged || !c.SharingGroup || c.Rules.Preset != syncsetup.PresetCustom ||
		!reflect.DeepEqual(c.Rules.Push.TagsNOT, []string{"tlp:red", "tlp:amber"}) || len(c.Rules.Pull.TagsOR) != 3 {
		t.Errorf("choices %+v", c)
	}
	// No rules flag: everything, and an existing entry keeps its rules.
	f, _ = parseDemoFlags([]string{"--headless"}, &out)
	if c, _ = f.choices(); c.RulesChanged || c.SharingGroup || c.Rules.Preset != syncsetup.PresetEverything {
		t.Errorf("defaults %+v", c)
	}
	for _, bad := range [][]string{
		{"--preset", "all"},
		{"--preset", "nothing-pushed", "--push"},
		{"--pull-tags", "a\x01b"},
	} {
		f, err := parseDemoFlags(append([]string{"--headless"}, bad...), &out)
		if err == nil {
			_, err = f.choices()
		}
		if err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The JSON report carries the rules set on each side.
func TestDemoReportsRules(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runDemo(context.Background(), []string{"--headless", "--json", "--pull-tags", "tlp:green", "--sharing-group"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var rep session.LocalReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for name, s := range rep.Sides {
		if s.Flows == nil || s.Flows.PullWords != "events tagged tlp:green" || s.PartnerFlows == nil || s.SharingGroup == "" {
			t.Errorf("side %s: %+v", name, s)
		}
		if s.PullRules == "" || !bytes.Contains([]byte(s.PullRules), []byte(`"OR":["tlp:green"]`)) {
			t.Errorf("side %s pull_rules %q", name, s.PullRules)
		}
	}
}
