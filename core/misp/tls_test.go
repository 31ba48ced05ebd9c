package misp

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake refusals are expected here
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func meHandler(t *testing.T) http.Handler {
	r := loadRecording(t, "01")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(r.Response.Body)
	})
}

func TestTLSPinning(t *testing.T) {
	srv := quietTLSServer(t, meHandler(t))
	fp := Fingerprint(srv.Certificate())

	// Unpinned: the self-signed certificate is refused, and the error
	// carries its fingerprint and subject for "Trust this certificate".
	_, err := newTestClient(t, srv.URL).Me(ctx)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTLS {
		t.Fatalf("unpinned: %v", err)
	}
	if e.CertSHA256 != fp || !strings.Contains(e.CertSubject, "Acme Co") || !strings.Contains(err.Error(), FormatFingerprint(fp)) {
		t.Errorf("TLS error lacks the certificate: %+v / %v", e, err)
	}

	// Fetching the presented certificate gives the same fingerprint.
	info, err := FetchCertificate(ctx, srv.URL, Options{})
	if err != nil || info.SHA256 != fp || info.Trusted || !info.SelfSigned() || len(info.AnchorPEM()) == 0 {
		t.Fatalf("FetchCertificate: %+v %v", info, err)
	}

	// Pinned (in the colon form an admin sees): accepted.
	c, err := New(srv.URL, adminKey, Options{PinnedSHA256: FormatFingerprint(fp)})
	if err != nil {
		t.Fatal(err)
	}
	if me, err := c.Me(ctx); err != nil || me.User.ID != "1" {
		t.Fatalf("pinned: %v", err)
	}

	// Wrong pin: refused, with the presented certificate in the error.
	wrong := strings.Repeat("ab", 32)
	c, _ = New(srv.URL, adminKey, Options{PinnedSHA256: wrong})
	_, err = c.Me(ctx)
	if !errors.As(err, &e) || e.Kind != KindTLS || e.CertSHA256 != fp {
		t.Fatalf("wrong pin: %v", err)
	}
	checkNoKey(t, err, adminKey)

	// A malformed pin is refused up front.
	if _, err := New(srv.URL, adminKey, Options{PinnedSHA256: "12:34"}); !IsKind(err, KindInvalidRequest) {
		t.Errorf("short pin: %v", err)
	}
}

func TestTLSPrivateCA(t *testing.T) {
	srv := quietTLSServer(t, meHandler(t))
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c, _ := New(srv.URL, adminKey, Options{RootCAs: pool})
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("trusted CA: %v", err)
	}
	info, err := FetchCertificate(ctx, srv.URL, Options{RootCAs: pool})
	if err != nil || !info.Trusted {
		t.Fatalf("%+v %v", info, err)
	}
}

func TestFetchCertificateErrors(t *testing.T) {
	if _, err := FetchCertificate(ctx, "http://127.0.0.1:1", Options{}); !IsKind(err, KindInvalidRequest) {
		t.Errorf("http: %v", err)
	}
	if _, err := FetchCertificate(ctx, "https://127.0.0.1:1", Options{}); !IsKind(err, KindUnreachable) {
		t.Errorf("closed port: %v", err)
	}
}

func TestHTTPSToPlainHTTPServer(t *testing.T) {
	rp := newReplay(t)
	_, err := newTestClient(t, strings.Replace(rp.URL, "http://", "https://", 1)).Me(ctx)
	if !IsKind(err, KindTLS) || !strings.Contains(err.Error(), "does not speak HTTPS") {
		t.Fatalf("%v", err)
	}
}

// FormatFingerprint groups characters, not bytes, and keeps an odd last one:
// what an admin pasted is shown back whole.
func TestFormatFingerprintKeepsEveryCharacter(t *testing.T) {
	for in, want := range map[string]string{"abcdef0": "AB:CD:EF:0", "éééé": "ÉÉ:ÉÉ", "ab:cd": "AB:CD"} {
		if got := FormatFingerprint(in); got != want {
			t.Errorf("FormatFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}
