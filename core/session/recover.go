package session

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// A panic while handling outside input (a scanned or pasted code, an answer
// of our MISP) is a bug in the app, but the input that triggers it comes from
// someone else: a partner, a bystander's screen, a MISP. It must not take the
// app down, so the session recovers it at exactly these places and turns it
// into an *Error of KindInternal:
//
//   - in the protocol's parsing of a received or pasted text (receiveGuarded):
//     the input is refused like any bad code, reported once as a Problem, and
//     the session goes on (a bad input must not end a pairing: anyone can
//     hold a code up to the camera);
//   - in the session's own handling of an input the protocol accepted
//     (handleGuarded): its state may be half changed, so the session stops
//     the pairing like any protocol failure (ABORT to the partner, a key
//     minted in this session revoked) with the message in words;
//   - in a MISP step run by the worker (startWorker): the step fails like any
//     failed step, and the pending pairing is kept for a resume.
//
// Panics anywhere else (a bug in the UI's event handler, say) are not hidden.

// panicError turns a recovered panic into an error in words. It names the
// function that panicked, which helps a bug report, and shows the panic's
// value only when it is a runtime error (an index out of range, a nil
// pointer): their text holds no data. Any other value might hold what the
// code was handling, a key included, so only its type is named.
func panicError(doing, outcome string, r any) *Error {
	what := fmt.Sprintf("a %T", r)
	if re, ok := r.(runtime.Error); ok {
		what = re.Error()
	}
	if where := panickedIn(); where != "" {
		what += ", in " + where
	}
	return &Error{Kind: KindInternal, Detail: doing + " (" + what + "); " + outcome + "; please report this fault"}
}

// panickedIn is the function that panicked, from inside a deferred recover:
// the first frame after runtime.gopanic that is not the runtime's own.
func panickedIn() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	afterPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			afterPanic = true
		case afterPanic && !strings.HasPrefix(f.Function, "runtime."):
			return f.Function[strings.LastIndex(f.Function, "/")+1:]
		}
		if !more {
			return ""
		}
	}
}

// receiveGuarded runs the protocol's handling of one outside input (parse is
// side.Receive or side.ReceiveAll). A panic in it refuses the input: it is
// reported as a Problem once, and the same input again is ignored quietly
// (the camera sees the same code many times a second).
func (e *engine) receiveGuarded(input string, parse func()) (ok bool) {
	// Inputs are hashed only once one has panicked: the usual input (every
	// decoded camera frame) costs nothing here.
	if len(e.panicked) > 0 && e.panicked[sha256.Sum256([]byte(input))] {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			ok = false
			if e.panicked == nil || len(e.panicked) > 1024 {
				e.panicked = map[[32]byte]bool{}
			}
			e.panicked[sha256.Sum256([]byte(input))] = true
			err := panicError("reading a received code", "the code was ignored", r)
			e.emit(Event{Problem: err, Message: err.Error()})
		}
	}()
	if e.cfg.beforeInput != nil {
		e.cfg.beforeInput(input)
	}
	parse()
	return true
}

// handleGuarded runs the session's handling of input the protocol accepted.
// A panic there stops the pairing cleanly, with the reason in words.
func (e *engine) handleGuarded(handle func()) {
	defer func() {
		if r := recover(); r != nil {
			e.internalFailure(panicError("handling a received code", "the pairing was stopped", r))
		}
	}()
	if e.cfg.afterInput != nil {
		e.cfg.afterInput(e.stage)
	}
	handle()
}

// internalFailure stops the pairing after a recovered panic, like a protocol
// failure: ABORT to the partner, this session's key revoked.
func (e *engine) internalFailure(err *Error) {
	if e.final {
		return
	}
	if e.side.State() != pairing.StateAborted {
		// The partner learns what happened, not where: the details are
		// for our admin's bug report.
		_ = e.side.Abort(pairing.AbortFailure, "its app hit an internal error while handling our code; start a new pairing")
	}
	e.ownAbort(err)
}

// workerGuarded runs a worker's MISP steps. A panic in them (on an answer of
// our MISP nobody foresaw) ends the work as if a step had failed: fallback is
// the message sent then, with the error added (nameFailedStep names the step).
func workerGuarded(ctx context.Context, fallback workerMsg, work func(context.Context) workerMsg) (m workerMsg) {
	defer func() {
		if r := recover(); r != nil {
			m = fallback
			m.err = panicError("working on our MISP", "the step was stopped", r)
		}
	}()
	return work(ctx)
}

// nameFailedStep names the step a recovered panic stopped in a pairing
// phase: the one running in the stage the worker last reported (its progress
// messages arrive before its result).
func (e *engine) nameFailedStep(m *workerMsg) {
	var ie *Error
	if m.step != "" || (m.kind != msgPhase1 && m.kind != msgPhase2) || !errors.As(m.err, &ie) || ie.Kind != KindInternal {
		return
	}
	switch e.stage {
	case StageCreatingSyncUser:
		m.step = StepSyncUser
	case StageCreatingServer:
		m.step = StepServer
	case StageTestingConnection:
		m.step = StepTest
	default:
		if m.kind == msgPhase2 {
			m.step = StepServer
		} else {
			m.step = StepOrg
		}
	}
}
