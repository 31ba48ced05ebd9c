package protected

import (
	"context"
	"errors"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// TestCheckPartner: the partner's INFO as the session engine receives it,
// with the certificate of its self-signed HTTPS MISP.
func TestCheckPartner(t *testing.T) {
	ctx := context.Background()
	simB := newSimTLS(t, keyB(t))
	info := pairing.Info{URL: simB.URL(), CertificatePEM: string(simB.CertificatePEM()), PGPKey: keyB(t), PGPFingerprint: fingerprintB}

	got := CheckPartner(ctx, info)
	if got.Err != nil || got.Key == nil || got.CrossCheck.Verdict != VerdictMatch || got.Alarm() != nil {
		t.Fatalf("honest partner: %+v", got)
	}

	// The fingerprint sent does not belong to the key sent: an alarm.
	lying := info
	lying.PGPFingerprint = fingerprintA
	got = CheckPartner(ctx, lying)
	var me *MismatchError
	if !errors.As(got.Alarm(), &me) || got.Key != nil || got.CrossCheck.Verdict != VerdictNotChecked {
		t.Fatalf("wrong fingerprint: %+v", got)
	}

	// Key and fingerprint agree, but the partner's MISP publishes another key.
	other := info
	other.PGPKey, other.PGPFingerprint = keyA(t), fingerprintA
	got = CheckPartner(ctx, other)
	if !errors.As(got.Alarm(), &me) || got.CrossCheck.Verdict != VerdictMismatch || me.Got != fingerprintB {
		t.Fatalf("other key at /gpg.asc: %+v", got)
	}

	// No key sent: nothing to check, no alarm.
	none := info
	none.PGPKey, none.PGPFingerprint = "", ""
	got = CheckPartner(ctx, none)
	if got.Key != nil || got.Err != nil || got.Alarm() != nil || got.CrossCheck.Verdict != VerdictNotChecked {
		t.Fatalf("no key: %+v", got)
	}

	// A certificate that is not PEM: neutral.
	badCert := info
	badCert.CertificatePEM = "not a certificate"
	got = CheckPartner(ctx, badCert)
	if got.Alarm() != nil || got.CrossCheck.Verdict != VerdictNotChecked || got.CrossCheck.Announced != fingerprintB {
		t.Fatalf("bad certificate: %+v", got)
	}
}
