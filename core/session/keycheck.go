package session

import (
	"context"
	"errors"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// keyCheckTimeout bounds the cross-check of the partner's key against its
// /gpg.asc; an unreachable partner MISP only leaves it "not checked".
const keyCheckTimeout = 15 * time.Second

// PartnerKeyCheck is the check of the partner's instance PGP key, made when
// its INFO arrived: key parsed, fingerprint sent matches the key, and the
// partner's MISP publishes the same key at /gpg.asc of the URL it announced
// (reached trusting the certificate it sent). A mismatch is an alarm: the
// pairing goes on — both admins confirmed the SAS, which authenticates the
// channel; the cross-check speaks only to where the key comes from — but the
// result screen and the partner's page show it prominently, and protected
// events should not be relayed to this partner until the fingerprint has been
// compared by another channel.
type PartnerKeyCheck struct {
	// Fingerprint is the key's own fingerprint ("" when it was refused).
	Fingerprint string
	// Verdict is "match", "mismatch", "not checked" or "refused".
	Verdict string
	// Message says in words what was found.
	Message string
	// Alarm is set on a mismatch (the fingerprint sent is not the key's, or
	// the partner's MISP publishes another key): show it prominently.
	Alarm string
	// Check is the full detail from core/protected.
	Check protected.PartnerCheck
}

// AlarmErr is the alarm as a typed error (*protected.MismatchError), or nil.
func (k *PartnerKeyCheck) AlarmErr() error {
	if k == nil {
		return nil
	}
	return k.Check.Alarm()
}

// checkPartnerKey runs protected.CheckPartner (or the test's stand-in) on the
// partner's INFO. It returns nil when the partner sent no key.
func checkPartnerKey(ctx context.Context, check func(context.Context, pairing.Info) protected.PartnerCheck, info pairing.Info) *PartnerKeyCheck {
	if info.PGPKey == "" {
		return nil
	}
	if check == nil {
		check = protected.CheckPartner
	}
	ctx, cancel := context.WithTimeout(ctx, keyCheckTimeout)
	defer cancel()
	c := check(ctx, info)
	out := &PartnerKeyCheck{Check: c}
	if c.Key != nil {
		out.Fingerprint = c.Key.Fingerprint
	}
	switch {
	case c.Err != nil:
		out.Verdict, out.Message = "refused", c.Err.Error()
	default:
		out.Verdict, out.Message = c.CrossCheck.Verdict.String(), c.CrossCheck.Message()
	}
	if err := c.Alarm(); err != nil {
		out.Verdict, out.Alarm = "mismatch", err.Error()
	}
	return out
}

// storeKeyCheck is the record's form of a check.
func storeKeyCheck(k *PartnerKeyCheck, at time.Time) *store.PGPKeyCheck {
	if k == nil {
		return nil
	}
	return &store.PGPKeyCheck{Fingerprint: k.Fingerprint, Verdict: k.Verdict, Message: k.Message, Alarm: k.Alarm, At: at}
}

// OwnPGPKey reads our MISP's instance key (/gpg.asc) for Config.PGPKey and
// PGPFingerprint, so it travels in INFO. A MISP without one gives "", "" and
// no error; any other failure is returned (the pairing can go on without).
func OwnPGPKey(ctx context.Context, c *misp.Client) (armored, fingerprint string, err error) {
	k, err := protected.FetchOwnKey(ctx, c)
	if err != nil {
		var none *protected.NoKeyError
		if errors.As(err, &none) {
			return "", "", nil
		}
		return "", "", err
	}
	return k.Armored, k.Fingerprint, nil
}
