package ident

import (
	"strings"
	"testing"
)

func TestCanonicalUUID(t *testing.T) {
	const good = "f5ff3899-54c4-47ca-b91b-4c2b73255c13"
	for _, in := range []string{good, strings.ToUpper(good)} {
		got, err := CanonicalUUID("organisation UUID", in)
		if err != nil || got != good {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	// What a hostile partner sends to make organisations/view find one of
	// our organisations by id or name (recordings 11, 103), or to slip past
	// a comparison while MISP still matches.
	for _, in := range []string{"", "1", "CERT-Alpha", " " + good, good + " ", "{" + good + "}",
		strings.ReplaceAll(good, "-", ""), "00000000-0000-0000-0000-000000000000",
		"f5ff3899-54c4-47ca-b91b-4c2b73255c1g", "f5ff3899_54c4-47ca-b91b-4c2b73255c13", "f5ff3899-54c4-47ca-b91b-4c2b73255c1\u0131"} {
		if got, err := CanonicalUUID("organisation UUID", in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		} else if !strings.Contains(err.Error(), "is not a UUID") {
			t.Errorf("%q: message %q", in, err)
		}
	}
	if !IsCanonicalUUID(good) || IsCanonicalUUID(strings.ToUpper(good)) {
		t.Error("IsCanonicalUUID must accept only the lower-case form")
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		kind AddressKind // 0: refused unless allowLocal
	}{
		{"https://misp.example.org", AddressName},
		{"https://misp.example.org:8443/", AddressName},
		{"https://203.0.113.7", AddressPublic},
		{"https://10.1.2.3", AddressPrivate},
		{"https://192.168.1.20:8443", AddressPrivate},
		{"https://[fd00::1]", AddressPrivate},
		{"https://100.64.0.1", AddressPrivate},
		{"http://127.0.0.1:8081", 0},
		{"http://127.9.9.9", 0},
		{"http://localhost:8082", 0},
		{"http://app.localhost", 0},
		{"http://[::1]:80", 0},
		{"http://[::ffff:127.0.0.1]", 0},
		{"http://169.254.169.254/latest/meta-data", 0},
		{"http://[fe80::1]", 0},
		{"http://0.0.0.0", 0},
		{"http://[::]", 0},
		{"http://224.0.0.1", 0},
	} {
		c, err := CheckURL(tc.url, false)
		if tc.kind == 0 {
			if err == nil {
				t.Errorf("%s accepted (%v)", tc.url, c.Kind)
				continue
			}
			if !strings.Contains(err.Error(), "loopback, link-local or unspecified") {
				t.Errorf("%s: %v", tc.url, err)
			}
			if c, err := CheckURL(tc.url, true); err != nil || c.Kind != AddressLocal {
				t.Errorf("%s with local addresses allowed: %v %v", tc.url, c.Kind, err)
			}
			continue
		}
		if err != nil || c.Kind != tc.kind {
			t.Errorf("%s: kind %v, err %v; want %v", tc.url, c.Kind, err, tc.kind)
		}
		if (c.Kind == AddressPrivate) != (c.Note != "") {
			t.Errorf("%s: note %q", tc.url, c.Note)
		}
	}
	for _, bad := range []string{"", "misp.example.org", "ftp://misp.example.org", "https://", "http://2130706433", "http://0x7f.1", "http://127.1", "https://user:pw@misp.example.org"} {
		if _, err := CheckURL(bad, true); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
