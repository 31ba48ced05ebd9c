package session

import (
	"errors"
	"fmt"
)

// ErrorKind says what ended or blocked a session.
type ErrorKind int

// The kinds of session error.
const (
	// KindBadConfig: Start was called without what it needs.
	KindBadConfig ErrorKind = iota + 1
	// KindBadChoice: a choice is out of range or cannot work with our MISP.
	KindBadChoice
	// KindRejected: our admin found the codes different.
	KindRejected
	// KindPartnerAborted: the partner cancelled, rejected the SAS or timed out.
	KindPartnerAborted
	// KindCancelled: our admin cancelled, or the window closed.
	KindCancelled
	// KindTimeout: no progress for too long.
	KindTimeout
	// KindStep: a MISP step failed; Step names it.
	KindStep
	// KindProtocol: the pairing protocol refused to go on (same instance…).
	KindProtocol
	// KindStore: the result could not be saved in the local store.
	KindStore
	// KindNoPending: a resume was asked for a pairing that is not pending.
	KindNoPending
	// KindInternal: the app hit a bug (a recovered panic) while handling
	// outside input; Detail says where, never with the data it handled.
	KindInternal
	// KindIdentity: a check of the partner's claims stopped the pairing
	// (not UUIDs, a URL on our own machine, our own organisation, a changed
	// PGP key, a re-paired partner the connection test did not reach).
	KindIdentity
)

// Error is the session's own error. Its message says what happened and what
// to do; it never contains a key.
type Error struct {
	Kind ErrorKind
	// Step names the failed MISP step for KindStep: "org", "sync_user",
	// "key", "server", "test".
	Step string
	// Detail adds what exactly happened.
	Detail string
	// Err is the cause (a *misp.Error, *pairing.Error, …).
	Err error
}

func (e *Error) Error() string {
	var s string
	switch e.Kind {
	case KindBadConfig:
		s = "the pairing cannot start"
	case KindBadChoice:
		s = "a choice made before the pairing cannot work"
	case KindRejected:
		s = "you found the codes different, so the pairing was stopped; nothing was written to either MISP; start again and make sure you read the right screen"
	case KindPartnerAborted:
		s = "the partner stopped the pairing"
	case KindCancelled:
		s = "the pairing was cancelled"
	case KindTimeout:
		s = "the pairing made no progress for too long and was stopped; start again"
	case KindStep:
		if e.Step == "" {
			// The partner's side failed before sending its key; its DONE
			// says which of its steps (seen on the real pair as `the MISP
			// step "" failed`).
			s = "the partner's MISP step failed"
		} else {
			s = fmt.Sprintf("the MISP step %q failed", stepWords(e.Step))
		}
	case KindProtocol:
		s = "the pairing could not go on"
	case KindStore:
		s = "the pairing's record could not be saved in the local store"
	case KindNoPending:
		s = "there is no unfinished pairing to resume"
	case KindInternal:
		s = "the app hit an internal error"
	case KindIdentity:
		s = "the partner's claims did not pass the checks, so the pairing stopped"
	default:
		s = "the pairing failed"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error of the same kind, so errors.Is(err, ErrTimeout) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Step == "" && t.Detail == "" && t.Err == nil
}

// Sentinels for errors.Is.
var (
	ErrRejected       = &Error{Kind: KindRejected}
	ErrPartnerAborted = &Error{Kind: KindPartnerAborted}
	ErrCancelled      = &Error{Kind: KindCancelled}
	ErrTimeout        = &Error{Kind: KindTimeout}
	ErrStep           = &Error{Kind: KindStep}
	ErrNoPending      = &Error{Kind: KindNoPending}
	ErrIdentity       = &Error{Kind: KindIdentity}
)

// Step names, as stored in store.PendingPairing.StepsDone.
const (
	StepOrg      = "org"
	StepSyncUser = "sync_user"
	StepKey      = "key"
	StepServer   = "server"
	StepTest     = "test"
)

func stepWords(step string) string {
	switch step {
	case StepOrg:
		return "partner organisation"
	case StepSyncUser:
		return "sync user"
	case StepKey:
		return "sync key"
	case StepServer:
		return "server entry"
	case StepTest:
		return "connection test"
	}
	return step
}

// errNoSuchPartner answers an action on a partner the store no longer holds
// (removed meanwhile, e.g. in another window).
var errNoSuchPartner = errors.New("this partner is no longer in the list (removed meanwhile?): nothing was changed; look the partner up again in the Partners tab")
