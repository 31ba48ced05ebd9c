// Package store is MISPbump's encrypted local store: MISP profiles (with
// their authkeys), partner records, unfinished pairings and preferences, kept
// in one file that is encrypted as a whole with an OpenPGP passphrase message
// (Argon2id, AES-256, OCB AEAD) and replaced atomically on every save.
//
// Open or Create it with the admin's passphrase, read with Snapshot, change
// with Update. See docs/STORE.md for the file format.
package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"
)

// Where the store lives inside the app's data folder (Fyne's storage root in
// the app, --data-dir in the CLI). The subfolder is ours alone, so it can be
// kept at mode 0700 without touching the data folder's own mode.
const (
	SubDir   = "store"
	FileName = "mispbump.store"
)

// MinPassphraseLength is the shortest passphrase Create and
// ChangePassphrase accept, in characters.
const MinPassphraseLength = 8

// Store is an open store. It is safe for use from many goroutines.
type Store struct {
	mu   sync.Mutex
	path string
	// sealer saves under the passphrase without keeping it; nil once closed.
	sealer  *sealer
	created time.Time
	data    *Data
	// onDisk is the SHA-256 of the file as last read or written, to notice
	// another process (a second window, the CLI) saving in between.
	onDisk [sha256.Size]byte
}

// Path returns the path of the store file inside the data folder dataDir.
func Path(dataDir string) string { return filepath.Join(dataDir, SubDir, FileName) }

// Exists reports whether dataDir holds a store (so the UI knows whether to
// ask for the passphrase or to set a new one).
func Exists(dataDir string) (bool, error) {
	_, err := os.Stat(Path(dataDir))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("cannot check for a store in %s: %w", dataDir, err)
	}
}

// Create makes a new, empty store in dataDir protected by passphrase. It
// refuses with *ExistsError when a store is already there.
func Create(dataDir string, passphrase []byte) (*Store, error) {
	if err := checkNewPassphrase(passphrase); err != nil {
		return nil, err
	}
	path := Path(dataDir)
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, &ExistsError{Path: path}
	}
	sl, err := newSealer(passphrase, keyDerivation())
	if err != nil {
		return nil, &SaveError{Path: path, Err: err}
	}
	s := &Store{
		path:    path,
		sealer:  sl,
		created: time.Now().UTC(),
		data:    &Data{Preferences: DefaultPreferences()},
	}
	if err := s.saveLocked(s.data, s.sealer); err != nil {
		return nil, err
	}
	return s, nil
}

// Open reads and decrypts the store in dataDir. Errors: *NotFoundError (no
// store yet), *WrongPassphraseError, *CorruptError, *NewerVersionError. A
// store in an older format is migrated and saved in the current one. Open
// never changes the file unless it succeeds.
func Open(dataDir string, passphrase []byte) (*Store, error) {
	path := Path(dataDir)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{Dir: dataDir}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the store %s: %w; check its permissions", path, err)
	}
	h, format, doc, sl, err := decodeFile(path, raw, passphrase)
	if err != nil {
		return nil, err
	}
	data, err := decodeDocument(path, format, doc)
	wipe(doc)
	if err != nil {
		sl.wipe()
		return nil, err
	}
	rewrite := format < FormatVersion
	if len(sl.sessionKey) != cipherSuite.Cipher.KeySize() {
		// Written with another cipher: re-key so saves can use ours.
		sl.wipe()
		if sl, err = newSealer(passphrase, keyDerivation()); err != nil {
			return nil, &SaveError{Path: path, Err: err}
		}
		rewrite = true
	}
	s := &Store{path: path, sealer: sl, created: h.Created, data: data, onDisk: sha256.Sum256(raw)}
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	removeLeftoverTemps(filepath.Dir(path))
	if rewrite {
		if err := s.saveLocked(s.data, s.sealer); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Snapshot returns a deep copy of the store's content; changing it changes
// nothing in the store.
func (s *Store) Snapshot() Data {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.data.clone()
}

// Update applies change to a copy of the content and saves it. If change
// returns an error, or the save fails, nothing changes (in memory or on
// disk) and the error is returned. Updates are serialised: concurrent calls
// each see the result of the previous one, so none is lost. If another
// process saved the file since this Store read or wrote it, Update refuses
// with *ConflictError rather than overwrite that change.
func (s *Store) Update(change func(*Data) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sealer == nil {
		return errors.New("the store is closed: open it again")
	}
	next := s.data.clone()
	if err := change(next); err != nil {
		return err
	}
	if err := s.saveLocked(next, s.sealer); err != nil {
		return err
	}
	s.data = next
	return nil
}

// ChangePassphrase re-encrypts the store under newPassphrase. The old one
// must be given again (*WrongPassphraseError otherwise). The file is replaced
// atomically: a crash leaves the store under either the old or the new one.
func (s *Store) ChangePassphrase(oldPassphrase, newPassphrase []byte) error {
	if err := checkNewPassphrase(newPassphrase); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sealer == nil {
		return errors.New("the store is closed: open it again")
	}
	if !s.sealer.opens(oldPassphrase) {
		return &WrongPassphraseError{}
	}
	// A new session key too: whoever learnt the old passphrase and kept a
	// copy of the file cannot read the saves that follow.
	fresh, err := newSealer(newPassphrase, keyDerivation())
	if err != nil {
		return &SaveError{Path: s.path, Err: err}
	}
	if err := s.saveLocked(s.data, fresh); err != nil {
		fresh.wipe()
		return err
	}
	s.sealer.wipe()
	s.sealer = fresh
	return nil
}

// Close forgets the passphrase and the content. The store must be opened
// again to be used.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sealer.wipe()
	s.sealer = nil
	s.data = &Data{}
}

// File returns the path of the store file.
func (s *Store) File() string { return s.path }

func (s *Store) saveLocked(d *Data, sl *sealer) error {
	current, err := os.ReadFile(s.path)
	switch {
	case err == nil:
		if sha256.Sum256(current) != s.onDisk {
			return &ConflictError{Path: s.path}
		}
	case errors.Is(err, fs.ErrNotExist):
		// First save, or the file was removed: write it (again).
	default:
		return &SaveError{Path: s.path, Err: err}
	}
	raw, err := encodeFile(d, sl, s.created)
	if err != nil {
		return &SaveError{Path: s.path, Err: err}
	}
	if err := writeFileAtomic(s.path, raw); err != nil {
		return &SaveError{Path: s.path, Err: err}
	}
	s.onDisk = sha256.Sum256(raw)
	return nil
}

func checkNewPassphrase(p []byte) error {
	if utf8.RuneCount(p) < MinPassphraseLength {
		return &PassphraseTooShortError{Min: MinPassphraseLength}
	}
	return nil
}

// decodeDocument turns the decrypted document of the given format into Data,
// migrating older formats.
func decodeDocument(path string, format int, doc json.RawMessage) (*Data, error) {
	if format < FormatVersion {
		migrated, err := migrate(format, doc)
		if err != nil {
			return nil, &CorruptError{Path: path, Reason: fmt.Sprintf("its format %d content could not be migrated: %v", format, err)}
		}
		doc = migrated
		defer wipe(migrated)
	}
	var d Data
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, &CorruptError{Path: path, Reason: "its decrypted content is not a store document"}
	}
	return &d, nil
}

// NewID returns a random identifier for profiles, partner records and
// pending pairings.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
