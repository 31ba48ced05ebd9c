// Package storetest helps tests of other packages (the session engine, the
// UI) use a real encrypted store without paying for desktop-strength Argon2
// at every Create and Open. Never import it outside tests.
package storetest

import (
	"testing"

	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/internal/testkdf"
)

// Passphrase is the passphrase of stores made by New.
const Passphrase = "storetest passphrase"

// UseCheapKeyDerivation makes stores created or re-keyed until the test ends
// use Argon2 with 64 KiB and one pass. The files are real store files that
// open normally (the parameters travel in the file).
func UseCheapKeyDerivation(tb testing.TB) {
	tb.Helper()
	testkdf.Cheap.Store(true)
	tb.Cleanup(func() { testkdf.Cheap.Store(false) })
}

// New creates an empty store (cheap key derivation) in a fresh temporary data
// folder and returns it with that folder.
func New(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	UseCheapKeyDerivation(tb)
	dir := tb.TempDir()
	s, err := store.Create(dir, []byte(Passphrase))
	if err != nil {
		tb.Fatalf("storetest: create a store: %v", err)
	}
	tb.Cleanup(s.Close)
	return s, dir
}
