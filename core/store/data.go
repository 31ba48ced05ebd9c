package store

import (
	"encoding/json"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// Data is the whole store document: everything the app remembers between
// runs. The whole document is encrypted on disk; see docs/STORE.md for which
// fields are secret (they never leave the store, not even in exports).
type Data struct {
	Profiles    []Profile        `json:"profiles"`
	Partners    []Partner        `json:"partners"`
	Pending     []PendingPairing `json:"pending"`
	Preferences Preferences      `json:"preferences"`
}

// Profile is one MISP instance the admin logs in to.
type Profile struct {
	// ID is a random identifier that stays the same when the profile is renamed;
	// partner records and pending pairings refer to it.
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Authkey is the site-admin authkey. Secret. Empty when the admin chose
	// not to store it (then the app asks for it at every login).
	Authkey     string             `json:"authkey,omitempty"`
	Certificate *PinnedCertificate `json:"certificate,omitempty"`
	LastLogin   *LoginInfo         `json:"last_login,omitempty"`
	// KeysPendingRevocation are authkeys this app minted on this profile's
	// MISP in a pairing that was aborted before any partner record existed
	// (its revocation was cut short). They are recorded before the
	// revocation is attempted and cleared once it succeeded; the next login
	// finishes the job (session.RevokeAbandonedKeys).
	KeysPendingRevocation []MintedKey `json:"keys_pending_revocation,omitempty"`
	// Notifications are our own organisation's IntelMQ IEP005 notification
	// settings, edited in the profile; they travel in our INFO
	// (session.Config.Notifications). nil: none offered.
	Notifications *pairing.NotificationSettings `json:"notifications,omitempty"`
	// SyncUsersDisabledByApp are the ids of sync users MISPbump disabled on
	// this profile's MISP when it removed their partner. A later pairing with
	// that partner may re-enable them; a sync user someone else disabled is
	// left alone (the brief: "re-enable it if the app disabled it").
	SyncUsersDisabledByApp []string `json:"sync_users_disabled_by_app,omitempty"`
}

// HasAuthkey says whether the profile carries a stored authkey.
func (p Profile) HasAuthkey() bool { return p.Authkey != "" }

// PinnedCertificate is a server certificate the admin chose to trust for a
// MISP that is not publicly trusted (self-signed, or a private CA's root).
type PinnedCertificate struct {
	// SHA256 is the lowercase hex SHA-256 of the certificate's DER bytes.
	SHA256 string `json:"sha256"`
	PEM    string `json:"pem"`
}

// LoginInfo is what the last successful login to a profile's MISP reported.
type LoginInfo struct {
	At           time.Time `json:"at"`
	OrgName      string    `json:"org_name"`
	OrgUUID      string    `json:"org_uuid"`
	InstanceUUID string    `json:"instance_uuid"`
	MISPVersion  string    `json:"misp_version"`
}

// Partner is the record of one pairing with a partner MISP: what the partner
// sent, what we did on our MISP, and the last connection test.
type Partner struct {
	// ID is a local random identifier of this record.
	ID string `json:"id"`
	// ProfileID names the Profile (our MISP) this pairing was made on.
	ProfileID string `json:"profile_id"`

	Org          PartnerOrg `json:"org"`
	AdminEmail   string     `json:"admin_email"`
	AnnouncedURL string     `json:"announced_url"`
	InstanceUUID string     `json:"instance_uuid"`
	MISPVersion  string     `json:"misp_version"`
	PGPKey       *PGPKey    `json:"pgp_key,omitempty"`
	// PGPKeyCheck is what the app found when it checked that key at pairing
	// time; nil when the partner sent no key (or the record predates it).
	PGPKeyCheck *PGPKeyCheck `json:"pgp_key_check,omitempty"`
	// CertificatePEM verifies the partner's announced URL when it is not
	// publicly trusted (as the partner sent it).
	CertificatePEM  string   `json:"certificate_pem,omitempty"`
	EgressAddresses []string `json:"egress_addresses,omitempty"`
	// NotificationSettings is how the partner wants to be notified (IEP005),
	// as their INFO carried it; nil when they sent none.
	NotificationSettings *pairing.NotificationSettings `json:"notification_settings,omitempty"`
	// PartnerFlows is what the partner's INFO said its entry pushes and
	// pulls (for information, validated); OurFlows what ours was set to.
	PartnerFlows *pairing.Flows `json:"partner_flows,omitempty"`
	OurFlows     *pairing.Flows `json:"our_flows,omitempty"`

	// OnOurMISP says what the pairing created or reused on our MISP.
	OnOurMISP OnOurMISP `json:"on_our_misp"`
	// MintedKeys are the authkeys this app minted on our MISP for the
	// partner's sync user (ids and comments only, never the keys).
	MintedKeys []MintedKey `json:"minted_keys,omitempty"`
	// KeysPendingRevocation are earlier app-minted keys to revoke once the
	// partner confirms the new one works (partner's DONE with status 1).
	KeysPendingRevocation []MintedKey `json:"keys_pending_revocation,omitempty"`

	// Push and Pull are the server entry's as MISP has them when it was read
	// back (ServerSettings), else as chosen for the pairing.
	Push     bool            `json:"push"`
	Pull     bool            `json:"pull"`
	PairedAt time.Time       `json:"paired_at"`
	LastTest *ConnectionTest `json:"last_test,omitempty"`
	// ServerSettings is our server entry as read back from MISP after the
	// pairing set it up; nil when it could not be read (or the record
	// predates it).
	ServerSettings *ServerSettings `json:"server_settings,omitempty"`
}

// ServerSettings is our server entry to the partner as MISP has it
// (servers/index, read back after the setup).
type ServerSettings struct {
	Push                bool `json:"push"`
	Pull                bool `json:"pull"`
	PublishWithoutEmail bool `json:"publish_without_email"`
	Internal            bool `json:"internal,omitempty"`
	// SelfSigned: MISP does not verify the partner's certificate.
	SelfSigned bool `json:"self_signed,omitempty"`
	// CertFile is the certificate MISP verifies the partner against (""
	// when none is stored: the system's trusted CAs).
	CertFile string `json:"cert_file,omitempty"`
	// PushRules and PullRules are MISP's JSON (syncsetup.RulesWords).
	PushRules string `json:"push_rules,omitempty"`
	PullRules string `json:"pull_rules,omitempty"`
	// KeptExisting: the entry was there before and kept its own settings;
	// the pairing replaced only its key (the update-key-only policy).
	KeptExisting bool      `json:"kept_existing,omitempty"`
	ReadAt       time.Time `json:"read_at"`
}

// PartnerOrg is the organisation the partner announced (their host org).
// It has the fields of pairing.Organisation in the same order, so the session
// engine converts with store.PartnerOrg(info.Org); a field added there breaks
// that conversion at compile time instead of being lost silently.
type PartnerOrg struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Sector      string `json:"sector,omitempty"`
	Contacts    string `json:"contacts,omitempty"`
}

// PGPKey is a partner instance's PGP key (MISP's /gpg.asc).
type PGPKey struct {
	Armored     string `json:"armored"`
	Fingerprint string `json:"fingerprint"`
}

// PGPKeyCheck is the check of a partner's instance key made when its INFO
// arrived (core/protected.CheckPartner): the key parsed, its fingerprint
// matched the one sent, and the partner's MISP publishes the same key at
// /gpg.asc of the URL it announced.
type PGPKeyCheck struct {
	// Fingerprint is the key's own fingerprint ("" when it was refused).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Verdict is "match", "mismatch", "not checked" or "refused".
	Verdict string `json:"verdict"`
	// Message says in words what was found.
	Message string `json:"message"`
	// Alarm is set on a mismatch: to show prominently on the partner's page.
	Alarm string    `json:"alarm,omitempty"`
	At    time.Time `json:"at"`
}

// Outcome says whether a pairing step created an object or found and reused it.
type Outcome string

// The outcomes of a create-or-reuse step.
const (
	Created Outcome = "created"
	Reused  Outcome = "reused"
)

// ObjectRef is an object on our MISP (numeric id as MISP sends it, a string)
// and whether the app created or reused it.
type ObjectRef struct {
	ID      string  `json:"id"`
	Outcome Outcome `json:"outcome"`
}

// OnOurMISP is what a pairing created or reused on our MISP. Removing a
// partner deletes only what has Outcome Created (see PAIRING.md).
type OnOurMISP struct {
	Org ObjectRef `json:"org"`
	// SyncUser is the partner's sync user in the partner org.
	SyncUser      ObjectRef `json:"sync_user"`
	SyncUserEmail string    `json:"sync_user_email"`
	// Server is our sync server entry pointing at the partner.
	Server ObjectRef `json:"server"`
	// SharingGroup is the bilateral sharing group, when one was asked for;
	// removing the partner keeps it unless the admin asks.
	SharingGroup     ObjectRef `json:"sharing_group,omitempty"`
	SharingGroupName string    `json:"sharing_group_name,omitempty"`
	SharingGroupUUID string    `json:"sharing_group_uuid,omitempty"`
}

// MintedKey is an authkey this app minted on our MISP: its id and comment,
// never the key itself.
type MintedKey struct {
	ID      string    `json:"id"`
	Comment string    `json:"comment,omitempty"`
	UserID  string    `json:"user_id,omitempty"`
	Minted  time.Time `json:"minted"`
}

// ConnectionTest is the result of servers/testConnection on our server entry.
type ConnectionTest struct {
	// Status is MISP's status code (1 OK, 2 unreachable, 4 auth failed…).
	Status  int    `json:"status"`
	Message string `json:"message"`
	// RemoteUser says, in words, who our key is on the partner's MISP
	// (servers/getRemoteUser after a passing test), or why that is unknown.
	RemoteUser string    `json:"remote_user,omitempty"`
	At         time.Time `json:"at"`
}

// PendingPairing is an unfinished pairing kept so it can be resumed. It never
// holds ephemeral private keys: a side that still needs the partner's CREDS
// must start a new face-to-face session.
type PendingPairing struct {
	ID        string    `json:"id"`
	ProfileID string    `json:"profile_id"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Partner holds what the partner's INFO carried and what our MISP steps
	// did so far (OnOurMISP, MintedKeys).
	Partner Partner `json:"partner"`
	// Creds is the partner's CREDS when received; nil before.
	Creds *PartnerCreds `json:"creds,omitempty"`
	// StepsDone names the steps already done, in order (names chosen by the
	// session engine, e.g. "org", "sync_user", "key", "server", "test").
	StepsDone []string `json:"steps_done,omitempty"`
}

// PartnerCreds is what the partner's CREDS carried.
type PartnerCreds struct {
	// SyncAuthkey is the authkey the partner's MISP minted for our
	// organisation. Secret.
	SyncAuthkey string `json:"sync_authkey"`
	// SyncUserEmail is the e-mail of the sync user the partner made for us.
	SyncUserEmail string `json:"sync_user_email"`
}

// Preferences are the admin's choices that outlive a run.
type Preferences struct {
	CameraDevice  string          `json:"camera_device,omitempty"`
	MirrorPreview bool            `json:"mirror_preview"`
	Theme         string          `json:"theme,omitempty"` // "", "light" or "dark"; "" follows the system
	Prepare       PrepareDefaults `json:"prepare"`
	// ActiveProfileID is the profile logged in to last (an id, not a
	// secret): the app opens on it. Empty: none yet, or it was deleted.
	ActiveProfileID string `json:"active_profile_id,omitempty"`
}

// Existing-server policies: what to do when our MISP already has a server
// entry for the partner.
const (
	ExistingServerUpdateKey = "update-key" // update its key only (default)
	ExistingServerCreateNew = "create-new"
)

// Name-clash policies: what to do when the partner org's name is taken on
// our MISP by an org with another UUID.
const (
	NameClashSuffixUUID = "suffix-uuid8" // create as "Name (first 8 of UUID)" (default)
	NameClashStop       = "stop"
)

// PrepareDefaults are the Prepare step's starting values.
type PrepareDefaults struct {
	Push                bool   `json:"push"`
	Pull                bool   `json:"pull"`
	PublishWithoutEmail bool   `json:"publish_without_email"`
	ExistingServer      string `json:"existing_server"`
	NameClash           string `json:"name_clash"`
	// Timeouts without progress, in seconds.
	FaceToFaceTimeoutSeconds int `json:"face_to_face_timeout_seconds"`
	RemoteTimeoutSeconds     int `json:"remote_timeout_seconds"`
	// RulesPreset and the filters are what flows (core/syncsetup presets;
	// "" is "everything"); SharingGroup asks for a bilateral group. Prepare
	// remembers the last choice here.
	RulesPreset  string             `json:"rules_preset,omitempty"`
	PushFilter   pairing.FlowFilter `json:"push_filter,omitempty"`
	PullFilter   pairing.FlowFilter `json:"pull_filter,omitempty"`
	SharingGroup bool               `json:"sharing_group,omitempty"`
}

// DefaultPreferences are the preferences of a new store (PAIRING.md "Defaults").
func DefaultPreferences() Preferences {
	return Preferences{
		MirrorPreview: true,
		Prepare: PrepareDefaults{
			Push:                     false,
			Pull:                     true,
			PublishWithoutEmail:      true,
			ExistingServer:           ExistingServerUpdateKey,
			NameClash:                NameClashSuffixUUID,
			FaceToFaceTimeoutSeconds: 10 * 60,
			RemoteTimeoutSeconds:     60 * 60,
		},
	}
}

// Profile returns the profile with the given id.
func (d *Data) Profile(id string) (*Profile, bool) {
	for i := range d.Profiles {
		if d.Profiles[i].ID == id {
			return &d.Profiles[i], true
		}
	}
	return nil, false
}

// Partner returns the partner record with the given id.
func (d *Data) Partner(id string) (*Partner, bool) {
	for i := range d.Partners {
		if d.Partners[i].ID == id {
			return &d.Partners[i], true
		}
	}
	return nil, false
}

// PendingPairing returns the unfinished pairing with the given id.
func (d *Data) PendingPairing(id string) (*PendingPairing, bool) {
	for i := range d.Pending {
		if d.Pending[i].ID == id {
			return &d.Pending[i], true
		}
	}
	return nil, false
}

// clone returns a deep copy, so callers never share slices with the store.
func (d *Data) clone() *Data {
	raw, err := json.Marshal(d)
	if err != nil {
		panic("store: cannot copy the store document: " + err.Error())
	}
	var c Data
	if err := json.Unmarshal(raw, &c); err != nil {
		panic("store: cannot copy the store document: " + err.Error())
	}
	return &c
}
