package session

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// Remote mode: no camera, the admins copy their codes as chat text and paste
// the partner's ("copy my code" / "paste code"), several frames at once.
func TestRemoteModeByChatText(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sessions [2]*Session
	var mu sync.Mutex
	var sas [2]string
	for i := range 2 {
		cfg := cfgs[i]
		cfg.Choices.Remote = true
		cfg.Sink = SinkFunc(func([]string) {})
		cfg.TickInterval = 10 * time.Millisecond
		cfg.OnEvent = func(ev Event) {
			if ev.Stage != StageCompareSAS {
				return
			}
			mu.Lock()
			sas[i] = ev.SAS
			mu.Unlock()
		}
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	confirmed := false
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if sessions[0].Result() != nil && sessions[1].Result() != nil {
			break
		}
		for i := range 2 {
			text := sessions[i].ChatText()
			if strings.Contains(text, "MB1:") || (text != "" && !strings.HasPrefix(text, "mispbump1.")) {
				t.Fatalf("chat text is not chat-safe: %q", text)
			}
			if text != "" {
				sessions[1-i].Paste("Here is my code:\n" + text + "\n")
			}
		}
		mu.Lock()
		ready := sas[0] != "" && sas[0] == sas[1]
		mu.Unlock()
		if ready && !confirmed {
			sessions[0].Confirm()
			sessions[1].Confirm()
			confirmed = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i, s := range sessions {
		r := s.Result()
		if r == nil || !r.OK {
			t.Fatalf("side %d: %+v", i, r)
		}
		if fakes[i].liveKeys() != 1 {
			t.Errorf("side %d keys %d", i, fakes[i].liveKeys())
		}
	}
}
