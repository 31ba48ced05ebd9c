package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// The profile's own IEP005 settings, its keys pending revocation and a
// partner's key check survive a save and an open; a profile without
// settings keeps nil.
func TestProfileNotificationsRoundTrip(t *testing.T) {
	d := sampleData()
	n := &pairing.NotificationSettings{
		Version:  pairing.NotificationVersion,
		Emails:   []pairing.NotificationEmail{{Address: "cert@example.org", PGPFingerprint: "5626761B7DA78C7B046F18F41C6D20BD9F5DF798"}, {Address: "soc@example.org", Cc: true}},
		Formats:  []string{"CSV", "JSON"},
		Interval: "daily",
	}
	d.Profiles[0].Notifications = n
	d.Profiles[0].KeysPendingRevocation = []MintedKey{{ID: "41", Comment: "MISPbump pairing", UserID: "9", Minted: time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC)}}
	d.Profiles = append(d.Profiles, Profile{ID: "p2", Name: "no settings", URL: "https://misp2.example.org"})
	d.Partners[0].PGPKeyCheck = &PGPKeyCheck{Fingerprint: "5626761B7DA78C7B046F18F41C6D20BD9F5DF798", Verdict: "mismatch", Message: "m", Alarm: "ALARM: …", At: time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC)}
	dir, _ := createWith(t, d)
	s, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Snapshot()
	p1, _ := got.Profile("p1")
	if p1 == nil || !reflect.DeepEqual(p1.Notifications, n) {
		t.Fatalf("notifications after reopening: %+v", p1)
	}
	if !reflect.DeepEqual(p1.KeysPendingRevocation, d.Profiles[0].KeysPendingRevocation) {
		t.Errorf("keys pending revocation: %+v", p1.KeysPendingRevocation)
	}
	if p2, _ := got.Profile("p2"); p2 == nil || p2.Notifications != nil {
		t.Errorf("a profile without settings: %+v", p2)
	}
	if !reflect.DeepEqual(got.Partners[0].PGPKeyCheck, d.Partners[0].PGPKeyCheck) {
		t.Errorf("key check: %+v", got.Partners[0].PGPKeyCheck)
	}
	// A copy handed out does not share the settings with the store.
	p1.Notifications.Emails[0].Address = "changed@example.org"
	again := s.Snapshot()
	if q, _ := again.Profile("p1"); q.Notifications.Emails[0].Address != "cert@example.org" {
		t.Error("a snapshot shares the notification settings with the store")
	}
}
