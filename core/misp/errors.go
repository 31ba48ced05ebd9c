package misp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind says what went wrong with a MISP call, so a caller can act on it with
// errors.As and a switch instead of reading messages.
type Kind int

// The kinds of failure a MISP call can meet.
const (
	// KindBadKey: MISP refused the authkey (403 on users/view/me, or an
	// authentication-failed 403 anywhere).
	KindBadKey Kind = iota + 1
	// KindNotSiteAdmin: the key works but has no site-admin rights (or it is
	// a read-only key, which has none in effect).
	KindNotSiteAdmin
	// KindForbidden: any other 403 without field errors (e.g. a redacted setting).
	KindForbidden
	// KindRedirectToLogin: MISP answered 302 to its login page: the request
	// looked like a browser's (missing Accept header) or a proxy intervened.
	KindRedirectToLogin
	// KindValidation: MISP refused to save (403 with saved:false and field
	// errors: duplicate name, uuid or e-mail, password policy, bad URL…).
	KindValidation
	// KindNotFound: 404.
	KindNotFound
	// KindMethodNotAllowed: 405; MISP puts the real reason in the message.
	KindMethodNotAllowed
	// KindServerError: a 5xx answer.
	KindServerError
	// KindUnreachable: no connection (DNS, refused, reset, no route).
	KindUnreachable
	// KindTLS: the TLS handshake failed, usually an untrusted or self-signed
	// certificate; CertSHA256 and CertSubject describe what was presented.
	KindTLS
	// KindTimeout: no answer in time.
	KindTimeout
	// KindCanceled: the caller canceled the request.
	KindCanceled
	// KindBadResponse: an answer the client cannot read (not JSON, wrong shape).
	KindBadResponse
	// KindHTTP: any other unexpected HTTP status.
	KindHTTP
	// KindInvalidRequest: the caller asked for something the client refuses
	// to send (e.g. a user without an organisation).
	KindInvalidRequest
	// KindNotMISP: at login, the server answered users/view/me as no MISP
	// does (an HTML page, a 404, JSON without a user, an error without
	// MISP's JSON body): the URL points at another web server or at the
	// wrong path. Message says what came back.
	KindNotMISP
)

var kindNames = map[Kind]string{
	KindBadKey: "bad key", KindNotSiteAdmin: "not a site admin", KindForbidden: "forbidden",
	KindRedirectToLogin: "redirect to login", KindValidation: "validation", KindNotFound: "not found",
	KindMethodNotAllowed: "method not allowed", KindServerError: "server error",
	KindUnreachable: "unreachable", KindTLS: "TLS failure", KindTimeout: "timeout",
	KindCanceled: "canceled", KindBadResponse: "bad response", KindHTTP: "unexpected HTTP status",
	KindInvalidRequest: "invalid request", KindNotMISP: "not a MISP",
}

// String names the kind.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is every error the client returns. Its message says in words what
// happened and what to do; it never contains the authkey.
type Error struct {
	Kind   Kind
	Op     string // "GET /users/view/me": method and path, never a key
	Host   string // the MISP's host, to say which MISP
	Status int    // HTTP status, 0 when there was no answer
	// Message is MISP's own message (the "message" of its JSON error), if any.
	Message string
	// Fields holds MISP's validation errors by field name (KindValidation).
	Fields map[string][]string
	// CertSHA256 (hex, lower case) and CertSubject describe the certificate
	// the server presented (KindTLS), so the UI can show it and offer
	// "Trust this certificate" (pinning it by fingerprint).
	CertSHA256  string
	CertSubject string
	// Location is where a 302 pointed (KindRedirectToLogin).
	Location string
	// Err is the underlying cause, with any key already removed.
	Err error

	// mispBody tells that a non-2xx answer carried MISP's JSON error body
	// ({name, message, url}); Login tells MISP from other servers by it.
	mispBody bool
}

// Unwrap gives the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Error says what happened and what to do.
func (e *Error) Error() string {
	where := "MISP"
	if e.Host != "" {
		where = "MISP at " + e.Host
	}
	op := ""
	if e.Op != "" {
		op = " (" + e.Op + ")"
	}
	switch e.Kind {
	case KindBadKey:
		return where + " refused the authkey" + op + ": check that you pasted the whole key, that it has not expired or been deleted, and that its user is not disabled."
	case KindNotSiteAdmin:
		if e.Message == readOnlyKeyMessage {
			return "The authkey works on " + where + " and belongs to a site admin, but it is a read-only key: MISP lets it read only, so the app could not create anything. Make a new key for the site admin without the read-only flag (My profile → Auth keys) and log in with that."
		}
		return "The authkey works on " + where + ", but it is not a site admin's, or it is a read-only key: MISPbump needs the key of a site admin without the read-only flag."
	case KindForbidden:
		return where + " refused this request" + op + ": " + orDefault(e.Message, "access denied") + "."
	case KindRedirectToLogin:
		return where + " answered with a redirect to its login page" + op + " instead of JSON: something between the app and MISP (a proxy or single sign-on gateway) intercepts API calls, or the URL is not the MISP's base URL. Use the URL MISP is served under and let API calls through."
	case KindValidation:
		return where + " refused to save" + op + ": " + e.fieldText() + "."
	case KindNotFound:
		return where + " has no such record" + op + ": " + orDefault(e.Message, "not found") + "."
	case KindMethodNotAllowed:
		return where + " refused the request" + op + ": " + orDefault(e.Message, "method not allowed") + "."
	case KindServerError:
		return fmt.Sprintf("%s had an internal error (HTTP %d)%s: look at MISP's error log (app/tmp/logs/error.log) and try again.", where, e.Status, op)
	case KindUnreachable:
		return where + " cannot be reached" + op + ": check the URL, that MISP is running, and that this computer's network (VPN, firewall, proxy) lets it through." + causeText(e.Err)
	case KindTLS:
		if e.CertSHA256 == "" && e.Message != "" {
			return "The secure connection to " + where + " failed" + op + ": " + e.Message + "." + causeText(e.Err)
		}
		s := where + " presented a certificate this computer does not trust" + op + "."
		if e.CertSHA256 != "" {
			s += fmt.Sprintf(" Certificate %q, SHA-256 fingerprint %s: compare it with the MISP's certificate (ask its admin) and, only if it matches, choose \"Trust this certificate\".", e.CertSubject, FormatFingerprint(e.CertSHA256))
		} else {
			s += " Check the URL and the MISP's certificate."
		}
		return s + causeText(e.Err)
	case KindTimeout:
		return where + " did not answer in time" + op + ": it may be overloaded or a firewall may drop the connection; try again."
	case KindCanceled:
		return "The request to " + where + " was canceled" + op + "."
	case KindBadResponse:
		if e.Message != "" {
			// A readable answer that is not about what was asked, or lacks
			// what the call needs: say which, not the advice for garbage.
			return where + " sent an answer the app cannot use" + op + ": " + e.Message + ". Nothing was done with it; try again, and if it happens again look at MISP's error log (app/tmp/logs/error.log)." + causeText(e.Err)
		}
		return where + " sent an answer the app cannot read" + op + ": check that the URL points at MISP itself (not a proxy's error page) and that MISP is version 2.4 or newer." + causeText(e.Err)
	case KindNotMISP:
		where := "The server"
		if e.Host != "" {
			where = "The server at " + e.Host
		}
		return where + " answered" + op + " with " + orDefault(e.Message, "something MISP never sends") + ": this does not look like a MISP — check the URL (MISP's own address, e.g. https://misp.example.org, without a path unless MISP is served under one)."
	case KindInvalidRequest:
		return "The app refused to send this request" + op + ": " + orDefault(e.Message, "invalid request") + "."
	default:
		return fmt.Sprintf("%s answered with HTTP %d%s: %s.", where, e.Status, op, orDefault(e.Message, "unexpected answer"))
	}
}

func (e *Error) fieldText() string {
	if len(e.Fields) == 0 {
		return orDefault(e.Message, "the data was not valid")
	}
	names := make([]string, 0, len(e.Fields))
	for f := range e.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	var parts []string
	for _, f := range names {
		parts = append(parts, f+": "+strings.Join(e.Fields[f], " "))
	}
	return strings.Join(parts, "; ")
}

// FieldError returns MISP's messages for one field ("name", "uuid",
// "email", "password", "url", "key_data"), or nil.
func (e *Error) FieldError(field string) []string { return e.Fields[field] }

// Is lets errors.Is(err, &misp.Error{Kind: k}) match on the kind alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Op == "" && t.Status == 0
}

// IsKind reports whether err is (or wraps) a *Error of kind k.
func IsKind(err error, k Kind) bool {
	for err != nil {
		if e, ok := err.(*Error); ok && e.Kind == k {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func orDefault(s, d string) string {
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	if s == "" {
		return d
	}
	return s
}

func causeText(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// redactedError carries an underlying error's text with the key removed.
type redactedError struct {
	msg   string
	cause error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.cause }

// redact returns err with every occurrence of every secret replaced. The
// original error is dropped (it would still hold a key); only context errors
// are kept so errors.Is(err, context.Canceled) still works.
func redact(err error, secrets ...string) error {
	if err == nil {
		return err
	}
	msg := err.Error()
	clean := scrub(msg, secrets...)
	if clean == msg {
		return err
	}
	var cause error
	switch {
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	}
	return &redactedError{msg: clean, cause: cause}
}

// scrub replaces every occurrence of every non-empty secret in s.
func scrub(s string, secrets ...string) string {
	for _, k := range secrets {
		if k != "" {
			s = strings.ReplaceAll(s, k, "[authkey]")
		}
	}
	return s
}

// keyLength is the length of a MISP authkey (recordings 22, 29).
const keyLength = 40

// keysIn returns every string value of a JSON request body that looks like
// a MISP authkey (40 letters and digits), wherever it sits, and every string
// under a field named authkey whatever its form, so that keys the request
// carries for someone else never come back in an error.
func keysIn(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any, field string)
	walk = func(v any, field string) {
		switch t := v.(type) {
		case string:
			if IsAuthkeyForm(t) || t != "" && strings.EqualFold(field, "authkey") {
				out = append(out, t)
			}
		case []any:
			for _, x := range t {
				walk(x, field)
			}
		case map[string]any:
			for k, x := range t {
				walk(x, k)
			}
		}
	}
	walk(v, "")
	return out
}

// IsAuthkeyForm reports whether s has the form of a MISP authkey: 40 ASCII
// letters and digits, the only form MISP issues and the only one its
// servers/add accepts (AppModel::validateAuthkey).
func IsAuthkeyForm(s string) bool {
	if len(s) != keyLength {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
