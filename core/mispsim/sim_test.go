package mispsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// start runs a simulator for one test.
func start(t *testing.T, cfg Config, useTLS bool) (*Sim, string) {
	t.Helper()
	s := New(cfg)
	var url string
	var err error
	if useTLS {
		url, err = s.StartTLS()
	} else {
		url, err = s.Start()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

func (a answer) obj(t *testing.T, path ...string) map[string]any {
	t.Helper()
	cur := a.body
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("no object at %q in %s", p, hideKeys(a.raw))
		}
		cur = m[p]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("not an object at %v in %s", path, hideKeys(a.raw))
	}
	return m
}

// do sends one request with Accept: application/json and a key.
func do(t *testing.T, method, url, key string, body any) answer {
	t.Helper()
	return callWith(t, method, url, body, map[string]string{"Authorization": key, "Accept": "application/json"})
}

func callWith(t *testing.T, method, url string, body any, headers map[string]string) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &a.body)
	}
	return a
}

func TestViewMeAnswersLikeMISP(t *testing.T) {
	s, url := start(t, Config{HostOrgName: "Org-A"}, false)
	key := s.AdminKey()
	a := do(t, "GET", url+"/users/view/me", key, nil)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, hideKeys(a.raw))
	}
	if got := a.obj(t, "Role")["perm_site_admin"]; got != true {
		t.Errorf("perm_site_admin = %v, want true", got)
	}
	if got := a.obj(t, "User")["id"]; got != "1" {
		t.Errorf("User.id = %#v, want the string \"1\"", got)
	}
	if !bytes.Contains(a.raw, []byte("\n    \"User\"")) {
		t.Errorf("answer not pretty-printed with 4 spaces: %.80s", hideKeys(a.raw))
	}
	if a := do(t, "GET", url+"/users/view/me", "WRONGKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", nil); a.status != 403 || a.obj(t)["url"] != "/users/view/me" {
		t.Errorf("bad key: %d %s", a.status, hideKeys(a.raw))
	}
	if a := callWith(t, "GET", url+"/users/view/me", nil, map[string]string{"Authorization": key}); a.status != 302 || len(a.raw) != 0 ||
		a.header.Get("Location") != url+"/users/login" {
		t.Errorf("no Accept: %d %q %q", a.status, a.header.Get("Location"), hideKeys(a.raw))
	}
	if a := callWith(t, "GET", url+"/users/view/me.json", nil, map[string]string{"Authorization": key}); a.status != 200 {
		t.Errorf(".json extension: %d", a.status)
	}
	if a := callWith(t, "GET", url+"/users/view/me", nil, map[string]string{"X-MISP-AUTH": key, "Accept": "application/json; charset=utf-8"}); a.status != 200 {
		t.Errorf("X-MISP-AUTH with charset Accept: %d", a.status)
	}
	compact := callWith(t, "GET", url+"/servers/getVersion", nil, map[string]string{"Authorization": key, "Accept": "application/json", "User-Agent": "PyMISP 2.5"})
	if bytes.Contains(compact.raw, []byte("\n")) {
		t.Errorf("PyMISP answer not compact: %s", hideKeys(compact.raw))
	}
}

func TestPostOnlyAndInvalidJSON(t *testing.T) {
	s, url := start(t, Config{}, false)
	key := s.AdminKey()
	if a := do(t, "GET", url+"/servers/delete/1", key, nil); a.status != 405 || a.obj(t)["name"] != "This endpoint expects POST requests." {
		t.Errorf("GET delete: %d %s", a.status, hideKeys(a.raw))
	}
	before := len(s.Orgs())
	a := do(t, "POST", url+"/admin/organisations/add", key, `{"name": "broken",`)
	if a.status != 405 || !strings.HasPrefix(a.obj(t)["name"].(string), "Invalid JSON input") {
		t.Errorf("broken JSON: %d %s", a.status, hideKeys(a.raw))
	}
	if len(s.Orgs()) != before {
		t.Error("an org was created from a broken body")
	}
	if a := callWith(t, "POST", url+"/admin/organisations/add", map[string]any{"name": "X"}, map[string]string{"Authorization": key}); a.status != 302 {
		t.Errorf("POST without Accept: %d", a.status)
	}
	if len(s.Orgs()) != before {
		t.Error("an org was created by a browser-path POST")
	}
}

func TestOrgsAddValidatesLikeMISP(t *testing.T) {
	s, url := start(t, Config{}, false)
	key := s.AdminKey()
	a := do(t, "POST", url+"/admin/organisations/add", key, map[string]any{"name": "Org-C", "uuid": "C0C0C0C0-1234-4ABC-8DEF-0123456789AB"})
	if a.status != 200 || a.obj(t, "Organisation")["uuid"] != "c0c0c0c0-1234-4abc-8def-0123456789ab" || a.obj(t, "Organisation")["local"] != true {
		t.Fatalf("add: %d %s", a.status, hideKeys(a.raw))
	}
	dupUUID := do(t, "POST", url+"/admin/organisations/add", key, map[string]any{"Organisation": map[string]any{"name": "Other", "uuid": "c0c0c0c0-1234-4abc-8def-0123456789ab"}})
	if dupUUID.status != 403 || dupUUID.obj(t, "errors")["uuid"] == nil {
		t.Errorf("duplicate uuid: %d %s", dupUUID.status, hideKeys(dupUUID.raw))
	}
	dupName := do(t, "POST", url+"/admin/organisations/add", key, map[string]any{"name": "Org-C", "uuid": newUUID()})
	if dupName.status != 403 || dupName.obj(t, "errors")["name"] == nil {
		t.Errorf("duplicate name: %d %s", dupName.status, hideKeys(dupName.raw))
	}
	if a := callWith(t, "HEAD", url+"/organisations/view/c0c0c0c0-1234-4abc-8def-0123456789ab", nil, map[string]string{"Authorization": key, "Accept": "application/json"}); a.status != 200 {
		t.Errorf("HEAD existing: %d", a.status)
	}
	if a := do(t, "GET", url+"/organisations/view/"+newUUID(), key, nil); a.status != 404 || a.obj(t)["name"] != "Invalid organisation" {
		t.Errorf("GET missing: %d %s", a.status, hideKeys(a.raw))
	}
}

func TestUsersAddMintsItsOwnKey(t *testing.T) {
	s, url := start(t, Config{}, false)
	key := s.AdminKey()
	partner := s.AddOrg(Org{Name: "Partner", Local: true})
	chosen := strings.Repeat("a", 40)
	a := do(t, "POST", url+"/admin/users/add", key, map[string]any{"email": "sync@partner.test", "org_id": partner.ID,
		"role_id": RoleSyncUser, "authkey": chosen, "autoalert": false, "contactalert": false})
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, hideKeys(a.raw))
	}
	minted, _ := a.obj(t, "User")["authkey"].(string)
	if len(minted) != 40 || minted == chosen {
		t.Fatalf("User.authkey must be a new 40-char key, not the chosen one")
	}
	if !s.KeyWorks(minted) || s.KeyWorks(chosen) {
		t.Error("the minted key must work and the chosen one must not")
	}
	uid := a.obj(t, "User")["id"].(string)
	idx := do(t, "GET", url+"/auth_keys/index/"+uid, key, nil)
	list, _ := idx.body.([]any)
	if idx.status != 200 || len(list) != 1 {
		t.Fatalf("auth_keys/index: %d %s", idx.status, hideKeys(idx.raw))
	}
	ak := list[0].(map[string]any)["AuthKey"].(map[string]any)
	if ak["comment"] != "" || ak["authkey_start"] != minted[:4] || ak["authkey_end"] != minted[36:] {
		t.Errorf("AuthKey row does not match the minted key: %v", ak)
	}
	if _, has := ak["authkey_raw"]; has {
		t.Error("auth_keys/index must not show raw keys")
	}
	// A labelled second key, then its deletion.
	add := do(t, "POST", url+"/auth_keys/add/"+uid, key, map[string]any{"comment": "pairing"})
	raw, _ := add.obj(t, "AuthKey")["authkey_raw"].(string)
	if add.status != 200 || !s.KeyWorks(raw) {
		t.Fatalf("auth_keys/add: %d", add.status)
	}
	kid := add.obj(t, "AuthKey")["id"].(string)
	del := do(t, "POST", url+"/auth_keys/delete/"+kid, key, nil)
	if del.status != 200 || s.KeyWorks(raw) {
		t.Errorf("auth_keys/delete: %d, key still works: %v", del.status, s.KeyWorks(raw))
	}
	if _, isNum := del.obj(t)["id"].(float64); !isNum {
		t.Errorf("auth_keys/delete id must be a number (recording 101): %s", hideKeys(del.raw))
	}
	// Password policy and the missing org_id quirk.
	for pw, want := range map[string]string{"Short1!": "Password length requirement not met.", "alllowercase123": "Password complexity requirement not met."} {
		a := do(t, "POST", url+"/admin/users/add", key, map[string]any{"email": "p@partner.test", "org_id": partner.ID, "password": pw})
		if a.status != 403 || a.obj(t, "errors")["password"].([]any)[0] != want {
			t.Errorf("password %q: %d %s", pw, a.status, hideKeys(a.raw))
		}
	}
	noOrg := do(t, "POST", url+"/admin/users/add", key, map[string]any{"email": "noorg@partner.test", "role_id": 5})
	if noOrg.obj(t, "User")["org_id"] != "1" {
		t.Errorf("org_id omitted must give the caller's org: %s", hideKeys(noOrg.raw))
	}
	// Disable: the key stops working.
	if a := do(t, "POST", url+"/admin/users/edit/"+uid, key, map[string]any{"disabled": true}); a.status != 200 || a.obj(t, "User")["disabled"] != true {
		t.Fatalf("disable: %d %s", a.status, hideKeys(a.raw))
	}
	if s.KeyWorks(minted) {
		t.Error("a disabled user's key must not work")
	}
}

func TestSearchEmailIsSubstring(t *testing.T) {
	s, url := start(t, Config{}, false)
	s.SeedSyncUser("sync@p.test", 1, false)
	s.SeedSubstringUsers("sync@p.test", 1)
	a := do(t, "GET", url+"/admin/users/index/searchemail:sync@p.test", s.AdminKey(), nil)
	if list, _ := a.body.([]any); len(list) != 3 {
		t.Errorf("want 3 matches of the substring, got %d: %s", len(list), hideKeys(a.raw))
	}
}

func TestReadOnlyKeyAndNonAdminRole(t *testing.T) {
	s, url := start(t, Config{}, false)
	ro := s.ReadOnlyKey()
	if a := do(t, "GET", url+"/users/view/me", ro, nil); a.status != 200 {
		t.Fatalf("view/me with a read-only key: %d", a.status)
	}
	if a := do(t, "GET", url+"/servers/getVersion", ro, nil); a.obj(t)["perm_sync"] != false {
		t.Errorf("a read-only key must not report perm_sync: %s", hideKeys(a.raw))
	}
	if a := do(t, "GET", url+"/roles/index", ro, nil); a.status != 200 {
		t.Errorf("roles/index with a read-only key: %d", a.status)
	}
	for _, p := range []string{"/admin/users/index", "/servers/index"} {
		if a := do(t, "GET", url+p, ro, nil); a.status != 403 {
			t.Errorf("%s with a read-only key: %d, want 403", p, a.status)
		}
	}
	if a := do(t, "POST", url+"/admin/organisations/add", ro, map[string]any{"name": "X"}); a.status != 403 {
		t.Errorf("add org with a read-only key: %d", a.status)
	}
	_, orgAdminKey := s.AddUser(User{Email: "oa@x.test", RoleID: RoleOrgAdmin})
	if a := do(t, "GET", url+"/users/view/me", orgAdminKey, nil); a.status != 200 || a.obj(t, "Role")["perm_site_admin"] != false {
		t.Errorf("org admin view/me: %d %s", a.status, hideKeys(a.raw))
	}
	if a := do(t, "GET", url+"/admin/users/index", orgAdminKey, nil); a.status != 403 {
		t.Errorf("org admin on admin endpoint: %d", a.status)
	}
}

func TestAdvancedAuthkeysOff(t *testing.T) {
	s, url := start(t, Config{DisableAdvancedAuthkeys: true}, false)
	key := s.AdminKey()
	if a := do(t, "GET", url+"/users/view/me", key, nil); a.status != 200 {
		t.Fatalf("legacy key: %d", a.status)
	}
	chosen := "Chosen0000000000000000000000000000000000"
	a := do(t, "POST", url+"/admin/users/add", key, map[string]any{"email": "l@x.test", "org_id": 1, "role_id": 5, "authkey": chosen})
	if a.obj(t, "User")["authkey"] != chosen || !s.KeyWorks(chosen) {
		t.Fatalf("with advanced authkeys off the chosen key is used: %s", hideKeys(a.raw))
	}
	uid := a.obj(t, "User")["id"].(string)
	reset := do(t, "POST", url+"/users/resetauthkey/"+uid, key, nil)
	msg, _ := reset.obj(t)["message"].(string)
	newKey := strings.TrimPrefix(msg, "Authkey updated: ")
	if reset.status != 200 || len(newKey) != 40 || !s.KeyWorks(newKey) || s.KeyWorks(chosen) {
		t.Errorf("resetauthkey must replace the one key: %d", reset.status)
	}
	if a := do(t, "GET", url+"/auth_keys/index/"+uid, key, nil); a.status != 405 {
		t.Errorf("auth_keys with advanced authkeys off: %d", a.status)
	}
}

// pair makes B's sync user for A's org and an entry on A pointing at B.
func pair(t *testing.T, a, b *Sim, bURL string) (Server, string) {
	t.Helper()
	aOnB := b.AddOrg(Org{Name: "Org-A", UUID: a.HostOrg().UUID, Local: true})
	_, syncKey := b.SeedSyncUser("sync-a@org-a.test", aOnB.ID, false)
	bOnA := a.AddOrg(Org{Name: "Org-B", UUID: b.HostOrg().UUID, Local: false})
	sv := a.AddServer(Server{Name: "B", URL: bURL, Authkey: syncKey, RemoteOrgID: bOnA.ID, Pull: true})
	return sv, syncKey
}

func TestTestConnectionBetweenTwoSimulators(t *testing.T) {
	a, aURL := start(t, Config{Name: "A", HostOrgName: "Org-A"}, false)
	b, bURL := start(t, Config{Name: "B", HostOrgName: "Org-B"}, false)
	sv, _ := pair(t, a, b, bURL)
	key := a.AdminKey()
	res := do(t, "POST", aURL+"/servers/testConnection/"+idStr(sv.ID), key, nil)
	o := res.obj(t)
	if res.status != 200 || o["status"] != float64(1) || o["post"] != float64(1) || o["uuid"] != b.InstanceUUID() || o["mismatch"] != "proposal" {
		t.Fatalf("testConnection: %d %s", res.status, hideKeys(res.raw))
	}
	if b.RequestCount("GET", "/servers/getVersion") != 1 || b.RequestCount("POST", "/servers/postTest") != 1 {
		t.Errorf("B did not see getVersion + postTest: %v", b.RequestLog())
	}
	ru := do(t, "GET", aURL+"/servers/getRemoteUser/"+idStr(sv.ID), key, nil)
	if ru.obj(t)["User"] != "sync-a@org-a.test" || ru.obj(t)["Sync flag"] != "Yes" {
		t.Errorf("getRemoteUser: %s", hideKeys(ru.raw))
	}

	_, userKey := b.AddUser(User{Email: "u@b.test", RoleID: RoleUser})
	_, roKey := b.AddUser(User{Email: "ro@b.test", RoleID: RoleReadOnly})
	closed := closedURL(t)
	cases := []struct {
		name   string
		url    string
		key    string
		status float64
	}{
		{"unreachable", closed, userKey, 2},
		{"wrong key", bURL, "WRONGKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 4},
		{"plain user", bURL, userKey, 8},
		{"read only role", bURL, roKey, 7},
	}
	for _, tc := range cases {
		e := a.AddServer(Server{Name: tc.name, URL: tc.url, Authkey: tc.key, RemoteOrgID: sv.RemoteOrgID})
		r := do(t, "POST", aURL+"/servers/testConnection/"+idStr(e.ID), key, nil)
		if r.status != 200 || r.obj(t)["status"] != tc.status {
			t.Errorf("%s: %d %s, want status %v", tc.name, r.status, r.raw, tc.status)
		}
	}
	wrong := a.AddServer(Server{Name: "wrong", URL: bURL, Authkey: "WRONGKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", RemoteOrgID: sv.RemoteOrgID})
	if r := do(t, "GET", aURL+"/servers/getRemoteUser/"+idStr(wrong.ID), key, nil); r.obj(t)["error"] != float64(403) {
		t.Errorf("getRemoteUser with a wrong key: %s", hideKeys(r.raw))
	}
}

func closedURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestTLSPartnerNeedsTheSubmittedCertificate(t *testing.T) {
	a, aURL := start(t, Config{Name: "A"}, false)
	b, bURL := start(t, Config{Name: "B"}, true)
	sv, syncKey := pair(t, a, b, bURL)
	key := a.AdminKey()
	if r := do(t, "POST", aURL+"/servers/testConnection/"+idStr(sv.ID), key, nil); r.obj(t)["status"] != float64(2) {
		t.Fatalf("without the certificate B must be unreachable: %s", hideKeys(r.raw))
	}
	add := do(t, "POST", aURL+"/servers/add", key, map[string]any{"name": "B over TLS", "url": bURL, "authkey": syncKey,
		"remote_org_id": sv.RemoteOrgID, "submitted_cert": base64.StdEncoding.EncodeToString(b.CertificatePEM()), "self_signed": false})
	if add.status != 200 {
		t.Fatalf("servers/add with a certificate: %d %s", add.status, hideKeys(add.raw))
	}
	if cf, _ := add.obj(t, "Server")["cert_file"].(string); !strings.HasSuffix(cf, ".pem") {
		t.Errorf("cert_file = %q", cf)
	}
	id := add.obj(t, "Server")["id"].(string)
	if r := do(t, "POST", aURL+"/servers/testConnection/"+id, key, nil); r.obj(t)["status"] != float64(1) {
		t.Errorf("with the submitted certificate: %s", hideKeys(r.raw))
	}
	// Another simulator's certificate must not be accepted for B.
	c, _ := start(t, Config{Name: "C"}, true)
	other := a.AddServer(Server{Name: "wrong cert", URL: bURL, Authkey: syncKey, RemoteOrgID: sv.RemoteOrgID, SubmittedCertPEM: string(c.CertificatePEM())})
	if r := do(t, "POST", aURL+"/servers/testConnection/"+idStr(other.ID), key, nil); r.obj(t)["status"] != float64(2) {
		t.Errorf("a foreign certificate must not verify B: %s", hideKeys(r.raw))
	}
}

func TestServersQuirks(t *testing.T) {
	s, url := start(t, Config{}, false)
	key := s.AdminKey()
	remote := s.SeedExternalOrg("Org-B", "")
	if a := do(t, "POST", url+"/servers/add", key, map[string]any{"url": "http://x.test", "authkey": NewKey()}); a.status != 405 {
		t.Errorf("missing remote_org_id: %d", a.status)
	}
	if a := do(t, "POST", url+"/servers/add", key, map[string]any{"url": "x.test", "authkey": NewKey(), "remote_org_id": remote.ID}); a.status != 403 || a.obj(t, "errors")["url"] == nil {
		t.Errorf("bad url: %d %s", a.status, hideKeys(a.raw))
	}
	add := do(t, "POST", url+"/servers/add", key, map[string]any{"name": "b", "url": "http://x.test", "authkey": NewKey(), "remote_org_id": remote.ID, "internal": true})
	if add.obj(t, "Server")["internal"] != false {
		t.Errorf("internal must be dropped when host_org_id is unset: %s", hideKeys(add.raw))
	}
	id := add.obj(t, "Server")["id"].(string)
	del := do(t, "POST", url+"/servers/delete/"+id, key, nil)
	if del.obj(t)["id"] != "Server deleted" {
		t.Errorf("message-in-id quirk: %s", hideKeys(del.raw))
	}
	if a := do(t, "POST", url+"/servers/delete/"+id, key, nil); a.status != 404 {
		t.Errorf("second delete: %d", a.status)
	}
	// internal is kept when host_org_id equals remote_org_id.
	s.SetHostOrgID(remote.ID)
	add = do(t, "POST", url+"/servers/add", key, map[string]any{"name": "same org", "url": "http://y.test", "authkey": NewKey(), "remote_org_id": remote.ID, "internal": true})
	if add.obj(t, "Server")["internal"] != true {
		t.Errorf("internal must be kept when host_org_id = remote_org_id: %s", hideKeys(add.raw))
	}
	s.SeedDuplicateServers("http://dup.test", remote.ID, NewKey())
	idx := do(t, "GET", url+"/servers/index", key, nil)
	n := 0
	for _, e := range idx.body.([]any) {
		sv := e.(map[string]any)["Server"].(map[string]any)
		if _, has := sv["authkey"]; has {
			t.Error("servers/index must not show authkeys")
		}
		if sv["url"] == "http://dup.test" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("want two entries with one URL, got %d", n)
	}
}

func TestSettings(t *testing.T) {
	s, url := start(t, Config{HostOrgName: "Org-A"}, false)
	key := s.AdminKey()
	a := do(t, "GET", url+"/servers/getSetting/MISP.host_org_id", key, nil)
	if a.obj(t)["value"] != "0" || a.obj(t, "options")["1"] != "Org-A" {
		t.Errorf("host_org_id: %s", hideKeys(a.raw))
	}
	if a := do(t, "POST", url+"/servers/serverSettingsEdit/MISP.host_org_id", key, map[string]any{"value": 1}); a.status != 200 || a.obj(t)["name"] != "Field updated" {
		t.Errorf("edit: %d %s", a.status, hideKeys(a.raw))
	}
	if a := do(t, "GET", url+"/servers/getSetting/GnuPG.password", key, nil); a.status != 403 {
		t.Errorf("redacted: %d", a.status)
	}
	if a := do(t, "POST", url+"/servers/serverSettingsEdit/GnuPG.binary", key, map[string]any{"value": "/x"}); a.status != 405 {
		t.Errorf("cli only: %d", a.status)
	}
	if a := do(t, "GET", url+"/servers/getSetting/Security.advanced_authkeys", key, nil); a.obj(t)["value"] != true {
		t.Errorf("advanced_authkeys: %s", hideKeys(a.raw))
	}
}

func TestGPGASC(t *testing.T) {
	_, url := start(t, Config{}, false)
	if a := callWith(t, "GET", url+"/gpg.asc", nil, nil); a.status != 404 {
		t.Errorf("no key: %d", a.status)
	}
	armored := "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n"
	_, url = start(t, Config{GPGKeyArmored: armored}, false)
	if a := callWith(t, "GET", url+"/gpg.asc", nil, nil); a.status != 200 || string(a.raw) != armored || a.header.Get("Content-Type") != "application/pgp-keys" {
		t.Errorf("key: %d %q", a.status, a.header.Get("Content-Type"))
	}
}

func TestFaults(t *testing.T) {
	s, url := start(t, Config{}, false)
	key := s.AdminKey()
	remote := s.SeedExternalOrg("Org-B", "")
	body := map[string]any{"name": "b", "url": "http://x.test", "authkey": NewKey(), "remote_org_id": remote.ID}

	remove := s.InjectFault(Fault{Kind: FaultStatus500AfterSave, Method: "POST", PathPrefix: "/servers/add"})
	if a := do(t, "POST", url+"/servers/add", key, body); a.status != 500 {
		t.Fatalf("500 after save: %d", a.status)
	}
	if len(s.Servers()) != 1 {
		t.Errorf("the entry must be saved despite the 500: %d entries", len(s.Servers()))
	}
	remove()

	s.InjectFault(Fault{Kind: FaultStatus500, PathPrefix: "/roles/index", AtRequest: 2})
	for i, want := range []int{200, 500, 200} {
		if a := do(t, "GET", url+"/roles/index", key, nil); a.status != want {
			t.Errorf("roles/index #%d: %d, want %d", i+1, a.status, want)
		}
	}
	s.ClearFaults()

	s.InjectFault(Fault{Kind: FaultDrop, PathPrefix: "/users/view"})
	req, _ := http.NewRequest("GET", url+"/users/view/me", nil)
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a dropped connection must give a transport error")
	}
	s.ClearFaults()

	s.InjectFault(Fault{Kind: FaultSlow, PathPrefix: "/admin/organisations/add", Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	before := len(s.Orgs())
	req, _ = http.NewRequestWithContext(ctx, "POST", url+"/admin/organisations/add", strings.NewReader(`{"name":"slow"}`))
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow answer: want the client's deadline, got %v", err)
	}
	// The handler gives up when the client's context ends.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		log := s.RequestLog()
		if last := log[len(log)-1]; last.Path == "/admin/organisations/add" && last.Status == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(s.Orgs()) != before {
		t.Error("a cancelled slow request must not create anything")
	}
}

// Both instances test each other at the same time: no lock may be held
// across the outbound call (this deadlocks or races if one is).
func TestMutualTestConnectionAtOnce(t *testing.T) {
	a, aURL := start(t, Config{Name: "A"}, false)
	b, bURL := start(t, Config{Name: "B"}, false)
	ab, _ := pair(t, a, b, bURL)
	ba, _ := pair(t, b, a, aURL)
	done := make(chan float64, 20)
	for i := 0; i < 10; i++ {
		go func() {
			r := callNoT(aURL+"/servers/testConnection/"+idStr(ab.ID), a.AdminKey())
			done <- r
		}()
		go func() {
			r := callNoT(bURL+"/servers/testConnection/"+idStr(ba.ID), b.AdminKey())
			done <- r
		}()
	}
	for i := 0; i < 20; i++ {
		select {
		case st := <-done:
			if st != 1 {
				t.Errorf("status %v, want 1", st)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("mutual testConnection did not finish")
		}
	}
}

// callNoT posts from a goroutine (t.Fatal is not allowed there) and
// returns the testConnection status, or -1.
func callNoT(url, key string) float64 {
	req, _ := http.NewRequest("POST", url, nil)
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var v struct {
		Status float64 `json:"status"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return -1
	}
	return v.Status
}
