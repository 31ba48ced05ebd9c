package session

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// A panic while the protocol reads an outside input refuses that input once,
// in words, and the pairing goes on. The panic's value, which might hold what
// was being read, stays out of the message unless it is a runtime error.
func TestPanicReadingInputIsRefusedAndSessionGoesOn(t *testing.T) {
	_, cfgs := fakeConfigs()
	cfgs[0].beforeInput = func(text string) {
		switch text {
		case "poison-index":
			var parts []string
			_ = parts[len(text)] // index out of range, like the splitFrames crash
		case "poison-secret":
			panic(errors.New("authkey SECRETAUTHKEY0123456789"))
		}
	}
	p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
	for range 3 { // the same input again is ignored quietly
		p.s[0].Paste("poison-index")
		p.s[0].Paste("poison-secret")
	}
	res := p.wait(testTimeout)
	requireOK(t, p, res)
	var internal []error
	for _, err := range p.problems(0) {
		if isKind(err, KindInternal) {
			internal = append(internal, err)
		}
	}
	if len(internal) != 2 {
		t.Fatalf("internal problems %v, want one per poisoned input\n%s", internal, p.eventLog(0))
	}
	for _, err := range internal {
		msg := err.Error()
		t.Logf("A's problem: %s", msg)
		if !strings.Contains(msg, "internal error") || !strings.Contains(msg, "the code was ignored") || !strings.Contains(msg, "please report") {
			t.Errorf("message not in words: %q", msg)
		}
		if strings.Contains(msg, "SECRETAUTHKEY") {
			t.Errorf("panic value in the message: %q", msg)
		}
	}
	if !strings.Contains(internal[0].Error()+internal[1].Error(), "index out of range") {
		t.Errorf("the runtime error is not named: %v", internal)
	}
	if !strings.Contains(p.eventLog(0), "internal error") {
		t.Errorf("the message did not reach the event stream:\n%s", p.eventLog(0))
	}
}

// A panic while the session handles an input the protocol accepted may leave
// it half changed: the pairing stops cleanly, with an ABORT the partner reads
// and the reason in words on both sides, and the app stays up.
func TestPanicHandlingAcceptedInputStopsPairing(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	var fired atomic.Bool
	cfgs[0].afterInput = func(st Stage) {
		if st == StageCompareSAS && !fired.Swap(true) {
			_ = strings.Fields(strings.Repeat(" ", int(st)))[0] // index out of range
		}
	}
	p := startPair(t, pairOptions{cfg: cfgs, noAuto: true})
	res := p.wait(testTimeout)
	if !fired.Load() {
		t.Fatal("setup: the panic never fired")
	}
	if !isKind(res[0].Err, KindInternal) || res[0].Abort == nil || res[0].Abort.Reason != pairing.AbortFailure {
		t.Fatalf("A: err %v abort %+v\n%s", res[0].Err, res[0].Abort, p.eventLog(0))
	}
	t.Logf("A: %v\nB: %v", res[0].Err, res[1].Err)
	if msg := res[0].Err.Error(); !strings.Contains(msg, "internal error") || !strings.Contains(msg, "index out of range") || !strings.Contains(msg, "stopped") {
		t.Errorf("A's message: %q", msg)
	}
	if !isKind(res[1].Err, KindPartnerAborted) || !strings.Contains(res[1].Err.Error(), "its app hit an internal error") {
		t.Errorf("B: %v\n%s", res[1].Err, p.eventLog(1))
	}
	for i := range 2 {
		if n := fakes[i].writeCount(); n != 0 {
			t.Errorf("side %d wrote %d times to its MISP", i, n)
		}
	}
}

// panickyFake panics in the sync user step, as a MISP answer nobody foresaw
// might make the code that reads it.
type panickyFake struct{ *fakeMISP }

func (f panickyFake) SyncUser(ctx context.Context, p pairing.Info, org orgResult) (userResult, error) {
	panic("raw key SECRETAUTHKEY0123456789 in an answer")
}

// A panic in a MISP step fails that step like any failed step: the partner
// gets our failing DONE, the pending pairing is kept for a resume, and the
// message names the step but not the panic's value.
func TestPanicInMISPStepFailsTheStep(t *testing.T) {
	shortGrace(t)
	fakes, cfgs := fakeConfigs()
	cfgs[0].steps = panickyFake{fakes[0]}
	p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
	res := p.wait(testTimeout)
	var se *Error
	if !errors.As(res[0].Err, &se) || se.Kind != KindStep || se.Step != StepSyncUser || !isKind(se.Err, KindInternal) {
		t.Fatalf("A: %v\n%s", res[0].Err, p.eventLog(0))
	}
	msg := res[0].Err.Error()
	t.Logf("A: %s", msg)
	if strings.Contains(msg, "SECRETAUTHKEY") || !strings.Contains(msg, "a string") || !strings.Contains(msg, "panickyFake.SyncUser") {
		t.Errorf("A's message: %q", msg)
	}
	if res[0].Advice == "" {
		t.Error("A gets no advice")
	}
	if d := res[1].PartnerDone; d == nil || d.Status == 1 || !strings.Contains(d.Message, "internal error") || strings.Contains(d.Message, "SECRETAUTHKEY") {
		t.Errorf("B did not get A's failure in words: %+v", d)
	}
}
