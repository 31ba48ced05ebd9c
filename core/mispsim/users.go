package mispsim

import (
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// roleFull is a role as users/view/me and roles/index show it (01, 10).
func roleFull(r *Role, withDefault bool) object {
	v := object{{"id", idStr(r.ID)}, {"name", r.Name}, {"created", "2026-11-22 14:55:15"}, {"modified", "2026-11-22 14:55:15"}}
	for _, p := range permOrder {
		v = append(v, field{p, r.Perms[p]})
	}
	v = append(v, field{"default_role", r.DefaultRole}, field{"memory_limit", nil},
		field{"max_execution_time", nil}, field{"restricted_to_site_admin", false})
	for _, p := range permOrderLate1 {
		v = append(v, field{p, r.Perms[p]})
	}
	v = append(v, field{"enforce_rate_limit", false}, field{"rate_limit_count", "0"})
	for _, p := range permOrderLate2 {
		v = append(v, field{p, r.Perms[p]})
	}
	v = append(v, field{"permission", r.Permission}, field{"permission_description", r.PermissionDescription})
	if withDefault {
		v = append(v, field{"default", r.DefaultRole})
	}
	return v
}

func nullIfInstalled(u *User, v any) any {
	if u.Installed {
		return nil
	}
	return v
}

func createdOrNull(u *User) any {
	if u.Created == 0 {
		return nil
	}
	return ts(u.Created)
}

// userMe is the User part of users/view/me (01).
func userMe(u *User) object {
	return object{
		{"id", idStr(u.ID)}, {"password", "*****"}, {"org_id", idStr(u.OrgID)}, {"email", u.Email},
		{"autoalert", u.Autoalert}, {"invited_by", idStr(u.InvitedBy)}, {"gpgkey", nullIfInstalled(u, "")},
		{"certif_public", ""}, {"nids_sid", idStr(u.NidsSID)}, {"termsaccepted", u.TermsAccepted},
		{"newsread", "0"}, {"role_id", idStr(u.RoleID)}, {"change_pw", u.ChangePw},
		{"contactalert", u.Contactalert}, {"disabled", u.Disabled}, {"expiration", nil},
		{"current_login", "0"}, {"last_login", "0"}, {"force_logout", false},
		{"date_created", createdOrNull(u)}, {"date_modified", ts(u.Modified)}, {"sub", nil},
		{"external_auth_required", false}, {"external_auth_key", nullIfInstalled(u, "")},
		{"last_api_access", ts(u.Modified)}, {"notification_daily", false}, {"notification_weekly", false},
		{"notification_monthly", false}, {"totp", "*****"}, {"hotp_counter", nil},
		{"last_pw_change", nullIfInstalled(u, createdOrNull(u))}, {"totp_is_set", "0"},
	}
}

// userSaved is the User of admin/users/add and edit (22, 102); authkey is
// included only when not empty (add).
func userSaved(u *User, authkey string) object {
	v := object{
		{"id", idStr(u.ID)}, {"password", "******"}, {"org_id", idStr(u.OrgID)}, {"server_id", "0"},
		{"email", u.Email}, {"autoalert", u.Autoalert},
	}
	if authkey != "" {
		v = append(v, field{"authkey", authkey})
	}
	return append(v, object{
		{"invited_by", idStr(u.InvitedBy)}, {"gpgkey", nullIfInstalled(u, "")}, {"certif_public", ""},
		{"nids_sid", idStr(u.NidsSID)}, {"termsaccepted", u.TermsAccepted}, {"newsread", "0"},
		{"role_id", idStr(u.RoleID)}, {"change_pw", u.ChangePw}, {"contactalert", u.Contactalert},
		{"disabled", u.Disabled}, {"expiration", nil}, {"current_login", "0"}, {"last_login", "0"},
		{"force_logout", false}, {"date_created", createdOrNull(u)}, {"date_modified", ts(u.Modified)},
		{"sub", nil}, {"external_auth_required", false}, {"external_auth_key", nullIfInstalled(u, "")},
		{"last_api_access", "0"}, {"notification_daily", false}, {"notification_weekly", false},
		{"notification_monthly", false}, {"totp", nil}, {"hotp_counter", nil},
		{"last_pw_change", nullIfInstalled(u, createdOrNull(u))}, {"totp_is_set", "0"},
	}...)
}

// userListed is the User of admin/users/index (28): no authkey.
func userListed(u *User) object {
	return object{
		{"id", idStr(u.ID)}, {"org_id", idStr(u.OrgID)}, {"server_id", "0"}, {"email", u.Email},
		{"autoalert", u.Autoalert}, {"invited_by", idStr(u.InvitedBy)}, {"gpgkey", nullIfInstalled(u, "")},
		{"certif_public", ""}, {"nids_sid", idStr(u.NidsSID)}, {"termsaccepted", u.TermsAccepted},
		{"newsread", "0"}, {"role_id", idStr(u.RoleID)}, {"change_pw", u.ChangePw},
		{"contactalert", u.Contactalert}, {"disabled", u.Disabled}, {"expiration", nil},
		{"current_login", "0"}, {"last_login", "0"}, {"last_api_access", "0"}, {"force_logout", false},
		{"date_created", createdOrNull(u)}, {"date_modified", ts(u.Modified)},
		{"last_pw_change", nullIfInstalled(u, createdOrNull(u))},
	}
}

func (s *Sim) usersView(c *call) response {
	if c.arg(0) != "me" {
		if id, err := strconv.Atoi(c.arg(0)); err != nil || (id != c.user.ID && !c.role.Perms[siteAdmin]) {
			return notFound("Invalid user or not authorised.", c.path)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[c.user.ID]
	if c.arg(0) != "me" {
		id, _ := strconv.Atoi(c.arg(0))
		u = s.users[id]
		if u == nil {
			return notFound("Invalid user", c.path)
		}
	}
	// users/view shows the role as stored (a read-only key's reduced rights
	// are not visible here; servers/getVersion shows them).
	role := s.roles[u.RoleID]
	org := s.orgs[u.OrgID]
	return ok(object{
		{"User", userMe(u)}, {"Role", roleFull(role, false)}, {"UserSetting", []any{}},
		{"Organisation", orgFull(org)},
	})
}

func (s *Sim) rolesIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, id := range sortedKeys(s.roles) {
		list = append(list, object{{"Role", roleFull(s.roles[id], true)}})
	}
	return ok(list)
}

func (s *Sim) usersIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	search, hasSearch := c.named["searchemail"]
	search = strings.ToLower(search)
	list := []any{}
	for _, id := range sortedKeys(s.users) {
		u := s.users[id]
		// searchemail is a LIKE %term% filter: substring, case-insensitive.
		if hasSearch && !strings.Contains(strings.ToLower(u.Email), search) {
			continue
		}
		r := s.roles[u.RoleID]
		o := s.orgs[u.OrgID]
		roleObj := object{{"id", idStr(u.RoleID)}, {"name", ""}, {"perm_auth", false}, {"perm_site_admin", false}, {"perm_admin", false}}
		if r != nil {
			roleObj = object{{"id", idStr(r.ID)}, {"name", r.Name}, {"perm_auth", r.Perms["perm_auth"]},
				{"perm_site_admin", r.Perms[siteAdmin]}, {"perm_admin", r.Perms["perm_admin"]}}
		}
		orgObj := object{{"id", idStr(u.OrgID)}, {"name", ""}}
		if o != nil {
			orgObj = object{{"id", idStr(o.ID)}, {"name", o.Name}}
		}
		list = append(list, object{{"User", userListed(u)}, {"Role", roleObj}, {"Organisation", orgObj}})
	}
	return ok(list)
}

// passwordProblem applies MISP's default password policy (24, 25): at
// least 12 characters; and upper + lower case + a digit or special
// character, unless it has 16 or more characters.
func passwordProblem(pw string) string {
	if len([]rune(pw)) < 12 {
		return "Password length requirement not met."
	}
	if len([]rune(pw)) >= 16 {
		return ""
	}
	var upper, lower, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		default:
			other = true
		}
	}
	if upper && lower && other {
		return ""
	}
	return "Password complexity requirement not met."
}

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && strings.Contains(e, "@")
}

func (s *Sim) usersAdd(c *call) response {
	const url = "/admin/users/add"
	m, err := parseBody(c.body, "User")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(field, msg string) response { return saveFail("add", "User", url, fieldErr(field, msg)) }
	email, _ := bodyString(m, "email")
	email = strings.TrimSpace(email)
	if !validEmail(email) {
		return fail("email", "An email address is required")
	}
	for _, u := range s.users {
		if strings.EqualFold(u.Email, email) {
			return fail("email", "An account with this email address already exists.")
		}
	}
	if pw, has := bodyString(m, "password"); has && pw != "" {
		if p := passwordProblem(pw); p != "" {
			return fail("password", p)
		}
	}
	// org_id omitted: MISP silently uses the caller's org (26).
	orgID := c.user.OrgID
	if v, has := m["org_id"]; has {
		id, okID := looseInt(v)
		if !okID || s.orgs[id] == nil {
			return fail("org_id", "Invalid organisation.")
		}
		orgID = id
	}
	roleID := RoleUser
	for _, r := range s.roles {
		if r.DefaultRole {
			roleID = r.ID
		}
	}
	if v, has := m["role_id"]; has {
		id, okID := looseInt(v)
		if !okID || s.roles[id] == nil {
			return fail("role_id", "Invalid role.")
		}
		roleID = id
	}
	u := &User{ID: s.nextID("user"), OrgID: orgID, RoleID: roleID, Email: email, InvitedBy: c.user.ID,
		Autoalert: false, Contactalert: false, ChangePw: true, Created: s.now()}
	u.Modified = u.Created
	u.NidsSID = 4000000 + int(randomUint32()%5000000)
	optBool(m, "autoalert", &u.Autoalert)
	optBool(m, "contactalert", &u.Contactalert)
	optBool(m, "change_pw", &u.ChangePw)
	optBool(m, "termsaccepted", &u.TermsAccepted)
	optBool(m, "disabled", &u.Disabled)
	s.users[u.ID] = u
	var key string
	if s.advanced() {
		// Advanced authkeys ignore a client-chosen key: the instance mints
		// a new one, stored as an AuthKey with an empty comment (98, 100).
		key = s.mintKeyLocked(u.ID, "", false, 0)
	} else {
		chosen, _ := bodyString(m, "authkey")
		if len(chosen) == 40 && isAlnum(chosen) {
			key = chosen
			s.legacy[u.ID] = chosen
		} else {
			key = s.mintKeyLocked(u.ID, "", false, 0)
		}
	}
	return ok(object{{"User", userSaved(u, key)}})
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (s *Sim) usersEdit(c *call) response {
	url := "/admin/users/edit/" + c.arg(0)
	m, err := parseBody(c.body, "User")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(c.arg(0))
	u := s.users[id]
	if u == nil {
		return notFound("Invalid user", c.path)
	}
	fail := func(field, msg string) response { return saveFail("edit", "User", url, fieldErr(field, msg)) }
	next := *u
	if v, has := bodyString(m, "email"); has {
		v = strings.TrimSpace(v)
		if !validEmail(v) {
			return fail("email", "An email address is required")
		}
		for _, o := range s.users {
			if o.ID != u.ID && strings.EqualFold(o.Email, v) {
				return fail("email", "An account with this email address already exists.")
			}
		}
		next.Email = v
	}
	if pw, has := bodyString(m, "password"); has && pw != "" {
		if p := passwordProblem(pw); p != "" {
			return fail("password", p)
		}
	}
	if v, has := m["org_id"]; has {
		oid, okID := looseInt(v)
		if !okID || s.orgs[oid] == nil {
			return fail("org_id", "Invalid organisation.")
		}
		next.OrgID = oid
	}
	if v, has := m["role_id"]; has {
		rid, okID := looseInt(v)
		if !okID || s.roles[rid] == nil {
			return fail("role_id", "Invalid role.")
		}
		next.RoleID = rid
	}
	for key, dst := range map[string]*bool{"disabled": &next.Disabled, "autoalert": &next.Autoalert,
		"contactalert": &next.Contactalert, "change_pw": &next.ChangePw, "termsaccepted": &next.TermsAccepted} {
		if v, has := bodyBool(m, key); has {
			*dst = v
		}
	}
	next.Modified = max(s.now(), u.Modified+1)
	*u = next
	return ok(object{{"User", userSaved(u, "")}})
}

func (s *Sim) usersDelete(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(c.arg(0))
	if s.users[id] == nil {
		return notFound("Invalid user", c.path)
	}
	delete(s.users, id)
	delete(s.legacy, id)
	for kid, k := range s.keys {
		if k.UserID == id {
			delete(s.keys, kid)
		}
	}
	for raw, kid := range s.keyByRaw {
		if _, still := s.keys[kid]; !still {
			delete(s.keyByRaw, raw)
		}
	}
	return saveSuccess("User deleted.", "/admin/users/delete/"+idStr(id), idStr(id))
}

// usersResetAuthkey is users/resetauthkey/{id|me}: a new key replaces the
// user's key (advanced authkeys off) or is added while all the user's other
// keys are expired (on, 109, 110). MISP's REST answer
// carries the key in the message: "Authkey updated: <key>".
func (s *Sim) usersResetAuthkey(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := c.arg(0)
	id := c.user.ID
	if ref != "me" {
		var err error
		id, err = strconv.Atoi(ref)
		if err != nil || s.users[id] == nil {
			return notAllowed("Invalid user.", c.path)
		}
	}
	if id != c.user.ID && !c.role.Perms[siteAdmin] {
		return notAllowed("Invalid user.", c.path)
	}
	if s.advanced() {
		// With advanced authkeys on, MISP expires every older key of the
		// user at the reset (recording 110: expiration set to the reset
		// time), keys someone else made included.
		now := s.now()
		for _, k := range s.keys {
			if k.UserID == id && (k.Expiration == 0 || k.Expiration > now) {
				k.Expiration = now
			}
		}
	}
	key := s.mintKeyLocked(id, "", false, 0)
	return saveSuccess("Authkey updated: "+key, "/users/resetauthkey/"+idStr(id), idStr(id))
}

func authKeyObject(k *AuthKey) object {
	return object{
		{"id", idStr(k.ID)}, {"uuid", k.UUID}, {"authkey_start", k.Start}, {"authkey_end", k.End},
		{"created", ts(k.Created)}, {"expiration", ts(k.Expiration)}, {"read_only", k.ReadOnly},
		{"user_id", idStr(k.UserID)}, {"comment", k.Comment}, {"allowed_ips", nil}, {"unique_ips", []any{}},
	}
}

func (s *Sim) mayManageKeysOf(c *call, userID int) bool {
	return userID == c.user.ID || c.role.Perms[siteAdmin]
}

func advancedOff(c *call) response {
	return notAllowed("Advanced auth keys are not enabled on this instance.", c.path)
}

func (s *Sim) authKeysAdd(c *call) response {
	m, err := parseBody(c.body, "AuthKey")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.advanced() {
		return advancedOff(c)
	}
	userID := c.user.ID
	if c.arg(0) != "" && c.arg(0) != "me" {
		userID, _ = strconv.Atoi(c.arg(0))
	}
	if s.users[userID] == nil {
		return notFound("Invalid user.", c.path)
	}
	if !s.mayManageKeysOf(c, userID) {
		return forbidden(c.path)
	}
	comment, _ := bodyString(m, "comment")
	readOnly, _ := bodyBool(m, "read_only")
	exp := keyExpiration(m["expiration"])
	raw := s.mintKeyLocked(userID, comment, readOnly, exp)
	k := s.keys[s.keyByRaw[raw]]
	return ok(object{{"AuthKey", append(authKeyObject(k), field{"authkey_raw", raw})}})
}

func (s *Sim) authKeysIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.advanced() {
		return advancedOff(c)
	}
	userID := c.user.ID
	if c.arg(0) != "" && c.arg(0) != "me" {
		userID, _ = strconv.Atoi(c.arg(0))
	}
	if !s.mayManageKeysOf(c, userID) {
		return forbidden(c.path)
	}
	list := []any{}
	for _, id := range sortedKeys(s.keys) {
		k := s.keys[id]
		if k.UserID != userID {
			continue
		}
		email := ""
		if u := s.users[k.UserID]; u != nil {
			email = u.Email
		}
		list = append(list, object{{"AuthKey", authKeyObject(k)},
			{"User", object{{"id", idStr(k.UserID)}, {"email", email}}}})
	}
	return ok(list)
}

func (s *Sim) authKeysDelete(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.advanced() {
		return advancedOff(c)
	}
	id, _ := strconv.Atoi(c.arg(0))
	k := s.keys[id]
	if k == nil {
		return notFound("Invalid authkey", c.path)
	}
	if !s.mayManageKeysOf(c, k.UserID) {
		return forbidden(c.path)
	}
	delete(s.keys, id)
	for raw, kid := range s.keyByRaw {
		if kid == id {
			delete(s.keyByRaw, raw)
		}
	}
	// Recording 101: here the id comes back as a number.
	return saveSuccess("AuthKey deleted.", "/auth_keys/delete/"+idStr(id), id)
}

// usersGetGpgPublicKey answers as a default MISP does (63): downloading the
// key from the GnuPG homedir is off; /gpg.asc is the way.
func (s *Sim) usersGetGpgPublicKey(c *call) response {
	return notAllowed("Downloading GPG public key from homedir is not allowed.", c.path)
}

// gpgASC serves the instance's public key without authentication (60, 61).
func (s *Sim) gpgASC(r *http.Request) response {
	if s.cfg.GPGKeyArmored == "" {
		return response{status: http.StatusNotFound, raw: []byte("Not Found"), contentType: "text/html; charset=UTF-8"}
	}
	return response{status: http.StatusOK, raw: []byte(s.cfg.GPGKeyArmored), contentType: "application/pgp-keys"}
}

// keyExpiration reads auth_keys/add's expiration: a date ("2027-06-30",
// recording 107, answered as that day's midnight UTC in Unix seconds) or a
// Unix timestamp; anything else means no expiry.
func keyExpiration(v any) int64 {
	if str, ok := v.(string); ok {
		if t, err := time.Parse("2006-01-02", strings.TrimSpace(str)); err == nil {
			return t.Unix()
		}
	}
	n, _ := looseInt(v)
	return int64(n)
}
