package store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBitFlipIsDetected flips one bit at many places (header, session key
// packet, encrypted data, final tag) and expects a *CorruptError every time,
// never a store opened with half its content or a wrong-passphrase message
// for a damaged body.
func TestBitFlipIsDetected(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	good := readStoreFile(t, dir)
	nl := bytes.IndexByte(good, '\n')
	positions := []int{0, 5, nl - 3, nl + 1, nl + 10, nl + 40, len(good) / 2, len(good) - 20, len(good) - 1}
	for _, pos := range positions {
		bad := bytes.Clone(good)
		bad[pos] ^= 0x04
		if err := os.WriteFile(Path(dir), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, []byte(testPassphrase))
		if s != nil {
			t.Fatalf("flip at byte %d of %d: the store opened", pos, len(good))
		}
		if !errorsAs[*CorruptError](err) {
			t.Fatalf("flip at byte %d of %d: got %v, want *CorruptError", pos, len(good), err)
		}
		if !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("message does not say the file is damaged: %q", err)
		}
	}
}

// TestBodyDamageBehindValidChecksum proves the AEAD, not the convenience
// checksum, is what protects the content: a flipped byte whose checksum was
// recomputed is still refused as damaged.
func TestBodyDamageBehindValidChecksum(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	good := readStoreFile(t, dir)
	h, body, err := readHeader("x", good)
	if err != nil {
		t.Fatal(err)
	}
	for _, pos := range []int{len(body) / 2, len(body) - 5} {
		bad := bytes.Clone(body)
		bad[pos] ^= 0x80
		raw, err := joinFile(*h, bad)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, _, err = decodeFile("x", raw, []byte(testPassphrase))
		if !errorsAs[*CorruptError](err) {
			t.Fatalf("flip at body byte %d with a fresh checksum: got %v, want *CorruptError", pos, err)
		}
	}
}

func TestTruncatedFileIsDetected(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	good := readStoreFile(t, dir)
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
		if err := os.WriteFile(Path(dir), good[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, []byte(testPassphrase)); !errorsAs[*CorruptError](err) {
			t.Fatalf("file cut to %d bytes: got %v, want *CorruptError", n, err)
		}
	}
}

// failingWriter accepts limit bytes, then fails like a full disk or a crash.
type failingWriter struct {
	w     io.Writer
	limit int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.limit {
		n, _ := f.w.Write(p[:f.limit])
		f.limit = 0
		return n, errors.New("simulated crash half-way through the write")
	}
	f.limit -= len(p)
	return f.w.Write(p)
}

func TestInterruptedWriteKeepsPreviousVersion(t *testing.T) {
	want := sampleData()
	dir, s := createWith(t, want)
	before := readStoreFile(t, dir)

	wrapTempWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, limit: len(before) / 2} }
	t.Cleanup(func() { wrapTempWriter = nil })
	err := s.Update(func(d *Data) error {
		d.Profiles[0].Name = "renamed"
		d.Partners = nil
		return nil
	})
	wrapTempWriter = nil
	if !errorsAs[*SaveError](err) {
		t.Fatalf("Update during a failing write: got %v, want *SaveError", err)
	}
	if got := s.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatal("a failed save changed the content in memory")
	}
	if after := readStoreFile(t, dir); !bytes.Equal(before, after) {
		t.Fatal("a failed save changed the store file")
	}
	entries, _ := os.ReadDir(filepath.Dir(Path(dir)))
	if len(entries) != 1 {
		t.Fatalf("a failed save left %d entries in the store folder", len(entries))
	}
	reopened, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatalf("Open after an interrupted write: %v", err)
	}
	if got := reopened.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatal("the store does not hold the previous content after an interrupted write")
	}
}

// TestLeftoverTempFile simulates a crash that killed the process before the
// rename: a partial temporary file sits next to the store.
func TestLeftoverTempFile(t *testing.T) {
	want := sampleData()
	dir, _ := createWith(t, want)
	full := readStoreFile(t, dir)
	leftover := filepath.Join(filepath.Dir(Path(dir)), tempPrefix+"123456.tmp")
	if err := os.WriteFile(leftover, full[:len(full)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatalf("Open next to a partial temporary file: %v", err)
	}
	if got := s.Snapshot(); !reflect.DeepEqual(got, want) {
		t.Fatal("content differs after a crash before the rename")
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the leftover temporary file was not removed: %v", err)
	}
}

func TestFailedUpdateChangesNothing(t *testing.T) {
	want := sampleData()
	dir, s := createWith(t, want)
	before := readStoreFile(t, dir)
	refusal := errors.New("the admin cancelled")
	err := s.Update(func(d *Data) error {
		d.Profiles = nil
		return refusal
	})
	if !errors.Is(err, refusal) {
		t.Fatalf("Update returned %v, want the change's own error", err)
	}
	if !reflect.DeepEqual(s.Snapshot(), want) || !bytes.Equal(before, readStoreFile(t, dir)) {
		t.Fatal("a refused change was applied")
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	_, s := createWith(t, sampleData())
	snap := s.Snapshot()
	snap.Profiles[0].Authkey = "changed"
	snap.Partners[0].EgressAddresses[0] = "changed"
	snap.Partners[0].NotificationSettings.Emails[0].Address = "changed"
	again := s.Snapshot()
	if again.Profiles[0].Authkey != testAuthkey || again.Partners[0].EgressAddresses[0] != "192.0.2.17" ||
		!reflect.DeepEqual(again.Partners[0].NotificationSettings, sampleData().Partners[0].NotificationSettings) {
		t.Fatal("changing a snapshot changed the store")
	}
}

func TestNewerVersionIsRefused(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	good := readStoreFile(t, dir)
	h, body, err := readHeader("x", good)
	if err != nil {
		t.Fatal(err)
	}
	h.Format = FormatVersion + 1
	h.WrittenBy = "MISPbump 9.0.0"
	newer, err := joinFile(*h, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(Path(dir), newer, 0o600); err != nil {
		t.Fatal(err)
	}
	// Refused before the passphrase is even tried.
	_, err = Open(dir, []byte("any passphrase at all"))
	var newerErr *NewerVersionError
	if !errors.As(err, &newerErr) {
		t.Fatalf("Open of a newer store: got %v, want *NewerVersionError", err)
	}
	if !strings.Contains(err.Error(), "written by a newer MISPbump") || !strings.Contains(err.Error(), "update the app") {
		t.Fatalf("message does not say what to do: %q", err)
	}
	if !bytes.Equal(newer, readStoreFile(t, dir)) {
		t.Fatal("refusing a newer store changed it")
	}
}

// TestHeaderBodyFormatMismatch: the cleartext header is bound to the
// encrypted body, so lowering its format number (to trigger a migration on
// current data) is caught.
func TestHeaderBodyFormatMismatch(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	h, body, err := readHeader("x", readStoreFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	h.Format = 0
	raw, _ := joinFile(*h, body)
	if err := os.WriteFile(Path(dir), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); !errorsAs[*CorruptError](err) {
		t.Fatalf("header says format 0, body format 1: got %v, want *CorruptError", err)
	}
}

// TestHostileArgon2ParametersRefused: a file asking for 2 GiB of Argon2
// memory is refused before any key derivation.
func TestHostileArgon2ParametersRefused(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	h, body, err := readHeader("x", readStoreFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	// Packet header (2 bytes for a short new-format packet) + 24 bytes to the
	// memory exponent.
	const memExpAt = 2 + 24
	if body[memExpAt] != 6 { // cheapKDF: 64 KiB = 2^6
		t.Fatalf("unexpected session key packet layout: byte %d is %d", memExpAt, body[memExpAt])
	}
	hostile := bytes.Clone(body)
	hostile[memExpAt] = 21
	raw, _ := joinFile(*h, hostile)
	_, _, _, _, err = decodeFile("x", raw, []byte(testPassphrase))
	if !errorsAs[*CorruptError](err) || !strings.Contains(err.Error(), "Argon2") {
		t.Fatalf("2 GiB Argon2 request: got %v, want a *CorruptError about Argon2", err)
	}
}
