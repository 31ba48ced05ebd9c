package protected

import (
	"context"
	"errors"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

// NoKeyError says that a MISP publishes no instance key at /gpg.asc.
// For our own MISP this is not a failure of the pairing: it only means that
// protected mode is not available until GnuPG is set up in MISP.
type NoKeyError struct {
	// Host is the MISP's host name.
	Host string
	// Err is the answer that showed it (a 404, or a file that is no key).
	Err error
}

func (e *NoKeyError) Error() string {
	host := e.Host
	if host == "" {
		host = "this MISP"
	}
	return "the MISP at " + host + " publishes no PGP instance key at /gpg.asc. " +
		"Protected mode needs GnuPG set up in MISP: set GnuPG.email, GnuPG.homedir and GnuPG.password " +
		"(Administration → Server Settings → Encryption) and export the instance's public key to app/webroot/gpg.asc. " +
		"Pairing works without it; only protected events cannot be shared."
}

func (e *NoKeyError) Unwrap() error { return e.Err }

// GPGSource is the one call this file needs from a MISP client.
type GPGSource interface {
	GPGKey(ctx context.Context) (string, error)
	BaseURL() string
}

// FetchOwnKey reads our instance's key from /gpg.asc at login (recordings
// 60, 61) and computes its fingerprint. A MISP without one is *NoKeyError;
// a file that is not a usable key is *KeyError; a MISP that cannot be reached
// is the client's *misp.Error.
func FetchOwnKey(ctx context.Context, c GPGSource) (*Key, error) {
	return fetchKey(ctx, c, "our MISP's /gpg.asc")
}

func fetchKey(ctx context.Context, c GPGSource, source string) (*Key, error) {
	armored, err := c.GPGKey(ctx)
	if err != nil {
		if misp.IsKind(err, misp.KindNotFound) || misp.IsKind(err, misp.KindBadResponse) {
			return nil, &NoKeyError{Host: hostOf(c.BaseURL()), Err: err}
		}
		return nil, err
	}
	return ParseKey(armored, source)
}

func hostOf(base string) string {
	u, err := misp.ParseBaseURL(base)
	if err != nil {
		return base
	}
	return u.Host
}

// MismatchError is the alarm: two fingerprints that must be equal are not.
// It is never a mere warning; the UI shows it prominently and the relay of
// protected events to this partner should not be offered.
type MismatchError struct {
	// What names the two things compared.
	What string
	// Expected is the fingerprint the partner's laptop sent in INFO.
	Expected string
	// Got is the fingerprint of the key actually seen.
	Got string
}

func (e *MismatchError) Error() string {
	return "ALARM: " + e.What + " do not match: the partner's laptop announced " + FormatFingerprint(e.Expected) +
		", but the key seen has " + FormatFingerprint(e.Got) + ". Someone may be standing in for the partner's MISP, " +
		"or the partner's laptop sent the wrong key. Do not let this partner relay protected events until you have " +
		"compared the fingerprint with the partner's admin by another channel (phone, in person)."
}

// CheckAnnounced reads the key a partner sent in INFO and checks that the
// fingerprint sent with it is the key's own. No key sent gives nil, nil
// (the partner's MISP has none). A fingerprint that does not belong to the
// key is *MismatchError; a key that cannot be read is *KeyError.
func CheckAnnounced(armored, fingerprint string) (*Key, error) {
	if armored == "" {
		return nil, nil
	}
	k, err := ParseKey(armored, "the key the partner sent")
	if err != nil {
		return nil, err
	}
	if fingerprint != "" && !SameFingerprint(fingerprint, k.Fingerprint) {
		return nil, &MismatchError{What: "the partner's key and the fingerprint sent with it", Expected: NormalizeFingerprint(fingerprint), Got: k.Fingerprint}
	}
	return k, nil
}

// Verdict is the outcome of cross-checking a partner's key against its
// /gpg.asc.
type Verdict int

// The verdicts of a cross-check.
const (
	// VerdictMatch: the partner's MISP publishes the key its laptop sent.
	VerdictMatch Verdict = iota + 1
	// VerdictMismatch: it publishes another key. An alarm (see MismatchError).
	VerdictMismatch
	// VerdictNotChecked: the laptop could not cross-check (no network path
	// to the partner's MISP, a certificate it cannot verify, no /gpg.asc
	// there, or no key announced). Neutral: says nothing for or against.
	VerdictNotChecked
)

// String names the verdict: "match", "mismatch" or "not checked".
func (v Verdict) String() string {
	switch v {
	case VerdictMatch:
		return "match"
	case VerdictMismatch:
		return "mismatch"
	case VerdictNotChecked:
		return "not checked"
	}
	return "unknown"
}

// CrossCheck is what the cross-check found.
type CrossCheck struct {
	Verdict Verdict
	// URL is where the partner's key was looked for.
	URL string
	// Announced is the fingerprint from INFO; Published the one at /gpg.asc
	// (empty when it could not be read).
	Announced string
	Published string
	// Reason says, for VerdictNotChecked, why in words.
	Reason string
}

// Err returns the *MismatchError of a mismatch, and nil otherwise.
func (c CrossCheck) Err() error {
	if c.Verdict != VerdictMismatch {
		return nil
	}
	return &MismatchError{What: "the key the partner's laptop sent and the key the partner's MISP publishes at " + c.URL + "/gpg.asc",
		Expected: c.Announced, Got: c.Published}
}

// Message says in words what the cross-check found.
func (c CrossCheck) Message() string {
	switch c.Verdict {
	case VerdictMatch:
		return "Cross-checked: the partner's MISP publishes the same key at " + c.URL + "/gpg.asc (" + FormatFingerprint(c.Published) + ")."
	case VerdictMismatch:
		return c.Err().Error()
	}
	return "Could not cross-check the partner's key: " + c.Reason + ". This says nothing for or against the key; " +
		"compare the fingerprint with the partner's admin if protected events matter."
}

// CrossCheckPartner fetches the partner's /gpg.asc from the laptop (without
// an authkey) and compares it with the key the partner sent. opts carries the
// trust for the partner's URL (the certificate it sent in INFO, as RootCAs).
// It never fails: an unreachable MISP is VerdictNotChecked.
func CrossCheckPartner(ctx context.Context, partnerURL string, opts misp.Options, announced *Key) CrossCheck {
	c, err := misp.New(partnerURL, "", opts)
	if err != nil {
		return CrossCheck{Verdict: VerdictNotChecked, URL: partnerURL, Reason: "the partner's URL is not usable (" + err.Error() + ")"}
	}
	return crossCheck(ctx, c, announced)
}

func crossCheck(ctx context.Context, c GPGSource, announced *Key) CrossCheck {
	res := CrossCheck{Verdict: VerdictNotChecked, URL: c.BaseURL()}
	if announced == nil {
		res.Reason = "the partner sent no instance key"
		return res
	}
	res.Announced = announced.Fingerprint
	published, err := fetchKey(ctx, c, "the partner's /gpg.asc")
	var noKey *NoKeyError
	var keyErr *KeyError
	var mispErr *misp.Error
	switch {
	case err == nil:
	case errors.As(err, &noKey):
		res.Reason = "the partner's MISP publishes no key at " + res.URL + "/gpg.asc"
		return res
	case errors.As(err, &keyErr):
		res.Reason = keyErr.Error()
		return res
	case errors.As(err, &mispErr):
		res.Reason = unreachableReason(mispErr.Kind) + " (" + res.URL + "/gpg.asc)"
		return res
	default:
		res.Reason = "the partner's MISP could not be read from this laptop"
		return res
	}
	res.Published = published.Fingerprint
	if SameFingerprint(published.Fingerprint, announced.Fingerprint) {
		res.Verdict = VerdictMatch
	} else {
		res.Verdict = VerdictMismatch
	}
	return res
}

// unreachableReason says why the laptop could not read the partner's key.
func unreachableReason(k misp.Kind) string {
	switch k {
	case misp.KindUnreachable:
		return "the partner's MISP is not reachable from this laptop (it may be reachable only from our MISP's network)"
	case misp.KindTLS:
		return "the partner's certificate could not be verified from this laptop"
	case misp.KindTimeout:
		return "the partner's MISP did not answer in time"
	case misp.KindCanceled:
		return "the check was cancelled"
	}
	return "the partner's MISP answered unexpectedly (" + k.String() + ")"
}
