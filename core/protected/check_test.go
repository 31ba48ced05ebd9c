package protected

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

func TestFetchOwnKey(t *testing.T) {
	_, c := startSim(t, "A", keyA(t))
	k, err := FetchOwnKey(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint != fingerprintA {
		t.Errorf("fingerprint %s, want %s", k.Fingerprint, fingerprintA)
	}
}

// TestFetchOwnKeyNone: a MISP without GnuPG has no /gpg.asc; the error says
// plainly that protected mode needs GnuPG set up in MISP.
func TestFetchOwnKeyNone(t *testing.T) {
	_, c := startSim(t, "A", "")
	_, err := FetchOwnKey(context.Background(), c)
	var nk *NoKeyError
	if !errors.As(err, &nk) {
		t.Fatalf("err = %v, want *NoKeyError", err)
	}
	for _, want := range []string{"/gpg.asc", "GnuPG", "Protected mode", "Pairing works without it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	if !misp.IsKind(err, misp.KindNotFound) {
		t.Errorf("the 404 is not kept as the cause: %v", errors.Unwrap(err))
	}
}

func TestFetchOwnKeyUnreachable(t *testing.T) {
	c, err := misp.New(closedURL(t), "", misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = FetchOwnKey(context.Background(), c)
	var nk *NoKeyError
	if errors.As(err, &nk) || !misp.IsKind(err, misp.KindUnreachable) {
		t.Fatalf("err = %v, want the client's unreachable error, not 'no key'", err)
	}
}

func TestCheckAnnounced(t *testing.T) {
	k, err := CheckAnnounced(keyB(t), FormatFingerprint(fingerprintB))
	if err != nil || k.Fingerprint != fingerprintB {
		t.Fatalf("matching: %v %v", k, err)
	}
	if k, err := CheckAnnounced("", ""); k != nil || err != nil {
		t.Fatalf("no key: %v %v", k, err)
	}
	_, err = CheckAnnounced(keyB(t), fingerprintA)
	var me *MismatchError
	if !errors.As(err, &me) || me.Expected != fingerprintA || me.Got != fingerprintB {
		t.Fatalf("err = %#v, want *MismatchError A vs B", err)
	}
	if !strings.HasPrefix(err.Error(), "ALARM") || !strings.Contains(err.Error(), "5626 761B") {
		t.Errorf("message: %s", err)
	}
	var ke *KeyError
	if _, err := CheckAnnounced("garbage", fingerprintA); !errors.As(err, &ke) {
		t.Errorf("garbage: %v", err)
	}
}

// closedURL is an http URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestCrossCheckPartner(t *testing.T) {
	ctx := context.Background()
	simB, _ := startSim(t, "B", keyB(t))
	announcedB := mustKey(t, keyB(t))

	t.Run("match", func(t *testing.T) {
		c := CrossCheckPartner(ctx, simB.URL(), misp.Options{}, announcedB)
		if c.Verdict != VerdictMatch || c.Err() != nil || c.Published != fingerprintB {
			t.Fatalf("%+v", c)
		}
		if !strings.Contains(c.Message(), "5736 4AC7") {
			t.Errorf("message lacks the fingerprint: %s", c.Message())
		}
		if n := simB.RequestCount("GET", "/gpg.asc"); n != 1 {
			t.Errorf("%d requests for /gpg.asc", n)
		}
	})
	t.Run("mismatch is an alarm", func(t *testing.T) {
		// The laptop announced A's key, but B's MISP publishes B's.
		c := CrossCheckPartner(ctx, simB.URL(), misp.Options{}, mustKey(t, keyA(t)))
		var me *MismatchError
		if c.Verdict != VerdictMismatch || !errors.As(c.Err(), &me) {
			t.Fatalf("%+v", c)
		}
		if me.Expected != fingerprintA || me.Got != fingerprintB {
			t.Errorf("%+v", me)
		}
		if !strings.HasPrefix(c.Message(), "ALARM") {
			t.Errorf("message: %s", c.Message())
		}
	})
	t.Run("unreachable is neutral", func(t *testing.T) {
		c := CrossCheckPartner(ctx, closedURL(t), misp.Options{}, announcedB)
		if c.Verdict != VerdictNotChecked || c.Err() != nil {
			t.Fatalf("%+v", c)
		}
		if !strings.Contains(c.Message(), "Could not cross-check") || !strings.Contains(c.Reason, "not reachable from this laptop") {
			t.Errorf("message: %s", c.Message())
		}
	})
	t.Run("no gpg.asc there", func(t *testing.T) {
		bare, _ := startSim(t, "C", "")
		c := CrossCheckPartner(ctx, bare.URL(), misp.Options{}, announcedB)
		if c.Verdict != VerdictNotChecked || !strings.Contains(c.Reason, "publishes no key") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("nothing announced", func(t *testing.T) {
		c := CrossCheckPartner(ctx, simB.URL(), misp.Options{}, nil)
		if c.Verdict != VerdictNotChecked || !strings.Contains(c.Reason, "sent no instance key") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		c := CrossCheckPartner(ctx, "ftp://example.org", misp.Options{}, announcedB)
		if c.Verdict != VerdictNotChecked {
			t.Fatalf("%+v", c)
		}
	})
}

// TestCrossCheckTLS: a partner with a self-signed certificate is checked
// through the certificate it sent, with verification on.
func TestCrossCheckTLS(t *testing.T) {
	simB := newSimTLS(t, keyB(t))
	announced := mustKey(t, keyB(t))
	c := CrossCheckPartner(context.Background(), simB.URL(), misp.Options{}, announced)
	if c.Verdict != VerdictNotChecked || !strings.Contains(c.Reason, "certificate") {
		t.Fatalf("without the partner's certificate: %+v", c)
	}
	c = CrossCheckPartner(context.Background(), simB.URL(), misp.Options{RootCAs: poolOf(t, simB.CertificatePEM())}, announced)
	if c.Verdict != VerdictMatch {
		t.Fatalf("with the partner's certificate: %+v", c)
	}
}
