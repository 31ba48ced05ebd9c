package misp

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEveryErrorKind produces each kind of error once, checks its kind and
// the words a person needs, and that no message contains the key.
func TestEveryErrorKind(t *testing.T) {
	cases := []struct {
		kind  Kind
		words []string
		make  func(t *testing.T) error
	}{
		{KindBadKey, []string{"refused the authkey", "expired"}, func(t *testing.T) error {
			_, err := newTestClient(t, newReplay(t, "02").URL).Me(ctx)
			return err
		}},
		{KindNotSiteAdmin, []string{"not a site admin", "read-only key"}, func(t *testing.T) error {
			rp := newReplay(t)
			rp.add("GET", "/users/view/me", 200, `{"User":{"id":"4","org_id":"1","email":"ro@a"},"Role":{"id":"6","name":"Read Only","perm_site_admin":false},"Organisation":{"id":"1","name":"Org-A"}}`)
			_, err := newTestClient(t, rp.URL).Login(ctx)
			return err
		}},
		{KindForbidden, []string{"This setting is redacted"}, func(t *testing.T) error {
			_, err := newTestClient(t, newReplay(t, "59").URL).Setting(ctx, "GnuPG.password")
			return err
		}},
		{KindRedirectToLogin, []string{"redirect to its login page", "proxy"}, func(t *testing.T) error {
			_, err := newTestClient(t, newReplay(t, "03").URL).Me(ctx)
			return err
		}},
		{KindValidation, []string{"refused to save", "email: An account with this email address already exists"}, func(t *testing.T) error {
			_, err := newTestClient(t, newReplay(t, "23").URL).AddUser(ctx, NewUser{Email: "sync-c@org-c.test", OrgID: 6, RoleID: 5})
			return err
		}},
		{KindNotFound, []string{"no such record", "Invalid server"}, func(t *testing.T) error {
			return newTestClient(t, newReplay(t, "45").URL).DeleteServer(ctx, "9")
		}},
		{KindMethodNotAllowed, []string{"No remote org ID set"}, func(t *testing.T) error {
			rp := newReplay(t, "32")
			// The client itself never omits remote_org_id; replay the
			// recorded refusal for a request that reached MISP anyway.
			_, err := newTestClient(t, rp.URL).AddServer(ctx, NewServer{URL: "http://127.0.0.1:8082", RemoteOrgID: 3})
			return err
		}},
		{KindServerError, []string{"internal error (HTTP 500)", "error log"}, func(t *testing.T) error {
			rp := newReplay(t)
			rp.add("GET", "/servers/index", 500, `{"name":"An Internal Error Has Occurred.","message":"An Internal Error Has Occurred.","url":"/servers/index"}`)
			_, err := newTestClient(t, rp.URL).Servers(ctx)
			return err
		}},
		{KindUnreachable, []string{"cannot be reached", "firewall"}, func(t *testing.T) error {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			_, err = newTestClient(t, "http://"+addr).Me(ctx)
			return err
		}},
		{KindTLS, []string{"does not trust", "SHA-256 fingerprint", "Trust this certificate"}, func(t *testing.T) error {
			srv := quietTLSServer(t, http.NotFoundHandler())
			_, err := newTestClient(t, srv.URL).Me(ctx)
			return err
		}},
		{KindTimeout, []string{"did not answer in time"}, func(t *testing.T) error {
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-done:
				case <-time.After(5 * time.Second):
				}
			}))
			t.Cleanup(srv.Close)
			t.Cleanup(func() { close(done) })
			c, _ := New(srv.URL, adminKey, Options{Timeout: 50 * time.Millisecond})
			_, err := c.Me(ctx)
			return err
		}},
		{KindCanceled, []string{"canceled"}, func(t *testing.T) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := newTestClient(t, newReplay(t, "01").URL).Me(cctx)
			return err
		}},
		{KindBadResponse, []string{"cannot read", "HTML page"}, func(t *testing.T) error {
			rp := newReplay(t)
			rp.add("GET", "/servers/getVersion", 200, `"<html><body>Welcome to nginx</body></html>"`)
			_, err := newTestClient(t, rp.URL).Version(ctx)
			return err
		}},
		{KindHTTP, []string{"HTTP 418"}, func(t *testing.T) error {
			rp := newReplay(t)
			rp.add("GET", "/servers/getVersion", 418, `{"message":"I'm a teapot"}`)
			_, err := newTestClient(t, rp.URL).Version(ctx)
			return err
		}},
		{KindNotMISP, []string{"does not look like a MISP", "check the URL", "HTML page"}, func(t *testing.T) error {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("<html><body>Welcome to nginx</body></html>"))
			}))
			t.Cleanup(srv.Close)
			_, err := newTestClient(t, srv.URL).Login(ctx)
			return err
		}},
		{KindInvalidRequest, []string{"refused to send", "organisation"}, func(t *testing.T) error {
			_, err := newTestClient(t, "http://127.0.0.1:1").AddUser(ctx, NewUser{Email: "a@b", RoleID: 5})
			return err
		}},
	}
	seen := map[Kind]bool{}
	for _, tc := range cases {
		t.Run(tc.kind.String(), func(t *testing.T) {
			err := tc.make(t)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want *Error", err, err)
			}
			if e.Kind != tc.kind {
				t.Fatalf("kind %v, want %v: %v", e.Kind, tc.kind, err)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
			checkNoKey(t, err, adminKey)
			seen[tc.kind] = true
		})
	}
	for k := range kindNames {
		if !seen[k] {
			t.Errorf("kind %v has no test", k)
		}
	}
}

// TestKeyNeverInErrors makes MISP (or a proxy) echo the key back in every
// place an error message is built from, and checks it is removed.
func TestKeyNeverInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/users/view/me":
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"name":"Authentication failed for ` + key + `","message":"Authentication failed for ` + key + `"}`))
		case "/admin/users/add":
			w.WriteHeader(403)
			_, _ = w.Write([]byte(`{"saved":false,"message":"Could not add User ` + key + `","errors":{"authkey":["` + key + ` is taken"],"nested":{"deep":["` + key + `"]}}}`))
		case "/servers/index":
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"broken": "` + key + `"`))
		case "/servers/add", "/servers/edit/8":
			// MISP echoes what it was sent (recording 31): here the
			// partner's key, in a validation error and in a 500.
			var sent struct {
				Authkey string `json:"authkey"`
			}
			_ = json.NewDecoder(r.Body).Decode(&sent)
			k := sent.Authkey
			if r.URL.Path == "/servers/add" {
				w.WriteHeader(403)
				_, _ = w.Write([]byte(`{"saved":false,"name":"Could not add Server","message":"Could not add Server ` + k + `","url":"/servers/add","errors":{"authkey":["` + k + ` is not valid"],"Server":{"url":["for ` + k + `"]}}}`))
				return
			}
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"name":"An Internal Error Has Occurred.","message":"SQL error near '` + k + `'","url":"/servers/edit/8"}`))
		case "/servers/getVersion":
			w.Header().Set("Location", "/users/login?key="+key)
			w.WriteHeader(302)
		default:
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"message":"` + key + `"}`))
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	var errs []error
	_, err := c.Me(ctx)
	errs = append(errs, err)
	_, err = c.AddUser(ctx, NewUser{Email: "a@b", OrgID: 1, RoleID: 1})
	errs = append(errs, err)
	_, err = c.Servers(ctx)
	errs = append(errs, err)
	_, err = c.Version(ctx)
	errs = append(errs, err)
	_, err = c.Roles(ctx)
	errs = append(errs, err)
	// The partner's sync key travels in servers/add and servers/edit.
	const partnerKey = "PARTNERsyncKEY0123456789abcdefghijklmnop"
	_, err = c.AddServer(ctx, NewServer{Name: "B", URL: "https://b", Authkey: partnerKey, RemoteOrgID: 3})
	errs = append(errs, err)
	if !IsKind(err, KindValidation) {
		t.Errorf("servers/add echo: %v", err)
	}
	pk := partnerKey
	_, err = c.EditServer(ctx, "8", ServerChanges{Authkey: &pk})
	errs = append(errs, err)
	if !IsKind(err, KindServerError) {
		t.Errorf("servers/edit echo: %v", err)
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d: no error", i)
		}
		for _, key := range []string{adminKey, partnerKey} {
			checkNoKey(t, err, key)
			var e *Error
			if errors.As(err, &e) {
				for f, msgs := range e.Fields {
					if strings.Contains(f+strings.Join(msgs, " "), key) {
						t.Errorf("call %d: field %s holds a key", i, f)
					}
				}
				if strings.Contains(e.Message+e.Location, key) {
					t.Errorf("call %d: Message/Location holds a key", i)
				}
			}
		}
	}
	if r := redact(errors.New("dial "+adminKey), adminKey); strings.Contains(r.Error(), adminKey) || errors.Unwrap(r) != nil {
		t.Errorf("redact kept the key reachable: %v", r)
	}
	// A key of another form (the partner's word, checked by syncsetup, but
	// the client must not rely on that) is scrubbed as well: by its field.
	for _, odd := range []string{
		"PARTNERsyncKEY0123456789abcdef",            // 30
		"PARTNERsyncKEY0123456789abcdefghijklmnopq", // 41
		"PARTNER-sync-KEY-0123456789-abcdefghijkl",  // 40 with dashes
		"PARTNER sync KEY 0123456789 abcdefghijkl",
	} {
		_, err := c.AddServer(ctx, NewServer{Name: "B", URL: "https://b", Authkey: odd, RemoteOrgID: 3})
		if err == nil {
			t.Fatalf("servers/add with %d-byte key: no error", len(odd))
		}
		checkNoKey(t, err, odd)
		var e *Error
		if errors.As(err, &e) {
			for f, msgs := range e.Fields {
				if strings.Contains(f+strings.Join(msgs, " "), odd) {
					t.Errorf("servers/add with %d-byte key: field %s holds it", len(odd), f)
				}
			}
		}
		o := odd
		if _, err := c.EditServer(ctx, "8", ServerChanges{Authkey: &o}); err == nil {
			t.Fatal("servers/edit: no error")
		} else {
			checkNoKey(t, err, odd)
		}
	}
}
