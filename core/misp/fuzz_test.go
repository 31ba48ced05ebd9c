package misp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mispbump/mispbump-desktop/core/internal/recordings"
)

// addRecordingSeeds adds every recorded response body as a seed.
func addRecordingSeeds(f *testing.F) {
	all, err := recordings.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range all {
		f.Add([]byte(r.Response.Body))
	}
	for _, s := range []string{`"1"`, `1`, `true`, `null`, `"0"`, `{"status":"1"}`, `[]`, `{"errors":"x"}`, `{"post":{"status":{}}}`} {
		f.Add([]byte(s))
	}
}

// FuzzResponseDecoders feeds arbitrary bytes to every answer decoder the
// client uses: none may panic, and what decodes keeps its invariants.
func FuzzResponseDecoders(f *testing.F) {
	addRecordingSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var me Me
		_ = json.Unmarshal(data, &me)
		var servers []ServerEntry
		_ = json.Unmarshal(data, &servers)
		var users []UserListing
		_ = json.Unmarshal(data, &users)
		var keys []struct{ AuthKey AuthKey }
		_ = json.Unmarshal(data, &keys)
		var roles []struct{ Role Role }
		_ = json.Unmarshal(data, &roles)
		var ev struct{ Event Event }
		_ = json.Unmarshal(data, &ev)
		var s Setting
		_ = json.Unmarshal(data, &s)
		var ru RemoteUser
		if json.Unmarshal(data, &ru) == nil {
			_ = ru.Describe()
		}
		var saved Saved
		_ = json.Unmarshal(data, &saved)
		var ct ConnectionTest
		if json.Unmarshal(data, &ct) == nil {
			_ = ct.Problem("x")
			_ = ct.VersionNote()
		}
		var id ID
		if json.Unmarshal(data, &id) == nil && id.Valid() {
			if n, ok := id.Int64(); !ok || n <= 0 {
				t.Errorf("valid id %q has no positive number", id)
			}
		}
		var str string
		if json.Unmarshal(data, &str) == nil {
			var id2 ID
			if err := json.Unmarshal(data, &id2); err != nil || string(id2) != str {
				t.Errorf("ID of string %q decoded as %q (%v)", str, id2, err)
			}
		}
		var fl Flag
		_ = json.Unmarshal(data, &fl)
		var body mispErrorBody
		if json.Unmarshal(data, &body) == nil {
			const key = "FUZZKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			for f, msgs := range fieldErrors(body.Errors, key) {
				if len(msgs) == 0 {
					t.Errorf("field %q without messages", f)
				}
				for _, m := range msgs {
					if strings.Contains(m, key) {
						t.Error("key kept in a field message")
					}
				}
			}
		}
	})
}

func TestLooseScalars(t *testing.T) {
	ids := map[string]ID{`"5"`: "5", `13`: "13", `null`: "", `"Server deleted"`: "Server deleted"}
	for in, want := range ids {
		var id ID
		if err := json.Unmarshal([]byte(in), &id); err != nil || id != want {
			t.Errorf("ID %s -> %q %v", in, id, err)
		}
	}
	var id ID
	if json.Unmarshal([]byte(`{"a":1}`), &id) == nil {
		t.Error("an object decoded as id")
	}
	flags := map[string]bool{`true`: true, `false`: false, `"1"`: true, `"0"`: false, `1`: true, `0`: false, `null`: false, `""`: false}
	for in, want := range flags {
		var f Flag
		if err := json.Unmarshal([]byte(in), &f); err != nil || bool(f) != want {
			t.Errorf("Flag %s -> %v %v", in, f, err)
		}
	}
	var f Flag
	if json.Unmarshal([]byte(`"maybe"`), &f) == nil {
		t.Error(`"maybe" decoded as a flag`)
	}
	var p PostResult
	for in, want := range map[string]PostResult{`1`: 1, `{"status":1,"content-encoding":null}`: 1, `null`: 0, `"8"`: 8} {
		if err := json.Unmarshal([]byte(in), &p); err != nil || p != want {
			t.Errorf("post %s -> %v %v", in, p, err)
		}
	}
}

// FuzzStatusError turns any status and body into a *Error: it must have a
// kind and words, and never the key, whatever MISP (or a proxy) sent.
func FuzzStatusError(f *testing.F) {
	for _, n := range []string{"02", "20", "23", "32", "45", "59", "97"} {
		r := loadRecording(f, n)
		f.Add(r.Response.Status, []byte(r.Response.Body))
	}
	f.Add(500, []byte(`{"message":"`+adminKey+`","errors":{"a":{"b":[1,true,"`+adminKey+`"]}}}`))
	f.Add(302, []byte(""))
	c := newTestClient(f, "http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 300 || status > 599 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Location": {"/users/login?k=" + adminKey}}}
		err := c.statusError("GET /x", resp, body)
		var e *Error
		if !errors.As(err, &e) || e.Kind == 0 || e.Error() == "" {
			t.Fatalf("status %d: %#v", status, err)
		}
		if strings.Contains(e.Error(), adminKey) || strings.Contains(e.Location, adminKey) {
			t.Fatalf("key in %q", e.Error())
		}
	})
}

// FuzzResultCount: any X-Result-Count header gives -1 or the number it says.
func FuzzResultCount(f *testing.F) {
	for _, s := range []string{"7", "", "-1", " 12 ", "99999999999999999999", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n := resultCount(v)
		if n < -1 {
			t.Fatalf("resultCount(%q) = %d", v, n)
		}
	})
}

// FuzzFingerprint feeds arbitrary text, such as a certificate fingerprint an
// admin pastes to pin, to the fingerprint helpers: formatting keeps every
// character, whole (no rune cut in two), and adds only the colons.
func FuzzFingerprint(f *testing.F) {
	f.Add("ab:cd:ef:01")
	f.Add("AB CD-EF 0")
	f.Add("éééé") // upper-casing and grouping must not split runes
	f.Add("\xec\xec\xec")
	f.Fuzz(func(t *testing.T, fp string) {
		formatted := FormatFingerprint(fp)
		if utf8.ValidString(fp) && !utf8.ValidString(formatted) {
			t.Fatalf("FormatFingerprint(%q) = %q cuts a rune", fp, formatted)
		}
		if got, want := strings.ReplaceAll(formatted, ":", ""), strings.ToUpper(normalizeFingerprint(fp)); got != want {
			t.Fatalf("FormatFingerprint(%q) = %q, holds %q, want %q", fp, formatted, got, want)
		}
	})
}

// FuzzBaseURL feeds arbitrary text, such as the URL a partner announces or an
// admin types, to the URL helpers: what ParseBaseURL accepts has the promised
// form, and normalising is stable, since normalised URLs are compared.
func FuzzBaseURL(f *testing.F) {
	for _, s := range []string{"https://misp.example.org/", "HTTP://Misp.Example.ORG:80/misp//", "https://[::1]:443", "http://127.0.0.1:8081",
		"https://user:pw@misp.example.org", "ftp://x", "https://misp.example.org/%2F", "https://misp.example.org?x=1#f", " https://a.b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_ = PlainHTTPWarning(raw)
		n := NormalizeURL(raw)
		u, err := ParseBaseURL(raw)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("ParseBaseURL(%q): untyped or wordless error %v", raw, err)
			}
			return
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/") {
			t.Fatalf("ParseBaseURL(%q) = %#v", raw, u)
		}
		if NormalizeURL(n) != n {
			t.Fatalf("NormalizeURL(%q) = %q, but NormalizeURL of that = %q", raw, n, NormalizeURL(n))
		}
	})
}

// FuzzKeyExpiry: any X-Auth-Key-Expiration header gives a time or none.
func FuzzKeyExpiry(f *testing.F) {
	for _, s := range []string{"2027-01-01T00:00:00+00:00", "", "0", "2027-13-45T99:99:99Z", "never"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if e := parseKeyExpiry(v); !e.IsZero() && v == "" {
			t.Fatal("a time from an empty header")
		}
	})
}
