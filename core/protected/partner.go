package protected

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// PartnerCheck is what the app knows about a partner's instance key once
// the partner's INFO has arrived: the key (if any), whether it is consistent
// with the fingerprint sent with it, and the cross-check against the
// partner's /gpg.asc. The session engine runs it after INFO; the result
// screen and the partner's details show it.
type PartnerCheck struct {
	// Key is the partner's key; nil when it sent none or the key is refused.
	Key *Key
	// Err is why the sent key was refused: *KeyError (unreadable) or
	// *MismatchError (the fingerprint sent is not the key's own).
	Err error
	// CrossCheck is the comparison with the partner's /gpg.asc as read from
	// this laptop.
	CrossCheck CrossCheck
}

// Alarm returns the *MismatchError to show prominently, or nil: either the
// fingerprint sent does not belong to the key sent, or the partner's MISP
// publishes another key.
func (p PartnerCheck) Alarm() error {
	var me *MismatchError
	if errors.As(p.Err, &me) {
		return me
	}
	return p.CrossCheck.Err()
}

// CheckPartner checks the key in a partner's INFO and cross-checks it
// against the partner's /gpg.asc at the URL it announced, trusting the
// certificate it sent (if any) in addition to the system roots. It never
// fails as a whole: problems are in the result.
func CheckPartner(ctx context.Context, info pairing.Info) PartnerCheck {
	var res PartnerCheck
	res.Key, res.Err = CheckAnnounced(info.PGPKey, info.PGPFingerprint)
	if res.Err != nil {
		res.CrossCheck = CrossCheck{Verdict: VerdictNotChecked, URL: info.URL, Reason: "the key the partner sent was refused"}
		return res
	}
	opts, err := PartnerOptions(info.CertificatePEM)
	if err != nil {
		res.CrossCheck = CrossCheck{Verdict: VerdictNotChecked, URL: info.URL, Reason: "the certificate the partner sent could not be read"}
		if res.Key != nil {
			res.CrossCheck.Announced = res.Key.Fingerprint
		}
		return res
	}
	res.CrossCheck = CrossCheckPartner(ctx, info.URL, opts, res.Key)
	return res
}

// PartnerOptions are the client options for reaching a partner's MISP from
// the laptop: the system roots, plus the certificate the partner sent in
// INFO when its URL is not publicly trusted. Verification stays on.
func PartnerOptions(certificatePEM string) (misp.Options, error) {
	if certificatePEM == "" {
		return misp.Options{}, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM([]byte(certificatePEM)) {
		return misp.Options{}, errors.New("the partner's certificate is not PEM")
	}
	return misp.Options{RootCAs: pool}, nil
}
