package misp

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Fingerprint returns the SHA-256 fingerprint of a certificate's DER bytes,
// lower-case hex without separators.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// FormatFingerprint writes a hex fingerprint as upper-case pairs separated
// by colons, the way browsers and openssl show it, so an admin can compare.
//
// It groups characters, not bytes, and keeps an odd last one: a pasted pin
// may hold anything, and byte pairs of an upper-cased copy would cut runes in
// two or drop what the admin typed last.
func FormatFingerprint(hexFP string) string {
	r := []rune(strings.ToUpper(normalizeFingerprint(hexFP)))
	var b strings.Builder
	for i := 0; i < len(r); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(string(r[i:min(i+2, len(r))]))
	}
	return b.String()
}

// normalizeFingerprint drops colons, spaces and case.
func normalizeFingerprint(fp string) string {
	r := strings.NewReplacer(":", "", " ", "", "-", "")
	return strings.ToLower(r.Replace(strings.TrimSpace(fp)))
}

// pinError is a handshake refused under pinning: the certificate neither has
// the pinned fingerprint nor verifies against the trusted roots.
type pinError struct {
	cert *x509.Certificate
	err  error
}

func (p *pinError) Error() string {
	return fmt.Sprintf("certificate %s is neither the trusted one nor valid: %v", FormatFingerprint(Fingerprint(p.cert)), p.err)
}

func (p *pinError) Unwrap() error { return p.err }

func newTransport(opts Options) (*http.Transport, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs}
	if opts.PinnedSHA256 != "" {
		pin := normalizeFingerprint(opts.PinnedSHA256)
		if b, err := hex.DecodeString(pin); err != nil || len(b) != sha256.Size {
			return nil, &Error{Kind: KindInvalidRequest, Message: "the trusted certificate fingerprint is not a SHA-256 fingerprint (64 hexadecimal digits)"}
		}
		// Go's own verification would reject a self-signed certificate
		// before we see it, so with a pin the check moves into
		// VerifyConnection: the exact pinned certificate, or else the full
		// chain-and-hostname verification Go would have done. Verification
		// is replaced by a stricter check, never skipped.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyPinned(cs, pin, opts.RootCAs)
		}
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: DefaultTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}, nil
}

func verifyPinned(cs tls.ConnectionState, pin string, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	if Fingerprint(leaf) == pin {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots, Intermediates: inter})
	if err != nil {
		return &pinError{cert: leaf, err: err}
	}
	return nil
}

// CertificateInfo describes the certificate chain a server presented.
type CertificateInfo struct {
	// SHA256 is the leaf's fingerprint (lower-case hex), the value to pin.
	SHA256   string
	Subject  string
	Issuer   string
	DNSNames []string
	NotAfter time.Time
	// Trusted is true when the chain verified against the system roots (or
	// Options.RootCAs) for this host: no pin is needed.
	Trusted bool
	// Chain is the certificates as presented, leaf first.
	Chain []*x509.Certificate
}

// SelfSigned reports whether the leaf is its own issuer.
func (ci *CertificateInfo) SelfSigned() bool {
	if len(ci.Chain) == 0 {
		return false
	}
	l := ci.Chain[0]
	return l.CheckSignatureFrom(l) == nil
}

// AnchorPEM returns, PEM-encoded, the certificate that makes this server
// verifiable for someone who trusts it: the self-signed leaf itself, or the
// last certificate of the presented chain (a private CA). This is what a
// partner's MISP gets as submitted_cert. Servers rarely present their CA's
// root, so for a private CA this is usually an intermediate, which MISP's
// verification may not accept as an anchor: then the admin must supply the
// root certificate itself.
func (ci *CertificateInfo) AnchorPEM() []byte {
	if len(ci.Chain) == 0 {
		return nil
	}
	c := ci.Chain[len(ci.Chain)-1]
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// FetchCertificate connects to the TLS server of rawURL and returns the
// certificate it presents, verified or not, so the admin can compare its
// fingerprint before choosing to trust (pin) it. It sends no HTTP request.
// Verification stays on: an untrusted chain is read from the handshake error.
func FetchCertificate(ctx context.Context, rawURL string, opts Options) (*CertificateInfo, error) {
	u, err := ParseBaseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" {
		return nil, &Error{Kind: KindInvalidRequest, Host: u.Host, Message: "the address uses http, which has no certificate"}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	d := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 15 * time.Second},
		Config:    &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs, ServerName: u.Hostname()},
	}
	op := "TLS handshake"
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		defer conn.Close()
		cs := conn.(*tls.Conn).ConnectionState()
		return certInfo(cs.PeerCertificates, true), nil
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) && len(certErr.UnverifiedCertificates) > 0 {
		return certInfo(certErr.UnverifiedCertificates, false), nil
	}
	c := &Client{base: u}
	return nil, c.transportError(ctx, op, err)
}

func certInfo(chain []*x509.Certificate, trusted bool) *CertificateInfo {
	leaf := chain[0]
	return &CertificateInfo{
		SHA256:   Fingerprint(leaf),
		Subject:  leaf.Subject.String(),
		Issuer:   leaf.Issuer.String(),
		DNSNames: leaf.DNSNames,
		NotAfter: leaf.NotAfter,
		Trusted:  trusted,
		Chain:    chain,
	}
}
