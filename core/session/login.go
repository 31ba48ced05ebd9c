package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// LoginPlan is what a login to a MISP profile may send: the authkey and
// the certificate pin for the address.
type LoginPlan struct {
	Key string
	// FromStore: Key is the profile's stored key (a refusal then drops it,
	// ForgetRefusedKey).
	FromStore bool
	// Pin is the SHA-256 of the certificate pinned for this very address
	// ("" when none).
	Pin string
}

// ErrNoAuthkey is a login without a key to send.
var ErrNoAuthkey = errors.New("enter the authkey of a site admin of this MISP (Administration → List Auth Keys in MISP)")

// StoredKeyElsewhereError is a login to another address than the one the
// profile's key was stored for, with the key field left empty: the stored
// key is not sent there.
type StoredKeyElsewhereError struct {
	StoredFor, Asked string
}

func (e *StoredKeyElsewhereError) Error() string {
	return fmt.Sprintf("the address changed from %s to %s: the stored authkey is only ever sent to the MISP it was stored for; enter the authkey of a site admin of %s",
		e.StoredFor, e.Asked, e.Asked)
}

// PlanLogin decides what a login to rawURL sends. profile is the saved
// profile being edited (nil for a new one), typed the key in the form. A
// typed key wins; an empty field uses the stored key only when rawURL has
// the origin (scheme, host, port) of the URL it was stored for. A pin counts
// only for the same normalised address.
func PlanLogin(profile *store.Profile, rawURL, typed string) (LoginPlan, error) {
	var plan LoginPlan
	if profile != nil && profile.Certificate != nil && misp.NormalizeURL(profile.URL) == misp.NormalizeURL(rawURL) {
		plan.Pin = profile.Certificate.SHA256
	}
	if typed != "" {
		plan.Key = typed
		return plan, nil
	}
	if profile == nil || !profile.HasAuthkey() {
		return plan, ErrNoAuthkey
	}
	if !misp.SameOrigin(profile.URL, rawURL) {
		return plan, &StoredKeyElsewhereError{StoredFor: misp.NormalizeURL(profile.URL), Asked: misp.NormalizeURL(rawURL)}
	}
	plan.Key, plan.FromStore = profile.Authkey, true
	return plan, nil
}

// LoginRecord is a successful login, to save in its profile.
type LoginRecord struct {
	Name, URL string
	// Key is the key MISP accepted; kept only when Remember is set.
	Key      string
	Remember bool
	// Certificate is a certificate the admin chose to trust for this login
	// (nil: the profile's pin stays as long as the address does).
	Certificate *store.PinnedCertificate
	Login       *misp.LoginInfo
	At          time.Time
}

// RecordLogin saves a successful login in profile id (created when
// missing) and makes it the active profile. Call it only after MISP
// accepted the key: a failed login changes nothing saved.
func RecordLogin(d *store.Data, id string, r LoginRecord) {
	p, ok := d.Profile(id)
	if !ok {
		d.Profiles = append(d.Profiles, store.Profile{ID: id})
		p = &d.Profiles[len(d.Profiles)-1]
	}
	if misp.NormalizeURL(p.URL) != misp.NormalizeURL(r.URL) {
		p.Certificate = nil // a pin belongs to the address it was made for
	}
	if r.Certificate != nil {
		c := *r.Certificate
		p.Certificate = &c
	}
	p.Name, p.URL = r.Name, r.URL
	p.Authkey = ""
	if r.Remember {
		p.Authkey = r.Key
	}
	if r.Login != nil {
		p.LastLogin = &store.LoginInfo{At: r.At.UTC(), OrgName: r.Login.HostOrg.Name, OrgUUID: r.Login.HostOrg.UUID,
			InstanceUUID: r.Login.InstanceUUID, MISPVersion: r.Login.Version}
	}
	d.Preferences.ActiveProfileID = id
}

// KeyRefused reports whether a login failed because MISP refused the key
// itself (not an address, TLS or server problem).
func KeyRefused(err error) bool {
	var me *misp.Error
	return errors.As(err, &me) && me.Kind == misp.KindBadKey
}

// ForgetRefusedKey drops profile id's stored key when it is the one MISP
// refused, and reports whether it did: a refused key is not kept.
func ForgetRefusedKey(d *store.Data, id, refused string) bool {
	p, ok := d.Profile(id)
	if !ok || refused == "" || p.Authkey != refused {
		return false
	}
	p.Authkey = ""
	return true
}
