package mispsim

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes the instance to simulate. The zero value is a fresh
// MISP 2.5.1 with host org "ORGNAME", advanced authkeys on and
// MISP.host_org_id unset ("0").
type Config struct {
	// Name labels the instance in messages (for example "A" or "B").
	Name string
	// HostOrgName and HostOrgUUID describe the org made at install
	// (id 1); a random UUID is used when empty.
	HostOrgName string
	HostOrgUUID string
	// InstanceUUID is MISP.uuid; random when empty.
	InstanceUUID string
	// BaseURL overrides the URL the instance believes it has (MISP.baseurl,
	// the Location of 302 answers). Empty: the URL it listens on.
	BaseURL string
	// AdminEmail is the site admin's e-mail; "admin@admin.test" when empty.
	AdminEmail string
	// DisableAdvancedAuthkeys simulates Security.advanced_authkeys = false:
	// one key per user, kept on the user, reset with users/resetauthkey.
	DisableAdvancedAuthkeys bool
	// HostOrgIDSet sets MISP.host_org_id to the host org's id; otherwise it
	// is "0", as on a fresh instance (recording 09).
	HostOrgIDSet bool
	// GPGKeyArmored is the instance's public PGP key served at /gpg.asc;
	// empty: /gpg.asc answers 404.
	GPGKeyArmored string
	// Version is the MISP version reported; "2.5.1" when empty.
	Version string
	// OutboundRootCAs are the trust roots for servers/testConnection and
	// getRemoteUser to entries without a submitted certificate; nil uses
	// the system roots.
	OutboundRootCAs *x509.CertPool
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Sim is one simulated MISP instance. It is an http.Handler; Start and
// StartTLS also serve it on a loopback port. All methods are safe for
// concurrent use.
type Sim struct {
	cfg Config

	mu       sync.Mutex
	orgs     map[int]*Org
	roles    map[int]*Role
	users    map[int]*User
	keys     map[int]*AuthKey
	keyByRaw map[string]int // raw advanced authkey -> AuthKey id
	legacy   map[int]string // user id -> key, with advanced authkeys off
	servers  map[int]*Server
	events   map[int]*Event
	tags     map[int]*Tag
	sgs      map[int]*SharingGroup
	settings map[string]any
	next     map[string]int
	hostOrg  int
	adminID  int
	adminKey string
	roKey    string
	baseURL  string

	faults   []*faultState
	requests []RequestRecord

	listener  net.Listener
	httpSrv   *http.Server
	certPEM   []byte
	serveDone chan struct{}
	client    *http.Client // outbound calls without a submitted certificate

	routeTable map[string]route
}

// New makes a simulator holding a fresh instance: the host org (id 1), the
// six default roles, one site admin (id 1) with one authkey.
func New(cfg Config) *Sim {
	if cfg.HostOrgName == "" {
		cfg.HostOrgName = "ORGNAME"
	}
	if cfg.HostOrgUUID == "" {
		cfg.HostOrgUUID = newUUID()
	}
	cfg.HostOrgUUID = strings.ToLower(cfg.HostOrgUUID)
	if cfg.InstanceUUID == "" {
		cfg.InstanceUUID = newUUID()
	}
	if cfg.AdminEmail == "" {
		cfg.AdminEmail = "admin@admin.test"
	}
	if cfg.Version == "" {
		cfg.Version = "2.5.1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sim{
		cfg:      cfg,
		orgs:     map[int]*Org{},
		roles:    map[int]*Role{},
		users:    map[int]*User{},
		keys:     map[int]*AuthKey{},
		keyByRaw: map[string]int{},
		legacy:   map[int]string{},
		servers:  map[int]*Server{},
		events:   map[int]*Event{},
		tags:     map[int]*Tag{},
		sgs:      map[int]*SharingGroup{},
		settings: map[string]any{},
		next:     map[string]int{},
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
	}
	s.client = newOutboundClient(cfg.OutboundRootCAs)
	s.routeTable = s.routes()
	now := cfg.Now().Unix()
	for _, r := range defaultRoles() {
		rc := cloneRole(r)
		s.roles[r.ID] = &rc
		s.bump("role", r.ID)
	}
	desc := "Automatically generated admin organisation"
	host := &Org{ID: 1, Name: cfg.HostOrgName, UUID: cfg.HostOrgUUID, Description: &desc, Type: "ADMIN",
		Local: true, Created: now, Modified: now, RestrictedTo: []string{}}
	s.orgs[1] = host
	s.bump("org", 1)
	s.hostOrg = 1
	admin := &User{ID: 1, OrgID: 1, RoleID: RoleAdmin, Email: cfg.AdminEmail, ChangePw: true, NidsSID: 4000000,
		Modified: now, Installed: true}
	s.users[1] = admin
	s.bump("user", 1)
	s.adminID = 1
	s.initSettings()
	s.adminKey = s.mintKeyLocked(1, "", false, 0)
	return s
}

// bump records that id is used for kind, so generated ids stay above it.
func (s *Sim) bump(kind string, id int) {
	if id >= s.next[kind] {
		s.next[kind] = id + 1
	}
}

// nextID hands out the next id of kind (ids start at 1, like MySQL's).
func (s *Sim) nextID(kind string) int {
	if s.next[kind] == 0 {
		s.next[kind] = 1
	}
	id := s.next[kind]
	for s.idTaken(kind, id) {
		id++
	}
	s.next[kind] = id + 1
	return id
}

// idTaken guards nextID against ids that seeding placed above the counter.
func (s *Sim) idTaken(kind string, id int) bool {
	var taken bool
	switch kind {
	case "org":
		_, taken = s.orgs[id]
	case "user":
		_, taken = s.users[id]
	case "role":
		_, taken = s.roles[id]
	case "authkey":
		_, taken = s.keys[id]
	case "server":
		_, taken = s.servers[id]
	case "event":
		_, taken = s.events[id]
	case "tag":
		_, taken = s.tags[id]
	case "sharinggroup":
		_, taken = s.sgs[id]
	}
	return taken
}

func (s *Sim) now() int64 { return s.cfg.Now().Unix() }

// advanced reports whether advanced authkeys are on (Security.advanced_authkeys).
func (s *Sim) advanced() bool {
	v, _ := looseBool(s.settings["Security.advanced_authkeys"])
	return v
}

// mintKeyLocked makes a new authkey for a user and returns it raw. With
// advanced authkeys on it is a new AuthKey row; off, it replaces the user's
// single key.
func (s *Sim) mintKeyLocked(userID int, comment string, readOnly bool, expiration int64) string {
	raw := NewKey()
	if !s.advanced() {
		s.legacy[userID] = raw
		return raw
	}
	id := s.nextID("authkey")
	s.keys[id] = &AuthKey{ID: id, UUID: newUUID(), UserID: userID, Start: raw[:4], End: raw[len(raw)-4:],
		Comment: comment, Created: s.now(), Expiration: expiration, ReadOnly: readOnly}
	s.keyByRaw[raw] = id
	return raw
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewKey returns a random 40-character alphanumeric key, the form of a
// MISP authkey.
func NewKey() string {
	b := make([]byte, 40)
	// Rejection sampling keeps every character equally likely.
	out := make([]byte, 0, 40)
	for len(out) < 40 {
		if _, err := rand.Read(b); err != nil {
			panic("mispsim: no randomness: " + err.Error())
		}
		for _, c := range b {
			if int(c) < 256-256%len(keyAlphabet) && len(out) < 40 {
				out = append(out, keyAlphabet[int(c)%len(keyAlphabet)])
			}
		}
	}
	return string(out)
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mispsim: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ---- serving ----

// Start serves the simulator over plain HTTP on 127.0.0.1 and returns its
// base URL.
func (s *Sim) Start() (string, error) { return s.start(false) }

// StartTLS serves the simulator over HTTPS on 127.0.0.1 with a fresh
// self-signed certificate (see CertificatePEM) and returns its base URL.
func (s *Sim) StartTLS() (string, error) { return s.start(true) }

func (s *Sim) start(useTLS bool) (string, error) {
	s.mu.Lock()
	if s.listener != nil {
		s.mu.Unlock()
		return "", errors.New("mispsim: the simulator is already started; make a new one with New")
	}
	s.mu.Unlock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("mispsim: cannot listen on a loopback port: %w", err)
	}
	scheme := "http"
	var certPEM []byte
	if useTLS {
		cert, pemBytes, err := selfSignedCert()
		if err != nil {
			ln.Close()
			return "", fmt.Errorf("mispsim: cannot make a self-signed certificate: %w", err)
		}
		certPEM = pemBytes
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{"http/1.1"}, // keeps Hijack (dropped-connection faults) working
			MinVersion:   tls.VersionTLS12,
		})
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.listener = ln
	s.httpSrv = srv
	s.certPEM = certPEM
	if s.baseURL == "" {
		s.baseURL = url
	}
	s.serveDone = make(chan struct{})
	done := s.serveDone
	s.mu.Unlock()
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return url, nil
}

// URL returns the base URL the instance believes it has (Config.BaseURL, or
// the address it listens on); empty before Start when no BaseURL was given.
func (s *Sim) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// CertificatePEM returns the PEM certificate StartTLS serves (nil for plain
// HTTP): what a partner puts in a server entry's submitted_cert.
func (s *Sim) CertificatePEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.certPEM...)
}

// Close stops serving and closes open connections.
func (s *Sim) Close() error {
	s.mu.Lock()
	srv, done := s.httpSrv, s.serveDone
	s.httpSrv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	s.client.CloseIdleConnections()
	return err
}

// ---- identity and keys ----

// AdminKey returns a working site-admin authkey of the admin made by New.
func (s *Sim) AdminKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.adminKey
}

// AdminUserID is the id of the site admin made by New (1).
func (s *Sim) AdminUserID() int { return s.adminID }

// ReadOnlyKey returns a read-only advanced authkey of the site admin (made
// on first use): users/view/me answers with it, admin endpoints refuse it
// with 403 and servers/getVersion reports no perm_sync.
func (s *Sim) ReadOnlyKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roKey == "" {
		raw := NewKey()
		id := s.nextID("authkey")
		s.keys[id] = &AuthKey{ID: id, UUID: newUUID(), UserID: s.adminID, Start: raw[:4], End: raw[len(raw)-4:],
			Comment: "read-only", Created: s.now(), ReadOnly: true}
		s.keyByRaw[raw] = id
		s.roKey = raw
	}
	return s.roKey
}

// InstanceUUID returns MISP.uuid.
func (s *Sim) InstanceUUID() string { return s.cfg.InstanceUUID }

// Version returns the simulated MISP version.
func (s *Sim) Version() string { return s.cfg.Version }

// HostOrg returns the org made at install (id 1).
func (s *Sim) HostOrg() Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.orgs[s.hostOrg]
}

// ---- seeding ----

// AddOrg stores an org. ID 0 takes the next free id; an empty UUID gets a
// random one. It returns the stored org.
func (s *Sim) AddOrg(o Org) Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ID == 0 {
		o.ID = s.nextID("org")
	} else {
		s.bump("org", o.ID)
	}
	if o.UUID == "" {
		o.UUID = newUUID()
	}
	o.UUID = strings.ToLower(o.UUID)
	if o.Created == 0 {
		o.Created = s.now()
	}
	if o.Modified == 0 {
		o.Modified = o.Created
	}
	if o.CreatedBy == 0 {
		o.CreatedBy = s.adminID
	}
	oc := o
	s.orgs[o.ID] = &oc
	return o
}

// AddRole stores a role (a copy of r). ID 0 takes the next free id.
func (s *Sim) AddRole(r Role) Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == 0 {
		r.ID = s.nextID("role")
	} else {
		s.bump("role", r.ID)
	}
	full := perms()
	for k, v := range r.Perms {
		full[k] = v
	}
	r.Perms = full
	if r.Permission == "" {
		r.Permission = "0"
		r.PermissionDescription = "read_only"
	}
	rc := cloneRole(r)
	s.roles[r.ID] = &rc
	return cloneRole(rc)
}

// SetRolePerm changes one permission flag of an existing role.
func (s *Sim) SetRolePerm(roleID int, perm string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.roles[roleID]
	if !ok {
		return fmt.Errorf("mispsim: no role with id %d", roleID)
	}
	r.Perms[perm] = on
	return nil
}

// AddUser stores a user and mints one authkey for it, returned raw. ID 0
// takes the next free id; OrgID 0 is the host org; RoleID 0 is "User".
func (s *Sim) AddUser(u User) (User, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		u.ID = s.nextID("user")
	} else {
		s.bump("user", u.ID)
	}
	if u.OrgID == 0 {
		u.OrgID = s.hostOrg
	}
	if u.RoleID == 0 {
		u.RoleID = RoleUser
	}
	if u.Created == 0 && !u.Installed {
		u.Created = s.now()
	}
	if u.Modified == 0 {
		u.Modified = u.Created
	}
	if u.InvitedBy == 0 && !u.Installed {
		u.InvitedBy = s.adminID
	}
	if u.NidsSID == 0 {
		u.NidsSID = 4000000 + u.ID
	}
	uc := u
	s.users[u.ID] = &uc
	return u, s.mintKeyLocked(u.ID, "", false, 0)
}

// AuthKeyOptions are the optional fields of AddAuthKey.
type AuthKeyOptions struct {
	Comment    string
	ReadOnly   bool
	Expiration time.Time // zero: never expires
}

// AddAuthKey mints another key for an existing user and returns it raw
// with its row. With advanced authkeys off it replaces the user's key.
func (s *Sim) AddAuthKey(userID int, opts AuthKeyOptions) (AuthKey, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		return AuthKey{}, "", fmt.Errorf("mispsim: no user with id %d", userID)
	}
	var exp int64
	if !opts.Expiration.IsZero() {
		exp = opts.Expiration.Unix()
	}
	raw := s.mintKeyLocked(userID, opts.Comment, opts.ReadOnly, exp)
	if id, ok := s.keyByRaw[raw]; ok {
		return *s.keys[id], raw, nil
	}
	return AuthKey{UserID: userID, Start: raw[:4], End: raw[len(raw)-4:]}, raw, nil
}

// AddServer stores a server entry. ID 0 takes the next free id; OrgID 0 is
// the host org; empty rules get MISP's defaults.
func (s *Sim) AddServer(sv Server) Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv.ID == 0 {
		sv.ID = s.nextID("server")
	} else {
		s.bump("server", sv.ID)
	}
	s.fillServerDefaults(&sv)
	c := sv
	s.servers[sv.ID] = &c
	return sv
}

func (s *Sim) fillServerDefaults(sv *Server) {
	if sv.OrgID == 0 {
		sv.OrgID = s.hostOrg
	}
	if sv.PullRules == "" {
		sv.PullRules = defaultPullRules
	}
	if sv.PushRules == "" {
		sv.PushRules = defaultPushRules
	}
	if sv.Priority == 0 {
		sv.Priority = sv.ID
	}
}

const (
	defaultPullRules = `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]},"type_attributes":{"NOT":[]},"type_objects":{"NOT":[]},"url_params":""}`
	defaultPushRules = `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}`
)

// AddEvent stores an event. ID 0 takes the next free id; empty UUID, org
// ids and timestamps are filled in (org: the host org).
func (s *Sim) AddEvent(e Event) Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addEventLocked(e)
}

func (s *Sim) addEventLocked(e Event) Event {
	if e.ID == 0 {
		e.ID = s.nextID("event")
	} else {
		s.bump("event", e.ID)
	}
	if e.UUID == "" {
		e.UUID = newUUID()
	}
	if e.OrgID == 0 {
		e.OrgID = s.hostOrg
	}
	if e.OrgcID == 0 {
		e.OrgcID = e.OrgID
	}
	if e.Timestamp == 0 {
		e.Timestamp = s.now()
	}
	if e.Date == "" {
		e.Date = s.cfg.Now().UTC().Format("2006-01-02")
	}
	if e.ThreatLevelID == 0 {
		e.ThreatLevelID = 4
	}
	if e.CreatorEmail == "" {
		e.CreatorEmail = s.cfg.AdminEmail
	}
	for i := range e.Attributes {
		a := &e.Attributes[i]
		if a.ID == 0 {
			a.ID = s.nextID("attribute")
		} else {
			s.bump("attribute", a.ID)
		}
		if a.UUID == "" {
			a.UUID = newUUID()
		}
		if a.Timestamp == 0 {
			a.Timestamp = e.Timestamp
		}
		if a.Distribution == 0 {
			a.Distribution = 5
		}
	}
	for i := range e.CryptographicKeys {
		k := &e.CryptographicKeys[i]
		if k.ID == 0 {
			k.ID = s.nextID("cryptokey")
		} else {
			s.bump("cryptokey", k.ID)
		}
		if k.UUID == "" {
			k.UUID = newUUID()
		}
		if k.Type == "" {
			k.Type = "pgp"
		}
	}
	for _, name := range e.Tags {
		s.tagLocked(name)
	}
	c := cloneEvent(e)
	s.events[e.ID] = &c
	return cloneEvent(c)
}

// SetSetting sets a server setting (for example "MISP.host_org_id",
// "MISP.external_baseurl", "Security.advanced_authkeys").
func (s *Sim) SetSetting(name string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[name] = value
}

// Setting returns a server setting's value and whether it is known.
func (s *Sim) Setting(name string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[name]
	return v, ok
}

// SetHostOrgID sets MISP.host_org_id; 0 means unset ("0", as on a fresh
// instance).
func (s *Sim) SetHostOrgID(orgID int) {
	s.SetSetting("MISP.host_org_id", strconv.Itoa(orgID))
}

// SetUserDisabled disables or re-enables a user.
func (s *Sim) SetUserDisabled(userID int, disabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return fmt.Errorf("mispsim: no user with id %d", userID)
	}
	u.Disabled = disabled
	return nil
}

// ---- awkward states real instances have ----

// SeedExternalOrg adds a local:false org, as left behind by an earlier sync.
func (s *Sim) SeedExternalOrg(name, uuid string) Org {
	return s.AddOrg(Org{Name: name, UUID: uuid, Local: false})
}

// SeedOrgNameTaken adds a local org called name under a different, random
// UUID, so that adding the real partner under that name fails (errors.name).
func (s *Sim) SeedOrgNameTaken(name string) Org {
	return s.AddOrg(Org{Name: name, Local: true})
}

// SeedSubstringUsers adds two users whose e-mails contain email as a
// substring ("old-"+email and email+".invalid"), so that
// admin/users/index/searchemail:{email} matches several users.
func (s *Sim) SeedSubstringUsers(email string, orgID int) []User {
	a, _ := s.AddUser(User{Email: "old-" + email, OrgID: orgID, RoleID: RoleSyncUser})
	b, _ := s.AddUser(User{Email: email + ".invalid", OrgID: orgID, RoleID: RoleSyncUser})
	return []User{a, b}
}

// SeedSyncUser adds a sync-role user in orgID, disabled or not, and returns
// it with its key.
func (s *Sim) SeedSyncUser(email string, orgID int, disabled bool) (User, string) {
	return s.AddUser(User{Email: email, OrgID: orgID, RoleID: RoleSyncUser, Disabled: disabled, TermsAccepted: true})
}

// SeedSyncRoleWithoutAuth adds a role that has perm_sync but not perm_auth
// (so its users cannot use the API) and returns it.
func (s *Sim) SeedSyncRoleWithoutAuth() Role {
	r := cloneRole(defaultRoles()[RoleSyncUser-1])
	r.ID = 0
	r.Name = "Sync user (no API)"
	r.Perms["perm_auth"] = false
	return s.AddRole(r)
}

// SeedDuplicateServers adds two server entries with the same URL (as in
// recording 34) and returns them.
func (s *Sim) SeedDuplicateServers(url string, remoteOrgID int, authkey string) []Server {
	a := s.AddServer(Server{Name: "first link", URL: url, RemoteOrgID: remoteOrgID, Authkey: authkey, Pull: true})
	b := s.AddServer(Server{Name: "second link", URL: url, RemoteOrgID: remoteOrgID, Authkey: authkey, Push: true})
	return []Server{a, b}
}

// SeedHostOrgElsewhere sets MISP.host_org_id to a new local org that is
// not the admin's org, and returns that org.
func (s *Sim) SeedHostOrgElsewhere() Org {
	o := s.AddOrg(Org{Name: "Other host org " + newUUID()[:8], Local: true})
	s.SetHostOrgID(o.ID)
	return o
}

// ---- inspection ----

// Orgs returns all orgs, by id.
func (s *Sim) Orgs() []Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Org, 0, len(s.orgs))
	for _, id := range sortedKeys(s.orgs) {
		o := *s.orgs[id]
		o.RestrictedTo = append([]string(nil), o.RestrictedTo...)
		out = append(out, o)
	}
	return out
}

// Roles returns all roles, by id.
func (s *Sim) Roles() []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Role, 0, len(s.roles))
	for _, id := range sortedKeys(s.roles) {
		out = append(out, cloneRole(*s.roles[id]))
	}
	return out
}

// Users returns all users, by id.
func (s *Sim) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for _, id := range sortedKeys(s.users) {
		out = append(out, *s.users[id])
	}
	return out
}

// AuthKeys returns all advanced authkeys (without raw values), by id.
func (s *Sim) AuthKeys() []AuthKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AuthKey, 0, len(s.keys))
	for _, id := range sortedKeys(s.keys) {
		out = append(out, *s.keys[id])
	}
	return out
}

// Servers returns all server entries, by id.
func (s *Sim) Servers() []Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Server, 0, len(s.servers))
	for _, id := range sortedKeys(s.servers) {
		out = append(out, *s.servers[id])
	}
	return out
}

// Events returns all events, by id.
func (s *Sim) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, 0, len(s.events))
	for _, id := range sortedKeys(s.events) {
		out = append(out, cloneEvent(*s.events[id]))
	}
	return out
}

// KeyWorks reports whether raw is a key this instance accepts now (for
// tests that check a revoked or replaced key stops working).
func (s *Sim) KeyWorks(raw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, ok := s.authenticateLocked(raw)
	return ok
}

func sortedKeys[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
