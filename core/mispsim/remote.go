package mispsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// newOutboundClient makes the client for instance-to-instance calls. TLS is
// always verified: against roots (nil: the system roots).
func newOutboundClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 10 * time.Second,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		},
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// clientFor returns the client for one server entry: a submitted
// certificate is then the only trust root.
func (s *Sim) clientFor(sv Server) (*http.Client, func(), error) {
	if sv.SubmittedCertPEM == "" {
		return s.client, func() {}, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(sv.SubmittedCertPEM)) {
		return nil, nil, errors.New("the submitted certificate cannot be read")
	}
	c := newOutboundClient(pool)
	return c, c.CloseIdleConnections, nil
}

func (s *Sim) userAgent() string { return "MISP " + s.cfg.Version + " - #mispsim" }

// remoteCall makes one instance-to-instance request and reads the answer.
func (s *Sim) remoteCall(ctx context.Context, client *http.Client, method, url, key string, body []byte, gz bool) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = buf.Bytes()
		}
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent())
	if body != nil && gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)

// testConnection is MISP's servers/testConnection: GET getVersion, then
// POST postTest, from the entry's URL with its key (64, 65). It always
// gives an answer; unreachable is status 2.
func (s *Sim) testConnection(ctx context.Context, sv Server) object {
	fail := func(status int) object {
		return object{{"status", status}, {"client_certificate", nil}}
	}
	client, done, err := s.clientFor(sv)
	if err != nil {
		return fail(2)
	}
	defer done()
	base := strings.TrimRight(sv.URL, "/")
	code, raw, err := s.remoteCall(ctx, client, http.MethodGet, base+"/servers/getVersion", sv.Authkey, nil, false)
	if err != nil {
		return fail(2)
	}
	switch {
	case code == http.StatusForbidden || code == http.StatusUnauthorized:
		return fail(4)
	case code != http.StatusOK:
		return fail(3)
	}
	var info struct {
		Version         string          `json:"version"`
		PermSync        bool            `json:"perm_sync"`
		PermSighting    bool            `json:"perm_sighting"`
		UUID            string          `json:"uuid"`
		RequestEncoding json.RawMessage `json:"request_encoding"`
	}
	compactInfo := new(bytes.Buffer)
	if json.Unmarshal(raw, &info) != nil || json.Compact(compactInfo, raw) != nil {
		return fail(3)
	}
	gz := bytes.Contains(info.RequestEncoding, []byte(`"gzip"`))
	post := s.postTest(ctx, client, base, sv.Authkey, gz)
	remote := versionRE.FindStringSubmatch(info.Version)
	if remote == nil {
		return fail(3)
	}
	if !info.PermSync && !info.PermSighting {
		return object{{"status", 7}, {"info", json.RawMessage(compactInfo.Bytes())}, {"client_certificate", nil}, {"post", post}}
	}
	if !info.PermSync {
		return object{{"status", 8}, {"info", json.RawMessage(compactInfo.Bytes())}, {"client_certificate", nil}, {"post", post}}
	}
	mismatch, newer := compareVersions(s.cfg.Version, remote)
	var reqEnc any
	if len(info.RequestEncoding) > 0 {
		reqEnc = info.RequestEncoding
	}
	postStatus, _ := post.get("status")
	return object{
		{"status", 1}, {"local_version", s.cfg.Version}, {"version", info.Version}, {"mismatch", mismatch},
		{"newer", newer}, {"post", postStatus}, {"response_encoding", nil}, {"request_encoding", reqEnc},
		{"client_certificate", nil}, {"uuid", info.UUID},
	}
}

// compareVersions is MISP's check, quirk included: two equal versions whose
// hotfix number is below 111 report mismatch "proposal" (36).
func compareVersions(local string, remote []string) (any, any) {
	lm := versionRE.FindStringSubmatch(local)
	if lm == nil {
		return false, false
	}
	parts := []string{"major", "minor", "hotfix"}
	for i, name := range parts {
		l, _ := strconv.Atoi(lm[i+1])
		r, _ := strconv.Atoi(remote[i+1])
		if r > l {
			return name, "remote"
		}
		if r < l {
			return name, "local"
		}
	}
	if h, _ := strconv.Atoi(remote[3]); h < 111 {
		return "proposal", false
	}
	return false, false
}

// postTest sends a test string and checks the echo. status 1 is success;
// otherwise it is the HTTP status of the answer (2 when unreachable).
func (s *Sim) postTest(ctx context.Context, client *http.Client, base, key string, gz bool) object {
	testString := "MISP simulator POST test " + randomHex(16)
	body, _ := json.Marshal(map[string]string{"testString": testString})
	code, raw, err := s.remoteCall(ctx, client, http.MethodPost, base+"/servers/postTest", key, body, gz)
	status := 1
	switch {
	case err != nil:
		status = 2
	case code != http.StatusOK:
		status = code
	default:
		var echo struct {
			Body struct {
				TestString string `json:"testString"`
			} `json:"body"`
		}
		if json.Unmarshal(raw, &echo) != nil || echo.Body.TestString != testString {
			status = 3
		}
	}
	return object{{"status", status}, {"content-encoding", nil}}
}

// remoteUser is MISP's servers/getRemoteUser: the remote users/view/me for
// the entry's key, summarised (41), or {"error": status} (42).
func (s *Sim) remoteUser(ctx context.Context, sv Server) (object, error) {
	client, done, err := s.clientFor(sv)
	if err != nil {
		return nil, err
	}
	defer done()
	code, raw, err := s.remoteCall(ctx, client, http.MethodGet, strings.TrimRight(sv.URL, "/")+"/users/view/me.json", sv.Authkey, nil, false)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", sv.URL, err)
	}
	if code != http.StatusOK {
		return object{{"error", code}}, nil
	}
	var me struct {
		User struct {
			Email string `json:"email"`
		} `json:"User"`
		Role struct {
			Name     string `json:"name"`
			PermSync bool   `json:"perm_sync"`
		} `json:"Role"`
	}
	if err := json.Unmarshal(raw, &me); err != nil {
		return object{{"error", code}}, nil
	}
	flag := "No"
	if me.Role.PermSync {
		flag = "Yes"
	}
	return object{{"User", me.User.Email}, {"Role name", me.Role.Name}, {"Sync flag", flag}}, nil
}

// selfSignedCert makes a fresh ECDSA certificate for 127.0.0.1, ::1 and
// localhost. It is its own CA, so it can be a trust root on its own.
func selfSignedCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mispsim " + randomHex(4)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, err
}
