package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

const (
	testPassphrase = "correct horse battery staple"
	testAuthkey    = "Zq9vX3kLmN0pR7sT2uV5wY8aB1cD4eF6gH9iJ0kL"
	testSyncKey    = "Sx4yZ7aB0cD3eF6gH9iJ2kL5mN8oP1qR4sT7uV0w"
)

func sampleData() Data {
	d := Data{Preferences: DefaultPreferences()}
	d.Preferences.CameraDevice = "/dev/video2"
	d.Preferences.Theme = "dark"
	d.Preferences.ActiveProfileID = "p1"
	d.Profiles = []Profile{{
		ID: "p1", Name: "CIRCL test", URL: "https://misp.example.org", Authkey: testAuthkey,
		Certificate: &PinnedCertificate{SHA256: "ab12", PEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
		LastLogin:   &LoginInfo{At: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), OrgName: "ORGNAME", OrgUUID: "c5de83b4-36ba-49d6-9530-2a315caeece6", InstanceUUID: "5f6b2b4e-0000-4000-8000-000000000001", MISPVersion: "2.5.1"},
	}}
	d.Partners = []Partner{{
		ID: "x1", ProfileID: "p1",
		Org:             PartnerOrg{UUID: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", Name: "CERT Ruritania", Sector: "Government", Contacts: "soc@cert.example"},
		AdminEmail:      "Admin@CERT.example.net",
		AnnouncedURL:    "https://misp.cert.example.net:8443",
		InstanceUUID:    "7d1c3e2f-1111-4222-8333-444455556666",
		MISPVersion:     "2.5.1",
		PGPKey:          &PGPKey{Armored: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n...\n", Fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567"},
		EgressAddresses: []string{"192.0.2.17", "2001:db8::17"},
		NotificationSettings: &pairing.NotificationSettings{
			Version: pairing.NotificationVersion,
			Emails:  []pairing.NotificationEmail{{Address: "abuse@cert.example.net", PGPFingerprint: "0123456789ABCDEF0123456789ABCDEF01234567", Cc: true}},
			Formats: []string{"MISP", "CSV"}, Interval: "daily", HTTPAuthTokenRef: "vault:cert-ruritania/notify",
		},
		OnOurMISP: OnOurMISP{
			Org:           ObjectRef{ID: "12", Outcome: Created},
			SyncUser:      ObjectRef{ID: "34", Outcome: Reused},
			SyncUserEmail: "sync-7d1c3e2f@mispbump.invalid",
			Server:        ObjectRef{ID: "5", Outcome: Created},
		},
		MintedKeys:            []MintedKey{{ID: "77", Comment: "MISPbump pairing 2026-11-01", UserID: "34", Minted: time.Date(2026, 11, 1, 10, 5, 0, 0, time.UTC)}},
		KeysPendingRevocation: []MintedKey{{ID: "70", Comment: "MISPbump pairing 2026-10-01", UserID: "34"}},
		Push:                  false, Pull: true,
		PairedAt: time.Date(2026, 11, 1, 10, 6, 0, 0, time.UTC),
		LastTest: &ConnectionTest{Status: 1, Message: "Connected", At: time.Date(2026, 11, 1, 10, 6, 30, 0, time.UTC)},
	}}
	d.Pending = []PendingPairing{{
		ID: "r1", ProfileID: "p1", StartedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 2, 9, 3, 0, 0, time.UTC),
		Partner:   Partner{Org: PartnerOrg{UUID: "11111111-2222-4333-8444-555555555555", Name: "Other CSIRT"}},
		Creds:     &PartnerCreds{SyncAuthkey: testSyncKey, SyncUserEmail: "sync-abc@mispbump.invalid"},
		StepsDone: []string{"org", "sync_user", "key"},
	}}
	return d
}

func createWith(t *testing.T, d Data) (string, *Store) {
	t.Helper()
	dir := t.TempDir()
	s, err := Create(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := s.Update(func(x *Data) error { *x = d; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	return dir, s
}

func TestRoundTrip(t *testing.T) {
	want := sampleData()
	dir, _ := createWith(t, want)
	s, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got := s.Snapshot()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Fatalf("round trip changed the content:\n got %s\nwant %s", gj, wj)
	}
}

// TestActiveProfileRoundTrip: the active profile is kept across a reopen,
// and a store written before the field existed opens with none.
func TestActiveProfileRoundTrip(t *testing.T) {
	dir, s := createWith(t, sampleData())
	if err := s.Update(func(d *Data) error { d.Preferences.ActiveProfileID = "p2"; return nil }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	reopened, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if got := reopened.Snapshot().Preferences.ActiveProfileID; got != "p2" {
		t.Errorf("active profile after reopening = %q, want p2", got)
	}
	var old Preferences
	if err := json.Unmarshal([]byte(`{"camera_device":"/dev/video0","mirror_preview":true,"prepare":{}}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.ActiveProfileID != "" {
		t.Errorf("preferences without the field have active profile %q", old.ActiveProfileID)
	}
}

func TestNewStoreHasDefaults(t *testing.T) {
	dir := t.TempDir()
	if ok, err := Exists(dir); err != nil || ok {
		t.Fatalf("Exists on an empty folder = %v, %v", ok, err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); !errorsAs[*NotFoundError](err) {
		t.Fatalf("Open without a store: got %v, want *NotFoundError", err)
	}
	s, err := Create(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Snapshot().Preferences; !reflect.DeepEqual(got, DefaultPreferences()) {
		t.Fatalf("new store preferences = %+v", got)
	}
	if ok, _ := Exists(dir); !ok {
		t.Fatal("Exists is false after Create")
	}
	if _, err := Create(dir, []byte(testPassphrase)); !errorsAs[*ExistsError](err) {
		t.Fatalf("second Create: got %v, want *ExistsError", err)
	}
	if _, err := Create(t.TempDir(), []byte("short")); !errorsAs[*PassphraseTooShortError](err) {
		t.Fatalf("Create with a short passphrase: got %v", err)
	}
}

func errorsAs[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestWrongPassphrase(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	before := readStoreFile(t, dir)
	_, err := Open(dir, []byte("not the passphrase"))
	var wrong *WrongPassphraseError
	if !errors.As(err, &wrong) {
		t.Fatalf("Open with a wrong passphrase: got %v, want *WrongPassphraseError", err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("passphrase is wrong")) {
		t.Fatalf("message does not say it in words: %q", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("not the passphrase")) {
		t.Fatal("the error repeats the passphrase")
	}
	if after := readStoreFile(t, dir); !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the store file")
	}
}

func readStoreFile(t *testing.T, dir string) []byte {
	t.Helper()
	raw, err := os.ReadFile(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestNoSecretInFileBytes(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	raw := readStoreFile(t, dir)
	for _, secret := range []string{testAuthkey, testSyncKey, testPassphrase, "CERT Ruritania"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the store file contains a plaintext value (%d bytes long)", len(secret))
		}
	}
	// No leftover temporary file either.
	entries, _ := os.ReadDir(filepath.Dir(Path(dir)))
	if len(entries) != 1 {
		t.Fatalf("store folder holds %d entries, want only the store file", len(entries))
	}
}

// The session engine converts the partner's org with store.PartnerOrg(info.Org).
var _ = PartnerOrg(pairing.Organisation{})
