package store

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentUpdatesLoseNothing: goroutines (like UI callbacks and the
// session engine) each add a partner at the same time; every one is kept, in
// memory and on disk.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Create(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- s.Update(func(d *Data) error {
					d.Partners = append(d.Partners, Partner{ID: fmt.Sprintf("w%d-%d", w, i)})
					return nil
				})
				_ = s.Snapshot() // readers run alongside writers
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
	}
	check := func(where string, d Data) {
		seen := map[string]bool{}
		for _, p := range d.Partners {
			seen[p.ID] = true
		}
		if len(seen) != writers*each {
			t.Fatalf("%s: %d partners kept, want %d", where, len(seen), writers*each)
		}
	}
	check("in memory", s.Snapshot())
	reopened, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	check("on disk", reopened.Snapshot())
}

// TestSecondProcessConflict: two Stores on one file stand for two processes
// (two windows, or the UI and the CLI). The second to save is refused
// instead of silently overwriting the first one's change.
func TestSecondProcessConflict(t *testing.T) {
	dir, first := createWith(t, sampleData())
	second, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Update(func(d *Data) error { d.Preferences.Theme = "light"; return nil }); err != nil {
		t.Fatal(err)
	}
	err = second.Update(func(d *Data) error { d.Partners = nil; return nil })
	if !errorsAs[*ConflictError](err) {
		t.Fatalf("save over another process's change: got %v, want *ConflictError", err)
	}
	if len(second.Snapshot().Partners) != 1 {
		t.Fatal("the refused change was applied in memory")
	}
	reopened, err := Open(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if d := reopened.Snapshot(); d.Preferences.Theme != "light" || len(d.Partners) != 1 {
		t.Fatal("the first process's change was lost")
	}
	// The first one keeps saving normally.
	if err := first.Update(func(d *Data) error { d.Preferences.Theme = "dark"; return nil }); err != nil {
		t.Fatalf("the process that saved last is refused: %v", err)
	}
}
