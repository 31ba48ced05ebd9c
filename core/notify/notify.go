// Package notify validates, normalises and describes an organisation's
// notification settings (IntelMQ IEP005): the e-mail addresses to notify
// (each with an optional PGP fingerprint, an optional S/MIME certificate
// reference and a Cc flag), the preferred data formats, an optional HTTP
// endpoint with a reference to its auth token (never the token), and how
// often to notify. The structure itself is pairing.NotificationSettings,
// which travels, versioned, inside INFO; MISP has no field for it, so the app
// keeps the partner's copy in its record (store.Partner) and exports it. Validation errors are per field and
// in words, so an editor can show each next to its field.
package notify

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// Field names used in FieldError.Field. An e-mail row's fields are named
// with EmailField.
const (
	FieldEmails           = "emails"
	FieldFormats          = "formats"
	FieldHTTPEndpoint     = "http_endpoint"
	FieldHTTPAuthTokenRef = "http_auth_token_ref"
	FieldInterval         = "interval"
	FieldVersion          = "v"
)

// The parts of one e-mail row, for EmailField.
const (
	PartAddress        = "address"
	PartPGPFingerprint = "pgp_fingerprint"
	PartSMIMECertRef   = "smime_cert_ref"
)

// EmailField names a part of the i-th (0-based) e-mail row:
// "emails[0].address".
func EmailField(i int, part string) string {
	return FieldEmails + "[" + strconv.Itoa(i) + "]." + part
}

// Intervals are the named intervals; an ISO 8601 duration ("PT4H", "P1D")
// is accepted too.
var Intervals = []string{"immediate", "hourly", "daily", "weekly"}

// Limits on free-text fields.
const (
	maxAddress = 254 // RFC 5321 path limit
	maxRef     = 256
	maxEmails  = 50
	// MaxEncoded caps the JSON Decode reads; INFO itself inflates to at most
	// 64 KiB.
	MaxEncoded = 64 << 10
)

// FieldError is one problem with one field, in words.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every problem found, in the order of the fields.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = fieldLabel(f.Field) + ": " + f.Message
	}
	n := "a problem"
	if len(e.Fields) > 1 {
		n = strconv.Itoa(len(e.Fields)) + " problems"
	}
	return "The notification settings have " + n + " — " + strings.Join(parts, "; ")
}

// For returns the message for one field ("" when the field is fine); when a
// field has several problems they are joined.
func (e *ValidationError) For(field string) string {
	if e == nil {
		return ""
	}
	var msgs []string
	for _, f := range e.Fields {
		if f.Field == field {
			msgs = append(msgs, f.Message)
		}
	}
	return strings.Join(msgs, " ")
}

// fieldLabel names a field for people: "e-mail 2, PGP fingerprint".
func fieldLabel(field string) string {
	switch field {
	case FieldEmails:
		return "e-mail addresses"
	case FieldFormats:
		return "data formats"
	case FieldHTTPEndpoint:
		return "HTTP endpoint"
	case FieldHTTPAuthTokenRef:
		return "auth-token reference"
	case FieldInterval:
		return "interval"
	case FieldVersion:
		return "version"
	}
	var i int
	var part string
	if n, _ := fmt.Sscanf(strings.NewReplacer("[", " ", "].", " ").Replace(field), "emails %d %s", &i, &part); n == 2 {
		name := map[string]string{PartAddress: "address", PartPGPFingerprint: "PGP fingerprint", PartSMIMECertRef: "S/MIME certificate"}[part]
		return "e-mail " + strconv.Itoa(i+1) + ", " + name
	}
	return field
}

// Empty reports whether the settings say nothing at all (then there is
// nothing to send).
func Empty(s pairing.NotificationSettings) bool {
	for _, e := range s.Emails {
		if strings.TrimSpace(e.Address+e.PGPFingerprint+e.SMIMECertRef) != "" {
			return false
		}
	}
	return len(s.Formats) == 0 && strings.TrimSpace(s.HTTPEndpoint+s.HTTPAuthTokenRef+s.Interval) == ""
}

// Normalize returns the settings as they are sent and stored: text trimmed,
// fingerprints in upper-case hex without spaces, colons or "0x", formats and
// named intervals in their canonical spelling, empty e-mail rows dropped and
// the version set. It does not validate; call Validate on the result.
func Normalize(s pairing.NotificationSettings) pairing.NotificationSettings {
	out := pairing.NotificationSettings{
		Version:          strings.TrimSpace(s.Version),
		HTTPEndpoint:     strings.TrimSpace(s.HTTPEndpoint),
		HTTPAuthTokenRef: strings.TrimSpace(s.HTTPAuthTokenRef),
		Interval:         strings.TrimSpace(s.Interval),
	}
	if out.Version == "" {
		out.Version = pairing.NotificationVersion
	}
	for _, e := range s.Emails {
		n := pairing.NotificationEmail{
			Address:        strings.TrimSpace(e.Address),
			PGPFingerprint: NormalizeFingerprint(e.PGPFingerprint),
			SMIMECertRef:   strings.TrimSpace(e.SMIMECertRef),
			Cc:             e.Cc,
		}
		if n.Address == "" && n.PGPFingerprint == "" && n.SMIMECertRef == "" {
			continue
		}
		out.Emails = append(out.Emails, n)
	}
	for _, f := range s.Formats {
		f = strings.TrimSpace(f)
		if c := canonicalFormat(f); c != "" {
			f = c
		}
		if f != "" {
			out.Formats = append(out.Formats, f)
		}
	}
	for _, name := range Intervals {
		if strings.EqualFold(out.Interval, name) {
			out.Interval = name
		}
	}
	if strings.HasPrefix(strings.ToUpper(out.Interval), "P") {
		out.Interval = strings.ToUpper(out.Interval)
	}
	return out
}

// NormalizeFingerprint removes spaces, colons and a "0x" prefix and
// upper-cases the rest.
func NormalizeFingerprint(fp string) string {
	fp = strings.TrimSpace(fp)
	if len(fp) > 2 && (fp[:2] == "0x" || fp[:2] == "0X") {
		fp = fp[2:]
	}
	return strings.ToUpper(strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '\t':
			return -1
		}
		return r
	}, fp))
}

func canonicalFormat(f string) string {
	for _, c := range pairing.NotificationFormats {
		if strings.EqualFold(f, c) || strings.EqualFold(strings.ReplaceAll(f, "-", ""), strings.ReplaceAll(c, "-", "")) {
			return c
		}
	}
	return ""
}

// Validate checks settings as Normalize returns them and returns nil or a
// *ValidationError naming every field with a problem. Rules
// (docs/PROTECTED.md): each address a plain e-mail address (no display
// name), at most once, not every one Cc; a PGP fingerprint 40 (v4) or 64
// (v6) hex digits; references single-line and short; formats from
// pairing.NotificationFormats without repeats; the endpoint an https URL
// without credentials; a token reference only with an endpoint and never
// something that looks like the token itself; the interval a named one or a
// non-zero ISO 8601 duration. Entirely empty settings are valid (nothing is
// sent); otherwise at least one address or the endpoint is needed.
func Validate(s pairing.NotificationSettings) error {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }

	if v := s.Version; v != "" {
		major, _, _ := strings.Cut(v, ".")
		if major != "1" {
			add(FieldVersion, "version "+strconv.Quote(v)+" is not one this app understands (1.x); update MISPbump.")
		}
	}
	if len(s.Emails) > maxEmails {
		add(FieldEmails, fmt.Sprintf("at most %d addresses, please (there are %d).", maxEmails, len(s.Emails)))
	}
	seen := map[string]int{}
	mainRecipients := 0
	for i, e := range s.Emails {
		if msg := checkAddress(e.Address); msg != "" {
			add(EmailField(i, PartAddress), msg)
		} else if j, dup := seen[strings.ToLower(e.Address)]; dup {
			add(EmailField(i, PartAddress), "this address is already given as e-mail "+strconv.Itoa(j+1)+".")
		} else {
			seen[strings.ToLower(e.Address)] = i
		}
		if !e.Cc {
			mainRecipients++
		}
		if e.PGPFingerprint != "" {
			if msg := checkFingerprint(e.PGPFingerprint); msg != "" {
				add(EmailField(i, PartPGPFingerprint), msg)
			}
		}
		if e.SMIMECertRef != "" {
			if msg := checkRef(e.SMIMECertRef, "the certificate"); msg != "" {
				add(EmailField(i, PartSMIMECertRef), msg)
			}
		}
	}
	if len(s.Emails) > 0 && mainRecipients == 0 {
		add(FieldEmails, "every address is marked Cc; untick Cc for at least one main recipient.")
	}
	if len(s.Emails) == 0 && s.HTTPEndpoint == "" && !Empty(s) {
		add(FieldEmails, "add at least one e-mail address (or an HTTP endpoint), or leave all notification settings empty.")
	}

	var formatProblems []string
	seenFormat := map[string]bool{}
	for _, f := range s.Formats {
		c := canonicalFormat(f)
		switch {
		case c == "":
			formatProblems = append(formatProblems, strconv.Quote(f)+" is not one of "+strings.Join(pairing.NotificationFormats, ", ")+".")
		case seenFormat[c]:
			formatProblems = append(formatProblems, c+" is listed twice.")
		}
		seenFormat[c] = true
	}
	if len(formatProblems) > 0 {
		add(FieldFormats, strings.Join(formatProblems, " "))
	}

	if s.HTTPEndpoint != "" {
		if msg := checkEndpoint(s.HTTPEndpoint); msg != "" {
			add(FieldHTTPEndpoint, msg)
		}
	}
	if s.HTTPAuthTokenRef != "" {
		if s.HTTPEndpoint == "" {
			add(FieldHTTPAuthTokenRef, "an auth-token reference needs an HTTP endpoint; add the endpoint or clear this field.")
		} else if msg := checkTokenRef(s.HTTPAuthTokenRef); msg != "" {
			add(FieldHTTPAuthTokenRef, msg)
		}
	}
	if s.Interval != "" {
		if msg := checkInterval(s.Interval); msg != "" {
			add(FieldInterval, msg)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: errs}
}

func checkAddress(a string) string {
	switch {
	case a == "":
		return "enter an e-mail address, or remove this row."
	case len(a) > maxAddress:
		return fmt.Sprintf("an e-mail address has at most %d characters.", maxAddress)
	case strings.ContainsAny(a, " \t\r\n<>,;"):
		return "enter one plain address like soc@example.org, without a name, spaces or separators."
	}
	parsed, err := mail.ParseAddress(a)
	if err != nil || parsed.Address != a || parsed.Name != "" {
		return "this is not an e-mail address; it should look like soc@example.org."
	}
	local, domain, _ := strings.Cut(a, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "the part after @ must be a domain like example.org."
	}
	return ""
}

func checkFingerprint(fp string) string {
	for _, r := range fp {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'F' || r >= 'a' && r <= 'f') {
			return fmt.Sprintf("a PGP fingerprint holds only hex digits (0–9, A–F); %q is not one.", r)
		}
	}
	if n := len(fp); n != 40 && n != 64 {
		return fmt.Sprintf("a PGP fingerprint has 40 hex digits (64 for a v6 key); this one has %d. Copy it from `gpg --fingerprint`.", n)
	}
	return ""
}

func checkRef(ref, what string) string {
	switch {
	case len(ref) > maxRef:
		return fmt.Sprintf("a reference has at most %d characters.", maxRef)
	case strings.ContainsAny(ref, "\r\n"):
		return "a reference is one line."
	case strings.Contains(ref, "-----BEGIN"):
		return "enter where " + what + " can be found (a URL, a file name or its fingerprint), not " + what + " itself."
	}
	return ""
}

func checkEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "this is not a URL; it should look like https://notify.example.org/misp."
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		return "use https://: the endpoint receives incident data and an auth token, which must not travel in clear."
	default:
		return "the URL must start with https:// (not " + u.Scheme + "://)."
	}
	if u.User != nil {
		return "do not put credentials in the URL; name where the token is kept in the auth-token reference."
	}
	if u.Fragment != "" {
		return "a URL for an HTTP endpoint has no #fragment."
	}
	return ""
}

// tokenLike matches what looks like a secret pasted where a reference belongs:
// a long run of token characters, with digits, and nothing that names a place
// (no ':', '/', '.' or space). It is a heuristic against the worst mistake,
// not a proof.
var tokenLike = regexp.MustCompile(`^[A-Za-z0-9+=_\-]{24,}$`)

func checkTokenRef(ref string) string {
	if msg := checkRef(ref, "the token"); msg != "" {
		return msg
	}
	lower := strings.ToLower(ref)
	if strings.HasPrefix(lower, "bearer ") || strings.HasPrefix(lower, "basic ") ||
		(tokenLike.MatchString(ref) && strings.ContainsAny(ref, "0123456789")) {
		return "this looks like the token itself. Enter where the token is kept (for example vault:secret/misp-notify, or \"ask soc@example.org\") — never the token."
	}
	return ""
}

var isoDuration = regexp.MustCompile(`^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$`)

func checkInterval(iv string) string {
	if slices.Contains(Intervals, iv) {
		return ""
	}
	m := isoDuration.FindStringSubmatch(iv)
	if m == nil || iv == "P" || strings.HasSuffix(iv, "T") {
		return "enter immediate, hourly, daily, weekly or an ISO 8601 duration such as PT4H or P1D."
	}
	for _, part := range m[1:] {
		if part == "" || part[0] == 'T' {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimRight(part, "YMWDHS")); err == nil && n > 0 {
			return ""
		}
	}
	return "the interval must be longer than zero."
}

// DecodeError says that stored or received settings could not be read.
type DecodeError struct{ Reason string }

func (e *DecodeError) Error() string {
	return "the notification settings could not be read: " + e.Reason + "."
}

// Decode reads the JSON form of pairing.NotificationSettings from outside
// the pairing (an export, a file an admin imports). No data is nil, nil: no
// settings were given.
// Unknown fields are ignored (a newer minor version may add some); a newer
// major version is a *DecodeError.
func Decode(raw json.RawMessage) (*pairing.NotificationSettings, error) {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" || trimmed == "null" {
		return nil, nil
	}
	if len(raw) > MaxEncoded {
		return nil, &DecodeError{Reason: "they are larger than 64 KiB"}
	}
	var s pairing.NotificationSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &DecodeError{Reason: "they are not the expected JSON structure"}
	}
	if s.Version != "" {
		major, _, _ := strings.Cut(s.Version, ".")
		if n, err := strconv.Atoi(major); err != nil || n < 1 {
			return nil, &DecodeError{Reason: "the version " + strconv.Quote(truncate(s.Version, 16)) + " is not valid"}
		} else if n > 1 {
			return nil, &DecodeError{Reason: "they use version " + strconv.Quote(truncate(s.Version, 16)) + ", newer than this app understands; update MISPbump"}
		}
	}
	return &s, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
