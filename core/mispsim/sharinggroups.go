package mispsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Tag is a tag of the instance (tags/index, recordings 126, 152).
type Tag struct {
	ID        int
	Name      string
	Colour    string
	LocalOnly bool
}

// SharingGroup is a sharing group (recordings 116–123).
type SharingGroup struct {
	ID            int
	UUID          string
	Name          string
	Releasability string
	Description   string
	OrgID         int // the owner org, the creator's
	SyncUserID    int
	Active        bool
	Roaming       bool
	Created       int64
	Orgs          []SharingGroupOrg
	Servers       []SharingGroupServer
}

// SharingGroupOrg is one organisation in a group.
type SharingGroupOrg struct {
	ID     int
	OrgID  int
	Extend bool
}

// SharingGroupServer is one server in a group; ServerID 0 is the instance
// itself, which sharing_groups/add puts in every new group (116).
type SharingGroupServer struct {
	ID       int
	ServerID int
	AllOrgs  bool
}

// tagLocked returns the tag with this name, made on first use (MISP
// captures an event's unknown tags when the user may tag).
func (s *Sim) tagLocked(name string) *Tag {
	for _, t := range s.tags {
		if t.Name == name {
			return t
		}
	}
	t := &Tag{ID: s.nextID("tag"), Name: name, Colour: "#" + randomHex(3)}
	s.tags[t.ID] = t
	return t
}

// AddTag stores a tag (seeding); an existing name is returned as it is.
func (s *Sim) AddTag(name string) Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.tagLocked(name)
}

func (s *Sim) tagCountLocked(id int) int {
	name := s.tags[id].Name
	n := 0
	for _, e := range s.events {
		for _, t := range e.Tags {
			if t == name {
				n++
				break
			}
		}
	}
	return n
}

// tagsIndex is tags/index (126): {"Tag": [...]} with the event count.
func (s *Sim) tagsIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, id := range sortedKeys(s.tags) {
		t := s.tags[id]
		list = append(list, object{
			{"id", idStr(t.ID)}, {"name", t.Name}, {"colour", t.Colour}, {"exportable", true},
			{"org_id", "0"}, {"user_id", "0"}, {"hide_tag", false}, {"numerical_value", nil},
			{"is_galaxy", false}, {"is_custom_galaxy", false}, {"local_only", t.LocalOnly},
			{"favourite", false}, {"count", s.tagCountLocked(t.ID)}, {"attribute_count", 0},
		})
	}
	return ok(object{{"Tag", list}})
}

// tagsAdd is tags/add (156, 157): a name the instance has answers the
// existing tag; else it is made. The body may be wrapped in "Tag".
func (s *Sim) tagsAdd(c *call) response {
	m, err := parseBody(c.body, "Tag")
	if err != nil {
		return invalidJSON(c.path)
	}
	name, _ := bodyString(m, "name")
	if strings.TrimSpace(name) == "" {
		return notAllowed("Could not add the Tag. [name]: This field cannot be left empty.", c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tagLocked(name)
	return ok(object{{"Tag", object{
		{"id", idStr(t.ID)}, {"name", t.Name}, {"colour", t.Colour}, {"exportable", true},
		{"org_id", "0"}, {"user_id", "0"}, {"hide_tag", false}, {"numerical_value", nil},
		{"is_galaxy", false}, {"is_custom_galaxy", false}, {"local_only", t.LocalOnly},
	}}})
}

// tagsSearch is tags/search/{term}: a name fragment finds nothing (127).
// Only that is recorded, so that is all the simulator answers.
func (s *Sim) tagsSearch(c *call) response { return ok([]any{}) }

func (s *Sim) eventTagObjectsLocked(e *Event) []any {
	out := []any{}
	for _, name := range e.Tags {
		t := s.tagLocked(name)
		out = append(out, object{
			{"id", idStr(t.ID)}, {"name", t.Name}, {"colour", t.Colour}, {"exportable", true},
			{"user_id", "0"}, {"hide_tag", false}, {"numerical_value", nil}, {"is_galaxy", false},
			{"is_custom_galaxy", false}, {"local_only", t.LocalOnly}, {"local", false},
			{"relationship_type", nil},
		})
	}
	return out
}

// ruleFilter is an OR/NOT filter of restSearch (tags, org).
type ruleFilter struct{ or, not []string }

func parseRuleFilter(v any) ruleFilter {
	var f ruleFilter
	switch t := v.(type) {
	case string:
		f.or = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := looseString(x); ok {
				f.or = append(f.or, s)
			}
		}
	case map[string]any:
		f.or = parseRuleFilter(t["OR"]).or
		f.not = parseRuleFilter(t["NOT"]).or
	}
	return f
}

func (f ruleFilter) match(has func(string) bool) bool {
	if len(f.or) > 0 {
		any := false
		for _, x := range f.or {
			if has(x) {
				any = true
			}
		}
		if !any {
			return false
		}
	}
	for _, x := range f.not {
		if has(x) {
			return false
		}
	}
	return true
}

// eventsRestSearch is events/restSearch with returnFormat json and
// metadata (124, 128, 150, 151): events without attributes, tags matched
// by name or id, org by id, name or UUID of the creator org, published
// when asked. With a limit, X-Result-Count is the number of ALL matches
// (MISP counts before it pages, 150) and the body holds one page.
func (s *Sim) eventsRestSearch(c *call) response {
	m, err := parseBody(c.body, "")
	if err != nil {
		return invalidJSON(c.path)
	}
	if f, _ := bodyString(m, "returnFormat"); f != "" && f != "json" {
		return notFound("Invalid output format.", c.path)
	}
	pub, hasPub := bodyBool(m, "published")
	tags := parseRuleFilter(m["tags"])
	orgs := parseRuleFilter(m["org"])
	limit, hasLimit := bodyInt(m, "limit")
	page, _ := bodyInt(m, "page")
	if page < 1 {
		page = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*Event
	for _, id := range sortedKeys(s.events) {
		e := s.events[id]
		if hasPub && e.Published != pub {
			continue
		}
		if !tags.match(func(x string) bool {
			for _, n := range e.Tags {
				if n == x || idStr(s.tagLocked(n).ID) == x {
					return true
				}
			}
			return false
		}) {
			continue
		}
		if !orgs.match(func(x string) bool {
			o := s.orgs[e.OrgcID]
			return o != nil && (idStr(o.ID) == x || o.Name == x || o.UUID == strings.ToLower(x))
		}) {
			continue
		}
		matched = append(matched, e)
	}
	total := len(matched)
	if hasLimit && limit > 0 {
		from := min((page-1)*limit, len(matched))
		matched = matched[from:min(from+limit, len(matched))]
	}
	list := []any{}
	for _, e := range matched {
		full := s.eventFullLocked(e)
		meta := object{}
		for _, f := range full {
			switch f.key {
			case "Attribute", "ShadowAttribute", "Object", "EventReport":
				continue
			}
			meta = append(meta, f)
		}
		if len(e.Tags) > 0 {
			meta = append(meta, field{"Tag", s.eventTagObjectsLocked(e)})
		}
		list = append(list, object{{"Event", meta}})
	}
	r := ok(object{{"response", list}})
	r.headers = map[string]string{
		"X-Result-Count": strconv.Itoa(total), "X-Export-Module-Used": "json", "X-Response-Format": "json",
		"X-Skipped-Elements-Count": "0", "Content-Disposition": `attachment; filename="misp.event.list.json"`,
	}
	return r
}

// ---- sharing groups ----

func (s *Sim) sgDetailsLocked(g *SharingGroup, view bool) object {
	owner := s.orgs[g.OrgID]
	if owner == nil {
		owner = &Org{ID: g.OrgID}
	}
	sg := object{
		{"id", idStr(g.ID)}, {"name", g.Name}, {"releasability", g.Releasability},
		{"description", g.Description}, {"uuid", g.UUID}, {"organisation_uuid", owner.UUID},
		{"org_id", idStr(g.OrgID)}, {"sync_user_id", idStr(g.SyncUserID)}, {"active", g.Active},
		{"created", dateTime(g.Created)}, {"modified", dateTime(g.Created)}, {"local", false},
		{"roaming", g.Roaming},
	}
	orgs := []any{}
	for _, o := range g.Orgs {
		org := object{{"id", idStr(o.OrgID)}}
		if x := s.orgs[o.OrgID]; x != nil {
			org = object{{"id", idStr(x.ID)}, {"name", x.Name}, {"uuid", x.UUID}, {"local", x.Local}}
		}
		orgs = append(orgs, object{{"id", idStr(o.ID)}, {"sharing_group_id", idStr(g.ID)}, {"org_id", idStr(o.OrgID)},
			{"extend", o.Extend}, {"Organisation", org}})
	}
	servers := []any{}
	for _, sv := range g.Servers {
		row := object{{"id", idStr(sv.ID)}, {"sharing_group_id", idStr(g.ID)}, {"server_id", idStr(sv.ServerID)}, {"all_orgs", sv.AllOrgs}}
		if view {
			srv := object{{"id", "0"}, {"name", "Local instance"}, {"url", s.baseURL}}
			if x := s.servers[sv.ServerID]; x != nil {
				srv = object{{"id", idStr(x.ID)}, {"name", x.Name}, {"url", x.URL}}
			}
			row = append(row, field{"Server", srv})
		}
		servers = append(servers, row)
	}
	if view {
		sg = append(sg, field{"sync_org_name", owner.Name}, field{"sync_org", object{{"id", idStr(owner.ID)}, {"name", owner.Name}, {"uuid", owner.UUID}}})
		return object{{"SharingGroup", sg}, {"Organisation", orgFull(owner)}, {"SharingGroupOrg", orgs}, {"SharingGroupServer", servers}}
	}
	// The answer of sharing_groups/add (116).
	return object{{"SharingGroup", sg}, {"SharingGroupOrg", orgs}, {"SharingGroupServer", servers},
		{"Organisation", object{{"id", idStr(owner.ID)}, {"name", owner.Name}, {"uuid", owner.UUID}}}}
}

// sgIndexLocked is one element of sharing_groups/index (121).
func (s *Sim) sgIndexLocked(g *SharingGroup) object {
	owner := s.orgs[g.OrgID]
	if owner == nil {
		owner = &Org{ID: g.OrgID}
	}
	orgs := []any{}
	for _, o := range g.Orgs {
		name, uuid := "", ""
		if x := s.orgs[o.OrgID]; x != nil {
			name, uuid = x.Name, x.UUID
		}
		orgs = append(orgs, object{{"id", idStr(o.ID)}, {"sharing_group_id", idStr(g.ID)}, {"org_id", idStr(o.OrgID)},
			{"extend", o.Extend}, {"Organisation", object{{"name", name}, {"id", idStr(o.OrgID)}, {"uuid", uuid}}}})
	}
	servers := []any{}
	for _, sv := range g.Servers {
		// Our own instance (server 0) comes with an empty LIST as Server.
		var srv any = []any{}
		if x := s.servers[sv.ServerID]; x != nil {
			srv = object{{"name", x.Name}, {"id", idStr(x.ID)}}
		}
		servers = append(servers, object{{"all_orgs", sv.AllOrgs}, {"server_id", idStr(sv.ServerID)},
			{"sharing_group_id", idStr(g.ID)}, {"Server", srv}})
	}
	return object{
		{"SharingGroup", object{
			{"id", idStr(g.ID)}, {"uuid", g.UUID}, {"name", g.Name}, {"description", g.Description},
			{"releasability", g.Releasability}, {"local", false}, {"active", g.Active}, {"roaming", g.Roaming},
			{"org_count", idStr(len(g.Orgs))},
		}},
		{"Organisation", object{{"id", idStr(owner.ID)}, {"name", owner.Name}, {"uuid", owner.UUID}}},
		{"SharingGroupOrg", orgs}, {"SharingGroupServer", servers}, {"editable", true}, {"deletable", true},
	}
}

func (s *Sim) sharingGroupsAdd(c *call) response {
	m, err := parseBody(c.body, "SharingGroup")
	if err != nil {
		return invalidJSON(c.path)
	}
	name, _ := bodyString(m, "name")
	if strings.TrimSpace(name) == "" {
		return saveFail("add", "SharingGroup", "/sharing_groups/add", fieldErr("name", "Please provide a name for the sharing group."))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &SharingGroup{ID: s.nextID("sharinggroup"), UUID: newUUID(), Name: name, OrgID: c.user.OrgID,
		SyncUserID: c.user.ID, Active: true, Created: s.now()}
	optString(m, "releasability", &g.Releasability)
	optString(m, "description", &g.Description)
	optBool(m, "active", &g.Active)
	optBool(m, "roaming", &g.Roaming)
	g.Servers = []SharingGroupServer{{ID: s.nextID("sharinggroupserver"), ServerID: 0}}
	s.sgs[g.ID] = g
	return ok(s.sgDetailsLocked(g, false))
}

func (s *Sim) sgArgLocked(c *call) *SharingGroup {
	id, _ := strconv.Atoi(c.arg(0))
	return s.sgs[id]
}

func (s *Sim) sharingGroupsView(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.sgArgLocked(c)
	if g == nil {
		// 405, not 404, and HTML-escaped (183).
		return notAllowed("Sharing group doesn&#039;t exist or you do not have permission to access it.", c.path)
	}
	return ok(s.sgDetailsLocked(g, true))
}

func (s *Sim) sharingGroupsIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, id := range sortedKeys(s.sgs) {
		list = append(list, s.sgIndexLocked(s.sgs[id]))
	}
	return ok(object{{"response", list}})
}

func (s *Sim) sharingGroupsDelete(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.sgArgLocked(c)
	if g == nil {
		return notAllowed("Action not allowed.", c.path) // 184
	}
	delete(s.sgs, g.ID)
	return saveSuccess("SharingGroup deleted", c.path, idStr(g.ID))
}

// quickFail is the 403 of the sharing-group quick edits: errors is a
// STRING here (118, 122).
func quickFail(action, what, url, msg string) response {
	name := "Could not " + action + " " + what
	return response{status: http.StatusForbidden, body: object{
		{"saved", false}, {"name", name}, {"message", name}, {"url", url}, {"errors", msg},
	}}
}

func quickSuccess(msg, url string) response {
	return ok(object{{"saved", true}, {"success", true}, {"name", msg}, {"message", msg}, {"url", url}})
}

func (s *Sim) sharingGroupsAddOrg(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.sgArgLocked(c)
	if g == nil {
		return notAllowed("Invalid sharing group or no editing rights.", c.path)
	}
	orgID, _ := strconv.Atoi(c.arg(1))
	if s.orgs[orgID] == nil {
		return notAllowed("Invalid organisation.", c.path)
	}
	const url = "/sharing_groups/addOrg"
	for _, o := range g.Orgs {
		if o.OrgID == orgID {
			return quickFail("add", "Organisation to SharingGroup", url, "Organisation is already in the sharing group.")
		}
	}
	g.Orgs = append(g.Orgs, SharingGroupOrg{ID: s.nextID("sharinggrouporg"), OrgID: orgID})
	return quickSuccess("Organisation added to the sharing group.", url)
}

func (s *Sim) sharingGroupsAddServer(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.sgArgLocked(c)
	if g == nil {
		return notAllowed("Invalid sharing group or no editing rights.", c.path)
	}
	serverID, _ := strconv.Atoi(c.arg(1))
	if s.servers[serverID] == nil {
		return notAllowed("Invalid Server.", c.path)
	}
	const url = "/sharing_groups/addServer"
	for _, sv := range g.Servers {
		if sv.ServerID == serverID {
			return quickFail("add", "Server to SharingGroup", url, "Server is already in the sharing group.")
		}
	}
	g.Servers = append(g.Servers, SharingGroupServer{ID: s.nextID("sharinggroupserver"), ServerID: serverID})
	return quickSuccess("Server added to the sharing group.", url)
}

// sharingGroupsRemoveServer copies MISP 2.5.1's fault: it deletes the
// membership row whose id equals the SERVER id, so removing usually fails
// with "could not be removed" (122).
func (s *Sim) sharingGroupsRemoveServer(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.sgArgLocked(c)
	if g == nil {
		return notAllowed("Invalid sharing group or no editing rights.", c.path)
	}
	serverID, _ := strconv.Atoi(c.arg(1))
	if s.servers[serverID] == nil {
		return notAllowed("Invalid Server.", c.path)
	}
	const url = "/sharing_groups/removeServer"
	in := false
	for _, sv := range g.Servers {
		if sv.ServerID == serverID {
			in = true
		}
	}
	if !in {
		return quickFail("remove", "Server from SharingGroup", url, "Server is not in the sharing group.")
	}
	for _, grp := range s.sgs {
		for i, sv := range grp.Servers {
			if sv.ID == serverID {
				grp.Servers = append(grp.Servers[:i], grp.Servers[i+1:]...)
				return quickSuccess("Server removed from the sharing group.", url)
			}
		}
	}
	return quickFail("remove", "Server from SharingGroup", url, "Server could not be removed from the sharing group.")
}

// rulesNotStrings reports whether a servers/add or edit body carries
// pull_rules or push_rules as anything but a string: MISP 2.5.1 answers
// that with a 500 (114).
func rulesNotStrings(m map[string]any) bool {
	for _, k := range []string{"pull_rules", "push_rules"} {
		if v, has := m[k]; has && v != nil {
			if _, isStr := v.(string); !isStr {
				return true
			}
		}
	}
	return false
}

// SharingGroups returns the groups (for tests).
func (s *Sim) SharingGroups() []SharingGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SharingGroup
	for _, id := range sortedKeys(s.sgs) {
		g := *s.sgs[id]
		b, _ := json.Marshal(g) // deep copy of the slices
		_ = json.Unmarshal(b, &g)
		out = append(out, g)
	}
	return out
}

// Tags returns the instance's tags (for tests).
func (s *Sim) Tags() []Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Tag, 0, len(s.tags))
	for _, id := range sortedKeys(s.tags) {
		out = append(out, *s.tags[id])
	}
	return out
}
