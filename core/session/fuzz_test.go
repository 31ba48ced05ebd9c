package session

import (
	"context"
	"sync"
	"testing"
	"time"
)

// FuzzSessionInput feeds arbitrary scanned or pasted text to a running
// session: it must never panic, never end the session by itself, and never
// write to the MISP.
func FuzzSessionInput(f *testing.F) {
	f.Add("MB1:%%%")
	f.Add("mispbump1.AAAA.AAAA")
	f.Add("https://example.org/badge")
	f.Add("")
	f.Add("MB1:" + "0123456789ABCDEF")
	f.Add("\xec\xec\xec\xec\xec\xecmispBump1.0") // crashed the app before splitFrames matched in place
	f.Fuzz(func(t *testing.T, text string) {
		fakes, cfgs := fakeConfigs()
		cfg := cfgs[0]
		cfg.Sink = SinkFunc(func([]string) {})
		// The session recovers a panic in reading outside input and reports
		// it as a problem of KindInternal; for the fuzzer that is a crash.
		var mu sync.Mutex
		var internal []error
		cfg.OnEvent = func(ev Event) {
			mu.Lock()
			defer mu.Unlock()
			if isKind(ev.Problem, KindInternal) {
				internal = append(internal, ev.Problem)
			}
			if ev.Result != nil && isKind(ev.Result.Err, KindInternal) {
				internal = append(internal, ev.Result.Err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Paste(text)
		s.Paste(text + "\n" + text)
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) && len(s.Frames()) == 0 {
			time.Sleep(time.Millisecond)
		}
		if s.Stage().Final() && !isKind(s.Result().Err, KindProtocol) {
			t.Fatalf("input ended the session: %v", s.Result().Err)
		}
		s.Cancel() // queued after the pastes: they have been handled when it ends
		<-s.Done()
		if fakes[0].writeCount() != 0 {
			t.Fatal("input made the session write to the MISP")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(internal) != 0 {
			t.Fatalf("input made the session panic: %v", internal)
		}
	})
}
