package mispsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzParseBody feeds arbitrary bytes to the request-body parser and the
// loose field readers: they must never panic, and whatever parses must be
// an object.
func FuzzParseBody(f *testing.F) {
	for _, seed := range []string{
		`{"name": "Org-C", "uuid": "c0c0c0c0-1234-4abc-8def-0123456789ab", "local": true}`,
		`{"Organisation": {"name": "x", "local": "0"}}`,
		`{"name": "broken",`,
		`[]`, `[1]`, `null`, `""`, `{"org_id": 6.0, "role_id": "5", "autoalert": "true"}`,
		`{"a":1}{"b":2}`, "\x1f\x8b\x08", `{"value": 1e400}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseBody(raw, "Organisation")
		if err != nil {
			return
		}
		if m == nil {
			t.Fatal("parseBody returned no map and no error")
		}
		for k, v := range m {
			looseInt(v)
			looseBool(v)
			looseString(v)
			bodyInt(m, k)
		}
	})
}

// FuzzHandlers posts arbitrary bodies to the actions that read one: the
// simulator must answer every one with a known status and JSON, and never
// panic.
func FuzzHandlers(f *testing.F) {
	f.Add(uint8(0), []byte(`{"name": "Org-C", "uuid": "c0c0c0c0-1234-4abc-8def-0123456789ab"}`))
	f.Add(uint8(1), []byte(`{"email": "s@x.test", "org_id": "1", "role_id": 5, "password": "Short1!"}`))
	f.Add(uint8(2), []byte(`{"name": "b", "url": "http://x.test", "authkey": "KEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "remote_org_id": 1, "submitted_cert": "bm90IGEgY2VydA=="}`))
	f.Add(uint8(3), []byte(`{"comment": "c", "expiration": "x", "read_only": []}`))
	f.Add(uint8(4), []byte(`{"Event": {"info": "i", "Attribute": [{"type": "ip-dst", "value": 1}]}}`))
	f.Add(uint8(5), []byte(`{"type": "pgp", "key_data": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n"}`))
	f.Add(uint8(6), []byte(`{"value": {"nested": true}}`))
	f.Add(uint8(7), []byte(`{"disabled": "yes", "email": 5}`))
	paths := []string{
		"/admin/organisations/add", "/admin/users/add", "/servers/add", "/auth_keys/add/1",
		"/events/add", "/cryptographicKeys/add/Event/1", "/servers/serverSettingsEdit/MISP.host_org_id",
		"/admin/users/edit/1", "/servers/edit/1", "/events/edit/1",
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		// A fresh instance per input: an edit may disable the admin.
		s := New(Config{})
		s.AddEvent(Event{Info: "fuzz target"})
		s.AddServer(Server{Name: "fuzz", URL: "http://127.0.0.1:1", Authkey: NewKey(), RemoteOrgID: 1})
		key := s.AdminKey()
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 403, 404, 405:
		default:
			t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body.Bytes())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s answered non-JSON: %q", path, rec.Body.Bytes())
		}
	})
}
