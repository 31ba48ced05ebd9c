package store

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestChangePassphrase(t *testing.T) {
	want := sampleData()
	dir, s := createWith(t, want)
	newPassphrase := []byte("a completely different passphrase")

	before := readStoreFile(t, dir)
	if err := s.ChangePassphrase([]byte("not the old one"), newPassphrase); !errorsAs[*WrongPassphraseError](err) {
		t.Fatalf("ChangePassphrase with a wrong old passphrase: got %v", err)
	}
	if err := s.ChangePassphrase([]byte(testPassphrase), []byte("short")); !errorsAs[*PassphraseTooShortError](err) {
		t.Fatalf("ChangePassphrase to a short one: got %v", err)
	}
	if !bytes.Equal(before, readStoreFile(t, dir)) {
		t.Fatal("a refused passphrase change touched the file")
	}

	if err := s.ChangePassphrase([]byte(testPassphrase), newPassphrase); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); !errorsAs[*WrongPassphraseError](err) {
		t.Fatalf("old passphrase after the change: got %v, want *WrongPassphraseError", err)
	}
	reopened, err := Open(dir, newPassphrase)
	if err != nil {
		t.Fatalf("Open with the new passphrase: %v", err)
	}
	if !reflect.DeepEqual(reopened.Snapshot(), want) {
		t.Fatal("the content changed with the passphrase")
	}
	// Later saves keep using the new passphrase.
	if err := s.Update(func(d *Data) error { d.Preferences.Theme = "light"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, newPassphrase); err != nil {
		t.Fatalf("Open after a save following the change: %v", err)
	}
}

func TestInterruptedPassphraseChangeKeepsOldPassphrase(t *testing.T) {
	dir, s := createWith(t, sampleData())
	wrapTempWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, limit: 100} }
	err := s.ChangePassphrase([]byte(testPassphrase), []byte("a completely different passphrase"))
	wrapTempWriter = nil
	if !errorsAs[*SaveError](err) {
		t.Fatalf("interrupted change: got %v, want *SaveError", err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); err != nil {
		t.Fatalf("the old passphrase no longer opens the store after an interrupted change: %v", err)
	}
	// The store in memory still saves under the old passphrase.
	if err := s.Update(func(d *Data) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); err != nil {
		t.Fatalf("save after an interrupted change used another passphrase: %v", err)
	}
}

func TestClosedStoreRefusesUpdates(t *testing.T) {
	_, s := createWith(t, sampleData())
	s.Close()
	if err := s.Update(func(*Data) error { return nil }); err == nil {
		t.Fatal("Update on a closed store succeeded")
	}
	if len(s.Snapshot().Profiles) != 0 {
		t.Fatal("a closed store still hands out its content")
	}
}

func TestPassphraseFromFileOrEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(file, []byte("from the file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(PassphraseEnv, "from the environment")
	if p, err := PassphraseFromFileOrEnv(file); err != nil || string(p) != "from the file" {
		t.Fatalf("file given: got %q, %v", p, err)
	}
	if p, err := PassphraseFromFileOrEnv(""); err != nil || string(p) != "from the environment" {
		t.Fatalf("no file: got %q, %v", p, err)
	}
	if _, err := PassphraseFromFileOrEnv(filepath.Join(t.TempDir(), "missing")); !errorsAs[*PassphraseFileError](err) {
		t.Fatalf("missing file: got %v", err)
	}
	t.Setenv(PassphraseEnv, "")
	if _, err := PassphraseFromFileOrEnv(""); !errorsAs[*NoPassphraseError](err) {
		t.Fatalf("nothing given: got %v", err)
	}
	crlf := filepath.Join(t.TempDir(), "crlf")
	os.WriteFile(crlf, []byte("windows line\r\n"), 0o600)
	if p, _ := PassphraseFromFileOrEnv(crlf); string(p) != "windows line" {
		t.Fatalf("CRLF file: got %q", p)
	}
}
