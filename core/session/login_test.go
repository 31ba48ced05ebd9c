package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// A stored key is only ever planned for the origin it was stored for.
func TestPlanLoginSendsTheStoredKeyOnlyToItsOrigin(t *testing.T) {
	const stored = "STOREDKEY0000000000000000000000000000000"
	prof := &store.Profile{ID: "p", URL: "https://misp.example.org", Authkey: stored,
		Certificate: &store.PinnedCertificate{SHA256: "ab12"}}
	for _, c := range []struct {
		url, typed string
		wantKey    string
		fromStore  bool
		elsewhere  bool
		pin        string
	}{
		{"https://misp.example.org", "", stored, true, false, "ab12"},
		{"https://MISP.example.org:443/", "", stored, true, false, "ab12"},
		{"https://misp.example.org/misp", "", stored, true, false, ""}, // same origin, another address: no pin
		{"https://misp.example.org.evil.test", "", "", false, true, ""},
		{"https://misp.example.org:8443", "", "", false, true, ""},
		{"http://misp.example.org", "", "", false, true, ""},
		{"https://other.example.org", "TYPEDKEY", "TYPEDKEY", false, false, ""},
		{"https://misp.example.org", "TYPEDKEY", "TYPEDKEY", false, false, "ab12"},
	} {
		plan, err := PlanLogin(prof, c.url, c.typed)
		var ke *StoredKeyElsewhereError
		if c.elsewhere {
			if !errors.As(err, &ke) || plan.Key != "" {
				t.Errorf("%s: plan %+v, err %v; want the stored key refused for another origin", c.url, plan, err)
				continue
			}
			msg := err.Error()
			if strings.Contains(msg, stored) || !strings.Contains(msg, "enter the authkey") || !strings.Contains(msg, "only ever sent to the MISP it was stored for") {
				t.Errorf("%s: message %q", c.url, msg)
			}
			continue
		}
		if err != nil || plan.Key != c.wantKey || plan.FromStore != c.fromStore || plan.Pin != c.pin {
			t.Errorf("%s typed %q: plan %+v, err %v; want key %q from store %v pin %q", c.url, c.typed, plan, err, c.wantKey, c.fromStore, c.pin)
		}
	}
	if _, err := PlanLogin(nil, "https://misp.example.org", ""); !errors.Is(err, ErrNoAuthkey) {
		t.Errorf("a new profile without a key: %v", err)
	}
	if _, err := PlanLogin(&store.Profile{URL: "https://misp.example.org"}, "https://misp.example.org", ""); !errors.Is(err, ErrNoAuthkey) {
		t.Errorf("a profile without a stored key: %v", err)
	}
}

func TestRecordLoginAndForgetRefusedKey(t *testing.T) {
	d := &store.Data{Profiles: []store.Profile{{ID: "p", Name: "Old", URL: "https://a.example.org", Authkey: "OLD",
		Certificate: &store.PinnedCertificate{SHA256: "ab12"}}}}
	info := &misp.LoginInfo{InstanceUUID: "u1", Version: "2.5.1"}
	RecordLogin(d, "p", LoginRecord{Name: "New", URL: "https://b.example.org", Key: "NEW", Remember: true, Login: info, At: time.Unix(1, 0)})
	p, _ := d.Profile("p")
	if p.Name != "New" || p.URL != "https://b.example.org" || p.Authkey != "NEW" || p.Certificate != nil || p.LastLogin == nil || p.LastLogin.InstanceUUID != "u1" {
		t.Errorf("after a login to a new address: %+v", p)
	}
	if d.Preferences.ActiveProfileID != "p" {
		t.Error("the profile logged in to is not the active one")
	}
	RecordLogin(d, "q", LoginRecord{Name: "Q", URL: "https://q.example.org", Key: "QKEY", Remember: false,
		Certificate: &store.PinnedCertificate{SHA256: "cd34"}})
	q, ok := d.Profile("q")
	if !ok || q.Authkey != "" || q.Certificate == nil || q.Certificate.SHA256 != "cd34" {
		t.Errorf("a new profile, key not remembered, certificate trusted: %+v", q)
	}
	if ForgetRefusedKey(d, "p", "OTHER") {
		t.Error("forgot a key that is not the refused one")
	}
	if !ForgetRefusedKey(d, "p", "NEW") {
		t.Error("kept the refused key")
	}
	if p, _ := d.Profile("p"); p.Authkey != "" || p.URL != "https://b.example.org" {
		t.Errorf("after forgetting the refused key: %+v", p)
	}
	if !KeyRefused(&misp.Error{Kind: misp.KindBadKey}) || KeyRefused(&misp.Error{Kind: misp.KindUnreachable}) || KeyRefused(errors.New("x")) {
		t.Error("KeyRefused mistakes what MISP refused")
	}
}
