package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ID is a MISP record id. MISP sends ids as JSON strings ("5") almost
// everywhere, but some answers carry numbers (auth_keys/delete returns
// "id": 13) and a few carry message text (servers/delete puts "Server
// deleted" into id). ID keeps whatever text arrived; Int64 converts it.
type ID string

// UnmarshalJSON accepts a string, a number or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*id = ID(s)
	return nil
}

// Int64 returns the id as a number; ok is false when it is empty or not a
// decimal number.
func (id ID) Int64() (n int64, ok bool) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	return n, err == nil
}

// Valid reports whether the id is a positive decimal number, the only kind of
// id MISP gives a stored record.
func (id ID) Valid() bool {
	n, ok := id.Int64()
	return ok && n > 0
}

// String returns the id as text.
func (id ID) String() string { return string(id) }

// Flag is a MISP boolean. MISP 2.5 sends JSON booleans, older versions and
// some settings send "0"/"1", 0/1 or null; all decode.
type Flag bool

// UnmarshalJSON accepts true/false, 0/1, "0"/"1", "true"/"false", "" and null.
func (f *Flag) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		*f = true
	case "0", "false", "no", "off", "", "null":
		*f = false
	default:
		return fmt.Errorf("flag: %q is neither true nor false", s)
	}
	return nil
}

// Text is a scalar that MISP may send as a string, a number, a boolean or
// null (setting values, timestamps, expirations). It keeps the text form.
type Text string

// UnmarshalJSON accepts any JSON scalar; null becomes "".
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return err
	}
	*t = Text(s)
	return nil
}

// String returns the text.
func (t Text) String() string { return string(t) }

// scalarText turns a JSON scalar into its text form: strings unquoted,
// numbers and booleans as written, null as "". Objects and arrays are errors.
func scalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", fmt.Errorf("empty value")
	}
	switch b[0] {
	case '"':
		// Fast path: the JSON decoder already checked the token; without
		// escapes (and with valid UTF-8) its text is the string itself.
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
			return string(b[1 : len(b)-1]), nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return s, nil
	case 'n':
		if string(b) == "null" {
			return "", nil
		}
	case 't', 'f':
		if string(b) == "true" || string(b) == "false" {
			return string(b), nil
		}
	case '{', '[':
		return "", fmt.Errorf("expected a single value, got %s", kindOfJSON(b[0]))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("not a JSON value")
}

func kindOfJSON(c byte) string {
	if c == '{' {
		return "an object"
	}
	return "a list"
}

// User is a MISP user as users/view/me, admin/users/add, admin/users/edit and
// the user index return it. Authkey is set only in the answer to
// admin/users/add (with advanced authkeys on it is the one time it is shown).
type User struct {
	ID            ID     `json:"id"`
	OrgID         ID     `json:"org_id"`
	Email         string `json:"email"`
	RoleID        ID     `json:"role_id"`
	Authkey       string `json:"authkey,omitempty"`
	Autoalert     Flag   `json:"autoalert"`
	Contactalert  Flag   `json:"contactalert"`
	TermsAccepted Flag   `json:"termsaccepted"`
	ChangePw      Flag   `json:"change_pw"`
	Disabled      Flag   `json:"disabled"`
	Expiration    Text   `json:"expiration"`
	LastAPIAccess Text   `json:"last_api_access"`
}

// Role is a MISP role (roles/index, users/view/me). User listings carry only
// a summary of the role, so permissions are looked up in roles/index.
type Role struct {
	ID            ID     `json:"id"`
	Name          string `json:"name"`
	PermAdd       Flag   `json:"perm_add"`
	PermSync      Flag   `json:"perm_sync"`
	PermAuth      Flag   `json:"perm_auth"`
	PermAdmin     Flag   `json:"perm_admin"`
	PermSiteAdmin Flag   `json:"perm_site_admin"`
	PermSighting  Flag   `json:"perm_sighting"`
	PermPublish   Flag   `json:"perm_publish"`
	DefaultRole   Flag   `json:"default_role"`
}

// IsSyncRole reports whether a user with this role can be a partner's sync
// user: sync and API access, and no admin rights of any kind.
func (r Role) IsSyncRole() bool {
	return bool(r.PermSync) && bool(r.PermAuth) && !bool(r.PermAdmin) && !bool(r.PermSiteAdmin)
}

// Organisation is a MISP organisation.
type Organisation struct {
	ID          ID     `json:"id"`
	Name        string `json:"name"`
	UUID        string `json:"uuid"`
	Local       Flag   `json:"local"`
	Description Text   `json:"description"`
	Type        Text   `json:"type"`
	Nationality Text   `json:"nationality"`
	Sector      Text   `json:"sector"`
	Contacts    Text   `json:"contacts"`
	CreatedBy   ID     `json:"created_by"`
	UserCount   Text   `json:"user_count"`
}

// Me is the answer of users/view/me: the key's user, role and organisation.
type Me struct {
	User         User         `json:"User"`
	Role         Role         `json:"Role"`
	Organisation Organisation `json:"Organisation"`

	keyExpiry time.Time
}

// Version is the answer of servers/getVersion. The perm_* fields describe
// the caller.
type Version struct {
	Version         string   `json:"version"`
	PermSync        Flag     `json:"perm_sync"`
	PermSighting    Flag     `json:"perm_sighting"`
	UUID            string   `json:"uuid"`
	RequestEncoding []string `json:"request_encoding"`
}

// Setting is the answer of servers/getSetting/{name}. Value keeps the text
// form whatever JSON type MISP used ("0", true, "https://…").
type Setting struct {
	Name        string `json:"name"`
	Value       Text   `json:"value"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// AuthKey is an advanced authkey record. AuthkeyRaw is set only in the answer
// to auth_keys/add, the one time MISP shows the key; AuthkeyStart and
// AuthkeyEnd are its first and last four characters.
type AuthKey struct {
	ID           ID     `json:"id"`
	UUID         string `json:"uuid"`
	AuthkeyStart string `json:"authkey_start"`
	AuthkeyEnd   string `json:"authkey_end"`
	AuthkeyRaw   string `json:"authkey_raw,omitempty"`
	Created      Text   `json:"created"`
	Expiration   Text   `json:"expiration"`
	ReadOnly     Flag   `json:"read_only"`
	UserID       ID     `json:"user_id"`
	Comment      string `json:"comment"`
}

// Matches reports whether key has this record's first and last four
// characters: the only way to find the record of the key admin/users/add made.
func (k AuthKey) Matches(key string) bool {
	return len(key) >= 8 && k.AuthkeyStart != "" && k.AuthkeyEnd != "" &&
		strings.HasPrefix(key, k.AuthkeyStart) && strings.HasSuffix(key, k.AuthkeyEnd)
}

// Server is a sync server entry. MISP echoes Authkey in servers/add and
// servers/edit answers (never in servers/index); AddServer and EditServer
// clear it, so a Server this client returns never holds a key.
type Server struct {
	ID                  ID     `json:"id"`
	Name                string `json:"name"`
	URL                 string `json:"url"`
	Authkey             string `json:"authkey,omitempty"`
	OrgID               ID     `json:"org_id"`
	RemoteOrgID         ID     `json:"remote_org_id"`
	Push                Flag   `json:"push"`
	Pull                Flag   `json:"pull"`
	PushSightings       Flag   `json:"push_sightings"`
	PublishWithoutEmail Flag   `json:"publish_without_email"`
	SelfSigned          Flag   `json:"self_signed"`
	Internal            Flag   `json:"internal"`
	CertFile            Text   `json:"cert_file"`
	Priority            Text   `json:"priority"`
	// PushRules and PullRules are the entry's filter rules as MISP keeps
	// them: JSON in a string (recording 115).
	PushRules Text `json:"push_rules"`
	PullRules Text `json:"pull_rules"`
}

// ServerEntry is one row of servers/index: the entry, its local owner and the
// remote organisation it syncs with.
type ServerEntry struct {
	Server       Server       `json:"Server"`
	Organisation Organisation `json:"Organisation"`
	RemoteOrg    Organisation `json:"RemoteOrg"`
}

// CryptographicKey is a key attached to an event (protected mode).
type CryptographicKey struct {
	ID          ID     `json:"id"`
	UUID        string `json:"uuid"`
	Type        string `json:"type"`
	ParentID    ID     `json:"parent_id"`
	ParentType  string `json:"parent_type"`
	KeyData     string `json:"key_data,omitempty"`
	Fingerprint string `json:"fingerprint"`
	Revoked     Flag   `json:"revoked"`
}

// Event is the part of a MISP event the app needs. Protected is false for
// events that were never protected (MISP sends null).
type Event struct {
	ID               ID                 `json:"id"`
	UUID             string             `json:"uuid"`
	Info             string             `json:"info"`
	OrgID            ID                 `json:"org_id"`
	OrgcID           ID                 `json:"orgc_id"`
	Published        Flag               `json:"published"`
	Protected        Flag               `json:"protected"`
	Timestamp        Text               `json:"timestamp"`
	PublishTimestamp Text               `json:"publish_timestamp"`
	Distribution     Text               `json:"distribution"`
	OrgcUUID         string             `json:"orgc_uuid,omitempty"`
	CryptographicKey []CryptographicKey `json:"CryptographicKey,omitempty"`
}

// Saved is MISP's generic success answer (deletes, publish, settings).
type Saved struct {
	Saved   Flag   `json:"saved"`
	Success Flag   `json:"success"`
	Name    string `json:"name"`
	Message string `json:"message"`
	URL     string `json:"url"`
	ID      ID     `json:"id"`
}

// RemoteUser is servers/getRemoteUser: the partner's users/view/me for the
// key stored in a server entry, summarised by MISP. ErrorStatus is the HTTP
// status the partner answered when MISP could not read the user (e.g. 403).
type RemoteUser struct {
	Email       string `json:"User"`
	RoleName    string `json:"Role name"`
	SyncFlag    string `json:"Sync flag"`
	ErrorStatus Text   `json:"error"`
}

// CanSync reports whether the partner says the user has the sync permission.
func (u RemoteUser) CanSync() bool { return strings.EqualFold(u.SyncFlag, "yes") }

// Describe says in words what the partner's MISP reports about the user.
func (u RemoteUser) Describe() string {
	if u.ErrorStatus != "" && u.ErrorStatus != "0" {
		return fmt.Sprintf("The partner's MISP refused the stored key (HTTP %s): the key is wrong, expired or its user is disabled.", u.ErrorStatus)
	}
	if u.Email == "" {
		return "The partner's MISP did not say which user the stored key belongs to."
	}
	sync := "can sync"
	if !u.CanSync() {
		sync = "can NOT sync (its role lacks the sync permission)"
	}
	return fmt.Sprintf("The key logs in to the partner's MISP as %s, role %q, which %s.", u.Email, u.RoleName, sync)
}
