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
