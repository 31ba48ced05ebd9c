package session

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

func requireOK(t *testing.T, p *pair, res [2]*Result) {
	t.Helper()
	for i, r := range res {
		if !r.OK || r.Err != nil {
			t.Fatalf("side %d: ok=%v err=%v\n%s", i, r.OK, r.Err, p.eventLog(i))
		}
	}
}

// Frames shuffled, duplicated and dropped on the way still pair.
func TestShuffledDuplicatedDroppedFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	filter := func(to int, frames, own []string) []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, f := range frames {
			switch r := rng.IntN(10); {
			case r < 3: // dropped
			case r < 5:
				out = append(out, f, f, f) // duplicated
			default:
				out = append(out, f)
			}
		}
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	_, cfgs := fakeConfigs()
	p := startPair(t, pairOptions{cfg: cfgs, filter: filter, rejectOn: -1})
	requireOK(t, p, p.wait(testTimeout))
}

// A side that sees its own code (the partner's camera preview, a mirror)
// ignores it and still pairs.
func TestReflection(t *testing.T) {
	filter := func(to int, frames, own []string) []string {
		return append(own, frames...)
	}
	_, cfgs := fakeConfigs()
	p := startPair(t, pairOptions{cfg: cfgs, filter: filter, rejectOn: -1})
	requireOK(t, p, p.wait(testTimeout))
}

// A third party's codes in view: a foreign QR code, a damaged MISPbump code
// and the sealed frames of another pairing are each reported once and the
// pairing goes on.
func TestThirdPartyFramesInjected(t *testing.T) {
	other := otherPairingFrames(t)
	filter := func(to int, frames, own []string) []string {
		return append(append([]string{"https://example.org/badge", "MB1:%%%", other[to%len(other)]}, frames...), other...)
	}
	_, cfgs := fakeConfigs()
	p := startPair(t, pairOptions{cfg: cfgs, filter: filter, rejectOn: -1})
	requireOK(t, p, p.wait(testTimeout))
	for i := range 2 {
		seen := map[pairing.ErrorKind]int{}
		for _, err := range p.problems(i) {
			var pe *pairing.Error
			if errors.As(err, &pe) {
				seen[pe.Kind]++
			}
		}
		if seen[pairing.KindNotMISPbump] != 1 || seen[pairing.KindDamaged] != 1 || seen[pairing.KindOtherPairing] == 0 {
			t.Errorf("side %d problems %v, want the foreign, damaged and other-pairing codes each reported", i, seen)
		}
		if seen[pairing.KindOtherPairing] > len(other) {
			t.Errorf("side %d: other pairing's frames reported %d times", i, seen[pairing.KindOtherPairing])
		}
	}
}

// otherPairingFrames runs two bare pairing.Sides to the point of sealed
// frames and returns some of them.
func otherPairingFrames(t *testing.T) []string {
	t.Helper()
	x, _ := pairing.New(pairing.Options{})
	y, _ := pairing.New(pairing.Options{})
	for range 4 {
		for _, f := range x.Display() {
			_, _ = y.Receive(f)
		}
		for _, f := range y.Display() {
			_, _ = x.Receive(f)
		}
	}
	info := func(n string) pairing.Info {
		return pairing.Info{Org: pairing.Organisation{UUID: n + "-org", Name: n}, URL: "https://" + n + ".test", InstanceUUID: n + "-inst"}
	}
	if err := x.Confirm(info("x")); err != nil {
		t.Fatal(err)
	}
	if err := y.Confirm(info("y")); err != nil {
		t.Fatal(err)
	}
	var out []string
	out = append(out, x.Display()...)
	return out
}

// A man in the middle runs one pairing with each side and, as a real attacker
// would, confirms on both of its sides at once: each victim receives an INFO
// that impersonates the other victim. The victims compare their codes with
// each other (they differ: each was agreed with the attacker), both reject,
// nothing is written, and neither victim ever shows its INFO or CREDS.
func TestManInTheMiddle(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	sas := [2]string{}
	// partnerConfirmed: the attacker's INFO reached the victim.
	partnerConfirmed := [2]bool{}
	var sessions [2]*Session
	srcs := [2]chan string{make(chan string), make(chan string)}
	shown := [2][]string{}
	// roundsShown: every round of frame each victim ever put on its screen.
	roundsShown := [2]map[pairing.Round]bool{{}, {}}
	// The attacker: one Side facing A, one facing B.
	mA, _ := pairing.New(pairing.Options{})
	mB, _ := pairing.New(pairing.Options{})
	for i := range 2 {
		cfg := cfgs[i]
		cfg.Source = srcs[i]
		cfg.TickInterval = 10 * time.Millisecond
		cfg.Sink = SinkFunc(func(frames []string) {
			mu.Lock()
			defer mu.Unlock()
			shown[i] = frames
			for _, f := range frames {
				if fi, err := pairing.Inspect(f); err == nil {
					roundsShown[i][fi.Round] = true
				}
			}
		})
		cfg.OnEvent = func(ev Event) {
			mu.Lock()
			if ev.Stage == StageCompareSAS && ev.SAS != "" {
				sas[i] = ev.SAS
			}
			if ev.PartnerConfirmed {
				partnerConfirmed[i] = true
			}
			// The admins read their codes to each other only once the
			// attacker's INFO is in, so the test proves an INFO on the wire
			// does not make a victim write or answer.
			compare := sas[0] != "" && sas[1] != "" && partnerConfirmed[0] && partnerConfirmed[1]
			differ := sas[0] != sas[1]
			mu.Unlock()
			if compare && differ {
				sessions[0].Reject()
				sessions[1].Reject()
			}
		}
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	// Each attacker side impersonates the victim on the other side.
	impersonate := func(l *misp.LoginInfo) pairing.Info {
		return pairing.Info{
			Org:          pairing.Organisation{UUID: l.HostOrg.UUID, Name: l.HostOrg.Name},
			AdminEmail:   l.User.Email,
			URL:          l.AnnounceURL,
			InstanceUUID: l.InstanceUUID,
			MISPVersion:  l.Version,
		}
	}
	attackerInfo := [2]pairing.Info{impersonate(cfgs[1].Login), impersonate(cfgs[0].Login)}
	var attackerConfirmErr [2]error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sides := [2]*pairing.Side{mA, mB}
		confirmed := [2]bool{}
		for ctx.Err() == nil {
			for i := range 2 {
				mu.Lock()
				fromVictim := append([]string(nil), shown[i]...)
				mu.Unlock()
				for _, f := range fromVictim {
					_, _ = sides[i].Receive(f)
				}
				if _, ok := sides[i].SAS(); ok && !confirmed[i] {
					confirmed[i] = true
					attackerConfirmErr[i] = sides[i].Confirm(attackerInfo[i])
				}
				for _, f := range sides[i].Display() {
					select {
					case srcs[i] <- f:
					case <-ctx.Done():
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
			}
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, testTimeout)
	defer wcancel()
	for i, s := range sessions {
		r := s.Wait(wctx)
		if r == nil {
			t.Errorf("side %d did not end; stage %v", i, s.Stage())
			continue
		}
		if !isKind(r.Err, KindRejected) {
			t.Errorf("side %d: %v, want rejected", i, r.Err)
		}
	}
	cancel()
	wg.Wait()
	for _, s := range sessions {
		<-s.Done()
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range 2 {
		if attackerConfirmErr[i] != nil {
			t.Fatalf("the attacker could not confirm towards side %d: %v", i, attackerConfirmErr[i])
		}
		if !partnerConfirmed[i] {
			t.Errorf("side %d never received the attacker's INFO: the test did not exercise a confirming attacker", i)
		}
		if n := fakes[i].writeCount(); n != 0 {
			t.Errorf("side %d wrote %d times to its MISP", i, n)
		}
		if n := fakes[i].liveKeys(); n != 0 {
			t.Errorf("side %d minted %d keys", i, n)
		}
		for _, r := range []pairing.Round{pairing.RoundInfo, pairing.RoundCreds, pairing.RoundDone} {
			if roundsShown[i][r] {
				t.Errorf("side %d showed its %v to the attacker", i, r)
			}
		}
		if !roundsShown[i][pairing.RoundAbort] {
			t.Errorf("side %d never showed its ABORT", i)
		}
	}
	if _, ok := mA.PartnerInfo(); ok {
		t.Error("the attacker holds A's INFO")
	}
	if _, ok := mB.PartnerInfo(); ok {
		t.Error("the attacker holds B's INFO")
	}
	if _, ok := mA.PartnerCreds(); ok {
		t.Error("the attacker holds A's CREDS")
	}
	if _, ok := mB.PartnerCreds(); ok {
		t.Error("the attacker holds B's CREDS")
	}
	if sas[0] == sas[1] {
		t.Errorf("the man in the middle got equal codes %q", sas[0])
	}
}

// Cancelling after keys exist sends a sealed ABORT; the partner stops too and
// nothing is written.
func TestCancelAfterKeys(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	p := startPair(t, pairOptions{cfg: cfgs, noAuto: true})
	deadline := time.Now().Add(testTimeout)
	// Both hold the keys (for a partner that does not, see
	// TestCancelBeforePartnerHasKeys).
	for (p.s[0].Stage() != StageCompareSAS || p.s[1].Stage() != StageCompareSAS) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	p.s[0].Cancel()
	res := p.wait(testTimeout)
	if !isKind(res[0].Err, KindCancelled) || res[0].Abort == nil || res[0].Abort.Reason != pairing.AbortCancelled {
		t.Errorf("cancelling side: %+v", res[0])
	}
	if !isKind(res[1].Err, KindPartnerAborted) || !res[1].AbortedByPartner {
		t.Errorf("partner: %+v\n%s", res[1], p.eventLog(1))
	}
	for i := range 2 {
		if fakes[i].writeCount() != 0 {
			t.Errorf("side %d wrote", i)
		}
	}
}

// No progress: both sides time out with a sealed ABORT(timeout).
func TestTimeout(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	for i := range cfgs {
		cfgs[i].Choices.Timeout = 300 * time.Millisecond
	}
	p := startPair(t, pairOptions{cfg: cfgs, noAuto: true}) // nobody confirms
	res := p.wait(testTimeout)
	for i, r := range res {
		timedOut := isKind(r.Err, KindTimeout) || (isKind(r.Err, KindPartnerAborted) && r.Abort != nil && r.Abort.Reason == pairing.AbortTimeout)
		if !timedOut {
			t.Errorf("side %d: %v", i, r.Err)
		}
		if fakes[i].writeCount() != 0 {
			t.Errorf("side %d wrote", i)
		}
	}
}

// gatedFake blocks the server step until released or cancelled.
type gatedFake struct {
	*fakeMISP
	gate chan struct{}
}

func (g *gatedFake) Server(ctx context.Context, p pairing.Info, c pairing.Creds, org orgResult, ch Choices) (serverResult, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return serverResult{}, ctx.Err()
	}
	return g.fakeMISP.Server(ctx, p, c, org, ch)
}

// An ABORT after keys were minted in this session revokes them, on both
// sides: here both minted and sent their key, and both are making their
// server entry when A cancels.
func TestAbortRevokesKeyMintedInSession(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	gate := make(chan struct{})
	defer close(gate)
	for i := range 2 {
		cfgs[i].steps = &gatedFake{fakeMISP: fakes[i], gate: gate}
	}
	p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
	deadline := time.Now().Add(testTimeout)
	for (p.s[0].Stage() != StageCreatingServer || p.s[1].Stage() != StageCreatingServer) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for i := range 2 {
		if fakes[i].liveKeys() != 1 {
			t.Fatalf("side %d holds %d keys before the cancel", i, fakes[i].liveKeys())
		}
	}
	p.s[0].Cancel()
	res := p.wait(testTimeout)
	if !isKind(res[0].Err, KindCancelled) || !isKind(res[1].Err, KindPartnerAborted) {
		t.Errorf("results %v / %v", res[0].Err, res[1].Err)
	}
	for i := range 2 {
		if n := fakes[i].liveKeys(); n != 0 {
			t.Errorf("side %d: %d keys left after the ABORT, want 0\n%s", i, n, p.eventLog(i))
		}
	}
}

// A partner that never read our KEY before we cancelled still learns why the
// code vanished: our KEY stays on screen beside the sealed ABORT, so it
// derives the keys and opens the ABORT instead of timing out.
func TestCancelBeforePartnerHasKeys(t *testing.T) {
	_, cfgs := fakeConfigs()
	var blockKeys atomic.Bool
	blockKeys.Store(true)
	filter := func(to int, frames, own []string) []string {
		if to == 1 && blockKeys.Load() {
			var out []string
			for _, f := range frames {
				if fi, err := pairing.Inspect(f); err == nil && fi.Round == pairing.RoundKey {
					continue
				}
				out = append(out, f)
			}
			return out
		}
		return frames
	}
	p := startPair(t, pairOptions{cfg: cfgs, filter: filter, noAuto: true})
	deadline := time.Now().Add(testTimeout)
	for p.s[0].Stage() != StageCompareSAS && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if p.s[1].Stage() == StageCompareSAS {
		t.Fatal("setup: the partner already holds our key")
	}
	p.s[0].Cancel()
	for time.Now().Before(deadline) && p.s[0].Result() == nil {
		time.Sleep(time.Millisecond)
	}
	blockKeys.Store(false) // the partner's camera now catches our KEY
	res := p.wait(testTimeout)
	if !isKind(res[0].Err, KindCancelled) {
		t.Errorf("cancelling side: %v", res[0].Err)
	}
	if !isKind(res[1].Err, KindPartnerAborted) || !res[1].AbortedByPartner || res[1].Abort == nil || res[1].Abort.Reason != pairing.AbortCancelled {
		t.Errorf("partner: %+v, want our ABORT (cancelled)\n%s", res[1], p.eventLog(1))
	}
	if res[1].Err != nil && !strings.Contains(res[1].Err.Error(), "cancelled") {
		t.Errorf("partner's reason: %v", res[1].Err)
	}
}
