// Package syncsetup makes one MISP ready to sync with a pairing partner, in
// idempotent steps that are each safe to re-run: the partner's organisation,
// a sync user with a freshly minted key for the partner, the server entry
// that holds the partner's key for us, and a connection test. A re-run, or a
// resumed half-finished run, finds what an earlier run made (organisation by
// UUID, user by its derived e-mail, server entry by URL and organisation)
// and creates nothing twice. Every step reports what it created and what it
// reused, the requests it made and the policy decisions it took, in a Result
// the session engine stores as the partner record.
package syncsetup

import (
	"fmt"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

// Partner is what the partner's INFO tells us, as far as our MISP needs it.
type Partner struct {
	// OrgName and OrgUUID are the partner's host organisation.
	OrgName string `json:"org_name"`
	OrgUUID string `json:"org_uuid"`
	// InstanceUUID is the partner's MISP.uuid; the sync user's e-mail is
	// derived from it and the connection test must see it.
	InstanceUUID string `json:"instance_uuid"`
	// URL is the partner's announced URL, where our MISP will reach it.
	URL string `json:"url"`
	// CertificatePEM is the certificate that verifies URL when it is not
	// publicly trusted (self-signed, or a private CA's root); empty otherwise.
	CertificatePEM string `json:"certificate_pem,omitempty"`
}

// NameClashPolicy says what to do when the partner's organisation name is
// already used by an organisation with another UUID.
type NameClashPolicy int

const (
	// NameClashSuffix creates the org as "Name (first 8 characters of the
	// UUID)" (the default).
	NameClashSuffix NameClashPolicy = iota
	// NameClashFail stops with a *ConflictError.
	NameClashFail
)

// ExistingServerPolicy says what to do when our MISP already has a server
// entry for the partner's URL and organisation.
type ExistingServerPolicy int

const (
	// ServerUpdateKey sends only the new key to the existing entry, keeping
	// its push/pull and rules (the default).
	ServerUpdateKey ExistingServerPolicy = iota
	// ServerCreateNew adds a new entry beside the existing one.
	ServerCreateNew
)

// Policy holds the admin's choices made before the exchange.
type Policy struct {
	NameClash      NameClashPolicy      `json:"name_clash"`
	ExistingServer ExistingServerPolicy `json:"existing_server"`
	Push           bool                 `json:"push"`
	Pull           bool                 `json:"pull"`
	// PublishWithoutEmail stops a first pull from mailing every user.
	PublishWithoutEmail bool `json:"publish_without_email"`
	// SameOrganisation is the explicit mode for two instances of one
	// organisation: the server entry is internal (org-only data flows).
	SameOrganisation bool `json:"same_organisation"`
	// ServerName names a new server entry; empty means "<partner org> (MISPbump)".
	ServerName string `json:"server_name,omitempty"`
	// AllowLocalAddresses lets the partner's URL be on loopback,
	// link-local or an unspecified address (two MISPs on one machine, the
	// demo); off, such a URL is refused before anything is written.
	AllowLocalAddresses bool `json:"allow_local_addresses,omitempty"`
	// KeepUnverifiedEntry keeps TLS verification off on an existing server
	// entry that has self_signed: true when the partner sent no
	// certificate; off, the setup stops there and says so.
	KeepUnverifiedEntry bool `json:"keep_unverified_entry,omitempty"`
	// Rules are what flows over a new server entry (rules.go). An existing
	// entry updated under ServerUpdateKey keeps its own rules unless
	// ApplyRules is set: the admin changed the rules in Prepare.
	Rules      Rules `json:"rules"`
	ApplyRules bool  `json:"apply_rules,omitempty"`
	// SharingGroup asks for a bilateral sharing group "<our org> ↔
	// <partner org>" with both organisations and our server entry.
	SharingGroup bool `json:"sharing_group,omitempty"`
}

// DefaultPolicy is the brief's defaults: pull on, push off,
// publish_without_email on, update an existing entry's key only, suffix a
// clashing organisation name, same-organisation mode off.
func DefaultPolicy() Policy {
	return Policy{Pull: true, PublishWithoutEmail: true}
}

// Secret holds an authkey in memory. It prints as [redacted] so a key cannot
// reach a log or an error by accident; Reveal gives the value for CREDS.
type Secret string

// Reveal returns the key itself.
func (s Secret) Reveal() string { return string(s) }

// String hides the key.
func (s Secret) String() string { return "[redacted]" }

// GoString hides the key from %#v.
func (s Secret) GoString() string { return "[redacted]" }

// Format hides the key from every fmt verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// MarshalJSON never writes the key: records keep key ids, not keys.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// Step records what one step did.
type Step struct {
	Name     string   `json:"name"`
	Requests int64    `json:"requests"`
	Created  []string `json:"created,omitempty"` // e.g. "organisation 7"
	Reused   []string `json:"reused,omitempty"`
	Notes    []string `json:"notes,omitempty"` // policy decisions, in words
}

// OrgResult is the partner's organisation on our MISP.
type OrgResult struct {
	ID      misp.ID `json:"id"`
	Name    string  `json:"name"`
	UUID    string  `json:"uuid"`
	Local   bool    `json:"local"`
	Created bool    `json:"created"`
	// Renamed is true when the name was taken and the org was created as
	// "Name (uuid8)".
	Renamed bool `json:"renamed,omitempty"`
}

// UserResult is the partner's sync user on our MISP and the key minted for
// the partner.
type UserResult struct {
	ID        misp.ID `json:"id"`
	Email     string  `json:"email"`
	RoleID    misp.ID `json:"role_id"`
	RoleName  string  `json:"role_name"`
	Created   bool    `json:"created"`
	ReEnabled bool    `json:"re_enabled,omitempty"`
	// DisabledByApp is true once Remove has disabled this user; keep it
	// (or the ID, for Setup.DisabledByApp) so a later pairing may enable
	// the user again.
	DisabledByApp bool `json:"disabled_by_app,omitempty"`
	// KeyID is the AuthKey id of the key minted in this pairing (empty with
	// advanced authkeys off, where a user has a single key).
	KeyID misp.ID `json:"key_id,omitempty"`
	// KeyComment is the comment of the minted key ("" for the key
	// admin/users/add makes).
	KeyComment string `json:"key_comment,omitempty"`
	// KeyReset is true when advanced authkeys are off and the user's single
	// key was reset.
	KeyReset bool `json:"key_reset,omitempty"`
	// Authkey is the minted key, to send to the partner in CREDS. It is
	// never written to JSON or printed.
	Authkey Secret `json:"-"`
}

// ServerResult is our server entry pointing at the partner.
type ServerResult struct {
	ID         misp.ID `json:"id"`
	Name       string  `json:"name"`
	URL        string  `json:"url"`
	Created    bool    `json:"created"`
	KeyUpdated bool    `json:"key_updated,omitempty"`
	Internal   bool    `json:"internal,omitempty"`
	// PushRules and PullRules are the entry's rules as MISP holds them
	// after this step (JSON text, MISP's shape).
	PushRules string `json:"push_rules,omitempty"`
	PullRules string `json:"pull_rules,omitempty"`
	// RulesSet is true when this step wrote the rules (a new entry, or
	// an existing one whose rules the admin changed).
	RulesSet bool `json:"rules_set,omitempty"`
	// Settings is the entry as MISP has it, read back from servers/index
	// after it was added or its key replaced; nil when it could not be
	// read back (a note says why).
	Settings *ServerSettings `json:"settings,omitempty"`
}

// SharingGroupResult is the bilateral sharing group on our MISP.
type SharingGroupResult struct {
	ID      misp.ID `json:"id"`
	UUID    string  `json:"uuid"`
	Name    string  `json:"name"`
	Created bool    `json:"created"`
}

// ServerSettings is what MISP really has for our server entry: an entry
// that was there before keeps its own push, pull and rules (update key
// only), whatever the pairing's choices were.
type ServerSettings struct {
	Push                bool `json:"push"`
	Pull                bool `json:"pull"`
	PublishWithoutEmail bool `json:"publish_without_email"`
	Internal            bool `json:"internal"`
	// SelfSigned: MISP does not verify the partner's certificate.
	SelfSigned bool `json:"self_signed"`
	// CertFile names the certificate MISP verifies the partner against
	// ("" when none is stored: the system's trusted CAs).
	CertFile string `json:"cert_file,omitempty"`
	// PushRules and PullRules are MISP's JSON; RulesWords says them.
	PushRules string `json:"push_rules,omitempty"`
	PullRules string `json:"pull_rules,omitempty"`
}

// TestResult is the connection test through our server entry.
type TestResult struct {
	OK         bool      `json:"ok"`
	Status     int       `json:"status"`
	Post       int       `json:"post"`
	RemoteUUID string    `json:"remote_uuid"`
	Message    string    `json:"message"`
	RemoteUser string    `json:"remote_user"`
	At         time.Time `json:"at"`
}

// Result is the partner record's MISP part: what was created versus
// reused, the minted key's id, the server entry, the last test, the steps.
type Result struct {
	Partner Partner       `json:"partner"`
	Policy  Policy        `json:"policy"`
	Org     *OrgResult    `json:"org,omitempty"`
	User    *UserResult   `json:"user,omitempty"`
	Server  *ServerResult `json:"server,omitempty"`
	Test    *TestResult   `json:"test,omitempty"`
	// SharingGroup is the bilateral group, when the policy asked for one.
	SharingGroup *SharingGroupResult `json:"sharing_group,omitempty"`
	Steps        []Step              `json:"steps"`
}

// Requests adds up the requests of all steps.
func (r *Result) Requests() int64 {
	var n int64
	for _, s := range r.Steps {
		n += s.Requests
	}
	return n
}

// Notes gathers every step's policy decisions, in order.
func (r *Result) Notes() []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Notes...)
	}
	return out
}

// ConflictError is a state in our MISP the app will not resolve by itself;
// Fix says what to change in MISP.
type ConflictError struct {
	What string
	Fix  string
}

func (e *ConflictError) Error() string { return e.What + ". " + e.Fix }

// InternalNotKeptError means same-organisation mode asked MISP for an
// internal server entry and MISP's answer says the entry is not internal:
// MISP keeps "internal" only when MISP.host_org_id is set and equals the
// entry's remote organisation, so the setting changed or was never saved.
type InternalNotKeptError struct {
	ServerID misp.ID // our server entry
	OrgID    misp.ID // the shared organisation, the entry's remote_org_id
}

func (e *InternalNotKeptError) Error() string {
	return "Our MISP did not keep server entry " + string(e.ServerID) + " internal, so same-organisation data would not flow. " +
		"MISP keeps a server entry internal only when the setting MISP.host_org_id equals the entry's organisation: " +
		"set MISP.host_org_id to " + string(e.OrgID) + " in MISP (Administration → Server Settings & Maintenance → MISP settings), log in again and run the setup again."
}

// UnverifiedEntryError stops the server step before the key is written: the
// existing entry to the partner has TLS verification off (self_signed: true)
// and the partner sent no certificate to verify it with.
type UnverifiedEntryError struct {
	ServerID misp.ID
	Name     string
	URL      string
}

func (e *UnverifiedEntryError) Error() string {
	return "Our existing server entry " + string(e.ServerID) + " (" + e.Name + ", " + e.URL + ") to the partner has TLS verification off (self_signed), and the partner sent no certificate to turn it back on with; the new key was not written to it. " +
		"Turn verification on for that entry in MISP (or ask the partner to announce a URL with a trusted certificate) and pair again — or choose to keep an entry with verification off (Prepare's Safety section; --keep-unverified-entry for mispbump demo)"
}

// StepError is a step that failed; Err is the cause (often a *misp.Error
// or a *ConflictError).
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string {
	return "Setting up sync on our MISP stopped at \"" + e.Step + "\": " + e.Err.Error() + " Nothing was created twice; run the setup again once this is fixed."
}

func (e *StepError) Unwrap() error { return e.Err }

// Step names, as they appear in Result.Steps and StepError.
const (
	StepOrg     = "partner organisation"
	StepUser    = "sync user and key"
	StepServer  = "server entry"
	StepTest    = "connection test"
	StepRevoke  = "revoke old keys"
	StepRemove  = "remove partner"
	StepSharing = "sharing group"
	StepRules   = "rules"
	emailDomain = "mispbump.invalid"
)

// SyncUserEmail is the e-mail of the sync user MISPbump makes for a partner:
// "sync-" + the partner's instance UUID (lower case) + "@mispbump.invalid".
// It is derived only from the partner's instance UUID, so a re-pairing from
// any laptop finds the same user, and the reserved .invalid domain (RFC 2606)
// marks it as the app's and guarantees no mail is ever delivered.
func SyncUserEmail(partnerInstanceUUID string) string {
	return "sync-" + strings.ToLower(strings.TrimSpace(partnerInstanceUUID)) + "@" + emailDomain
}

// IsAppUserEmail reports whether an e-mail has the form SyncUserEmail makes.
func IsAppUserEmail(email string) bool {
	e := strings.ToLower(email)
	return strings.HasPrefix(e, "sync-") && strings.HasSuffix(e, "@"+emailDomain)
}

// KeyCommentPrefix starts the comment of every key MISPbump mints, so the
// app recognises its keys in auth_keys/index.
const KeyCommentPrefix = "MISPbump pairing"
