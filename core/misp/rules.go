package misp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// RuleList is one OR/NOT pair of a server entry's rules. MISP keeps it as
// {"OR": [...], "NOT": [...]}; both lists are always written, never null.
type RuleList struct {
	OR  []string `json:"OR"`
	NOT []string `json:"NOT"`
}

// MarshalJSON writes empty lists as [] (MISP's own shape, recording 115).
func (l RuleList) MarshalJSON() ([]byte, error) {
	v := struct {
		OR  []string `json:"OR"`
		NOT []string `json:"NOT"`
	}{nonNil(l.OR), nonNil(l.NOT)}
	return json.Marshal(v)
}

// Empty reports whether the list filters nothing.
func (l RuleList) Empty() bool { return len(l.OR) == 0 && len(l.NOT) == 0 }

// NotList is the NOT-only list of pull rules' type filters.
type NotList struct {
	NOT []string `json:"NOT"`
}

// MarshalJSON writes an empty list as [].
func (l NotList) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		NOT []string `json:"NOT"`
	}{nonNil(l.NOT)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PushRules are a server entry's push_rules. MISP 2.5.1 compares Tags with
// the TAG IDS of an event (Server::eventFilterPushableServers compares
// EventTag.tag_id) and Orgs with the event's orgc_id: a tag NAME in
// push_rules is stored without complaint and then matches nothing, so an
// OR list of names blocks everything and a NOT list of names blocks
// nothing. Callers put ids here (see syncsetup), never names.
type PushRules struct {
	Tags RuleList `json:"tags"`
	Orgs RuleList `json:"orgs"`
}

// PullRules are a server entry's pull_rules. MISP turns them into filters
// of the partner's event index (Server::filterRuleToParameter), so Tags are
// tag NAMES and Orgs organisation names or UUIDs as the partner knows them.
type PullRules struct {
	Tags           RuleList `json:"tags"`
	Orgs           RuleList `json:"orgs"`
	TypeAttributes NotList  `json:"type_attributes"`
	TypeObjects    NotList  `json:"type_objects"`
	// URLParams is a JSON object of extra index filters, as text ("" none).
	URLParams string `json:"url_params"`
}

// Encode returns the rules as the JSON STRING MISP stores: servers/add and
// servers/edit take push_rules as a string; an object answers 500
// (recordings 112–114).
func (r PushRules) Encode() string { return mustJSON(r) }

// Encode returns the rules as the JSON string MISP stores.
func (r PullRules) Encode() string { return mustJSON(r) }

// Empty reports whether the rules filter nothing.
func (r PushRules) Empty() bool { return r.Tags.Empty() && r.Orgs.Empty() }

// Empty reports whether the rules filter nothing.
func (r PullRules) Empty() bool {
	return r.Tags.Empty() && r.Orgs.Empty() && len(r.TypeAttributes.NOT) == 0 && len(r.TypeObjects.NOT) == 0 && strings.TrimSpace(r.URLParams) == ""
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("misp: rules do not marshal: " + err.Error()) // plain structs of strings always marshal
	}
	return string(b)
}

// maxRulesText caps what ParsePushRules and ParsePullRules read: MISP's
// column is a TEXT (64 KiB).
const maxRulesText = 64 << 10

// ParsePushRules reads push_rules as servers/index gives it (recording
// 115). "" and "[]" (an entry never given rules) are empty rules.
func ParsePushRules(text string) (PushRules, error) {
	var r PushRules
	return r, parseRules(text, &r)
}

// ParsePullRules reads pull_rules as servers/index gives it.
func ParsePullRules(text string) (PullRules, error) {
	var r PullRules
	if err := parseRules(text, &r); err != nil {
		return r, err
	}
	return r, nil
}

func parseRules(text string, into any) error {
	t := strings.TrimSpace(text)
	if t == "" || t == "[]" || t == "{}" || t == "null" {
		return nil
	}
	if len(t) > maxRulesText {
		return fmt.Errorf("the rules are longer than %d bytes", maxRulesText)
	}
	// url_params is a string in MISP's shape but may be an object when
	// set by hand; read it either way.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(t), &raw); err != nil {
		return fmt.Errorf("the rules are not a JSON object: %w", err)
	}
	if up, ok := raw["url_params"]; ok && len(bytes.TrimSpace(up)) > 0 && bytes.TrimSpace(up)[0] != '"' {
		s, _ := json.Marshal(string(bytes.TrimSpace(up)))
		if string(bytes.TrimSpace(up)) == "null" {
			s = []byte(`""`)
		}
		raw["url_params"] = s
	}
	for _, k := range []string{"tags", "orgs", "type_attributes", "type_objects"} {
		// An empty list [] where an object belongs is how PHP writes an
		// empty array: treat it as no rule.
		if v, ok := raw[k]; ok && string(bytes.TrimSpace(v)) == "[]" {
			delete(raw, k)
		}
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("the rules do not have MISP's shape: %w", err)
	}
	return nil
}

// RulesText is a rules column as MISP sends it: a JSON-encoded string
// (recording 115). An object, which MISP itself never sends, is kept as its
// JSON text rather than failing the whole servers/index answer.
type RulesText string

// UnmarshalJSON accepts a string, null, an object or a list.
func (t *RulesText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*t = RulesText(buf.String())
		return nil
	}
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	*t = RulesText(s)
	return nil
}

// Tag is one row of tags/index (recording 126).
type Tag struct {
	ID         ID     `json:"id"`
	Name       string `json:"name"`
	Colour     string `json:"colour"`
	Exportable Flag   `json:"exportable"`
	HideTag    Flag   `json:"hide_tag"`
	IsGalaxy   Flag   `json:"is_galaxy"`
	LocalOnly  Flag   `json:"local_only"`
	// Count is how many events carry the tag.
	Count Text `json:"count"`
}

// Tags lists the tags our MISP knows (GET /tags/index, recording 126).
// tags/search found nothing for a name fragment (127), so a caller
// searches this list itself.
func (c *Client) Tags(ctx context.Context) ([]Tag, error) {
	var v struct {
		Tag []Tag `json:"Tag"`
	}
	if err := c.get(ctx, "/tags/index", &v); err != nil {
		return nil, err
	}
	return v.Tag, nil
}

// AddTag makes sure a tag exists (POST /tags/add, recordings 156, 157): a
// name MISP already has answers the existing tag, so it is idempotent. The
// answer must be about the name asked for.
func (c *Client) AddTag(ctx context.Context, name string) (*Tag, error) {
	const op = "POST /tags/add"
	if strings.TrimSpace(name) == "" {
		return nil, &Error{Kind: KindInvalidRequest, Op: op, Message: "a tag needs a name"}
	}
	body := struct {
		Name       string `json:"name"`
		Exportable bool   `json:"exportable"`
	}{name, true}
	var v struct {
		Tag Tag `json:"Tag"`
	}
	if err := c.post(ctx, "/tags/add", body, &v); err != nil {
		return nil, err
	}
	if !v.Tag.ID.Valid() || !strings.EqualFold(v.Tag.Name, name) {
		return nil, &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Status: http.StatusOK, Message: "the answer is about another tag"}
	}
	return &v.Tag, nil
}

// Organisations lists every organisation our MISP knows, local and
// external (GET /organisations/index/scope:all, recording 16): the ones a
// rules editor can offer.
func (c *Client) Organisations(ctx context.Context) ([]Organisation, error) {
	var v []struct {
		Organisation Organisation `json:"Organisation"`
	}
	if err := c.get(ctx, "/organisations/index/scope:all", &v); err != nil {
		return nil, err
	}
	out := make([]Organisation, len(v))
	for i := range v {
		out[i] = v[i].Organisation
	}
	return out, nil
}

// EventCountQuery selects the published events a count covers: tags and
// organisations (creator orgs) with OR/NOT, as names, ids or UUIDs.
type EventCountQuery struct {
	Tags RuleList
	Orgs RuleList
}

// CountPublishedEvents counts our published events that match q without
// downloading them: events/restSearch with metadata:true and limit:1 makes
// MISP count every match first (Event::filterEventIds runs a COUNT when a
// limit is set) and return it in X-Result-Count, then fetch only one event's
// metadata (recordings 124, 128, 150). It returns -1 and a *Error when MISP
// did not say.
func (c *Client) CountPublishedEvents(ctx context.Context, q EventCountQuery) (int, error) {
	const op = "POST /events/restSearch"
	body := map[string]any{
		"returnFormat": "json",
		"metadata":     true,
		"published":    true,
		"limit":        1,
		"page":         1,
	}
	if !q.Tags.Empty() {
		body["tags"] = filterOf(q.Tags)
	}
	if !q.Orgs.Empty() {
		body["org"] = filterOf(q.Orgs)
	}
	var v struct {
		Response json.RawMessage `json:"response"`
	}
	h, err := c.do(ctx, http.MethodPost, "/events/restSearch", body, &v)
	if err != nil {
		return -1, err
	}
	n := resultCount(h.Get("X-Result-Count"))
	if n < 0 {
		return -1, &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Status: http.StatusOK, Message: "MISP did not say how many events matched (no X-Result-Count header)"}
	}
	return n, nil
}

func filterOf(l RuleList) map[string][]string {
	f := map[string][]string{}
	if len(l.OR) > 0 {
		f["OR"] = l.OR
	}
	if len(l.NOT) > 0 {
		f["NOT"] = l.NOT
	}
	return f
}
