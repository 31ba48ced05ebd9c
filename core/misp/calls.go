package misp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// pathID formats an id for a URL path, refusing anything but a positive
// number so a path can never be steered elsewhere.
func pathID(op string, id ID) (string, error) {
	if !id.Valid() {
		return "", &Error{Kind: KindInvalidRequest, Op: op, Message: fmt.Sprintf("%q is not a MISP record id", string(id))}
	}
	return string(id), nil
}

// Me returns the key's user, role and organisation (GET /users/view/me,
// recording 01). The key's expiry, when MISP reports one, is in KeyExpiry.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var me Me
	h, err := c.do(ctx, http.MethodGet, "/users/view/me", nil, &me)
	if err != nil {
		return nil, err
	}
	if !me.User.ID.Valid() {
		return nil, &Error{Kind: KindBadResponse, Op: "GET /users/view/me", Host: c.base.Host, Status: 200, Message: "no user in the answer"}
	}
	me.keyExpiry = parseKeyExpiry(h.Get("X-Auth-Key-Expiration"))
	return &me, nil
}

// KeyExpiry is when the key expires, if MISP said so (header
// X-Auth-Key-Expiration on users/view/me); zero when it does not expire.
func (m *Me) KeyExpiry() time.Time { return m.keyExpiry }

func parseKeyExpiry(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Version returns MISP's version and the caller's sync permissions
// (GET /servers/getVersion, recording 07).
func (c *Client) Version(ctx context.Context) (*Version, error) {
	var v Version
	if err := c.get(ctx, "/servers/getVersion", &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// InstanceUUID returns MISP.uuid (GET /servers/getInstanceUUID, recording 08).
func (c *Client) InstanceUUID(ctx context.Context) (string, error) {
	var v struct {
		UUID string `json:"uuid"`
	}
	if err := c.get(ctx, "/servers/getInstanceUUID", &v); err != nil {
		return "", err
	}
	return v.UUID, nil
}

// Setting returns one server setting (GET /servers/getSetting/{name},
// recordings 09, 59). Redacted settings answer KindForbidden.
func (c *Client) Setting(ctx context.Context, name string) (*Setting, error) {
	var s Setting
	if err := c.get(ctx, "/servers/getSetting/"+url.PathEscape(name), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Organisation looks an organisation up by numeric id or UUID
// (GET /organisations/view/{id|uuid}, recordings 11, 12, 15). An unknown one
// is a *Error of KindNotFound. MISP also finds an organisation by its name
// (recording 103) and does not find an upper-case UUID (104): a caller with a
// UUID from outside uses OrganisationByUUID.
func (c *Client) Organisation(ctx context.Context, idOrUUID string) (*Organisation, error) {
	var v struct {
		Organisation Organisation `json:"Organisation"`
	}
	if err := c.get(ctx, "/organisations/view/"+url.PathEscape(idOrUUID), &v); err != nil {
		return nil, err
	}
	return &v.Organisation, nil
}

// OrganisationByUUID looks an organisation up by a UUID from outside: the
// UUID must be canonical (ident.CanonicalUUID: lower case, nothing else), so
// MISP cannot read it as an id or a name, and MISP's answer must be about
// that UUID. Anything else is a *Error of KindInvalidRequest (nothing sent)
// or KindBadResponse (the answer is about another organisation).
func (c *Client) OrganisationByUUID(ctx context.Context, uuid string) (*Organisation, error) {
	const op = "GET /organisations/view"
	if !ident.IsCanonicalUUID(uuid) {
		return nil, &Error{Kind: KindInvalidRequest, Op: op, Message: "refused to look up " + strconv.Quote(uuid) + ": only a canonical lower-case UUID is sent, as MISP would read anything else as an id or a name"}
	}
	o, err := c.Organisation(ctx, uuid)
	if err != nil {
		return nil, err
	}
	if o.UUID != uuid {
		return nil, &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Message: "MISP answered with organisation " + strconv.Quote(o.Name) + " (" + o.UUID + ") when asked for " + uuid}
	}
	return o, nil
}

// NewOrganisation is the body of admin/organisations/add.
type NewOrganisation struct {
	Name        string `json:"name"`
	UUID        string `json:"uuid"`
	Local       bool   `json:"local"`
	Description string `json:"description,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Sector      string `json:"sector,omitempty"`
	Type        string `json:"type,omitempty"`
	Contacts    string `json:"contacts,omitempty"`
}

// AddOrganisation creates an organisation (POST /admin/organisations/add,
// recordings 17–21). A taken name or UUID is KindValidation with the field
// in Fields ("name", "uuid").
func (c *Client) AddOrganisation(ctx context.Context, o NewOrganisation) (*Organisation, error) {
	var v struct {
		Organisation Organisation `json:"Organisation"`
	}
	if err := c.post(ctx, "/admin/organisations/add", o, &v); err != nil {
		return nil, err
	}
	return &v.Organisation, nil
}

// Roles lists the roles with their permissions (GET /roles/index, recording 10).
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	var v []struct {
		Role Role `json:"Role"`
	}
	if err := c.get(ctx, "/roles/index", &v); err != nil {
		return nil, err
	}
	out := make([]Role, len(v))
	for i := range v {
		out[i] = v[i].Role
	}
	return out, nil
}

// UserListing is one row of admin/users/index: the user, a summary of its
// role (name and a few flags only) and its organisation's id and name.
type UserListing struct {
	User         User         `json:"User"`
	Role         Role         `json:"Role"`
	Organisation Organisation `json:"Organisation"`
}

// UsersByEmail returns the users whose e-mail is exactly email (compared
// without regard to case). MISP's searchemail filter is a substring search
// (GET /admin/users/index/searchemail:{email}, recording 28), so its answer
// is filtered here.
func (c *Client) UsersByEmail(ctx context.Context, email string) ([]UserListing, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, &Error{Kind: KindInvalidRequest, Message: "no e-mail address to search for"}
	}
	var all []UserListing
	if err := c.get(ctx, "/admin/users/index/searchemail:"+url.PathEscape(email), &all); err != nil {
		return nil, err
	}
	var out []UserListing
	for _, u := range all {
		if strings.EqualFold(strings.TrimSpace(u.User.Email), email) {
			out = append(out, u)
		}
	}
	return out, nil
}

// NewUser is the body of admin/users/add. OrgID is required: MISP silently
// puts a user without org_id into the caller's organisation (recording 26).
// The alert and password flags are always sent.
type NewUser struct {
	Email         string `json:"email"`
	OrgID         int64  `json:"org_id"`
	RoleID        int64  `json:"role_id"`
	ChangePw      bool   `json:"change_pw"`
	TermsAccepted bool   `json:"termsaccepted"`
	Autoalert     bool   `json:"autoalert"`
	Contactalert  bool   `json:"contactalert"`
	Disabled      bool   `json:"disabled"`
}

// AddUser creates a user (POST /admin/users/add, recordings 22–26, 98).
// With advanced authkeys on, the answer's User.Authkey is a new key.
func (c *Client) AddUser(ctx context.Context, u NewUser) (*User, error) {
	const op = "POST /admin/users/add"
	if u.OrgID <= 0 || u.RoleID <= 0 || strings.TrimSpace(u.Email) == "" {
		return nil, &Error{Kind: KindInvalidRequest, Op: op, Message: "a new user needs an e-mail address, an organisation and a role (without an organisation MISP would put it into yours)"}
	}
	var v struct {
		User User `json:"User"`
	}
	if err := c.post(ctx, "/admin/users/add", u, &v); err != nil {
		return nil, err
	}
	return &v.User, nil
}

// UserChanges is the body of admin/users/edit: only set fields are sent.
type UserChanges struct {
	Disabled *bool  `json:"disabled,omitempty"`
	RoleID   *int64 `json:"role_id,omitempty"`
}

// EditUser changes a user (POST /admin/users/edit/{id}, recording 102).
func (c *Client) EditUser(ctx context.Context, id ID, ch UserChanges) (*User, error) {
	p, err := pathID("POST /admin/users/edit", id)
	if err != nil {
		return nil, err
	}
	var v struct {
		User User `json:"User"`
	}
	if err := c.post(ctx, "/admin/users/edit/"+p, ch, &v); err != nil {
		return nil, err
	}
	return &v.User, nil
}

// SetUserDisabled disables or re-enables a user.
func (c *Client) SetUserDisabled(ctx context.Context, id ID, disabled bool) (*User, error) {
	return c.EditUser(ctx, id, UserChanges{Disabled: &disabled})
}

// DeleteUser deletes a user (POST /admin/users/delete/{id}, recording 27).
func (c *Client) DeleteUser(ctx context.Context, id ID) error {
	p, err := pathID("POST /admin/users/delete", id)
	if err != nil {
		return err
	}
	return c.post(ctx, "/admin/users/delete/"+p, nil, &Saved{})
}

// AddAuthKey mints a new advanced authkey for a user with a comment
// (POST /auth_keys/add/{user_id}, recordings 29, 99). The raw key is in
// AuthkeyRaw, the only time MISP shows it.
func (c *Client) AddAuthKey(ctx context.Context, userID ID, comment string) (*AuthKey, error) {
	p, err := pathID("POST /auth_keys/add", userID)
	if err != nil {
		return nil, err
	}
	body := struct {
		Comment  string `json:"comment"`
		ReadOnly bool   `json:"read_only"`
	}{Comment: comment}
	var v struct {
		AuthKey AuthKey `json:"AuthKey"`
	}
	if err := c.post(ctx, "/auth_keys/add/"+p, body, &v); err != nil {
		return nil, err
	}
	if v.AuthKey.AuthkeyRaw == "" {
		return nil, &Error{Kind: KindBadResponse, Op: "POST /auth_keys/add", Host: c.base.Host, Status: 200, Message: "MISP did not return the new key"}
	}
	return &v.AuthKey, nil
}

// AuthKeys lists a user's advanced authkeys without their raw values
// (GET /auth_keys/index/{user_id}, recording 100).
func (c *Client) AuthKeys(ctx context.Context, userID ID) ([]AuthKey, error) {
	p, err := pathID("GET /auth_keys/index", userID)
	if err != nil {
		return nil, err
	}
	var v []struct {
		AuthKey AuthKey `json:"AuthKey"`
	}
	if err := c.get(ctx, "/auth_keys/index/"+p, &v); err != nil {
		return nil, err
	}
	out := make([]AuthKey, len(v))
	for i := range v {
		out[i] = v[i].AuthKey
	}
	return out, nil
}

// DeleteAuthKey revokes one advanced authkey by its id
// (POST /auth_keys/delete/{id}, recording 101; the answer's id is a number).
func (c *Client) DeleteAuthKey(ctx context.Context, id ID) error {
	p, err := pathID("POST /auth_keys/delete", id)
	if err != nil {
		return err
	}
	return c.post(ctx, "/auth_keys/delete/"+p, nil, &Saved{})
}

// ResetAuthKey replaces the single key of a user when advanced authkeys are
// off (POST /users/resetauthkey/{id}); MISP answers "Authkey updated: <key>"
// (recording 109). With advanced authkeys on, MISP makes a new key and
// expires EVERY older key of the user at once (110), keys someone else made
// included, so the app calls it only with advanced authkeys off and uses
// AddAuthKey otherwise.
func (c *Client) ResetAuthKey(ctx context.Context, userID ID) (string, error) {
	const op = "POST /users/resetauthkey"
	p, err := pathID(op, userID)
	if err != nil {
		return "", err
	}
	var s Saved
	if err := c.post(ctx, "/users/resetauthkey/"+p, nil, &s); err != nil {
		return "", err
	}
	const prefix = "Authkey updated: "
	key := ""
	if strings.HasPrefix(s.Message, prefix) {
		key = strings.TrimSpace(strings.TrimPrefix(s.Message, prefix))
	}
	if len(key) < 32 {
		return "", &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Status: 200, Message: "MISP did not return the new key"}
	}
	return key, nil
}

// Servers lists the sync server entries (GET /servers/index, recording 34).
func (c *Client) Servers(ctx context.Context) ([]ServerEntry, error) {
	var v []ServerEntry
	if err := c.get(ctx, "/servers/index", &v); err != nil {
		return nil, err
	}
	return v, nil
}

// NewServer is the body of servers/add. self_signed is always sent as
// false: MISP turns certificate verification off for a self-signed entry.
// A partner with a private or self-signed certificate is trusted through
// SubmittedCert (base64 of the PEM) instead.
type NewServer struct {
	Name                string `json:"name"`
	URL                 string `json:"url"`
	Authkey             string `json:"authkey"`
	RemoteOrgID         int64  `json:"remote_org_id"`
	Push                bool   `json:"push"`
	Pull                bool   `json:"pull"`
	PushSightings       bool   `json:"push_sightings"`
	PublishWithoutEmail bool   `json:"publish_without_email"`
	SubmittedCert       string `json:"submitted_cert,omitempty"`
	Internal            bool   `json:"internal,omitempty"`
	// PullRules and PushRules are strings on purpose: MISP stores them as
	// JSON text and answers 500 to an object (recordings 112, 114). Fill
	// them with PullRules.Encode and PushRules.Encode; empty sends none.
	PullRules string `json:"pull_rules,omitempty"`
	PushRules string `json:"push_rules,omitempty"`
}

// AddServer creates a sync server entry (POST /servers/add, recordings 31–33,
// 112 with rules).
func (c *Client) AddServer(ctx context.Context, s NewServer) (*Server, error) {
	const op = "POST /servers/add"
	if s.RemoteOrgID <= 0 {
		return nil, &Error{Kind: KindInvalidRequest, Op: op, Message: "a server entry needs the partner organisation's id (remote_org_id)"}
	}
	body := struct {
		NewServer
		SelfSigned bool `json:"self_signed"`
	}{NewServer: s}
	var v struct {
		Server Server `json:"Server"`
	}
	if err := c.post(ctx, "/servers/add", body, &v); err != nil {
		return nil, err
	}
	// MISP echoes the partner's key in clear (recording 31); the caller
	// has it already, so the answer kept here does not.
	v.Server.Authkey = ""
	return &v.Server, nil
}

// ServerChanges is the body of servers/edit: only set fields are sent, so
// an update of the key alone keeps the entry's push/pull and rules.
type ServerChanges struct {
	Authkey             *string `json:"authkey,omitempty"`
	Name                *string `json:"name,omitempty"`
	Push                *bool   `json:"push,omitempty"`
	Pull                *bool   `json:"pull,omitempty"`
	PublishWithoutEmail *bool   `json:"publish_without_email,omitempty"`
	// Internal asks for an internal entry (same-organisation mode). MISP
	// keeps it only when MISP.host_org_id is set and equals the entry's
	// remote_org_id, so callers check the answer's Server.Internal.
	Internal *bool `json:"internal,omitempty"`
	// SelfSigned false with SubmittedCert (base64 PEM) turns TLS
	// verification of an entry back on against the partner's certificate.
	SelfSigned    *bool   `json:"self_signed,omitempty"`
	SubmittedCert *string `json:"submitted_cert,omitempty"`
	// PullRules and PushRules replace the entry's rules (strings, as in
	// NewServer; recording 113).
	PullRules *string `json:"pull_rules,omitempty"`
	PushRules *string `json:"push_rules,omitempty"`
}

// EditServer changes a server entry (POST /servers/edit/{id}, recordings 35,
// 53, 113 for rules).
func (c *Client) EditServer(ctx context.Context, id ID, ch ServerChanges) (*Server, error) {
	p, err := pathID("POST /servers/edit", id)
	if err != nil {
		return nil, err
	}
	var v struct {
		Server Server `json:"Server"`
	}
	if err := c.post(ctx, "/servers/edit/"+p, ch, &v); err != nil {
		return nil, err
	}
	v.Server.Authkey = "" // echoed in clear, as by servers/add
	return &v.Server, nil
}

// DeleteServer deletes a server entry (POST /servers/delete/{id},
// recordings 43–45; the answer's id holds the message text).
func (c *Client) DeleteServer(ctx context.Context, id ID) error {
	p, err := pathID("POST /servers/delete", id)
	if err != nil {
		return err
	}
	return c.post(ctx, "/servers/delete/"+p, nil, &Saved{})
}

// TestConnection asks our MISP to call the partner with the entry's key
// (POST /servers/testConnection/{id}, recordings 36–40). MISP answers HTTP
// 200 whatever the outcome; see ConnectionTest.OK and Problem.
func (c *Client) TestConnection(ctx context.Context, id ID) (*ConnectionTest, error) {
	p, err := pathID("POST /servers/testConnection", id)
	if err != nil {
		return nil, err
	}
	var t ConnectionTest
	if err := c.post(ctx, "/servers/testConnection/"+p, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// RemoteUser returns the partner's view of the key stored in a server entry
// (GET /servers/getRemoteUser/{id}, recordings 41, 42).
func (c *Client) RemoteUser(ctx context.Context, id ID) (*RemoteUser, error) {
	p, err := pathID("GET /servers/getRemoteUser", id)
	if err != nil {
		return nil, err
	}
	var u RemoteUser
	if err := c.get(ctx, "/servers/getRemoteUser/"+p, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// EventFilter is the body of events/index.
type EventFilter struct {
	Minimal   bool `json:"minimal,omitempty"`
	Published bool `json:"published,omitempty"`
	OrgID     any  `json:"org,omitempty"`
}

// Events lists events (POST /events/index, recordings 81, 93). Note that
// MISP hides protected events whose key list lacks our instance key (93).
func (c *Client) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	idx, err := c.EventIndex(ctx, f)
	if err != nil {
		return nil, err
	}
	return idx.Events, nil
}

// EventIndex is an events/index answer with MISP's X-Result-Count header.
type EventIndex struct {
	Events []Event
	// ResultCount is the X-Result-Count header: how many events MISP
	// counted before it left out the protected events whose key list lacks
	// our instance key (recording 93: 7 counted, 6 listed). -1 when the
	// header is absent or not a number.
	ResultCount int
}

// Hidden is how many counted events the index left out, and whether that
// is known (the header was there and not below the number listed).
func (x *EventIndex) Hidden() (n int, known bool) {
	if x == nil || x.ResultCount < len(x.Events) {
		return 0, false
	}
	return x.ResultCount - len(x.Events), true
}

// EventIndex lists events like Events and keeps the X-Result-Count header,
// so a caller knows how many events the index hides.
func (c *Client) EventIndex(ctx context.Context, f EventFilter) (*EventIndex, error) {
	body := map[string]any{}
	if f.Minimal {
		body["minimal"] = 1
	}
	if f.Published {
		body["published"] = 1
	}
	if f.OrgID != nil {
		body["org"] = f.OrgID
	}
	var raw []Event
	h, err := c.do(ctx, http.MethodPost, "/events/index", body, &raw)
	if err != nil {
		return nil, err
	}
	return &EventIndex{Events: raw, ResultCount: resultCount(h.Get("X-Result-Count"))}, nil
}

// resultCount reads an X-Result-Count header; -1 when absent or not a
// non-negative number.
func resultCount(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// Event returns one event by id or UUID (GET /events/view/{id}, recordings
// 56, 74, 76).
func (c *Client) Event(ctx context.Context, idOrUUID string) (*Event, error) {
	var v struct {
		Event Event `json:"Event"`
	}
	if err := c.get(ctx, "/events/view/"+url.PathEscape(idOrUUID), &v); err != nil {
		return nil, err
	}
	return &v.Event, nil
}

// EditEvent changes fields of an event (POST /events/edit/{id}); the app
// uses it to move an event's timestamp so a push sends it again.
func (c *Client) EditEvent(ctx context.Context, id ID, fields map[string]any) (*Event, error) {
	p, err := pathID("POST /events/edit", id)
	if err != nil {
		return nil, err
	}
	var v struct {
		Event Event `json:"Event"`
	}
	if err := c.post(ctx, "/events/edit/"+p, map[string]any{"Event": fields}, &v); err != nil {
		return nil, err
	}
	return &v.Event, nil
}

// BumpEvent moves an event's timestamp to now, so MISP pushes it again.
func (c *Client) BumpEvent(ctx context.Context, id ID, now time.Time) (*Event, error) {
	return c.EditEvent(ctx, id, map[string]any{"timestamp": strconv.FormatInt(now.Unix(), 10)})
}

// PublishEvent publishes an event (POST /events/publish/{id}, recordings 52, 73).
func (c *Client) PublishEvent(ctx context.Context, id ID) (*Saved, error) {
	p, err := pathID("POST /events/publish", id)
	if err != nil {
		return nil, err
	}
	var s Saved
	if err := c.post(ctx, "/events/publish/"+p, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// AddEventKey attaches a PGP public key to an event in protected mode
// (POST /cryptographicKeys/add/Event/{id}, recordings 68–72). A key already
// on the event is KindValidation with Fields["key_data"].
func (c *Client) AddEventKey(ctx context.Context, eventID ID, armoredKey string) (*CryptographicKey, error) {
	p, err := pathID("POST /cryptographicKeys/add/Event", eventID)
	if err != nil {
		return nil, err
	}
	body := struct {
		Type    string `json:"type"`
		KeyData string `json:"key_data"`
	}{"pgp", armoredKey}
	var v struct {
		CryptographicKey CryptographicKey `json:"CryptographicKey"`
	}
	if err := c.post(ctx, "/cryptographicKeys/add/Event/"+p, body, &v); err != nil {
		return nil, err
	}
	return &v.CryptographicKey, nil
}

// maxGPGKey caps a /gpg.asc download; an armored RSA-4096 key with a few
// signatures is a few kilobytes.
const maxGPGKey = 1 << 20

// GPGKey fetches the instance's published PGP key, /gpg.asc, without the
// authkey (recordings 60, 61). It returns the armored text.
func (c *Client) GPGKey(ctx context.Context) (string, error) {
	const op = "GET /gpg.asc"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/gpg.asc", nil)
	if err != nil {
		return "", &Error{Kind: KindInvalidRequest, Op: op, Host: c.base.Host, Message: "the request could not be built"}
	}
	req.Header.Set("User-Agent", version.UserAgent)
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxGPGKey))
	if err != nil {
		return "", c.transportError(ctx, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", c.statusError(op, resp, data)
	}
	if !strings.Contains(string(data), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		return "", &Error{Kind: KindBadResponse, Op: op, Host: c.base.Host, Status: resp.StatusCode, Message: "/gpg.asc is not an armored PGP public key (is GnuPG configured on this MISP?)"}
	}
	return string(data), nil
}

// FetchGPGKey fetches a MISP's /gpg.asc without any key, e.g. the partner's
// for a cross-check against the key its INFO carried.
func FetchGPGKey(ctx context.Context, baseURL string, opts Options) (string, error) {
	c, err := New(baseURL, "", opts)
	if err != nil {
		return "", err
	}
	return c.GPGKey(ctx)
}
