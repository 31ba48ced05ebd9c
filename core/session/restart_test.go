package session

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// The partner starts again (a new code): the session says "partner
// restarted"; Restart gives us a new key too and the pairing goes on with the
// partner's new code, with a new SAS.
func TestPartnerRestarted(t *testing.T) {
	_, cfgs := fakeConfigs()
	cfg := cfgs[0]
	src := make(chan string)
	var mu sync.Mutex
	var shown []string
	stages := map[Stage]bool{}
	cfg.Source = src
	cfg.Sink = SinkFunc(func(f []string) { mu.Lock(); shown = f; mu.Unlock() })
	cfg.OnEvent = func(ev Event) { mu.Lock(); stages[ev.Stage] = true; mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// exchange pumps frames between the session and a bare partner Side
	// until cond holds.
	exchange := func(partner *pairing.Side, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(testTimeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("stuck in stage %v", s.Stage())
			}
			mu.Lock()
			ours := append([]string(nil), shown...)
			mu.Unlock()
			for _, f := range ours {
				_, _ = partner.Receive(f)
			}
			for _, f := range partner.Display() {
				select {
				case src <- f:
				case <-time.After(10 * time.Millisecond):
				}
			}
		}
	}
	first, _ := pairing.New(pairing.Options{})
	exchange(first, func() bool { return s.Stage() == StageCompareSAS })
	firstSAS, _ := s.SAS()

	second, _ := pairing.New(pairing.Options{}) // the partner started again
	exchange(second, func() bool { return s.Stage() == StagePartnerRestarted })
	s.Restart()
	exchange(second, func() bool {
		sas, ok := s.SAS()
		return s.Stage() == StageCompareSAS && ok && sas != firstSAS
	})
	ours, _ := s.SAS()
	theirs, _ := second.SAS()
	if ours != theirs {
		t.Errorf("after the restart: our SAS %q, the partner's %q", ours, theirs)
	}
	mu.Lock()
	defer mu.Unlock()
	if !stages[StagePartnerRestarted] {
		t.Error("no partner-restarted stage")
	}
}
