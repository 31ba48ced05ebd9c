package mispsim

// The types below are the simulator's state. Snapshots hand out copies, so a
// test can read them freely; seeding helpers take them as templates.

// Org is an organisation known to the instance.
type Org struct {
	ID          int
	Name        string
	UUID        string
	Description *string // nil is JSON null, as for orgs added over the API without one
	Type        string
	Nationality string
	Sector      string
	Contacts    *string
	// Local is true for orgs with users on this instance, false for
	// external ones known only through sync.
	Local bool
	// CreatedBy is the user id that created it; 0 for the org made at
	// install (then restricted_to_domain is [] instead of null).
	CreatedBy    int
	Created      int64 // unix seconds
	Modified     int64
	RestrictedTo []string // nil is JSON null
}

// Role is a MISP role with its permission flags (perm_* keys).
type Role struct {
	ID                    int
	Name                  string
	Perms                 map[string]bool
	DefaultRole           bool
	Permission            string // "0".."3"
	PermissionDescription string
}

// Has reports whether the role grants perm (for example "perm_sync").
func (r Role) Has(perm string) bool { return r.Perms[perm] }

// User is a MISP user account.
type User struct {
	ID            int
	OrgID         int
	RoleID        int
	Email         string
	Autoalert     bool
	Contactalert  bool
	Disabled      bool
	ChangePw      bool
	TermsAccepted bool
	InvitedBy     int
	NidsSID       int
	Created       int64 // unix seconds; 0 renders null (the installer's admin)
	Modified      int64
	// Installed marks the account made at install: several fields are null
	// instead of "" for it (gpgkey, external_auth_key, last_pw_change).
	Installed bool
}

// AuthKey is an advanced authkey. The raw key is never kept in a snapshot:
// only its first and last four characters, as MISP shows them.
type AuthKey struct {
	ID         int
	UUID       string
	UserID     int
	Start      string
	End        string
	Comment    string
	Created    int64
	Expiration int64 // unix seconds; 0 never expires
	ReadOnly   bool
}

// Server is a sync server entry (a link to another MISP instance).
type Server struct {
	ID                  int
	Name                string
	URL                 string
	Authkey             string // the key of the REMOTE instance this entry uses
	OrgID               int    // the local owner org
	RemoteOrgID         int
	Push                bool
	Pull                bool
	PushSightings       bool
	PushGalaxyClusters  bool
	PullGalaxyClusters  bool
	PushAnalystData     bool
	PullAnalystData     bool
	PublishWithoutEmail bool
	UnpublishEvent      bool
	SelfSigned          bool
	Internal            bool
	SkipProxy           bool
	RemoveMissingTags   bool
	CachingEnabled      bool
	// SubmittedCertPEM is the certificate submitted with the entry; when set
	// it is the only trust root for connections made through this entry.
	SubmittedCertPEM string
	CertFile         string // "<id>.pem" when a certificate was submitted
	LastPushedID     string
	LastPulledID     string
	Priority         int
	PullRules        string
	PushRules        string
}

// Event is a MISP event with its attributes and cryptographic keys.
type Event struct {
	ID                int
	UUID              string
	Info              string
	OrgID             int
	OrgcID            int
	Date              string
	ThreatLevelID     int
	Analysis          int
	Distribution      int
	Published         bool
	Timestamp         int64
	PublishTimestamp  int64
	Protected         *bool // nil: never protected (JSON null)
	Locked            bool
	CreatorEmail      string
	Attributes        []Attribute
	CryptographicKeys []CryptoKey
	// Tags are the event's tag names (restSearch, tags/index counts).
	Tags []string
}

// Attribute is one attribute of an event.
type Attribute struct {
	ID           int
	UUID         string
	Type         string
	Category     string
	Value        string
	Comment      string
	ToIDs        bool
	Distribution int
	Timestamp    int64
}

// CryptoKey is a PGP key attached to a protected event.
type CryptoKey struct {
	ID          int
	UUID        string
	Type        string
	KeyData     string
	Fingerprint string
	Timestamp   int64
	Revoked     bool
}

// Default role ids of a fresh MISP.
const (
	RoleAdmin     = 1
	RoleOrgAdmin  = 2
	RoleUser      = 3
	RolePublisher = 4
	RoleSyncUser  = 5
	RoleReadOnly  = 6
)

// permOrder is the order in which MISP writes a role's fields.
var permOrder = []string{
	"perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_delegate",
	"perm_sync", "perm_admin", "perm_audit", "perm_auth", "perm_site_admin",
	"perm_regexp_access", "perm_tagger", "perm_template", "perm_sharing_group",
	"perm_tag_editor", "perm_sighting", "perm_object_template",
}

// permOrderLate are the perm_* flags MISP writes after default_role & co.
var permOrderLate1 = []string{"perm_publish_zmq", "perm_publish_kafka", "perm_decaying"}
var permOrderLate2 = []string{"perm_galaxy_editor", "perm_warninglist", "perm_view_feed_correlations", "perm_analyst_data", "perm_skip_otp"}

func perms(on ...string) map[string]bool {
	m := map[string]bool{}
	for _, p := range permOrder {
		m[p] = false
	}
	for _, p := range permOrderLate1 {
		m[p] = false
	}
	for _, p := range permOrderLate2 {
		m[p] = false
	}
	for _, p := range on {
		m[p] = true
	}
	return m
}

// defaultRoles are the six roles of a fresh MISP 2.5.1 (recording 10 shows
// the first three; the others follow the roles rows of MISP's MYSQL.sql).
func defaultRoles() []Role {
	return []Role{
		{ID: RoleAdmin, Name: "admin", Permission: "3", PermissionDescription: "publish", Perms: perms(
			"perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_delegate", "perm_sync", "perm_admin",
			"perm_audit", "perm_auth", "perm_site_admin", "perm_regexp_access", "perm_tagger", "perm_template",
			"perm_sharing_group", "perm_tag_editor", "perm_sighting", "perm_object_template", "perm_publish_zmq",
			"perm_publish_kafka", "perm_decaying", "perm_galaxy_editor", "perm_warninglist",
			"perm_view_feed_correlations", "perm_analyst_data")},
		{ID: RoleOrgAdmin, Name: "Org Admin", Permission: "3", PermissionDescription: "publish", Perms: perms(
			"perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_delegate", "perm_admin", "perm_audit",
			"perm_auth", "perm_tagger", "perm_template", "perm_sharing_group", "perm_tag_editor", "perm_sighting",
			"perm_publish_zmq", "perm_publish_kafka", "perm_decaying", "perm_galaxy_editor", "perm_analyst_data")},
		{ID: RoleUser, Name: "User", DefaultRole: true, Permission: "2", PermissionDescription: "manage_org", Perms: perms(
			"perm_add", "perm_modify", "perm_modify_org", "perm_audit", "perm_auth", "perm_tagger", "perm_sighting",
			"perm_decaying", "perm_galaxy_editor", "perm_analyst_data")},
		{ID: RolePublisher, Name: "Publisher", Permission: "3", PermissionDescription: "publish", Perms: perms(
			"perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_delegate", "perm_audit", "perm_auth",
			"perm_tagger", "perm_sighting", "perm_publish_zmq", "perm_publish_kafka", "perm_decaying",
			"perm_galaxy_editor", "perm_analyst_data")},
		{ID: RoleSyncUser, Name: "Sync user", Permission: "3", PermissionDescription: "publish", Perms: perms(
			"perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_delegate", "perm_sync", "perm_audit",
			"perm_auth", "perm_tagger", "perm_sharing_group", "perm_tag_editor", "perm_sighting", "perm_publish_zmq",
			"perm_publish_kafka", "perm_decaying", "perm_galaxy_editor", "perm_analyst_data")},
		{ID: RoleReadOnly, Name: "Read Only", Permission: "0", PermissionDescription: "read_only", Perms: perms(
			"perm_audit", "perm_auth")},
	}
}

func cloneRole(r Role) Role {
	c := r
	c.Perms = make(map[string]bool, len(r.Perms))
	for k, v := range r.Perms {
		c.Perms[k] = v
	}
	return c
}

func cloneEvent(e Event) Event {
	c := e
	c.Attributes = append([]Attribute(nil), e.Attributes...)
	c.CryptographicKeys = append([]CryptoKey(nil), e.CryptographicKeys...)
	c.Tags = append([]string(nil), e.Tags...)
	if e.Protected != nil {
		p := *e.Protected
		c.Protected = &p
	}
	return c
}
