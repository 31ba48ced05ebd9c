package session

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

const testTimeout = 20 * time.Second

func TestFakePairingStages(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
	res := p.wait(testTimeout)
	for i, r := range res {
		if !r.OK || r.Err != nil {
			t.Fatalf("side %d: ok=%v err=%v\n%s", i, r.OK, r.Err, p.eventLog(i))
		}
		if r.PartnerDone == nil || r.PartnerDone.Status != 1 {
			t.Errorf("side %d: partner's DONE = %+v, want status 1", i, r.PartnerDone)
		}
		if r.SAS == "" || r.SAS != res[1-i].SAS {
			t.Errorf("SAS %q vs %q", r.SAS, res[1-i].SAS)
		}
		want := []Stage{StageWaitingForPartner, StageCompareSAS, StageCreatingOrg, StageCreatingSyncUser, StageCreatingServer, StageTestingConnection, StageDone}
		got := slices.DeleteFunc(p.stages(i), func(s Stage) bool {
			return s == StageWaitingForPartnerConfirm || s == StageWaitingForPartnerKey
		})
		if !slices.Equal(got, want) {
			t.Errorf("side %d stages %v, want %v", i, got, want)
		}
		if !r.Partner.OrgCreated || !r.Partner.UserCreated || !r.Partner.ServerCreated {
			t.Errorf("side %d: first pairing should create org, user, server: %+v", i, r.Partner)
		}
		if fakes[i].liveKeys() != 1 {
			t.Errorf("side %d: %d live keys, want 1", i, fakes[i].liveKeys())
		}
	}
	// A screen goes blank at most once: when the partner's DONE has
	// acknowledged everything we sent while our own DONE is not out yet.
	p.wire.mu.Lock()
	blank := p.wire.blank
	p.wire.mu.Unlock()
	if blank[0] > 1 || blank[1] > 1 {
		t.Errorf("screens went blank %v times during a successful pairing", blank)
	}
	// The DONE lingers: after the end, each sink still shows only DONE.
	for i := range 2 {
		frames := p.s[i].Frames()
		if len(frames) != 1 {
			t.Fatalf("side %d shows %d frames at the end, want DONE only", i, len(frames))
		}
		fi, err := pairing.Inspect(frames[0])
		if err != nil || fi.Round != pairing.RoundDone {
			t.Errorf("side %d shows %v (%v), want DONE", i, fi, err)
		}
	}
}

func TestRejectWritesNothing(t *testing.T) {
	for reject := range 2 {
		fakes, cfgs := fakeConfigs()
		p := startPair(t, pairOptions{cfg: cfgs, rejectOn: reject})
		res := p.wait(testTimeout)
		if !isKind(res[reject].Err, KindRejected) {
			t.Errorf("rejecting side: err %v, want rejected", res[reject].Err)
		}
		other := 1 - reject
		if res[other].OK {
			t.Errorf("other side finished despite the rejection")
		}
		// The other side may have confirmed already; it sees the ABORT,
		// or (if it also had not confirmed) nothing happened at all.
		if res[other].Abort == nil || !res[other].AbortedByPartner || res[other].Abort.Reason != pairing.AbortRejectedSAS {
			t.Errorf("other side: abort %+v by partner %v, want the partner's rejection\n%s", res[other].Abort, res[other].AbortedByPartner, p.eventLog(other))
		}
		for i := range 2 {
			if n := fakes[i].writeCount(); n != 0 {
				t.Errorf("reject by %d: side %d wrote %d times to its MISP", reject, i, n)
			}
			// The rejecting side shows its sealed ABORT, and before it its
			// KEY while the partner has not shown that it holds it; the
			// other side shows nothing.
			var rounds []pairing.Round
			for _, f := range p.s[i].Frames() {
				fi, err := pairing.Inspect(f)
				if err != nil {
					t.Fatal(err)
				}
				rounds = append(rounds, fi.Round)
			}
			switch {
			case i == other && len(rounds) != 0,
				i == reject && !slices.Equal(rounds, []pairing.Round{pairing.RoundAbort}) && !slices.Equal(rounds, []pairing.Round{pairing.RoundKey, pairing.RoundAbort}):
				t.Errorf("side %d still shows %v", i, rounds)
			}
		}
		p.stop()
	}
}

func TestCancelBeforeKeys(t *testing.T) {
	_, cfgs := fakeConfigs()
	cfg := cfgs[0]
	var shown [][]string
	var mu sync.Mutex
	cfg.Sink = SinkFunc(func(f []string) { mu.Lock(); shown = append(shown, f); mu.Unlock() })
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Cancel()
	r := s.Wait(ctxTimeout(t))
	if r == nil || !isKind(r.Err, KindCancelled) || r.Abort == nil {
		t.Fatalf("result %+v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 2 || len(shown[0]) != 1 || len(shown[1]) != 0 {
		t.Errorf("sink saw %v, want our COMMIT then nothing", shown)
	}
}

func TestContextCancelStopsWithoutLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		fakes, cfgs := fakeConfigs()
		// A slow partner: cancel while everything is running, at random moments.
		p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
		time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
		p.stop()
		_ = fakes
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestMethodsNeverBlock(t *testing.T) {
	_, cfgs := fakeConfigs()
	cfg := cfgs[0]
	block := make(chan struct{})
	cfg.Sink = SinkFunc(func([]string) {})
	cfg.OnEvent = func(Event) { <-block } // a subscriber stuck on the first event
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for range 1000 {
			s.Confirm()
			s.Paste("not a code")
			s.Reject()
			s.Cancel()
			_ = s.Stage()
			_ = s.Frames()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("methods blocked while the session was busy")
	}
	close(block)
	cancel()
	<-s.Done()
}

func TestStartRefusesBadChoices(t *testing.T) {
	_, cfgs := fakeConfigs()
	cfg := cfgs[0]
	cfg.Sink = SinkFunc(func([]string) {})
	cfg.Choices.Pull = false
	if _, err := Start(context.Background(), cfg); !isKind(err, KindBadChoice) {
		t.Errorf("neither push nor pull: %v", err)
	}
	cfg.Choices = DefaultChoices()
	cfg.Choices.Internal = true // the fake login has host_org_id unset
	if _, err := Start(context.Background(), cfg); !isKind(err, KindBadChoice) || !strings.Contains(err.Error(), "host_org_id") {
		t.Errorf("internal without host_org_id: %v", err)
	}
	cfg.Choices = DefaultChoices()
	cfg.Choices.ExistingServer = "replace"
	if _, err := Start(context.Background(), cfg); !isKind(err, KindBadChoice) {
		t.Errorf("unknown policy: %v", err)
	}
}

func TestDefaultChoices(t *testing.T) {
	c := DefaultChoices()
	if !c.Pull || c.Push || !c.PublishWithoutEmail || c.ExistingServer != ExistingServerUpdateKey || c.NameClash != NameClashSuffixUUID || c.Internal {
		t.Errorf("defaults %+v differ from the brief", c)
	}
	if c.timeout() != 10*time.Minute {
		t.Errorf("face-to-face timeout %v", c.timeout())
	}
	c.Remote = true
	if c.timeout() != 60*time.Minute {
		t.Errorf("remote timeout %v", c.timeout())
	}
	prefs := store.DefaultPreferences().Prepare
	if got := ChoicesFromPreferences(prefs); got.timeout() != 10*time.Minute || !got.Pull || got.Push {
		t.Errorf("choices from the store's default preferences: %+v", got)
	}
	prefs.FaceToFaceTimeoutSeconds, prefs.RemoteTimeoutSeconds, prefs.Push = 300, 7200, true
	got := ChoicesFromPreferences(prefs)
	if got.timeout() != 5*time.Minute || !got.Push {
		t.Errorf("face to face from preferences: %v", got.timeout())
	}
	got.Remote = true
	if got.timeout() != 2*time.Hour {
		t.Errorf("remote from preferences: %v", got.timeout())
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

var _ = errors.New
