package misp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// readOnlyKeyMessage marks the KindNotSiteAdmin error of a key Login
// recognised as read-only.
const readOnlyKeyMessage = "read-only key"

// Settings the app reads at login.
const (
	SettingHostOrgID        = "MISP.host_org_id"
	SettingExternalBaseURL  = "MISP.external_baseurl"
	SettingBaseURL          = "MISP.baseurl"
	SettingAdvancedAuthkeys = "Security.advanced_authkeys"
)

// Where the announced URL came from.
const (
	AnnounceFromExternalBaseURL = SettingExternalBaseURL
	AnnounceFromBaseURL         = SettingBaseURL
	AnnounceFromLoginURL        = "login URL"
)

// LoginInfo is what the app learns about our MISP at login.
type LoginInfo struct {
	User User
	Role Role
	// Org is the admin's own organisation.
	Org Organisation
	// HostOrg is the organisation the instance is run by: MISP.host_org_id
	// when set (not "0"), else the admin's organisation.
	HostOrg Organisation
	// HostOrgSet tells whether MISP.host_org_id is set; MISP keeps a server
	// entry's internal flag only when it is and equals remote_org_id.
	HostOrgSet   bool
	InstanceUUID string
	Version      string
	// AnnounceURL is the URL to give the partner (editable by the admin):
	// MISP.external_baseurl, else MISP.baseurl, else the login URL.
	AnnounceURL       string
	AnnounceURLSource string
	// AdvancedAuthkeys is Security.advanced_authkeys (on by default): with
	// it each key is a record of its own, without it a user has one key.
	AdvancedAuthkeys bool
	// KeyExpiry is when the admin's key expires, if MISP reports it.
	KeyExpiry time.Time
	// Requests is how many HTTP requests the login took.
	Requests int64
}

// Login checks the key and gathers what the pairing needs about our MISP:
// users/view/me (site admin required), getVersion (with the instance UUID;
// getInstanceUUID only when getVersion hides it) and the settings
// host_org_id, external_baseurl, baseurl and advanced_authkeys.
// A key that is not a site admin's, or is read-only (no effective rights),
// is a *Error of KindNotSiteAdmin.
func (c *Client) Login(ctx context.Context) (*LoginInfo, error) {
	info, err := c.login(ctx)
	// users/view/me shows the user's full role for a read-only key (171),
	// whose effective rights are nil. getVersion's perm_sync gives it away
	// when the role has sync rights (173); otherwise the next admin call
	// is refused (getInstanceUUID, 175; getSetting, 172). Say what that
	// means instead of "forbidden".
	var e *Error
	if errors.As(err, &e) && e.Kind == KindForbidden {
		return nil, &Error{Kind: KindNotSiteAdmin, Op: e.Op, Host: e.Host, Status: e.Status, Message: e.Message}
	}
	return info, err
}

func (c *Client) login(ctx context.Context) (*LoginInfo, error) {
	start := c.Requests()
	me, err := c.Me(ctx)
	if err != nil {
		return nil, notMISP(err)
	}
	if !me.Role.PermSiteAdmin {
		return nil, &Error{Kind: KindNotSiteAdmin, Op: "GET /users/view/me", Host: c.base.Host, Status: 200}
	}
	info := &LoginInfo{User: me.User, Role: me.Role, Org: me.Organisation, HostOrg: me.Organisation, KeyExpiry: me.KeyExpiry()}
	v, err := c.Version(ctx)
	if err != nil {
		return nil, err
	}
	if bool(me.Role.PermSync) && !bool(v.PermSync) {
		// A read-only key: users/view/me shows the user's full role (171),
		// but getVersion reports the key's effective rights, none (173).
		return nil, &Error{Kind: KindNotSiteAdmin, Op: "GET /servers/getVersion", Host: c.base.Host, Status: 200, Message: readOnlyKeyMessage}
	}
	info.Version = v.Version
	// getVersion carries the instance UUID for a key with sync rights, as a
	// site admin's has (recording 07 and the real pair): getInstanceUUID
	// (08) would say the same, so it is asked only when getVersion showed
	// "-" (a role without perm_sync, 106).
	if isUUID(v.UUID) {
		info.InstanceUUID = strings.ToLower(v.UUID)
	} else if info.InstanceUUID, err = c.InstanceUUID(ctx); err != nil {
		return nil, err
	}

	hostOrg, err := c.optionalSetting(ctx, SettingHostOrgID)
	if err != nil {
		return nil, err
	}
	if id := ID(hostOrg); id.Valid() {
		info.HostOrgSet = true
		if id != me.Organisation.ID {
			org, err := c.Organisation(ctx, string(id))
			if err != nil {
				return nil, err
			}
			info.HostOrg = *org
		}
	}

	info.AnnounceURL, info.AnnounceURLSource = c.BaseURL(), AnnounceFromLoginURL
	for _, name := range []string{SettingExternalBaseURL, SettingBaseURL} {
		val, err := c.optionalSetting(ctx, name)
		if err != nil {
			return nil, err
		}
		if u, err := ParseBaseURL(val); err == nil {
			info.AnnounceURL, info.AnnounceURLSource = u.String(), name
			break
		}
	}

	adv, err := c.optionalSetting(ctx, SettingAdvancedAuthkeys)
	if err != nil {
		return nil, err
	}
	info.AdvancedAuthkeys = true // MISP's default
	var f Flag
	if adv != "" && f.UnmarshalJSON([]byte(`"`+adv+`"`)) == nil {
		info.AdvancedAuthkeys = bool(f)
	}
	info.Requests = c.Requests() - start
	return info, nil
}

// optionalSetting reads a setting's value, treating a setting MISP does not
// know or will not show as unset. Transport and key errors still fail.
func (c *Client) optionalSetting(ctx context.Context, name string) (string, error) {
	s, err := c.Setting(ctx, name)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Kind == KindNotFound || e.Kind == KindMethodNotAllowed ||
			(e.Kind == KindForbidden && strings.Contains(strings.ToLower(e.Message), "redacted"))) {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(s.Value)), nil
}

// isUUID reports the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// notMISP turns the first login call's failure into KindNotMISP when the
// answer cannot have come from MISP: MISP answers users/view/me with the
// user as JSON, or with its JSON error body (403 for a bad or missing key,
// recordings 02 and 04). An HTML or plain-text page, a 404 (MISP has
// users/view/me; a 404 means the path is not MISP's), a 2xx that is not
// MISP's user, or an error without MISP's body say the URL points
// elsewhere. Redirects (a login page), 5xx and network failures keep their
// own kinds, which say more.
func notMISP(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	what := ""
	switch {
	case e.Kind == KindNotFound:
		what = "HTTP 404 (not found)"
	case e.Kind == KindBadResponse && e.Status >= 200 && e.Status < 300:
		cause := ""
		if e.Err != nil {
			cause = e.Err.Error()
		}
		switch {
		case strings.Contains(cause, "HTML"):
			what = "an HTML page"
		case strings.Contains(cause, "empty"):
			what = "an empty answer"
		case e.Err == nil:
			what = "JSON that holds no MISP user"
		default:
			what = "something that is not MISP's JSON"
		}
	case (e.Kind == KindBadKey || e.Kind == KindForbidden || e.Kind == KindHTTP || e.Kind == KindMethodNotAllowed) && !e.mispBody:
		what = fmt.Sprintf("HTTP %d without MISP's error message", e.Status)
	default:
		return err
	}
	return &Error{Kind: KindNotMISP, Op: e.Op, Host: e.Host, Status: e.Status, Message: what, Err: e.Err}
}
