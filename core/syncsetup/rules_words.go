package syncsetup

import (
	"encoding/json"
	"sort"
	"strings"
)

// RulesWords says a server entry's push or pull rules (MISP's JSON, as
// servers/index shows them, recording 115) in words: "none" when every
// list is empty, else each filter that is set, e.g. "tags: tlp:clear; not
// orgs: 12". Rules the app cannot read are said to be set, not hidden.
func RulesWords(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "[]" || raw == "{}" {
		return "none"
	}
	var rules map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &rules); err != nil {
		return "set, in a form this app cannot read (see the entry in MISP)"
	}
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		name := strings.ReplaceAll(k, "_", " ")
		var s string
		if json.Unmarshal(rules[k], &s) == nil {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, name+": "+s)
			}
			continue
		}
		var lists map[string][]any
		if json.Unmarshal(rules[k], &lists) != nil {
			parts = append(parts, name+": set")
			continue
		}
		for _, op := range []string{"OR", "AND", "NOT"} {
			if vals := lists[op]; len(vals) > 0 {
				prefix := name
				switch op {
				case "NOT":
					prefix = "not " + name
				case "AND":
					prefix = "all of " + name
				}
				parts = append(parts, prefix+": "+joinValues(vals))
			}
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func joinValues(vals []any) string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		b, _ := json.Marshal(v)
		s := string(b)
		if str, ok := v.(string); ok {
			s = str
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
