package pairing

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func infoWithFlows(flows string) []byte {
	return []byte(`{"v":"1.0","org":{"uuid":"5f7b5d5e-0000-4000-8000-000000000001","name":"X"},"instance_uuid":"5f7b5d5e-0000-4000-8000-000000000002","url":"https://x.test","flows":` + flows + `}`)
}

// The partner's Flows is hostile: anything unbounded, unclean or of a newer
// major version fails INFO before anything shows it.
func TestPartnerFlowsHostile(t *testing.T) {
	many := make([]string, 65)
	for i := range many {
		many[i] = `"t"`
	}
	for name, flows := range map[string]string{
		"newer version":      `{"v":"2.0","push":true}`,
		"no version":         `{"push":true}`,
		"control characters": `{"v":"1.0","push_filter":{"tags_not":["tlp:red\u0007"]}}`,
		"bidi override":      `{"v":"1.0","push_filter":{"tags_or":["tlp:\u202egreen"]}}`,
		"empty tag":          `{"v":"1.0","pull_filter":{"tags_or":[" "]}}`,
		"too many tags":      `{"v":"1.0","pull_filter":{"tags_or":[` + strings.Join(many, ",") + `]}}`,
		"long tag":           `{"v":"1.0","pull_filter":{"tags_not":["` + strings.Repeat("a", 256) + `"]}}`,
		"upper-case uuid":    `{"v":"1.0","push_filter":{"orgs_or":[{"uuid":"5F7B5D5E-0000-4000-8000-000000000001"}]}}`,
		"not a uuid":         `{"v":"1.0","push_filter":{"orgs_not":[{"uuid":"CERT-Alpha"}]}}`,
		"nil uuid":           `{"v":"1.0","push_filter":{"orgs_or":[{"uuid":"00000000-0000-0000-0000-000000000000"}]}}`,
		"org name bidi":      `{"v":"1.0","push_filter":{"orgs_or":[{"uuid":"5f7b5d5e-0000-4000-8000-000000000001","name":"CIRCL\u202e"}]}}`,
		"tags as object":     `{"v":"1.0","push_filter":{"tags_or":{"a":1}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodePayload(RoundInfo, infoWithFlows(flows))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
}

func TestPartnerFlowsAccepted(t *testing.T) {
	v, err := decodePayload(RoundInfo, infoWithFlows(`{"v":"1.3","push":true,"pull":true,"push_filter":{"tags_not":["tlp:red","tlp:amber"]},"pull_filter":{"tags_or":["tlp:clear","tlp:green"],"orgs_or":[{"uuid":"5f7b5d5e-0000-4000-8000-000000000009","name":"CIRCL"}]},"later_field":1}`))
	if err != nil {
		t.Fatal(err)
	}
	f := v.(*Info).Flows
	if got := f.DescribePush(); got != "events not tagged tlp:red or tlp:amber" {
		t.Errorf("push in words: %q", got)
	}
	if got := f.DescribePull(); got != "events tagged tlp:clear or tlp:green, created by CIRCL" {
		t.Errorf("pull in words: %q", got)
	}
	f.Push = false
	if got := f.DescribePush(); got != "nothing (push is off)" {
		t.Errorf("push off in words: %q", got)
	}
	if got := DescribeFilter(FlowFilter{}); got != "every event its distribution allows" {
		t.Errorf("empty filter in words: %q", got)
	}
}

func FuzzPartnerFlows(f *testing.F) {
	f.Add(`{"v":"1.0","push":true,"push_filter":{"tags_not":["tlp:red"]}}`)
	f.Add(`{"v":"1.0","pull_filter":{"orgs_or":[{"uuid":"5f7b5d5e-0000-4000-8000-000000000009","name":"C"}]}}`)
	f.Fuzz(func(t *testing.T, flows string) {
		v, err := decodePayload(RoundInfo, infoWithFlows(flows))
		if err != nil {
			return
		}
		fl := v.(*Info).Flows
		if fl == nil {
			return
		}
		for _, s := range []string{fl.DescribePush(), fl.DescribePull()} {
			if !utf8.ValidString(s) || len(s) > 64*1024 {
				t.Fatalf("description not bounded or not UTF-8: %q", s)
			}
		}
	})
}
