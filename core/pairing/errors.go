package pairing

import "errors"

// ErrorKind says which rule an input or a call broke. Callers branch on it
// (errors.As into *Error) or compare with the sentinel errors below (errors.Is).
type ErrorKind int

const (
	KindNotMISPbump   ErrorKind = iota + 1 // not a MISPbump code at all
	KindDamaged                            // a MISPbump code that did not survive the trip (bad Base45, checksum, truncated)
	KindNewerVersion                       // made by a newer major version of the app
	KindOtherPairing                       // sealed frame whose session tag is not ours
	KindTampered                           // sealed frame of our session that fails to open
	KindOwnCode                            // our own code came back (or a KEY reusing our key or nonce)
	KindMultipleCodes                      // two different partner codes in view
	KindCommitment                         // partner's KEY does not match its COMMIT
	KindMalformed                          // an authenticated message this version cannot understand
	KindTooLarge                           // a message larger than the protocol allows
	KindSameInstance                       // partner announced our own MISP instance or organisation by accident
	KindNotNow                             // a call that the current state does not allow
	KindEnded                              // the pairing was aborted or expired
	KindBadIdentity                        // the partner's INFO names its organisation or instance with something that is not a UUID
)

// Error is the one error type of this package. Its message is written for the
// admin in front of the screen: what happened and what to do.
type Error struct {
	Kind ErrorKind
	// Detail adds what exactly was wrong (never a secret).
	Detail string
}

func (e *Error) Error() string {
	msg := kindMessages[e.Kind]
	if msg == "" {
		msg = "pairing error"
	}
	if e.Detail != "" {
		return msg + " (" + e.Detail + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrTampered) and friends compare kinds only.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Kind == e.Kind && t.Detail == ""
	}
	return false
}

var kindMessages = map[ErrorKind]string{
	KindNotMISPbump:   "this is not a MISPbump code",
	KindDamaged:       "this MISPbump code was not read completely; hold it steady, or copy the whole text again",
	KindNewerVersion:  "this code comes from a newer MISPbump version; update the app on both laptops",
	KindOtherPairing:  "this QR code is from another pairing; point the camera at your partner's screen only",
	KindTampered:      "this frame was changed in transit; it is ignored, the partner's screen keeps showing it",
	KindOwnCode:       "you are scanning your own code; point the camera at your partner's screen",
	KindMultipleCodes: "more than one MISPbump code is visible; make sure only your partner's screen is in view",
	KindCommitment:    "the partner's key does not match the code it announced; someone may be interfering, start again",
	KindMalformed:     "the partner sent a message this app cannot understand; both sides need the same app version",
	KindTooLarge:      "the partner's message is larger than a pairing allows",
	KindSameInstance:  "the partner announced this very MISP instance; pair two different instances",
	KindNotNow:        "this step is not possible at this point of the pairing",
	KindEnded:         "this pairing has ended; start a new one",
	KindBadIdentity:   "the partner's details were refused and the pairing stopped; nothing was written",
}

// Sentinels for errors.Is. Each matches any *Error of its kind.
var (
	ErrNotMISPbump   = &Error{Kind: KindNotMISPbump}
	ErrDamaged       = &Error{Kind: KindDamaged}
	ErrNewerVersion  = &Error{Kind: KindNewerVersion}
	ErrOtherPairing  = &Error{Kind: KindOtherPairing}
	ErrTampered      = &Error{Kind: KindTampered}
	ErrOwnCode       = &Error{Kind: KindOwnCode}
	ErrMultipleCodes = &Error{Kind: KindMultipleCodes}
	ErrCommitment    = &Error{Kind: KindCommitment}
	ErrMalformed     = &Error{Kind: KindMalformed}
	ErrTooLarge      = &Error{Kind: KindTooLarge}
	ErrSameInstance  = &Error{Kind: KindSameInstance}
	ErrBadIdentity   = &Error{Kind: KindBadIdentity}
	ErrNotNow        = &Error{Kind: KindNotNow}
	ErrEnded         = &Error{Kind: KindEnded}
)

func errorf(kind ErrorKind, detail string) error { return &Error{Kind: kind, Detail: detail} }

var kindNames = map[ErrorKind]string{
	KindNotMISPbump: "NotMISPbump", KindDamaged: "Damaged", KindNewerVersion: "NewerVersion",
	KindOtherPairing: "OtherPairing", KindTampered: "Tampered", KindOwnCode: "OwnCode",
	KindMultipleCodes: "MultipleCodes", KindCommitment: "Commitment", KindMalformed: "Malformed",
	KindTooLarge: "TooLarge", KindSameInstance: "SameInstance", KindNotNow: "NotNow", KindEnded: "Ended",
}

// String names the kind (as used in testdata/pairing vectors).
func (k ErrorKind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "Unknown"
}
