// Package misp is MISPbump's REST client for MISP (2.4 and 2.5): one Client
// per MISP and authkey, typed requests and answers that decode MISP's loose
// JSON (ids as strings or numbers, flags as booleans or "0"/"1"), and typed
// errors (*Error with a Kind) whose messages say what happened and what to do
// and never contain the authkey. TLS is verified against the system roots; a
// caller may additionally pin one certificate by its SHA-256 fingerprint
// after showing it to the admin. There is no way to turn verification off.
//
// The shapes of requests and answers follow the recordings of real MISP 2.5.1
// exchanges in testdata/misp-recordings (docs/MISP.md lists each call with
// its recording number).
package misp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mispbump/mispbump-desktop/core/version"
)

// DefaultTimeout bounds one request (connect, send, answer) when Options
// gives none. MISP answers admin calls in well under a second; a
// testConnection waits on the partner's MISP, so it is generous.
const DefaultTimeout = 60 * time.Second

// maxBody caps how much of an answer is read: the largest answers the app
// asks for (an event with its keys) are far smaller.
const maxBody = 32 << 20

// Options tune a Client. The zero value is right for a MISP with a publicly
// trusted certificate.
type Options struct {
	// PinnedSHA256 is the SHA-256 fingerprint (hex; colons and spaces are
	// ignored) of a server certificate the admin chose to trust after seeing
	// it (see FetchCertificate). A certificate with exactly this fingerprint
	// is accepted even if self-signed; anything else must verify normally.
	PinnedSHA256 string
	// RootCAs adds trust in a private CA; nil means the system roots only.
	RootCAs *x509.CertPool
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Client talks to one MISP with one authkey. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	key      string
	hc       *http.Client
	requests atomic.Int64
}

// New makes a client for the MISP at baseURL (e.g. "https://misp.example.org",
// a path prefix is kept). authkey may be empty for the unauthenticated calls
// (FetchGPGKey).
func New(baseURL, authkey string, opts Options) (*Client, error) {
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	tr, err := newTransport(opts)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{
		base: u,
		key:  strings.TrimSpace(authkey),
		hc: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			// A redirect from MISP means "log in in a browser": report it
			// instead of following it (and sending the key elsewhere).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// ParseBaseURL checks and normalises a MISP base URL: http or https, a host,
// no query, no trailing slash.
func ParseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &Error{Kind: KindInvalidRequest, Message: "Enter the MISP's address, e.g. https://misp.example.org"}
	}
	if looksSecret(raw) {
		// Never repeat it on screen: it may be the key, typed in the
		// wrong field, or hold a password.
		return nil, &Error{Kind: KindInvalidRequest, Message: "this is not a MISP address (an authkey belongs in the authkey field, and an address holds no user name or password): write it as https://misp.example.org"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{Kind: KindInvalidRequest, Message: fmt.Sprintf("%q is not a MISP address; write it as https://misp.example.org", raw)}
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "" || (scheme != "https" && scheme != "http" && !strings.Contains(raw, "://")): // misp.example.org, or misp.example.org:8443
		return nil, &Error{Kind: KindInvalidRequest, Message: fmt.Sprintf("%q needs to say how MISP is reached: a MISP address starts with https:// (or http://), e.g. https://%s", raw, strings.TrimLeft(raw, "/"))}
	case scheme != "https" && scheme != "http":
		// A typo such as htp:// or an address of another kind (ftp://):
		// say which part is wrong, not only that the whole is.
		return nil, &Error{Kind: KindInvalidRequest, Message: fmt.Sprintf("the address starts with %q, not \"https\" or \"http\": a MISP address starts with https:// (or http://), e.g. https://misp.example.org", u.Scheme)}
	case u.Host == "":
		return nil, &Error{Kind: KindInvalidRequest, Message: fmt.Sprintf("%q has no host name after %s://; write it as https://misp.example.org", raw, scheme)}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// NormalizeURL gives the form in which two MISP URLs are compared: lower-case
// scheme and host, default port dropped, no trailing slash. It returns the
// input trimmed when it does not parse.
func NormalizeURL(raw string) string {
	u, err := ParseBaseURL(raw)
	if err != nil {
		return strings.TrimRight(strings.TrimSpace(raw), "/")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err == nil && ((u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80")) {
		u.Host = host
		if strings.Contains(host, ":") {
			u.Host = "[" + host + "]"
		}
	}
	return u.String()
}

// SameOrigin reports whether two MISP addresses are the same origin:
// scheme, host and port (a default port counts as written); the path does
// not matter. An address that does not parse is no one's origin. A stored
// authkey may only go to the origin it was stored for.
func SameOrigin(a, b string) bool {
	ua, errA := ParseBaseURL(NormalizeURL(a))
	ub, errB := ParseBaseURL(NormalizeURL(b))
	if errA != nil || errB != nil {
		return false
	}
	return ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// BaseURL returns the normalised base URL the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Requests returns how many HTTP requests this client has sent.
func (c *Client) Requests() int64 { return c.requests.Load() }

// do sends one request and decodes a 2xx JSON answer into out (if non-nil).
// It returns the answer's headers. Every failure is a *Error without the key.
func (c *Client) do(ctx context.Context, method, path string, body, out any) (http.Header, error) {
	op := method + " " + path
	var rd io.Reader
	// sent holds the keys this request carries in its body (the partner's
	// sync key in servers/add and servers/edit): MISP echoes them back
	// (recording 31), so every error built from the answer drops them too.
	var sent []string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &Error{Kind: KindInvalidRequest, Op: op, Host: c.base.Host, Message: "the request could not be encoded"}
		}
		sent = keysIn(b)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return nil, &Error{Kind: KindInvalidRequest, Op: op, Host: c.base.Host, Message: "the request could not be built", Err: redact(err, append(sent, c.key)...)}
	}
	// Without Accept: application/json MISP treats the call as a browser's
	// and answers 302 to its login page (recordings 03, 06).
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", version.UserAgent)
	if c.key != "" {
		req.Header.Set("Authorization", c.key)
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, op, err, sent...)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.Header, c.transportError(ctx, op, err, sent...)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return resp.Header, &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Status: resp.StatusCode, Err: redact(describeJSONError(data, err), append(sent, c.key)...)}
			}
		}
		return resp.Header, nil
	}
	return resp.Header, c.statusError(op, resp, data, sent...)
}

// describeJSONError keeps decoding errors short and says when the answer was
// not JSON at all (an HTML page from a proxy).
func describeJSONError(data []byte, err error) error {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return errors.New("the answer was empty")
	}
	if t[0] == '<' {
		return errors.New("the answer was an HTML page, not JSON")
	}
	return fmt.Errorf("unexpected JSON: %v", err)
}

// misp403 is MISP's error body: {name, message, url} plus, for validation
// failures, saved:false and errors {field: [messages]}.
type mispErrorBody struct {
	Name    string          `json:"name"`
	Message string          `json:"message"`
	Saved   *Flag           `json:"saved"`
	Errors  json.RawMessage `json:"errors"`
}

// statusError turns a non-2xx answer into an *Error. sent are the keys the
// request carried besides our own: they are removed like our authkey.
func (c *Client) statusError(op string, resp *http.Response, data []byte, sent ...string) error {
	secrets := append([]string{c.key}, sent...)
	e := &Error{Op: op, Host: c.base.Host, Status: resp.StatusCode}
	var b mispErrorBody
	if json.Unmarshal(data, &b) == nil {
		e.mispBody = b.Name != "" || b.Message != ""
		// MISP HTML-escapes its messages ("doesn&#039;t", recording 183);
		// they are read as text.
		e.Message = scrub(html.UnescapeString(orDefault(b.Message, b.Name)), secrets...)
		e.Fields = fieldErrors(b.Errors, secrets...)
	}
	switch s := resp.StatusCode; {
	case s >= 300 && s < 400:
		e.Kind = KindRedirectToLogin
		e.Location = scrub(stripQuery(resp.Header.Get("Location")), secrets...)
	case s == http.StatusForbidden || s == http.StatusUnauthorized:
		switch {
		case len(e.Fields) > 0 || (b.Saved != nil && !bool(*b.Saved)):
			e.Kind = KindValidation
		case s == http.StatusUnauthorized || strings.HasPrefix(e.Message, "Authentication failed"):
			e.Kind = KindBadKey
		default:
			e.Kind = KindForbidden
		}
	case s == http.StatusNotFound:
		e.Kind = KindNotFound
	case s == http.StatusMethodNotAllowed:
		e.Kind = KindMethodNotAllowed
	case s >= 500:
		e.Kind = KindServerError
	default:
		e.Kind = KindHTTP
	}
	return e
}

func stripQuery(loc string) string {
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		return loc[:i]
	}
	return loc
}

// fieldErrors flattens MISP's "errors" value: usually {field: [msg]}, but a
// field may hold a string, nested objects, or the whole value may be a string.
// Every secret is removed from the messages.
func fieldErrors(raw json.RawMessage, secrets ...string) map[string][]string {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	out := map[string][]string{}
	var walk func(field string, v any)
	walk = func(field string, v any) {
		switch t := v.(type) {
		case string:
			if t != "" {
				out[field] = append(out[field], scrub(html.UnescapeString(t), secrets...))
			}
		case []any:
			for _, x := range t {
				walk(field, x)
			}
		case map[string]any:
			for k, x := range t {
				name := k
				if field != "" && field != "_" {
					name = field + "." + k
				}
				walk(name, x)
			}
		case float64, bool:
			walk(field, fmt.Sprint(t))
		}
	}
	walk("_", v)
	if len(out) == 0 {
		return nil
	}
	return out
}

func (c *Client) transportError(ctx context.Context, op string, err error, sent ...string) error {
	e := &Error{Op: op, Host: c.base.Host, Err: redact(unwrapURLError(err), append(sent, c.key)...)}
	var certErr *tls.CertificateVerificationError
	var pinErr *pinError
	var netErr net.Error
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		e.Kind = KindCanceled
	case errors.As(err, &pinErr):
		e.Kind = KindTLS
		e.CertSHA256, e.CertSubject = Fingerprint(pinErr.cert), pinErr.cert.Subject.String()
	case errors.As(err, &certErr):
		e.Kind = KindTLS
		if len(certErr.UnverifiedCertificates) > 0 {
			leaf := certErr.UnverifiedCertificates[0]
			e.CertSHA256, e.CertSubject = Fingerprint(leaf), leaf.Subject.String()
		}
	case errors.As(err, &rec) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Kind = KindTLS
		e.Message = "the server at this address does not speak HTTPS: check whether the address should start with http:// or use another port"
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		e.Kind = KindTLS
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		e.Kind = KindTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = KindTimeout
	default:
		e.Kind = KindUnreachable
	}
	return e
}

// unwrapURLError drops *url.Error's "Get "https://…":" prefix: Op already
// says which call it was.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// get, post: small helpers over do.
func (c *Client) get(ctx context.Context, path string, out any) error {
	_, err := c.do(ctx, http.MethodGet, path, nil, out)
	return err
}

func (c *Client) post(ctx context.Context, path string, body, out any) error {
	_, err := c.do(ctx, http.MethodPost, path, body, out)
	return err
}

// looksSecret reports whether an address field holds what an error must not
// repeat: a user name or password ("@"), or a long run of letters and digits
// with no dot, colon or slash, as an authkey pasted into the wrong field.
func looksSecret(raw string) bool {
	if strings.Contains(raw, "@") {
		return true
	}
	return len(raw) >= 32 && !strings.ContainsAny(raw, ".:/")
}
