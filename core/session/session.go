// Package session is the pairing session engine: it ties one pairing.Side
// (the protocol), a frame source (the camera's decoded texts, pasted text), a
// frame sink (whatever shows our QR codes), our MISP (the sync setup steps)
// and the encrypted store together, and reports progress as Events.
//
// One Session per pairing. Start makes every choice up front (Choices); the
// only decision during the exchange is the SAS (Confirm or Reject). The
// session runs in its own goroutine: its methods never block, the subscriber
// gets Events one at a time from that goroutine, and the sink is told which
// frames to keep showing whenever that changes. Cancelling the context stops
// it cleanly (Done is closed once every goroutine it started has returned).
//
// See docs/SESSION.md for the event model, the failure and resume rules and
// the headless demo built on it.
package session

import (
	"context"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// A Sink shows our frames: the QR codes on screen (cycling through them), the
// chat text to copy, the PNG to save. ShowFrames is called from the session's
// goroutine with the QR texts to keep showing from now on, in order, each time
// the list changes; an empty list means show nothing. It must not block (the
// UI wraps its work in fyne.Do) and may keep the slice.
type Sink interface {
	ShowFrames(qrTexts []string)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(qrTexts []string)

// ShowFrames calls f.
func (f SinkFunc) ShowFrames(qrTexts []string) { f(qrTexts) }

// Config is everything a session needs. Client, Login and Sink are required;
// the rest is optional.
type Config struct {
	// Client is our MISP, logged in with a site-admin key.
	Client *misp.Client
	// Login is what the login reported (our org, instance UUID, version,
	// the URL to announce, host_org_id).
	Login *misp.LoginInfo
	// Store keeps the pending pairing and the partner record; nil keeps
	// nothing (tests, a dry demo).
	Store *store.Store
	// ProfileID names the store profile of our MISP.
	ProfileID string
	// Choices made before the exchange; see DefaultChoices.
	Choices Choices

	// CertificatePEM verifies our announced URL when it is not publicly
	// trusted (misp.CertificateInfo.AnchorPEM at login); it travels in INFO.
	CertificatePEM string
	// PGPKey and PGPFingerprint are our instance's /gpg.asc, if any
	// (OwnPGPKey reads them through protected.FetchOwnKey); they travel in
	// INFO so the partner can check and keep our key.
	PGPKey, PGPFingerprint string
	// Notifications are our organisation's IEP005 settings, as edited in
	// the profile (store.Profile.Notifications); they travel in INFO.
	// Choices.Notifications, when set, overrides them for this pairing.
	Notifications *pairing.NotificationSettings

	// Source delivers scanned texts (camera.Reader.Texts()). nil: only
	// Paste feeds the session. A closed Source is simply not read any more.
	Source <-chan string
	// Sink shows our frames.
	Sink Sink
	// OnEvent receives the events; nil ignores them.
	OnEvent func(Event)

	// ResumeID is the pending pairing this new face-to-face session
	// replaces (ResumeNewSession); it is removed when this one succeeds.
	ResumeID string

	// Rand and Now are for tests (see pairing.Options).
	Rand io.Reader
	Now  func() time.Time
	// TickInterval is how often the inactivity timeout is checked; one
	// second when zero.
	TickInterval time.Duration

	// steps replaces the MISP steps in tests of the round flow.
	steps steps
	// checkPartner replaces protected.CheckPartner in tests.
	checkPartner func(context.Context, pairing.Info) protected.PartnerCheck
	// beforeInput and afterInput run, in tests, just before the protocol
	// reads an outside input and just before the session handles what it
	// made of it: a panic there stands for a bug the input triggers.
	beforeInput func(text string)
	afterInput  func(Stage)
}

// Session is one pairing in progress. Its methods are safe to call from any
// goroutine and never block.
type Session struct {
	cfg  Config
	wake chan struct{}
	done chan struct{}

	mu     sync.Mutex
	queue  []command
	stage  Stage
	sas    string
	frames []string
	result *Result

	// What remote mode's Turn is worked out from: the round of each frame
	// shown, the partner's highest round held whole, and the highest of our
	// rounds the admin handed out (MarkSent).
	rounds         []pairing.Round
	partnerReached pairing.Round
	sent           pairing.Round
	// everShown is every frame shown since the start or the last Restart:
	// only those can be handed out as ours.
	everShown map[string]bool
}

type commandKind int

const (
	cmdConfirm commandKind = iota + 1
	cmdReject
	cmdCancel
	cmdRestart
	cmdPaste
	cmdReuse
)

type command struct {
	kind commandKind
	text string
}

// Start checks the configuration and starts the session's goroutine. The
// session ends when it finishes, is cancelled or ctx is done.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Sink == nil {
		return nil, &Error{Kind: KindBadConfig, Detail: "no sink to show our codes"}
	}
	if cfg.steps == nil {
		if cfg.Client == nil || cfg.Login == nil {
			return nil, &Error{Kind: KindBadConfig, Detail: "log in to your MISP first"}
		}
		steps := newMISPSteps(cfg.Client, cfg.Login)
		if cfg.Store != nil {
			steps.disabledByApp, steps.onReEnabled = disabledByAppOf(cfg.Store, cfg.ProfileID)
		}
		cfg.steps = steps
	}
	if cfg.Login == nil {
		return nil, &Error{Kind: KindBadConfig, Detail: "log in to your MISP first"}
	}
	if err := cfg.Choices.Validate(); err != nil {
		return nil, err
	}
	if cfg.Choices.Internal && !cfg.Login.HostOrgSet {
		return nil, &Error{Kind: KindBadChoice, Detail: "same-organisation mode needs MISP.host_org_id set on your MISP (MISP keeps a server entry's internal flag only then); set it in MISP's server settings and log in again"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = time.Second
	}
	side, err := pairing.New(pairing.Options{Rand: cfg.Rand, Now: cfg.Now, Remote: cfg.Choices.Remote})
	if err != nil {
		return nil, &Error{Kind: KindBadConfig, Err: err}
	}
	s := &Session{cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{}), stage: StageWaitingForPartner}
	e := &engine{s: s, cfg: cfg, side: side, worker: make(chan workerMsg)}
	go e.run(ctx)
	return s, nil
}

// Confirm says our admin compared the SAS and found it equal.
func (s *Session) Confirm() { s.enqueue(command{kind: cmdConfirm}) }

// Reject says our admin found the codes different: a sealed ABORT goes out
// and nothing is written to either MISP.
func (s *Session) Reject() { s.enqueue(command{kind: cmdReject}) }

// Cancel stops the pairing (sealed ABORT when keys exist; a key minted in
// this session is revoked). After our side finished it only stops the
// session: the result stands.
func (s *Session) Cancel() { s.enqueue(command{kind: cmdCancel}) }

// ReuseExisting is the admin's "Yes, this is <org>: reuse" at
// StageConfirmPartner: the organisation our MISP knows is reused for this
// partner and the pairing goes on. Outside that pause it does nothing.
func (s *Session) ReuseExisting() { s.enqueue(command{kind: cmdReuse}) }

// Restart starts again with a fresh key after "partner restarted".
func (s *Session) Restart() { s.enqueue(command{kind: cmdRestart}) }

// Paste feeds pasted text (one or several chat texts, or QR texts) or the text
// of an opened image file, as if the camera had read it.
func (s *Session) Paste(text string) { s.enqueue(command{kind: cmdPaste, text: text}) }

// Done is closed when the session's goroutines have all returned.
func (s *Session) Done() <-chan struct{} { return s.done }

// Wait waits until the session ended (or ctx is done) and returns its result
// (nil when ctx ended first).
func (s *Session) Wait(ctx context.Context) *Result {
	select {
	case <-s.done:
		return s.Result()
	case <-ctx.Done():
		return nil
	}
}

// Stage is the current stage.
func (s *Session) Stage() Stage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stage
}

// SAS is the code to compare; ok is false before keys exist.
func (s *Session) SAS() (sas string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sas, s.sas != ""
}

// Frames returns the QR texts shown now.
func (s *Session) Frames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.frames)
}

// ChatText is our frames as chat text, one per line ("copy my code").
func (s *Session) ChatText() string { return ChatTextOf(s.Frames()) }

// Result is the result so far: nil before a final stage.
func (s *Session) Result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.result == nil {
		return nil
	}
	r := *s.result
	return &r
}

func (s *Session) enqueue(c command) {
	s.mu.Lock()
	s.queue = append(s.queue, c)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Session) takeQueue() []command {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}
