package store

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// The v0 fixture is a real format-0 store file (cheap Argon2, passphrase
// fixturePassphrase) made from testdata/v0-document.json by
// `go test ./core/store -run TestMigrationFromV0 -update-fixtures`.
var updateFixtures = flag.Bool("update-fixtures", false, "rewrite testdata/store-v0.mbs from testdata/v0-document.json")

const (
	fixturePassphrase = "fixture passphrase v0"
	fixtureV0Store    = "testdata/store-v0.mbs"
	fixtureV0Authkey  = "V0legacyAuthkeyV0legacyAuthkeyV0legacyAu"
)

func TestMigrationFromV0(t *testing.T) {
	if *updateFixtures {
		doc, err := os.ReadFile("testdata/v0-document.json")
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, doc); err != nil {
			t.Fatal(err)
		}
		raw := sealForTest(t, 0, compact.Bytes(), fixturePassphrase, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
		if err := os.WriteFile(fixtureV0Store, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixture, err := os.ReadFile(fixtureV0Store)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(fixture, []byte(fixtureV0Authkey)) {
		t.Fatal("the fixture holds its authkey in clear")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(Path(dir)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(Path(dir), fixture, 0o600); err != nil {
		t.Fatal(err)
	}

	s, err := Open(dir, []byte(fixturePassphrase))
	if err != nil {
		t.Fatalf("Open of a format 0 store: %v", err)
	}
	d := s.Snapshot()
	if len(d.Profiles) != 1 || d.Profiles[0].URL != "https://misp.proto.example" || d.Profiles[0].Authkey != fixtureV0Authkey ||
		d.Profiles[0].Certificate == nil || d.Profiles[0].Certificate.SHA256 == "" || d.Profiles[0].ID == "" {
		t.Fatalf("profile not migrated: %+v", d.Profiles)
	}
	if len(d.Partners) != 1 {
		t.Fatalf("partners not migrated: %+v", d.Partners)
	}
	p := d.Partners[0]
	if p.Org.Name != "CSIRT Freedonia" || p.Org.UUID != "3f2504e0-4f89-41d3-9a0c-0305e82c3301" ||
		p.AdminEmail != "admin@freedonia.example" || p.AnnouncedURL != "https://misp.freedonia.example" ||
		p.ProfileID != d.Profiles[0].ID || !p.Pull || p.Push ||
		!p.PairedAt.Equal(time.Unix(1700000000, 0)) ||
		p.OnOurMISP.Server != (ObjectRef{ID: "9", Outcome: Reused}) {
		t.Fatalf("partner not migrated: %+v", p)
	}
	if d.Preferences.CameraDevice != "/dev/video0" || d.Preferences.MirrorPreview ||
		!reflect.DeepEqual(d.Preferences.Prepare, DefaultPreferences().Prepare) {
		t.Fatalf("preferences not migrated: %+v", d.Preferences)
	}

	// The file was rewritten in the current format, under the same passphrase.
	h, _, err := readHeader("x", readStoreFile(t, dir))
	if err != nil || h.Format != FormatVersion {
		t.Fatalf("migrated store header: %+v, %v", h, err)
	}
	if !h.Created.Equal(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("migration lost the creation time: %v", h.Created)
	}
	again, err := Open(dir, []byte(fixturePassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if again.Snapshot().Profiles[0].ID != d.Profiles[0].ID {
		t.Fatal("reopening migrated again instead of reading the saved result")
	}
}

func TestMigrateRefusesGarbage(t *testing.T) {
	if _, err := migrate(0, json.RawMessage(`{"misp": "not an object"}`)); err == nil {
		t.Fatal("a malformed format 0 document was migrated")
	}
}
