//go:build !windows

package store

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileAndFolderModes(t *testing.T) {
	dir, s := createWith(t, sampleData())
	check := func(when string) {
		t.Helper()
		fi, err := os.Stat(Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Fatalf("%s: store file mode %o, want 600", when, perm)
		}
		di, err := os.Stat(filepath.Dir(Path(dir)))
		if err != nil {
			t.Fatal(err)
		}
		if perm := di.Mode().Perm(); perm != 0o700 {
			t.Fatalf("%s: store folder mode %o, want 700", when, perm)
		}
	}
	check("after Create")
	if err := s.Update(func(d *Data) error { d.Preferences.Theme = "light"; return nil }); err != nil {
		t.Fatal(err)
	}
	check("after a save")

	// A folder someone widened is narrowed again at the next open.
	if err := os.Chmod(filepath.Dir(Path(dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, []byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	check("after Open of a widened folder")
}
