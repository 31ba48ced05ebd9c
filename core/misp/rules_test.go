package misp

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The rules MISP itself wrote back in servers/index (115) parse into the
// typed rules, and encoding them again gives the same JSON.
func TestParseRulesFromServersIndex(t *testing.T) {
	rp := newReplay(t, "115")
	c := newTestClient(t, rp.URL)
	entries, err := c.Servers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var withRules *Server
	for i := range entries {
		if entries[i].Server.Name == "rec rules" {
			withRules = &entries[i].Server
		}
	}
	if withRules == nil {
		t.Fatal("entry 'rec rules' not in 115")
	}
	push, err := ParsePushRules(string(withRules.PushRules))
	if err != nil {
		t.Fatal(err)
	}
	pull, err := ParsePullRules(string(withRules.PullRules))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(push.Tags.NOT, []string{"tlp:red", "tlp:amber"}) || len(push.Tags.OR) != 0 {
		t.Errorf("push rules %+v", push)
	}
	if len(pull.Tags.OR) == 0 {
		t.Errorf("pull rules %+v", pull)
	}
	for _, e := range entries {
		if _, err := ParsePushRules(string(e.Server.PushRules)); err != nil {
			t.Errorf("entry %s push rules: %v", e.Server.ID, err)
		}
		if _, err := ParsePullRules(string(e.Server.PullRules)); err != nil {
			t.Errorf("entry %s pull rules: %v", e.Server.ID, err)
		}
	}
	// An empty entry's rules encode exactly as MISP stores them.
	var empty PushRules
	if got, want := empty.Encode(), `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}`; got != want {
		t.Errorf("empty push rules encode as %s, MISP stores %s", got, want)
	}
	var emptyPull PullRules
	if got, want := emptyPull.Encode(), `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]},"type_attributes":{"NOT":[]},"type_objects":{"NOT":[]},"url_params":""}`; got != want {
		t.Errorf("empty pull rules encode as %s, MISP stores %s", got, want)
	}
}

// servers/add carries the rules as JSON strings in MISP's shape (112): an
// object would be a 500 (114).
func TestAddServerSendsRulesAsStrings(t *testing.T) {
	rp := newReplay(t, "112")
	c := newTestClient(t, rp.URL)
	push := PushRules{Tags: RuleList{NOT: []string{"2", "3"}}}
	pull := PullRules{Tags: RuleList{OR: []string{"tlp:white", "tlp:green"}, NOT: []string{"tlp:red"}}}
	srv, err := c.AddServer(context.Background(), NewServer{Name: "rec rules", URL: "http://127.0.0.1:9/rules",
		Authkey: strings.Repeat("k", 40), RemoteOrgID: 4, Push: true, Pull: true, PullRules: pull.Encode(), PushRules: push.Encode()})
	if err != nil {
		t.Fatal(err)
	}
	body := rp.lastBody()
	for _, k := range []string{"pull_rules", "push_rules"} {
		s, ok := body[k].(string)
		if !ok {
			t.Fatalf("%s sent as %T, MISP needs a string", k, body[k])
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Errorf("%s is not JSON text: %v", k, err)
		}
	}
	got, err := ParsePullRules(string(srv.PullRules))
	if err != nil || !reflect.DeepEqual(got.Tags.OR, []string{"tlp:white", "tlp:green"}) {
		t.Errorf("the answer's pull rules: %+v %v", got, err)
	}
}

// servers/edit changes only the rules it is given (113), as a string.
func TestEditServerRules(t *testing.T) {
	rp := newReplay(t, "113")
	c := newTestClient(t, rp.URL)
	pull := PullRules{Tags: RuleList{OR: []string{"tlp:clear"}}}.Encode()
	if _, err := c.EditServer(context.Background(), "4", ServerChanges{PullRules: &pull}); err != nil {
		t.Fatal(err)
	}
	body := rp.lastBody()
	if len(body) != 1 {
		t.Errorf("sent %v, want only pull_rules", body)
	}
	if _, ok := body["pull_rules"].(string); !ok {
		t.Errorf("pull_rules sent as %T", body["pull_rules"])
	}
}

// 114: MISP answers an object with a 500; the client says so as a server
// error (the type system keeps the app from sending one).
func TestRulesAsObjectIsServerError(t *testing.T) {
	rp := newReplay(t, "114")
	c := newTestClient(t, rp.URL)
	var out Server
	err := c.post(context.Background(), "/servers/edit/4", map[string]any{"push_rules": map[string]any{"tags": map[string]any{"OR": []string{}, "NOT": []string{"tlp:red"}}}}, &out)
	if !IsKind(err, KindServerError) {
		t.Fatalf("got %v, want a server error", err)
	}
}

func TestParseRulesHostile(t *testing.T) {
	for _, text := range []string{`{"tags":"x"}`, `[1,2]`, `"str"`, `{"tags":{"OR":[1]}}`, `{`} {
		if _, err := ParsePushRules(text); err == nil {
			t.Errorf("ParsePushRules(%q) accepted", text)
		}
	}
	for _, text := range []string{"", "[]", "{}", "null", `{"tags":[],"orgs":[]}`} {
		r, err := ParsePushRules(text)
		if err != nil || !r.Empty() {
			t.Errorf("ParsePushRules(%q) = %+v, %v; want empty rules", text, r, err)
		}
	}
	r, err := ParsePullRules(`{"tags":{"OR":["a"],"NOT":[]},"url_params":{"timestamp":"7d"}}`)
	if err != nil || r.URLParams != `{"timestamp":"7d"}` {
		t.Errorf("url_params as object: %+v %v", r, err)
	}
	if _, err := ParsePushRules("{\"tags\":{\"OR\":[\"" + strings.Repeat("a", maxRulesText) + "\"]}}"); err == nil {
		t.Error("over-long rules accepted")
	}
}

func TestTagsIndex(t *testing.T) {
	rp := newReplay(t, "126")
	tags, err := newTestClient(t, rp.URL).Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 2 || tags[0].Name != "tlp:green" || tags[0].ID != "1" || tags[0].Count != "1" {
		t.Errorf("tags %+v", tags)
	}
}

// The preview's count: X-Result-Count is the total of matches although the
// body holds one event (150), and 0 for a tag MISP does not know (151).
func TestCountPublishedEvents(t *testing.T) {
	rp := newReplay(t, "150")
	c := newTestClient(t, rp.URL)
	n, err := c.CountPublishedEvents(context.Background(), EventCountQuery{Tags: RuleList{NOT: []string{"tlp:red"}}})
	if err != nil || n != 2 {
		t.Fatalf("count %d, %v; want 2", n, err)
	}
	body := rp.lastBody()
	if body["limit"] != float64(1) || body["metadata"] != true || body["published"] != true {
		t.Errorf("the count asks for more than metadata of one event: %v", body)
	}
	tags, _ := body["tags"].(map[string]any)
	if _, ok := tags["OR"]; ok || tags["NOT"] == nil {
		t.Errorf("tags filter %v", body["tags"])
	}

	rp = newReplay(t, "151")
	n, err = newTestClient(t, rp.URL).CountPublishedEvents(context.Background(), EventCountQuery{Tags: RuleList{OR: []string{"tlp:clear"}}})
	if err != nil || n != 0 {
		t.Fatalf("count %d, %v; want 0", n, err)
	}

	// Without the header the count is unknown, and said so.
	rp = newReplay(t)
	rp.add("POST", "/events/restSearch", 200, `{"response":[]}`)
	n, err = newTestClient(t, rp.URL).CountPublishedEvents(context.Background(), EventCountQuery{})
	if n != -1 || !IsKind(err, KindBadResponse) {
		t.Errorf("count without header: %d, %v", n, err)
	}
}

func TestSharingGroupCalls(t *testing.T) {
	ctx := context.Background()
	rp := newReplay(t, "116", "117", "119", "120", "121", "122", "123")
	c := newTestClient(t, rp.URL)
	g, err := c.AddSharingGroup(ctx, NewSharingGroup{Name: "rec CERT-Alpha + CSIRT-Beta", Releasability: "CERT-Alpha and CSIRT-Beta only", Active: true})
	if err != nil || g.SharingGroup.ID != "1" || g.SharingGroup.OrgID != "1" {
		t.Fatalf("add: %+v %v", g, err)
	}
	if already, err := c.AddSharingGroupOrg(ctx, "1", "4"); err != nil || already {
		t.Errorf("addOrg: %v %v", already, err)
	}
	if already, err := c.AddSharingGroupServer(ctx, "1", "4"); err != nil || already {
		t.Errorf("addServer: %v %v", already, err)
	}
	v, err := c.SharingGroup(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if !v.HasOrg("4") || !v.HasOrg("1") || !v.HasServer("4") || v.HasServer("5") || v.HasOrg("9") {
		t.Errorf("view: %+v", v)
	}
	all, err := c.SharingGroups(ctx)
	if err != nil || len(all) != 1 || !all[0].HasServer("4") || all[0].SharingGroupServer[0].Server.ID != "" {
		t.Errorf("index: %+v %v", all, err)
	}
	if err := c.RemoveSharingGroupServer(ctx, "1", "4"); !IsKind(err, KindValidation) || !strings.Contains(err.Error(), "could not be removed") {
		t.Errorf("removeServer (122 refused): %v", err)
	}
	if err := c.DeleteSharingGroup(ctx, "1"); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := c.SharingGroup(ctx, "x"); !IsKind(err, KindInvalidRequest) {
		t.Errorf("a non-numeric id reached the path: %v", err)
	}
}

// 118: adding an organisation that is already in the group is a 403 whose
// errors is a string; the call reports it as done.
func TestSharingGroupAddOrgAgainIsDone(t *testing.T) {
	rp := newReplay(t, "118")
	already, err := newTestClient(t, rp.URL).AddSharingGroupOrg(context.Background(), "1", "4")
	if err != nil || !already {
		t.Fatalf("addOrg again: %v %v; want already, no error", already, err)
	}
	// Any other 403 stays an error.
	rp = newReplay(t)
	rp.add("POST", "/sharing_groups/addOrg/1/4", 403, `{"saved":false,"name":"Could not add Organisation to SharingGroup","message":"Could not add Organisation to SharingGroup","url":"/sharing_groups/addOrg","errors":"Invalid sharing group or no editing rights."}`)
	if already, err := newTestClient(t, rp.URL).AddSharingGroupOrg(context.Background(), "1", "4"); err == nil || already {
		t.Errorf("another refusal taken as done: %v %v", already, err)
	}
}

// A view answer about another group than asked is refused.
func TestSharingGroupViewChecksID(t *testing.T) {
	rp := newReplay(t)
	r := loadRecording(t, "120")
	rp.add("GET", "/sharing_groups/view/2", 200, string(r.Response.Body))
	if _, err := newTestClient(t, rp.URL).SharingGroup(context.Background(), "2"); !IsKind(err, KindBadResponse) {
		t.Errorf("view of 2 answered with group 1 accepted: %v", err)
	}
}

func FuzzParseRules(f *testing.F) {
	for _, n := range []string{"112", "113", "115"} {
		r := loadRecording(f, n)
		var body map[string]any
		_ = json.Unmarshal(r.Request.Body, &body)
		for _, k := range []string{"pull_rules", "push_rules"} {
			if s, ok := body[k].(string); ok {
				f.Add(s)
			}
		}
	}
	f.Add(`{"url_params":{"a":1},"tags":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParsePushRules(s); err == nil {
			again, err := ParsePushRules(r.Encode())
			if err != nil || !reflect.DeepEqual(nonNilPush(again), nonNilPush(r)) {
				t.Fatalf("push rules do not survive encoding: %q → %+v → %+v (%v)", s, r, again, err)
			}
		}
		if r, err := ParsePullRules(s); err == nil {
			if _, err := ParsePullRules(r.Encode()); err != nil {
				t.Fatalf("pull rules do not survive encoding: %q: %v", s, err)
			}
		}
	})
}

func nonNilPush(r PushRules) PushRules {
	return PushRules{Tags: RuleList{nonNil(r.Tags.OR), nonNil(r.Tags.NOT)}, Orgs: RuleList{nonNil(r.Orgs.OR), nonNil(r.Orgs.NOT)}}
}

// tags/add makes a tag, and answers an existing name with the existing tag
// (156, 157); an answer about another tag is refused.
func TestAddTag(t *testing.T) {
	for _, n := range []string{"156", "157"} {
		rp := newReplay(t, n)
		tag, err := newTestClient(t, rp.URL).AddTag(context.Background(), "tlp:amber")
		if err != nil || tag.ID != "3" || tag.Name != "tlp:amber" {
			t.Errorf("%s: %+v %v", n, tag, err)
		}
		if b := rp.lastBody(); b["name"] != "tlp:amber" {
			t.Errorf("%s: sent %v", n, b)
		}
	}
	rp := newReplay(t)
	rp.add("POST", "/tags/add", 200, string(loadRecording(t, "156").Response.Body))
	if _, err := newTestClient(t, rp.URL).AddTag(context.Background(), "tlp:red"); !IsKind(err, KindBadResponse) {
		t.Errorf("an answer about tlp:amber for tlp:red accepted: %v", err)
	}
}

// 183: MISP answers a sharing group that does not exist (or was deleted)
// with 405, saying so in an HTML-escaped message; the call reports it as
// not found, in plain words. 184: deleting one is a 405 that says only
// "Action not allowed.", which stays an error.
func TestSharingGroupMissing(t *testing.T) {
	rp := newReplay(t, "183", "184")
	c := newTestClient(t, rp.URL)
	_, err := c.SharingGroup(context.Background(), "999999")
	if !IsKind(err, KindNotFound) {
		t.Errorf("view of a missing group: %v, want not found", err)
	}
	if err == nil || strings.Contains(err.Error(), "&#") || !strings.Contains(err.Error(), "doesn't exist") {
		t.Errorf("MISP's words not unescaped: %v", err)
	}
	if err := c.DeleteSharingGroup(context.Background(), "999999"); !IsKind(err, KindMethodNotAllowed) {
		t.Errorf("delete of a missing group: %v", err)
	}
}
