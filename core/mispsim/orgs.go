package mispsim

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func idStr(id int) string { return strconv.Itoa(id) }

func ts(unix int64) string { return strconv.FormatInt(unix, 10) }

func dateTime(unix int64) string { return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05") }

func nullable(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func restricted(o *Org) any {
	if o.RestrictedTo == nil {
		return nil
	}
	return o.RestrictedTo
}

// orgFull is the org as admin/organisations/add and users/view/me show it.
func orgFull(o *Org) object {
	return object{
		{"id", idStr(o.ID)}, {"name", o.Name}, {"date_created", dateTime(o.Created)},
		{"date_modified", dateTime(o.Modified)}, {"description", nullable(o.Description)}, {"type", o.Type},
		{"nationality", o.Nationality}, {"sector", o.Sector}, {"created_by", idStr(o.CreatedBy)},
		{"uuid", o.UUID}, {"contacts", nullable(o.Contacts)}, {"local", o.Local},
		{"restricted_to_domain", restricted(o)}, {"landingpage", nil},
	}
}

func (s *Sim) userCountLocked(orgID int) int {
	n := 0
	for _, u := range s.users {
		if u.OrgID == orgID {
			n++
		}
	}
	return n
}

func (s *Sim) creatorEmailLocked(o *Org) (string, bool) {
	if o.CreatedBy == 0 {
		return "", false
	}
	if u, ok := s.users[o.CreatedBy]; ok {
		return u.Email, true
	}
	return "", false
}

// orgView is organisations/view (recordings 11, 12).
func (s *Sim) orgViewLocked(o *Org) object {
	v := object{
		{"id", idStr(o.ID)}, {"name", o.Name}, {"date_created", dateTime(o.Created)},
		{"date_modified", dateTime(o.Modified)}, {"type", o.Type}, {"nationality", o.Nationality},
		{"sector", o.Sector}, {"contacts", nullable(o.Contacts)}, {"description", nullable(o.Description)},
		{"local", o.Local}, {"uuid", o.UUID}, {"restricted_to_domain", restricted(o)},
		{"created_by", idStr(o.CreatedBy)}, {"user_count", idStr(s.userCountLocked(o.ID))},
	}
	if email, ok := s.creatorEmailLocked(o); ok {
		v = append(v, field{"created_by_email", email})
	}
	return v
}

// orgIndexEntry is one organisations/index element (recording 16).
func (s *Sim) orgIndexLocked(o *Org) object {
	v := append(orgFull(o), field{"user_count", idStr(s.userCountLocked(o.ID))})
	if email, ok := s.creatorEmailLocked(o); ok {
		v = append(v, field{"created_by_email", email})
	}
	return v
}

// orgShort is the org inside servers/index (recording 34).
func orgShort(o *Org) object {
	return object{{"id", idStr(o.ID)}, {"name", o.Name}, {"uuid", o.UUID}, {"nationality", o.Nationality},
		{"sector", o.Sector}, {"type", o.Type}}
}

// findOrgLocked finds an organisation the way organisations/view does: a
// number is an id (recording 11), a lower-case UUID a UUID (12), anything
// else a name, matched without regard to case or trailing spaces like
// MariaDB's collation (103) — so an upper-case UUID is looked up as a name
// and not found (104).
func (s *Sim) findOrgLocked(ref string) *Org {
	if id, err := strconv.Atoi(ref); err == nil {
		return s.orgs[id]
	}
	if isLowerUUID(ref) {
		for _, o := range s.orgs {
			if o.UUID == ref {
				return o
			}
		}
		return nil
	}
	name := strings.TrimRight(ref, " ")
	for _, id := range sortedKeys(s.orgs) {
		if o := s.orgs[id]; strings.EqualFold(strings.TrimRight(o.Name, " "), name) {
			return o
		}
	}
	return nil
}

// isLowerUUID is MISP's Validation::uuid: 8-4-4-4-12 lower-case hex.
func isLowerUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'):
			return false
		}
	}
	return true
}

func (s *Sim) orgsView(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrgLocked(c.arg(0))
	if o == nil {
		if c.r.Method == http.MethodHead {
			return response{status: http.StatusNotFound, noBody: true}
		}
		return notFound("Invalid organisation", c.path)
	}
	if c.r.Method == http.MethodHead {
		return response{status: http.StatusOK, noBody: true}
	}
	return ok(object{{"Organisation", s.orgViewLocked(o)}})
}

func (s *Sim) orgsIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := c.named["scope"]
	search := strings.ToLower(c.named["searchall"])
	list := []any{}
	for _, id := range sortedKeys(s.orgs) {
		o := s.orgs[id]
		switch scope {
		case "all":
		case "external":
			if o.Local {
				continue
			}
		default: // "local", MISP's default
			if !o.Local {
				continue
			}
		}
		if search != "" && !strings.Contains(strings.ToLower(o.Name), search) &&
			!strings.Contains(o.UUID, search) && !strings.Contains(strings.ToLower(deref(o.Description)), search) {
			continue
		}
		list = append(list, object{{"Organisation", s.orgIndexLocked(o)}})
	}
	return ok(list)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (s *Sim) orgsAdd(c *call) response {
	const url = "/admin/organisations/add"
	m, err := parseBody(c.body, "Organisation")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name, _ := bodyString(m, "name")
	name = strings.TrimSpace(name)
	fail := func(field, msg string) response { return saveFail("add", "Organisation", url, fieldErr(field, msg)) }
	if name == "" {
		return fail("name", "The organisation name cannot be empty.")
	}
	uuid, hasUUID := bodyString(m, "uuid")
	uuid = strings.ToLower(strings.TrimSpace(uuid))
	if !hasUUID || uuid == "" {
		uuid = newUUID()
	} else if !uuidRE.MatchString(uuid) {
		return fail("uuid", "Please provide a valid RFC 4122 UUID")
	}
	for _, o := range s.orgs {
		if o.UUID == uuid {
			return fail("uuid", "An organisation with this UUID already exists.")
		}
	}
	for _, o := range s.orgs {
		if strings.EqualFold(o.Name, name) {
			return fail("name", "An organisation with this name already exists.")
		}
	}
	local := true
	optBool(m, "local", &local)
	o := &Org{ID: s.nextID("org"), Name: name, UUID: uuid, Local: local, CreatedBy: c.user.ID,
		Created: s.now(), Modified: s.now()}
	if v, ok := bodyString(m, "description"); ok {
		o.Description = &v
	}
	if v, ok := bodyString(m, "contacts"); ok {
		o.Contacts = &v
	}
	o.Type, _ = bodyString(m, "type")
	o.Nationality, _ = bodyString(m, "nationality")
	o.Sector, _ = bodyString(m, "sector")
	s.orgs[o.ID] = o
	return ok(object{{"Organisation", orgFull(o)}})
}
