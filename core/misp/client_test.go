package misp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/version"
)

var ctx = context.Background()

func TestHeadersOnEveryCall(t *testing.T) {
	rp := newReplay(t, "01", "07", "60")
	c := newTestClient(t, rp.URL)
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GPGKey(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := rp.requests()
	if len(reqs) != 3 || c.Requests() != 3 {
		t.Fatalf("server saw %d requests, client counted %d; want 3", len(reqs), c.Requests())
	}
	for _, r := range reqs[:2] {
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Accept %q Content-Type %q", r.URL.Path, r.Header.Get("Accept"), r.Header.Get("Content-Type"))
		}
		if r.Header.Get("Authorization") != adminKey {
			t.Errorf("%s: key not sent", r.URL.Path)
		}
		if r.Header.Get("User-Agent") != version.UserAgent {
			t.Errorf("%s: User-Agent %q", r.URL.Path, r.Header.Get("User-Agent"))
		}
	}
	if reqs[2].Header.Get("Authorization") != "" {
		t.Error("/gpg.asc must be fetched without the key")
	}
}

func TestMe(t *testing.T) {
	rp := newReplay(t, "01")
	rp.extra["X-Auth-Key-Expiration"] = "2027-01-31T00:00:00+00:00"
	me, err := newTestClient(t, rp.URL).Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.User.ID != "1" || me.User.Email != "admin@admin.test" || !me.Role.PermSiteAdmin || me.Organisation.UUID != "8694ac8a-d01d-40bb-bca1-43d7d550a543" || !me.Organisation.Local {
		t.Errorf("decoded %+v", me)
	}
	if want := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC); !me.KeyExpiry().Equal(want) {
		t.Errorf("key expiry %v, want %v", me.KeyExpiry(), want)
	}
}

func TestVersionUUIDSetting(t *testing.T) {
	rp := newReplay(t, "07", "08", "09")
	c := newTestClient(t, rp.URL)
	v, err := c.Version(ctx)
	if err != nil || v.Version != "2.5.1" || !v.PermSync || v.UUID != "eebb37fe-7c12-4972-bc52-28095cdba0eb" {
		t.Fatalf("version %+v %v", v, err)
	}
	u, err := c.InstanceUUID(ctx)
	if err != nil || u != "eebb37fe-7c12-4972-bc52-28095cdba0eb" {
		t.Fatalf("uuid %q %v", u, err)
	}
	s, err := c.Setting(ctx, SettingHostOrgID)
	if err != nil || s.Value != "0" || s.Name != "MISP.host_org_id" {
		t.Fatalf("setting %+v %v", s, err)
	}
}

func TestOrganisations(t *testing.T) {
	rp := newReplay(t, "11", "12", "15", "17")
	c := newTestClient(t, rp.URL)
	o, err := c.Organisation(ctx, "1")
	if err != nil || o.ID != "1" || !o.Local || o.Name != "Org-A" {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = c.Organisation(ctx, "2c88ff02-b2bf-4dbf-b0df-31c80a9abe86")
	if err != nil || o.ID != "3" || o.Local || o.UUID != "2c88ff02-b2bf-4dbf-b0df-31c80a9abe86" {
		t.Fatalf("%+v %v", o, err)
	}
	_, err = c.Organisation(ctx, "0b7d9a53-3c6e-4d6f-9a1e-5a0f0c0ffee1")
	if !IsKind(err, KindNotFound) {
		t.Fatalf("unknown org: %v", err)
	}
	o, err = c.AddOrganisation(ctx, NewOrganisation{Name: "Org-C", UUID: "c0c0c0c0-1234-4abc-8def-0123456789ab", Local: true})
	if err != nil || o.ID != "6" || !o.Local {
		t.Fatalf("%+v %v", o, err)
	}
	body := rp.lastBody()
	if body["local"] != true || body["uuid"] != "c0c0c0c0-1234-4abc-8def-0123456789ab" {
		t.Errorf("sent %v", body)
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct {
		rec, field, words string
		call              func(c *Client) error
	}{
		{"20", "uuid", "An organisation with this UUID already exists", func(c *Client) error {
			_, err := c.AddOrganisation(ctx, NewOrganisation{Name: "x", UUID: "y"})
			return err
		}},
		{"21", "name", "An organisation with this name already exists", func(c *Client) error {
			_, err := c.AddOrganisation(ctx, NewOrganisation{Name: "x", UUID: "y"})
			return err
		}},
		{"23", "email", "An account with this email address already exists", func(c *Client) error {
			_, err := c.AddUser(ctx, NewUser{Email: "a@b", OrgID: 6, RoleID: 5})
			return err
		}},
		{"24", "password", "Password length requirement not met", func(c *Client) error {
			_, err := c.AddUser(ctx, NewUser{Email: "a@b", OrgID: 6, RoleID: 5})
			return err
		}},
		{"25", "password", "Password complexity requirement not met", func(c *Client) error {
			_, err := c.AddUser(ctx, NewUser{Email: "a@b", OrgID: 6, RoleID: 5})
			return err
		}},
		{"33", "url", "Invalid baseurl", func(c *Client) error {
			_, err := c.AddServer(ctx, NewServer{URL: "x", RemoteOrgID: 3})
			return err
		}},
		{"70", "key_data", "already assigned", func(c *Client) error {
			_, err := c.AddEventKey(ctx, "6", "k")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.rec, func(t *testing.T) {
			rp := newReplay(t, tc.rec)
			err := tc.call(newTestClient(t, rp.URL))
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindValidation || e.Status != 403 {
				t.Fatalf("got %v, want a validation error", err)
			}
			if len(e.FieldError(tc.field)) == 0 || !strings.Contains(e.Error(), tc.words) || !strings.Contains(e.Error(), "refused to save") {
				t.Errorf("message %q lacks field %s / %q", e.Error(), tc.field, tc.words)
			}
			checkNoKey(t, err, adminKey)
		})
	}
}

func TestUsers(t *testing.T) {
	rp := newReplay(t, "98", "102", "27")
	c := newTestClient(t, rp.URL)
	u, err := c.AddUser(ctx, NewUser{Email: "sync82934@org-c.test", OrgID: 6, RoleID: 5, TermsAccepted: true})
	if err != nil || u.ID != "9" || u.Authkey != "KEYSYNC98xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" || u.OrgID != "6" {
		t.Fatalf("%+v %v", u, err)
	}
	body := rp.lastBody()
	for k, want := range map[string]any{"org_id": 6.0, "role_id": 5.0, "change_pw": false, "termsaccepted": true, "autoalert": false, "contactalert": false} {
		if body[k] != want {
			t.Errorf("users/add sent %s=%v, want %v", k, body[k], want)
		}
	}
	u, err = c.SetUserDisabled(ctx, "9", true)
	if err != nil || !u.Disabled {
		t.Fatalf("%+v %v", u, err)
	}
	if rp.lastBody()["disabled"] != true {
		t.Error("disable did not send disabled:true")
	}
	if err := c.DeleteUser(ctx, "6"); err != nil {
		t.Fatal(err)
	}
	// Without an organisation MISP would silently use the caller's (26):
	// the client refuses to send such a request at all.
	if _, err := c.AddUser(ctx, NewUser{Email: "x@y", RoleID: 5}); !IsKind(err, KindInvalidRequest) {
		t.Fatalf("user without org: %v", err)
	}
}

func TestUsersByEmailExactMatch(t *testing.T) {
	rp := newReplay(t)
	rp.add("GET", "/admin/users/index/searchemail:sync-c@org-c.test", 200, `[
	 {"User":{"id":"5","org_id":"6","email":"sync-c@org-c.test","role_id":"5","disabled":false},"Role":{"id":"5","name":"Sync user"},"Organisation":{"id":"6","name":"Org-C"}},
	 {"User":{"id":"7","org_id":"6","email":"old-sync-c@org-c.test.example","role_id":"5","disabled":false},"Role":{"id":"5","name":"Sync user"},"Organisation":{"id":"6","name":"Org-C"}},
	 {"User":{"id":8,"org_id":6,"email":"SYNC-C@ORG-C.TEST","role_id":3,"disabled":"1"},"Role":{"id":"3","name":"User"},"Organisation":{"id":"6","name":"Org-C"}}]`)
	users, err := newTestClient(t, rp.URL).UsersByEmail(ctx, "sync-c@org-c.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].User.ID != "5" || users[1].User.ID != "8" || !users[1].User.Disabled {
		t.Fatalf("exact matches: %+v", users)
	}
}

func TestUsersByEmailRecording(t *testing.T) {
	rp := newReplay(t, "28")
	users, err := newTestClient(t, rp.URL).UsersByEmail(ctx, "sync-c@org-c.test")
	if err != nil || len(users) != 1 || users[0].Role.Name != "Sync user" || users[0].User.OrgID != "6" {
		t.Fatalf("%+v %v", users, err)
	}
}

func TestRoles(t *testing.T) {
	rp := newReplay(t, "10")
	roles, err := newTestClient(t, rp.URL).Roles(ctx)
	if err != nil || len(roles) != 3 {
		t.Fatalf("%v %v", roles, err)
	}
	for _, r := range roles {
		if r.IsSyncRole() {
			t.Errorf("role %q is admin/user, not a sync role", r.Name)
		}
	}
	if !(Role{PermSync: true, PermAuth: true}).IsSyncRole() || (Role{PermSync: true}).IsSyncRole() {
		t.Error("IsSyncRole wrong")
	}
}

func TestAuthKeys(t *testing.T) {
	rp := newReplay(t, "99", "100", "101")
	c := newTestClient(t, rp.URL)
	k, err := c.AddAuthKey(ctx, "9", "MISPbump pairing with Org-C (example)")
	if err != nil || k.ID != "13" || k.AuthkeyRaw != "KEYSYNC99xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" {
		t.Fatalf("%+v %v", k, err)
	}
	if rp.lastBody()["comment"] != "MISPbump pairing with Org-C (example)" {
		t.Error("comment not sent")
	}
	keys, err := c.AuthKeys(ctx, "9")
	if err != nil || len(keys) != 2 || keys[0].Comment != "" || keys[1].ID != "13" {
		t.Fatalf("%+v %v", keys, err)
	}
	if !keys[0].Matches("KEYSYNC98xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") || keys[0].Matches("ABCDxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") {
		t.Error("Matches by first/last four characters wrong")
	}
	if err := c.DeleteAuthKey(ctx, "13"); err != nil { // id comes back as a number
		t.Fatal(err)
	}
}

// users/resetauthkey as recorded (109): the key is in the message.
func TestResetAuthKey(t *testing.T) {
	rp := newReplay(t, "109")
	rp.add("POST", "/users/resetauthkey/10", 200, `{"saved":true,"success":true,"name":"ok","message":"ok","url":"/users/resetauthkey/10","id":"10"}`)
	c := newTestClient(t, rp.URL)
	k, err := c.ResetAuthKey(ctx, "4")
	if err != nil || k != "KEYRESET1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" {
		t.Fatalf("%q %v", k, err)
	}
	if _, err := c.ResetAuthKey(ctx, "10"); !IsKind(err, KindBadResponse) {
		t.Fatalf("answer without key: %v", err)
	}
}

func TestServers(t *testing.T) {
	rp := newReplay(t, "31", "34", "35", "44")
	c := newTestClient(t, rp.URL)
	s, err := c.AddServer(ctx, NewServer{Name: "Instance B (recording)", URL: "http://127.0.0.1:8082", Authkey: "KEYSYNCAONB1xxxxxxxxxxxxxxxxxxxxxxxxxxxx", RemoteOrgID: 3, Pull: true})
	if err != nil || s.ID != "8" || s.RemoteOrgID != "3" || s.SelfSigned || s.Internal {
		t.Fatalf("%+v %v", s, err)
	}
	if s.Authkey != "" { // recording 31 echoes the partner's key in clear
		t.Error("the answer of servers/add kept the partner's key")
	}
	body := rp.lastBody()
	if body["remote_org_id"] != 3.0 || body["self_signed"] != false || body["pull"] != true || body["push"] != false {
		t.Errorf("servers/add sent %v", body)
	}
	if _, ok := body["submitted_cert"]; ok {
		t.Error("submitted_cert sent without a certificate")
	}
	list, err := c.Servers(ctx)
	if err != nil || len(list) != 3 || list[1].RemoteOrg.UUID != "2c88ff02-b2bf-4dbf-b0df-31c80a9abe86" || list[0].Server.URL != list[1].Server.URL {
		t.Fatalf("%+v %v", list, err)
	}
	key := "NEWKEY"
	if _, err := c.EditServer(ctx, "8", ServerChanges{Authkey: &key}); err != nil {
		t.Fatal(err)
	}
	if b := rp.lastBody(); len(b) != 1 || b["authkey"] != "NEWKEY" {
		t.Errorf("key-only edit sent %v", b)
	}
	if err := c.DeleteServer(ctx, "9"); err != nil { // id holds message text (44)
		t.Fatal(err)
	}
	if _, err := c.AddServer(ctx, NewServer{URL: "https://x"}); !IsKind(err, KindInvalidRequest) {
		t.Errorf("server without remote org: %v", err)
	}
}

func TestTestConnection(t *testing.T) {
	const partner = "222b497b-e855-42ea-9c9b-68e23a3c1821"
	cases := []struct {
		rec, id string
		status  int
		ok      bool
		words   string
	}{
		{"36", "8", 1, true, ""},
		{"37", "9", 2, false, "cannot reach"},
		{"38", "10", 4, false, "refused the key"},
		{"39", "11", 8, false, "only sync sightings"},
		{"40", "12", 7, false, "cannot sync"},
	}
	for _, tc := range cases {
		rp := newReplay(t, tc.rec)
		res, err := newTestClient(t, rp.URL).TestConnection(ctx, ID(tc.id))
		if err != nil || res.Status != tc.status {
			t.Fatalf("%s: %+v %v", tc.rec, res, err)
		}
		if res.OK(partner) != tc.ok {
			t.Errorf("%s: OK=%v", tc.rec, !tc.ok)
		}
		if p := res.Problem(partner); p != nil && !strings.Contains(p.Error(), tc.words) {
			t.Errorf("%s: %q lacks %q", tc.rec, p, tc.words)
		}
		if tc.rec == "36" {
			if res.VersionNote() != "" {
				t.Error("the proposal mismatch between equal versions must be ignored")
			}
			if res.OK("00000000-0000-0000-0000-000000000000") {
				t.Error("a different instance UUID must fail")
			}
			if p := res.Problem("00000000-0000-0000-0000-000000000000"); !strings.Contains(p.Error(), "another MISP") {
				t.Errorf("wrong UUID message: %v", p)
			}
		}
		if tc.rec == "39" && (res.Post != 1 || res.Info == nil || res.Info.PermSync) {
			t.Errorf("post object / info not decoded: %+v", res)
		}
	}
	for s := 1; s <= 9; s++ {
		if ConnectionStatusText(s) == "" {
			t.Errorf("status %d has no words", s)
		}
	}
}

func TestRemoteUser(t *testing.T) {
	rp := newReplay(t, "41", "42")
	c := newTestClient(t, rp.URL)
	u, err := c.RemoteUser(ctx, "8")
	if err != nil || u.Email != "sync-a@org-a.test" || !u.CanSync() || !strings.Contains(u.Describe(), "can sync") {
		t.Fatalf("%+v %v", u, err)
	}
	u, err = c.RemoteUser(ctx, "10")
	if err != nil || u.ErrorStatus != "403" || u.Unreachable() || !strings.Contains(u.Describe(), "refused") {
		t.Fatalf("%+v %v", u, err)
	}
	// An unreachable partner (111): HTTP 200 with a text, not a status.
	u, err = newTestClient(t, newReplay(t, "111").URL).RemoteUser(ctx, "3")
	if err != nil || !u.Unreachable() || u.CanSync() || !strings.Contains(u.Describe(), "could not reach the partner") ||
		strings.Contains(u.Describe(), "HTTP Could") {
		t.Fatalf("%+v %v: %s", u, err, u.Describe())
	}
}

func TestEventsAndKeys(t *testing.T) {
	rp := newReplay(t, "74", "73", "68", "93")
	c := newTestClient(t, rp.URL)
	ev, err := c.Event(ctx, "6")
	if err != nil || !ev.Protected || len(ev.CryptographicKey) != 2 || ev.CryptographicKey[0].Fingerprint != "5626761B7DA78C7B046F18F41C6D20BD9F5DF798" {
		t.Fatalf("%+v %v", ev, err)
	}
	s, err := c.PublishEvent(ctx, "6")
	if err != nil || !s.Success {
		t.Fatalf("%+v %v", s, err)
	}
	k, err := c.AddEventKey(ctx, "6", "-----BEGIN PGP PUBLIC KEY BLOCK-----")
	if err != nil || k.ParentID != "6" || k.Type != "pgp" {
		t.Fatalf("%+v %v", k, err)
	}
	if b := rp.lastBody(); b["type"] != "pgp" || b["key_data"] == nil {
		t.Errorf("sent %v", b)
	}
	evs, err := c.Events(ctx, EventFilter{Minimal: true})
	if err != nil || len(evs) == 0 || evs[0].UUID == "" {
		t.Fatalf("%+v %v", evs, err)
	}
}

func TestEditEvent(t *testing.T) {
	rp := newReplay(t)
	rp.add("POST", "/events/edit/6", 200, `{"Event":{"id":"6","uuid":"b0181ac1-f866-4b09-96e7-c58a4f39ac37","timestamp":"1795361000","published":false,"protected":true}}`)
	ev, err := newTestClient(t, rp.URL).BumpEvent(ctx, "6", time.Unix(1795361000, 0))
	if err != nil || ev.Timestamp != "1795361000" {
		t.Fatalf("%+v %v", ev, err)
	}
	if inner, _ := rp.lastBody()["Event"].(map[string]any); inner["timestamp"] != "1795361000" {
		t.Errorf("sent %v", rp.lastBody())
	}
}

func TestGPGKey(t *testing.T) {
	rp := newReplay(t, "60")
	k, err := newTestClient(t, rp.URL).GPGKey(ctx)
	if err != nil || !strings.HasPrefix(k, "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Fatalf("%q %v", k, err)
	}
	k2, err := FetchGPGKey(ctx, rp.URL, Options{})
	if err != nil || k2 != k {
		t.Fatalf("FetchGPGKey: %v", err)
	}
	rp2 := newReplay(t)
	rp2.add("GET", "/gpg.asc", 200, `"<html>not here</html>"`)
	if _, err := newTestClient(t, rp2.URL).GPGKey(ctx); !IsKind(err, KindBadResponse) {
		t.Fatalf("html instead of key: %v", err)
	}
}

func TestPathIDsRefuseInjection(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	for _, id := range []ID{"", "0", "../users/view/me", "5/../../x", "-3"} {
		if err := c.DeleteServer(ctx, id); !IsKind(err, KindInvalidRequest) {
			t.Errorf("id %q: %v", id, err)
		}
	}
	if c.Requests() != 0 {
		t.Error("a refused request was sent")
	}
}

func TestNormalizeURL(t *testing.T) {
	cases := map[string]string{
		"https://MISP.example.org/":     "https://misp.example.org",
		"https://misp.example.org:443":  "https://misp.example.org",
		"http://127.0.0.1:8082":         "http://127.0.0.1:8082",
		"http://127.0.0.1:80/":          "http://127.0.0.1",
		" https://misp.example.org/x/ ": "https://misp.example.org/x",
	}
	for in, want := range cases {
		if got := NormalizeURL(in); got != want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"misp.example.org", "ftp://x", "https://user:pw@x"} {
		if _, err := New(bad, adminKey, Options{}); !IsKind(err, KindInvalidRequest) {
			t.Errorf("New(%q): %v", bad, err)
		}
	}
}

func TestContextCancel(t *testing.T) {
	block := make(chan struct{})
	rp := newReplay(t)
	rp.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block })
	t.Cleanup(func() { close(block) })
	c := newTestClient(t, rp.URL)
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err := c.Me(cctx)
	if !IsKind(err, KindCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

// Recording 93: MISP counted 7 events (X-Result-Count) but listed 6; the
// hidden one is event 7, protected without our instance key.
func TestEventIndexResultCount(t *testing.T) {
	rp := newReplay(t, "93")
	idx, err := newTestClient(t, rp.URL).EventIndex(ctx, EventFilter{Minimal: true})
	if err != nil {
		t.Fatal(err)
	}
	if idx.ResultCount != 7 || len(idx.Events) != 6 {
		t.Fatalf("count %d, listed %d; want 7 and 6", idx.ResultCount, len(idx.Events))
	}
	if n, ok := idx.Hidden(); !ok || n != 1 {
		t.Errorf("Hidden() = %d %v, want 1 true", n, ok)
	}
	// Without the header (or with nonsense) the number hidden is unknown.
	rp.extra["X-Result-Count"] = "many"
	idx, err = newTestClient(t, rp.URL).EventIndex(ctx, EventFilter{Minimal: true})
	if err != nil || idx.ResultCount != -1 {
		t.Fatalf("count %d %v, want -1", idx.ResultCount, err)
	}
	if _, ok := idx.Hidden(); ok {
		t.Error("Hidden() known without a count")
	}
	if _, ok := (&EventIndex{Events: make([]Event, 3), ResultCount: 2}).Hidden(); ok {
		t.Error("Hidden() known with a count below the number listed")
	}
}

// TestTestConnectionJudgesPost checks that status 1 is not enough: the
// test POST (the request push uses) must have passed too. The bodies are
// recording 36's with only "post" changed.
func TestTestConnectionJudgesPost(t *testing.T) {
	const partner = "222b497b-e855-42ea-9c9b-68e23a3c1821"
	rec := loadRecording(t, "36")
	cases := []struct {
		post  string
		code  PostResult
		words []string
	}{
		{`0`, 0, []string{"logged in", "test POST", "failed", "post 0", "proxy", "push will fail"}},
		{`false`, 0, []string{"test POST", "post 0"}},
		{`{"status":8}`, 8, []string{"logged in", "refused with an error", "code 8", "web application firewall"}},
		{`{"status":"9"}`, 9, []string{"body changed", "code 9"}},
		{`10`, 10, []string{"headers changed", "code 10"}},
		{`{"status":3}`, 3, []string{"failed with code 3", "ask the partner"}},
	}
	for _, tc := range cases {
		var body map[string]json.RawMessage
		if err := json.Unmarshal(rec.Response.Body, &body); err != nil {
			t.Fatal(err)
		}
		body["post"] = json.RawMessage(tc.post)
		b, _ := json.Marshal(body)
		rp := newReplay(t)
		rp.add("POST", "/servers/testConnection/8", 200, string(b))
		res, err := newTestClient(t, rp.URL).TestConnection(ctx, "8")
		if err != nil {
			t.Fatalf("post %s: %v", tc.post, err)
		}
		if res.Status != ConnOK || res.Post != tc.code {
			t.Errorf("post %s: status %d post %d", tc.post, res.Status, res.Post)
		}
		if res.OK(partner) {
			t.Errorf("post %s: a failed test POST passed", tc.post)
		}
		p := res.Problem(partner)
		var ce *ConnectionError
		if !errors.As(p, &ce) || ce.Post != int(tc.code) {
			t.Fatalf("post %s: problem %#v", tc.post, p)
		}
		for _, w := range tc.words {
			if !strings.Contains(p.Error(), w) {
				t.Errorf("post %s: %q lacks %q", tc.post, p, w)
			}
		}
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://misp.example.org", "https://MISP.example.org:443/misp/", true},
		{"http://10.0.0.1:80", "http://10.0.0.1", true},
		{"https://misp.example.org", "http://misp.example.org", false},
		{"https://misp.example.org", "https://misp.example.org:8443", false},
		{"https://misp.example.org", "https://misp.example.org.evil.test", false},
		{"https://[::1]:443", "https://[::1]", true},
		{"not a url", "not a url", false},
	} {
		if got := SameOrigin(c.a, c.b); got != c.same {
			t.Errorf("SameOrigin(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
