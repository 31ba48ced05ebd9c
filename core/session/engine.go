package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// revokeTimeout bounds the revocation of a key after an abort, which runs on
// a context of its own (the admin may have cancelled the session's).
const revokeTimeout = 30 * time.Second

// engine is the state the session's goroutine owns; nothing else touches it.
type engine struct {
	s    *Session
	cfg  Config
	side *pairing.Side

	stage            Stage
	partnerConfirmed bool
	shown            []string

	// MISP work runs in one worker goroutine at a time, reporting on worker.
	worker       chan workerMsg
	workerBusy   bool
	workerCancel context.CancelFunc

	phase1Started, phase1Done bool
	phase2Started             bool
	org                       orgResult
	user                      userResult // Key is cleared once CREDS went out
	server                    serverResult
	test                      *pairing.TestResult
	minted                    *store.MintedKey // the key minted in this session
	oldKeys                   []store.MintedKey
	revoked                   []string
	ourDone                   *pairing.Done
	stepsDone                 []string

	pendingID string
	partnerID string

	// identity is what was checked of the partner's claims so far.
	identity *IdentityCheck
	// record is our earlier record of the partner (recordOK), read when
	// its INFO arrived; addressNote says its URL is in a private range.
	record      store.Partner
	recordOK    bool
	addressNote string
	// keyCheck is the check of the partner's PGP key, once made.
	keyCheck     *PartnerKeyCheck
	keyCheckDone bool
	// paused: phase 1 stopped before minting because the partner claims an
	// organisation our MISP knows; waiting for ReuseExisting or Cancel.
	paused bool
	// approvedOrg is the organisation UUID the admin vouched for at the
	// pause ("" until then).
	approvedOrg string

	// doneWithoutCreds is when the partner's failing DONE arrived while its
	// CREDS had not: the CREDS may still be on its screen, or never come.
	doneWithoutCreds time.Time

	// panicked holds the inputs whose reading panicked, each reported once
	// (see receiveGuarded).
	panicked map[[32]byte]bool

	final       bool // a final event went out
	result      Result
	exit        bool
	revokeAfter bool // revoke this session's key once the worker returns
}

type workerMsgKind int

const (
	msgStage workerMsgKind = iota + 1
	msgPhase1
	msgPhase2
	msgRevoked
)

type workerMsg struct {
	kind  workerMsgKind
	stage Stage
	err   error
	step  string

	org    orgResult
	user   userResult
	server serverResult
	test   *pairing.TestResult
	old    []store.MintedKey
	oldErr error // listing old keys failed: they are not revoked this time
	gone   []string
	key    *PartnerKeyCheck
	// identity is the check of the partner's claims phase 1 made.
	identity *IdentityCheck
}

func (e *engine) run(ctx context.Context) {
	defer close(e.s.done)
	ticker := time.NewTicker(e.cfg.TickInterval)
	defer ticker.Stop()
	src := e.cfg.Source

	first := "showing our code; point the camera at the partner's screen"
	if e.cfg.Choices.Remote {
		first = "our first code is ready to send; paste or open the partner's when it arrives"
	}
	e.emit(Event{Stage: StageWaitingForPartner, Message: first})
	e.show()
	for !e.exit {
		select {
		case <-ctx.Done():
			e.stopWorker()
			e.cancelled(ctx.Err())
			return
		case text, ok := <-src:
			if !ok {
				src = nil
				continue
			}
			e.receive(text)
		case <-e.s.wake:
			for _, c := range e.s.takeQueue() {
				e.command(ctx, c)
			}
		case m := <-e.worker:
			e.workerDone(ctx, m)
		case now := <-ticker.C:
			e.tick(now)
		}
		e.show()
	}
	e.stopWorker()
}

// stopWorker cancels the running MISP step and waits for it to return, so no
// goroutine outlives the session.
func (e *engine) stopWorker() {
	if !e.workerBusy {
		return
	}
	e.workerCancel()
	for e.workerBusy {
		m := <-e.worker
		if m.kind != msgStage {
			e.workerBusy = false
		}
		if m.user.Minted.ID != "" && !e.phase1Done {
			// A key minted by a step we abandon never reached the partner:
			// nobody will use it, so it is marked for revocation.
			e.markPendingRevocation(m.user.Minted)
		}
	}
}

// cancelled ends the session because its context ended: the window closed.
// Nothing more can be shown, so no ABORT; the pending record stays.
func (e *engine) cancelled(cause error) {
	if e.final {
		return
	}
	e.result.Err = &Error{Kind: KindCancelled, Detail: "the window was closed", Err: cause}
	e.result.Advice = "start a new pairing when you are ready"
	e.finish(StageAborted, "cancelled")
}

// show tells the sink when the frames to show changed.
func (e *engine) show() {
	frames := e.side.Display()
	if slices.Equal(frames, e.shown) && e.shown != nil {
		return
	}
	if frames == nil {
		frames = []string{}
	}
	e.shown = frames
	rounds := make([]pairing.Round, len(frames))
	for i, f := range frames {
		if info, err := pairing.Inspect(f); err == nil {
			rounds[i] = info.Round
		}
	}
	e.s.mu.Lock()
	e.s.frames, e.s.rounds = slices.Clone(frames), rounds
	if e.s.everShown == nil {
		e.s.everShown = map[string]bool{}
	}
	for _, f := range frames {
		e.s.everShown[f] = true
	}
	e.s.partnerReached = e.side.PartnerReached()
	e.s.mu.Unlock()
	e.cfg.Sink.ShowFrames(slices.Clone(frames))
}

func (e *engine) emit(ev Event) {
	if ev.Stage == 0 {
		ev.Stage = e.stage
	}
	e.stage = ev.Stage
	if sas, ok := e.side.SAS(); ok {
		ev.SAS = sas
	}
	ev.PartnerConfirmed = e.partnerConfirmed
	if e.partnerConfirmed {
		ps := e.result.Partner
		ev.Partner = &ps
	}
	e.s.mu.Lock()
	e.s.stage, e.s.sas = ev.Stage, ev.SAS
	e.s.partnerReached = e.side.PartnerReached()
	if ev.Result != nil {
		r := *ev.Result
		e.s.result = &r
	}
	e.s.mu.Unlock()
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(ev)
	}
}

func (e *engine) command(ctx context.Context, c command) {
	switch c.kind {
	case cmdConfirm:
		if e.final || e.side.State() != pairing.StateCompare {
			return
		}
		if err := e.side.Confirm(e.ourInfo()); err != nil {
			e.protocolFailure(err)
			return
		}
		if e.checkEnded() {
			return
		}
		if e.partnerConfirmed {
			e.startPhase1(ctx)
		} else {
			e.emit(Event{Stage: StageWaitingForPartnerConfirm, Message: "you confirmed; waiting for the partner to confirm"})
		}
	case cmdReject:
		if e.final || e.side.State() != pairing.StateCompare {
			return
		}
		_ = e.side.Reject()
		e.ownAbort(&Error{Kind: KindRejected})
	case cmdCancel:
		e.cancel()
	case cmdRestart:
		if e.final || e.partnerConfirmed {
			return
		}
		up, err := e.side.Restart()
		if err != nil {
			e.protocolFailure(err)
			return
		}
		e.s.mu.Lock()
		e.s.sent, e.s.everShown = 0, nil // a new first code: nothing of it was handed out
		e.s.mu.Unlock()
		e.emit(Event{Stage: StageWaitingForPartner, Message: "started again with a new code"})
		if up.Event == pairing.EventPartnerCommit {
			e.update(ctx, up)
		}
	case cmdReuse:
		if e.final || !e.paused || e.identity == nil || e.identity.Known == nil {
			return
		}
		e.paused = false
		e.approvedOrg = e.identity.Known.UUID
		e.identity.Approved = true
		e.emit(Event{Stage: StageCreatingOrg, Message: fmt.Sprintf("you confirmed the partner is %q; its organisation is reused", e.identity.Known.Name), Identity: e.identity})
		e.startPhase1(ctx)
	case cmdPaste:
		var ups []pairing.Update
		var errs []error
		if !e.receiveGuarded(c.text, func() { ups, errs = e.side.ReceiveAll(c.text) }) {
			return
		}
		e.handleGuarded(func() {
			for _, err := range errs {
				e.problem(err)
			}
			for _, up := range ups {
				e.update(ctx, up)
			}
			e.checkEnded()
		})
	}
}

// cancel is the admin's Cancel.
func (e *engine) cancel() {
	if e.ourDone != nil || e.final {
		// Our side finished (or failed and said so): closing only stops
		// waiting for the partner's result.
		e.exit = !e.workerBusy
		if e.workerBusy {
			e.stopWorker()
			e.exit = true
		}
		return
	}
	if e.paused && e.identity != nil && e.identity.Known != nil {
		k := e.identity.Known
		_ = e.side.Abort(pairing.AbortCancelled, fmt.Sprintf("the partner's admin did not confirm that you are %q, an organisation their MISP already knows, so nothing was created there; if you are, pair again and they choose \"reuse\"", k.Name))
		e.ownAbort(&Error{Kind: KindCancelled, Detail: fmt.Sprintf("you did not confirm that the partner is %q (organisation %s, already on your MISP); nothing was written to your MISP and the partner was told why", k.Name, k.UUID)})
		return
	}
	_ = e.side.Abort(pairing.AbortCancelled, "the admin cancelled")
	e.ownAbort(&Error{Kind: KindCancelled})
}

// identityFailure stops the pairing because a check of the partner's claims
// failed; the sealed ABORT carries the reason in words to the partner.
func (e *engine) identityFailure(err error) {
	if e.final {
		return
	}
	if e.side.State() != pairing.StateAborted {
		_ = e.side.Abort(pairing.AbortFailure, "the partner's checks refused this pairing: "+err.Error())
	}
	e.result.Identity = e.identity
	e.ownAbort(&Error{Kind: KindIdentity, Err: err})
}

func (e *engine) receive(text string) {
	var up pairing.Update
	var err error
	if !e.receiveGuarded(text, func() { up, err = e.side.Receive(text) }) {
		return
	}
	e.handleGuarded(func() {
		if err != nil {
			e.problem(err)
		}
		e.update(context.Background(), up)
		e.checkEnded()
	})
}

// problem reports a rejected input; pairing reports each input once.
func (e *engine) problem(err error) {
	if errors.Is(err, pairing.ErrSameInstance) {
		e.protocolFailure(err)
		return
	}
	if errors.Is(err, pairing.ErrBadIdentity) {
		// pairing already sent the sealed ABORT with the reason.
		e.ownAbort(&Error{Kind: KindIdentity, Err: err})
		return
	}
	e.emit(Event{Problem: err, Message: err.Error()})
}

func (e *engine) update(ctx context.Context, up pairing.Update) {
	if e.final && up.Event != pairing.EventPartnerDone {
		return
	}
	switch up.Event {
	case pairing.EventPartnerCommit:
		e.emit(Event{Stage: StageWaitingForPartner, Message: "read the partner's first code; showing our key"})
	case pairing.EventKeysReady:
		e.emit(Event{Stage: StageCompareSAS, Message: "compare the codes: each reads theirs aloud, the other checks it"})
	case pairing.EventPartnerRestarted:
		e.emit(Event{Stage: StagePartnerRestarted, Message: "the partner started again: start again too, or cancel"})
	case pairing.EventPart:
		e.emit(Event{Part: up.Part, Parts: up.Parts, Message: fmt.Sprintf("read part %d of %d of the partner's %s", up.Part, up.Parts, up.Round)})
	case pairing.EventPartnerInfo:
		e.partnerConfirmed = true
		info, _ := e.side.PartnerInfo()
		e.result.Partner.OrgName, e.result.Partner.OrgUUID = info.Org.Name, info.Org.UUID
		e.result.Partner.InstanceUUID, e.result.Partner.URL = info.InstanceUUID, info.URL
		note, err := checkAnnouncedURL(info, e.cfg.Choices)
		if err != nil {
			e.identityFailure(err)
			return
		}
		e.addressNote = note
		if e.cfg.Store != nil {
			d := e.cfg.Store.Snapshot()
			e.record, e.recordOK = recordFor(&d, e.cfg.ProfileID, info)
		}
		e.identity = newIdentityCheck(info, e.record, e.recordOK, nil, note)
		if e.side.State() == pairing.StateExchange {
			e.emit(Event{Message: "the partner confirmed too"})
			e.startPhase1(ctx)
		} else {
			e.emit(Event{Message: "the partner confirmed; compare the codes and confirm"})
		}
	case pairing.EventPartnerCreds:
		e.emit(Event{Message: "received the key the partner's MISP made for us"})
		e.maybePhase2(ctx)
	case pairing.EventPartnerDone:
		e.partnerDone(ctx)
	case pairing.EventPartnerAbort, pairing.EventTimeout:
		// checkEnded handles both.
	}
}

// checkEnded handles an ABORT sent or received, and expiry. It reports
// whether the session has ended.
func (e *engine) checkEnded() bool {
	if e.side.State() != pairing.StateAborted {
		return false
	}
	if e.final {
		e.maybeExit()
		return true
	}
	if a, ok := e.side.PartnerAbort(); ok {
		e.result.Abort, e.result.AbortedByPartner = &a, true
		e.result.Err = &Error{Kind: KindPartnerAborted, Detail: partnerAbortWords(a)}
		e.result.Advice = "nothing more will be set up; a key made for the partner in this session is revoked; start a new pairing if you both still want it"
		e.abortCleanup()
		e.finish(StageAborted, "the partner stopped the pairing")
		return true
	}
	a, _ := e.side.OwnAbort()
	switch a.Reason {
	case pairing.AbortTimeout:
		e.ownAbort(&Error{Kind: KindTimeout})
	case pairing.AbortRejectedSAS:
		e.ownAbort(&Error{Kind: KindRejected})
	default:
		e.ownAbort(&Error{Kind: KindProtocol, Detail: a.Message})
	}
	return true
}

func partnerAbortWords(a pairing.Abort) string {
	switch a.Reason {
	case pairing.AbortRejectedSAS:
		return "the partner found the codes different; nothing was written; start again and make sure each reads the right screen"
	case pairing.AbortCancelled:
		if a.Message != "" && a.Message != "the admin cancelled" {
			return "the partner cancelled: " + pairing.PartnerWords(a.Message)
		}
		return "the partner cancelled"
	case pairing.AbortTimeout:
		return "the partner's side made no progress for too long"
	}
	if a.Message != "" {
		return "the partner's side said: " + pairing.PartnerWords(a.Message)
	}
	return "the partner's side failed"
}

// ownAbort finishes after our own ABORT (already on the side, or none before
// keys).
func (e *engine) ownAbort(err *Error) {
	if e.final {
		return
	}
	if a, ok := e.side.OwnAbort(); ok {
		e.result.Abort = &a
	}
	e.result.Err = err
	switch err.Kind {
	case KindRejected:
		e.result.Advice = "nothing was written to either MISP; start again and make sure each of you reads the other's screen"
	case KindTimeout:
		e.result.Advice = "start a new pairing; a key made for the partner in this session is revoked"
	case KindCancelled:
		e.result.Advice = "start a new pairing when you are ready"
	default:
		e.result.Advice = "start a new pairing"
	}
	e.abortCleanup()
	e.finish(StageAborted, err.Error())
}

// abortCleanup revokes a key minted in this session and forgets the pending
// pairing: after an ABORT neither side may finish alone.
func (e *engine) abortCleanup() {
	if e.workerBusy {
		e.revokeAfter = true
		e.workerCancel()
		return
	}
	e.revokeMinted()
}

func (e *engine) revokeMinted() {
	if e.minted != nil {
		key := *e.minted
		e.minted = nil
		e.result.Partner.MintedKeyID = key.ID
		// Recorded before the attempt: if the window closes (or MISP fails)
		// while it runs, RevokePendingKeys or RevokeAbandonedKeys finishes it.
		e.markPendingRevocation(key)
		e.startWorker(context.Background(), workerMsg{kind: msgRevoked, step: "abort", old: []store.MintedKey{key}}, func(ctx context.Context) workerMsg {
			ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
			defer cancel()
			err := e.cfg.steps.Revoke(ctx, []store.MintedKey{key})
			m := workerMsg{kind: msgRevoked, err: err, step: "abort"}
			if err == nil {
				m.gone = []string{key.ID}
			} else {
				m.old = []store.MintedKey{key}
			}
			return m
		})
	}
	if e.pendingID != "" && e.cfg.Store != nil {
		id := e.pendingID
		_ = e.cfg.Store.Update(func(d *store.Data) error {
			d.Pending = slices.DeleteFunc(d.Pending, func(p store.PendingPairing) bool { return p.ID == id })
			return nil
		})
		e.pendingID = ""
	}
}

func (e *engine) protocolFailure(err error) {
	if e.final {
		return
	}
	if e.side.State() != pairing.StateAborted {
		_ = e.side.Abort(pairing.AbortFailure, err.Error())
	}
	e.ownAbort(&Error{Kind: KindProtocol, Err: err})
}

func (e *engine) tick(now time.Time) {
	if e.final {
		return
	}
	if !e.doneWithoutCreds.IsZero() && e.cfg.Now().Sub(e.doneWithoutCreds) > partnerCredsGrace {
		if _, ok := e.side.PartnerCreds(); !ok && e.phase1Done {
			d, _ := e.side.PartnerDone()
			e.partnerFailedEarly(d)
			return
		}
	}
	// pairing expires after its own 10 or 60 minutes; a shorter or longer
	// choice shifts the clock it is asked with.
	builtin := FaceToFaceTimeout
	if e.cfg.Choices.Remote {
		builtin = RemoteTimeout
	}
	shift := builtin - e.cfg.Choices.timeout()
	_ = now
	if up := e.side.Tick(e.cfg.Now().Add(shift)); up.Event == pairing.EventTimeout {
		e.checkEnded()
	}
}

// finish emits the final event.
func (e *engine) finish(stage Stage, msg string) {
	e.final = true
	if e.result.Identity == nil && e.identity != nil {
		e.result.Identity = e.identity
	}
	e.result.SAS, _ = e.side.SAS()
	e.result.Requests = e.cfg.steps.Requests()
	e.result.PartnerID, e.result.PendingID = e.partnerID, e.pendingID
	if d, ok := e.side.PartnerDone(); ok {
		e.result.PartnerDone = &d
	}
	r := e.result
	e.emit(Event{Stage: stage, Message: msg, Result: &r})
	e.maybeExit()
}

// maybeExit ends the loop when nothing is left to wait for.
func (e *engine) maybeExit() {
	if e.workerBusy || !e.final {
		return
	}
	if e.side.State() == pairing.StateAborted {
		e.exit = true
		return
	}
	if _, ok := e.side.PartnerDone(); ok && e.ourDone != nil {
		e.exit = true
	}
}

// startWorker runs work in the worker goroutine; fallback is what it reports
// if work panics (see workerGuarded).
func (e *engine) startWorker(ctx context.Context, fallback workerMsg, work func(ctx context.Context) workerMsg) {
	wctx, cancel := context.WithCancel(ctx)
	e.workerBusy, e.workerCancel = true, cancel
	go func() {
		defer cancel()
		m := workerGuarded(wctx, fallback, work)
		e.worker <- m // the loop always drains (stopWorker)
	}()
}

// progress reports a stage from the worker; dropped when the session stopped.
func progress(ctx context.Context, ch chan<- workerMsg, stage Stage) {
	select {
	case ch <- workerMsg{kind: msgStage, stage: stage}:
	case <-ctx.Done():
	}
}

// startPhase1 does the partner org and sync user with a fresh key: only now,
// after both confirmed, does anything get written to our MISP.
func (e *engine) startPhase1(ctx context.Context) {
	if e.phase1Started || e.final || e.side.State() != pairing.StateExchange {
		return
	}
	e.phase1Started = true
	info, _ := e.side.PartnerInfo()
	choices := e.cfg.Choices
	st := e.cfg.steps
	ch := e.worker
	check := e.cfg.checkPartner
	keyDone, key := e.keyCheckDone, e.keyCheck
	rec, recOK, note := e.record, e.recordOK, e.addressNote
	approved := e.approvedOrg
	resumedOrg := e.resumedOrgUUID()
	e.startWorker(ctx, workerMsg{kind: msgPhase1}, func(ctx context.Context) workerMsg {
		m := workerMsg{kind: msgPhase1}
		if !keyDone {
			m.key = checkPartnerKey(ctx, check, info)
			key = m.key
		}
		// Continuity with our record, before anything is written: a
		// changed instance key stops; a changed URL is shown at the pause
		// even when the admin vouched in advance.
		id := newIdentityCheck(info, rec, recOK, key, note)
		if choices.ReuseOrgUUID == "" && resumedOrg != "" && resumedOrg == info.Org.UUID {
			// The organisation was made by the unfinished pairing this
			// session replaces: no one else's organisation is at stake.
			choices.ReuseOrgUUID = resumedOrg
			id.Checked = append(id.Checked, "the partner's organisation was created by the unfinished pairing this one replaces")
		}
		id.PreApproved = choices.ReuseOrgUUID != "" && choices.ReuseOrgUUID == info.Org.UUID
		id.Approved = approved != ""
		m.identity = id
		if err := id.pgpAlarm(); err != nil {
			m.err, m.step = err, StepOrg
			return m
		}
		if approved != "" {
			choices.ReuseOrgUUID = approved
		} else if id.URL == ContinuityChanged {
			choices.ReuseOrgUUID = ""
		}
		progress(ctx, ch, StageCreatingOrg)
		org, err := st.Org(ctx, info, choices)
		if err != nil {
			m.err, m.step = err, StepOrg
			return m
		}
		m.org = org
		progress(ctx, ch, StageCreatingSyncUser)
		user, err := st.SyncUser(ctx, info, org)
		m.user = user
		if err != nil {
			m.err, m.step = err, StepSyncUser
		}
		return m
	})
}

func (e *engine) maybePhase2(ctx context.Context) {
	if e.phase2Started || !e.phase1Done || e.final {
		return
	}
	creds, ok := e.side.PartnerCreds()
	if !ok {
		return
	}
	e.phase2Started = true
	info, _ := e.side.PartnerInfo()
	choices, org, userID, keepID := e.cfg.Choices, e.org, e.user.ID, ""
	if e.minted != nil {
		keepID = e.minted.ID
	}
	st := e.cfg.steps
	ch := e.worker
	e.startWorker(ctx, workerMsg{kind: msgPhase2}, func(ctx context.Context) workerMsg {
		m := workerMsg{kind: msgPhase2}
		progress(ctx, ch, StageCreatingServer)
		srv, err := st.Server(ctx, info, creds, org, choices)
		if err != nil {
			m.err, m.step = err, StepServer
			return m
		}
		m.server = srv
		progress(ctx, ch, StageTestingConnection)
		test, err := st.Test(ctx, srv.ID, info)
		if err != nil {
			m.err, m.step = err, StepTest
			return m
		}
		m.test = &test
		if userID != "" {
			// Not finding them only delays their revocation; it is said.
			m.old, m.oldErr = st.OldKeys(ctx, userID, keepID)
		}
		return m
	})
}

func (e *engine) workerDone(ctx context.Context, m workerMsg) {
	if m.kind == msgStage {
		if !e.final {
			e.emit(Event{Stage: m.stage, Message: m.stage.String()})
		}
		return
	}
	e.workerBusy = false
	e.nameFailedStep(&m)
	if m.key != nil {
		e.keyChecked(m.key)
	}
	if m.kind == msgPhase1 {
		e.keyCheckDone = true
	}
	if m.user.Minted.ID != "" {
		k := m.user.Minted
		e.minted = &k
	}
	if e.revokeAfter {
		// Aborted while the step ran: revoke what this session minted.
		e.revokeAfter = false
		e.revokeMinted()
		e.maybeExit()
		return
	}
	switch m.kind {
	case msgPhase1:
		e.phase1Finished(ctx, m)
	case msgPhase2:
		e.phase2Finished(m)
	case msgRevoked:
		e.revoked = append(e.revoked, m.gone...)
		e.afterRevoke(m)
	}
	e.maybeExit()
}

func (e *engine) phase1Finished(ctx context.Context, m workerMsg) {
	if e.final {
		return
	}
	if m.identity != nil {
		if e.identity != nil {
			m.identity.Known = e.identity.Known
		}
		e.identity = m.identity
		e.result.Identity = e.identity
	}
	if ex, ok := existingOrg(m.err); ok {
		e.pause(ex)
		return
	}
	var idErr *IdentityError
	if errors.As(m.err, &idErr) {
		e.identityFailure(idErr)
		return
	}
	var own *syncsetup.OwnOrgError
	if errors.As(m.err, &own) {
		e.identityFailure(&IdentityError{Reason: own.Error()})
		return
	}
	if m.org.ID != "" {
		e.org = m.org
		e.stepsDone = append(e.stepsDone, StepOrg)
		if e.identity != nil {
			if m.org.Created {
				e.identity.Checked = append(e.identity.Checked, "the organisation was new to our MISP, so it was created")
			} else {
				e.identity.Checked = append(e.identity.Checked, "our MISP already had the organisation; it was reused on your word")
			}
		}
	}
	if m.err != nil {
		e.stepFailed(m.step, m.err)
		return
	}
	e.user = m.user
	e.stepsDone = append(e.stepsDone, StepSyncUser, StepKey)
	err := e.side.SendCreds(pairing.Creds{SyncAuthkey: e.user.Key, SyncUserEmail: e.user.Email})
	e.user.Key = "" // it lives on in the sealed, cached CREDS frame only
	if err != nil {
		e.protocolFailure(err)
		return
	}
	e.phase1Done = true
	e.savePending()
	if _, ok := e.side.PartnerCreds(); ok {
		e.maybePhase2(ctx)
		return
	}
	msg := "our key for the partner is on screen for their camera; waiting for the partner's"
	if e.cfg.Choices.Remote {
		msg = "the key our MISP made for the partner is ready to send; waiting for the partner's"
	}
	e.emit(Event{Stage: StageWaitingForPartnerKey, Message: msg})
}

func (e *engine) phase2Finished(m workerMsg) {
	if e.final {
		return
	}
	if m.server.ID != "" {
		e.server = m.server
		e.stepsDone = append(e.stepsDone, StepServer)
	}
	if m.err != nil {
		e.stepFailed(m.step, m.err)
		return
	}
	e.test = m.test
	e.stepsDone = append(e.stepsDone, StepTest)
	if e.repairedExisting() {
		if err := e.identity.safetyNet(m.test); err != nil {
			e.safetyNetFailed(err)
			return
		}
		e.identity.Checked = append(e.identity.Checked, fmt.Sprintf("the connection test reached instance %s, the partner we know", m.test.RemoteUUID))
	}
	if m.test.Status == misp.ConnOK {
		// Earlier keys go only once our own test passed (and, later, the
		// partner's DONE says 1).
		e.oldKeys = m.old
		if m.oldErr != nil {
			msg := "the keys this app minted for the partner before could not be listed, so they stay valid until the next pairing revokes them (or revoke them in MISP): " + m.oldErr.Error()
			e.result.Partner.OldKeysProblem = msg
			e.emit(Event{Problem: m.oldErr, Message: msg})
		}
	}
	// Who our key is on the partner's MISP is for our admin: DONE leaves it
	// out (a shorter last code, and no words about our MISP to the partner).
	sent := *m.test
	sent.RemoteUser = ""
	done := pairing.Done{Status: m.test.Status, Message: m.test.Message, TestConnection: &sent}
	if err := e.side.SendDone(done); err != nil {
		e.protocolFailure(err)
		return
	}
	e.ourDone = &done
	e.result.Test = m.test
	e.fillSummary()
	if m.test.Status == misp.ConnOK {
		e.result.OK = true
	}
	if err := e.saveRecord(); err != nil {
		e.result.Err = err
	}
	e.revokeOldIfConfirmed()
	if e.result.OK {
		if _, ok := e.side.PartnerDone(); !ok {
			e.result.Advice = "keep the window open until the partner's result arrives (partner's result not received yet)"
		}
		e.finish(StageDone, "our server entry to the partner works")
		return
	}
	e.result.Err = &Error{Kind: KindStep, Step: StepTest, Detail: m.test.Message}
	e.result.Advice = "the server entry exists but the connection test failed: " + misp.ConnectionStatusText(m.test.Status) + "; fix it and use \"test connection now\" on the partner's page"
	e.finish(StageFailed, "the connection test failed")
}

// stepFailed sends DONE with the failure and keeps the pending pairing for a
// resume; nothing is retried blindly.
func (e *engine) stepFailed(step string, err error) {
	if e.final {
		return
	}
	status := 0
	var ce *misp.ConnectionError
	if errors.As(err, &ce) {
		status = ce.Status
	}
	msg := (&Error{Kind: KindStep, Step: step, Err: err}).Error()
	done := pairing.Done{Status: status, Message: msg}
	if e.side.SendDone(done) == nil {
		e.ourDone = &done
	}
	e.savePending()
	e.fillSummary()
	e.result.Err = &Error{Kind: KindStep, Step: step, Err: err}
	if _, ok := e.side.PartnerCreds(); ok && e.phase1Done {
		e.result.Advice = "fix the problem on your MISP, then resume this pairing: you hold the partner's key, so you can finish alone"
	} else {
		e.result.Advice = "fix the problem on your MISP, then start a new face-to-face pairing (new codes, a new key)"
	}
	e.finish(StageFailed, e.result.Err.Error())
}

// partnerDone handles the partner's DONE.
func (e *engine) partnerDone(ctx context.Context) {
	d, _ := e.side.PartnerDone()
	if e.final {
		e.result.PartnerDone = &d
		e.revokeOldIfConfirmed()
		r := e.result
		msg := "the partner's result arrived: " + doneWords(d)
		if e.workerBusy {
			return // the revocation's end reports
		}
		e.emit(Event{Stage: e.stage, Message: msg, Result: &r})
		e.maybeExit()
		return
	}
	e.emit(Event{Message: "the partner finished: " + doneWords(d)})
	if _, ok := e.side.PartnerCreds(); !ok && d.Status != misp.ConnOK {
		// A partner whose step failed before its CREDS sends DONE alone;
		// one that failed later still shows its CREDS beside the DONE.
		// Give the CREDS a moment to be read before giving up on them.
		e.doneWithoutCreds = e.cfg.Now()
	}
	_ = ctx
}

// partnerCredsGrace is how long after a failing partner DONE we still wait
// for its CREDS: its screen cycles through everything it shows in well under
// that time.
var partnerCredsGrace = 5 * time.Second

// PartnerTestWords says what the partner's test of its entry to our MISP
// found, in our words: the partner's own message is worded from its side
// ("our MISP reached the partner's MISP") and, shown on our screen, reads as
// if it were about ours; it is also partner input. Only when the partner
// stopped before its test are its words quoted, bounded (PartnerWords).
func PartnerTestWords(d pairing.Done) string {
	switch {
	case d.TestConnection != nil:
		return misp.PartnerConnectionText(d.TestConnection.Status, d.TestConnection.Post)
	case d.Status >= 1:
		return misp.PartnerConnectionText(d.Status, 0)
	}
	msg := "The partner's side stopped before its connection test to our MISP."
	if d.Message != "" {
		msg += " It said: " + pairing.PartnerWords(d.Message)
	}
	return msg
}

func doneWords(d pairing.Done) string {
	if d.Status == misp.ConnOK {
		return "the partner's server entry to our MISP works"
	}
	if d.Message != "" {
		return "the partner's side said: " + pairing.PartnerWords(d.Message)
	}
	return misp.ConnectionStatusText(d.Status)
}

// partnerFailedEarly ends our side when the partner finished without sending
// its key: we cannot make our server entry.
func (e *engine) partnerFailedEarly(d pairing.Done) {
	if e.final || e.workerBusy {
		return
	}
	done := pairing.Done{Status: 0, Message: "cannot finish: the partner's side failed before sending its key"}
	if e.side.SendDone(done) == nil {
		e.ourDone = &done
	}
	e.savePending()
	e.fillSummary()
	e.result.Err = &Error{Kind: KindStep, Detail: doneWords(d)}
	e.result.Advice = "the partner fixes the problem on their MISP; then start a new face-to-face pairing"
	e.finish(StageFailed, e.result.Err.Error())
}

// revokeOldIfConfirmed revokes the keys this app minted earlier for the
// partner's sync user, once the partner's DONE says the new key works.
func (e *engine) revokeOldIfConfirmed() {
	d, ok := e.side.PartnerDone()
	if !ok || d.Status != misp.ConnOK || e.ourDone == nil || e.ourDone.Status != misp.ConnOK || !e.result.OK || len(e.oldKeys) == 0 || e.workerBusy {
		return
	}
	keys := e.oldKeys
	e.oldKeys = nil
	e.startWorker(context.Background(), workerMsg{kind: msgRevoked, old: keys}, func(ctx context.Context) workerMsg {
		ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
		defer cancel()
		gone, err := e.cfg.steps.RevokeOld(ctx, keys)
		m := workerMsg{kind: msgRevoked, err: err, gone: gone}
		if err != nil {
			m.old = slices.DeleteFunc(slices.Clone(keys), func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
		}
		return m
	})
}

func (e *engine) afterRevoke(m workerMsg) {
	if m.err != nil && m.step != "abort" {
		e.oldKeys = append(e.oldKeys, m.old...)
	}
	if m.step == "abort" {
		if m.err == nil {
			e.clearPendingRevocation(m.gone)
		} else {
			e.result.Partner.KeysPendingRevoking = addIDs(e.result.Partner.KeysPendingRevoking, keyIDs(m.old)...)
		}
	}
	e.result.Partner.KeysRevoked = slices.Clone(e.revoked)
	if m.step != "abort" {
		e.result.Partner.KeysPendingRevoking = keyIDs(e.oldKeys)
	}
	if e.partnerID != "" && e.cfg.Store != nil {
		gone := m.gone
		e.updateRecord(func(p *store.Partner) {
			p.KeysPendingRevocation = slices.DeleteFunc(p.KeysPendingRevocation, func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
			p.MintedKeys = slices.DeleteFunc(p.MintedKeys, func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
		})
	}
	if e.final {
		r := e.result
		msg := "revoked the earlier key(s) made for the partner"
		if m.step == "abort" {
			msg = "revoked the key made for the partner in this session"
		}
		if m.err != nil {
			msg = "could not revoke the earlier key(s) yet; they stay marked pending revocation: " + m.err.Error()
			if m.step == "abort" {
				msg = "could not revoke the key made for the partner in this session yet; it stays marked pending revocation and is revoked at the next login: " + m.err.Error()
			}
		}
		if d, ok := e.side.PartnerDone(); ok {
			r.PartnerDone = &d
			e.result.PartnerDone = &d
		}
		e.emit(Event{Stage: e.stage, Message: msg, Result: &r})
	}
}

func keyIDs(keys []store.MintedKey) []string {
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}

func (e *engine) fillSummary() {
	p := &e.result.Partner
	p.OrgID, p.OrgCreated, p.OrgNameUsed = e.org.ID, e.org.Created, e.org.Name
	p.SyncUserID, p.UserCreated, p.SyncUserEmail = e.user.ID, e.user.Created, e.user.Email
	p.ServerID, p.ServerCreated = e.server.ID, e.server.Created
	p.ServerPushRules, p.ServerPullRules = e.server.PushRules, e.server.PullRules
	if g := e.server.SharingGroup; g != nil {
		p.SharingGroupID, p.SharingGroupName = g.ID, g.Name
	}
	p.SharingGroupProblem = e.server.SharingGroupProblem
	p.OurFlows = e.cfg.Choices.Rules.Flows(e.cfg.Choices.Push, e.cfg.Choices.Pull)
	if info, ok := e.side.PartnerInfo(); ok && info.Flows != nil {
		f := *info.Flows
		p.PartnerFlows = &f
	}
	if st := e.server.Settings; st != nil {
		c := *st
		p.ServerSettings = &c
	}
	if e.minted != nil {
		p.MintedKeyID = e.minted.ID
	}
	p.KeysRevoked = slices.Clone(e.revoked)
	p.KeysPendingRevoking = keyIDs(e.oldKeys)
}

// keyChecked records the check of the partner's key; an alarm is reported
// at once, as a problem, and the pairing goes on (the SAS authenticated the
// channel; the alarm is about where the key comes from).
func (e *engine) keyChecked(k *PartnerKeyCheck) {
	e.result.PartnerKey = k
	e.result.Partner.PGPFingerprint, e.result.Partner.KeyAlarm = k.Fingerprint, k.Alarm
	if k.Alarm != "" && !e.final {
		e.emit(Event{Problem: k.AlarmErr(), Message: k.Alarm})
	}
}

// ourInfo is our INFO, built from the login and the choices.
func (e *engine) ourInfo() pairing.Info {
	l := e.cfg.Login
	url := e.cfg.Choices.AnnounceURL
	if url == "" {
		url = l.AnnounceURL
	}
	notifications := e.cfg.Choices.Notifications
	if notifications == nil {
		notifications = e.cfg.Notifications
	}
	return pairing.Info{
		Org: pairing.Organisation{
			UUID:        l.HostOrg.UUID,
			Name:        l.HostOrg.Name,
			Description: string(l.HostOrg.Description),
			Type:        string(l.HostOrg.Type),
			Nationality: string(l.HostOrg.Nationality),
			Sector:      string(l.HostOrg.Sector),
			Contacts:    string(l.HostOrg.Contacts),
		},
		AdminEmail:      l.User.Email,
		URL:             url,
		InstanceUUID:    l.InstanceUUID,
		MISPVersion:     l.Version,
		PGPKey:          e.cfg.PGPKey,
		PGPFingerprint:  e.cfg.PGPFingerprint,
		CertificatePEM:  e.cfg.CertificatePEM,
		EgressAddresses: e.cfg.Choices.EgressAddresses,
		Notifications:   notifications,
		Internal:        e.cfg.Choices.Internal,
		Flows:           e.cfg.Choices.Rules.Flows(e.cfg.Choices.Push, e.cfg.Choices.Pull),
	}
}

// pause stops before minting: the partner claims an organisation our MISP
// knows and the admin has not vouched for it. Nothing was written; phase 1
// runs again, with the admin's word, on ReuseExisting.
func (e *engine) pause(ex *syncsetup.ExistingOrgError) {
	k := ex.Org
	if e.identity == nil {
		info, _ := e.side.PartnerInfo()
		e.identity = newIdentityCheck(info, e.record, e.recordOK, e.keyCheck, e.addressNote)
	}
	e.identity.Known = &k
	e.result.Identity = e.identity
	e.paused = true
	e.phase1Started = false
	e.emit(Event{Stage: StageConfirmPartner, Identity: e.identity,
		Message: fmt.Sprintf("the partner claims to be %q, which your MISP already knows: confirm it is them to reuse it, or cancel; nothing was written", k.Name)})
}

// repairedExisting reports whether this pairing reused an organisation our
// MISP already had (with the admin's word): the safety net applies.
func (e *engine) repairedExisting() bool {
	return e.identity != nil && e.org.ID != "" && !e.org.Created && (e.identity.Approved || e.identity.PreApproved || e.identity.Record)
}

// safetyNetFailed ends a re-pairing whose connection test did not reach the
// partner we know: the key minted in this session is revoked at once, the
// partner record is left as it was, and both admins are told why.
func (e *engine) safetyNetFailed(err error) {
	status := 0
	if e.test != nil && e.test.Status != misp.ConnOK {
		status = e.test.Status
	}
	done := pairing.Done{Status: status, Message: "the partner's checks revoked the key made for you: " + err.Error(), TestConnection: e.test}
	if e.side.SendDone(done) == nil {
		e.ourDone = &done
	}
	e.result.Test = e.test
	e.fillSummary()
	e.result.Identity = e.identity
	e.result.Err = &Error{Kind: KindIdentity, Err: err}
	e.result.Advice = "nothing of this pairing is kept: check who you paired with; the partner record was left as it was"
	e.revokeMinted()
	e.finish(StageFailed, err.Error())
}

// resumedOrgUUID is the partner organisation the pending pairing this
// session replaces (Config.ResumeID) created on our MISP, or "".
func (e *engine) resumedOrgUUID() string {
	if e.cfg.ResumeID == "" || e.cfg.Store == nil {
		return ""
	}
	d := e.cfg.Store.Snapshot()
	pp, ok := d.PendingPairing(e.cfg.ResumeID)
	if !ok || pp.Partner.OnOurMISP.Org.Outcome != store.Created {
		return ""
	}
	return strings.ToLower(pp.Partner.Org.UUID)
}
