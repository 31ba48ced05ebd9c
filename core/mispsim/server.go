package mispsim

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RequestRecord is one request the simulator answered.
type RequestRecord struct {
	Method string
	Path   string // as received, without the query string
	Status int    // 0 when the connection was dropped
}

// response is what a handler produced; ServeHTTP writes it (or replaces it
// with an injected fault).
type response struct {
	status       int
	body         any    // JSON-encoded unless raw is set
	raw          []byte // a non-JSON body (gpg.asc); nil with body nil = empty
	contentType  string
	location     string
	noBody       bool // HEAD
	alwaysPretty bool
	// keyExpiry is the expiration (Unix seconds) of the key the request
	// came with; MISP then sends X-Auth-Key-Expiration on every
	// authenticated answer, errors included (108, 179, 180).
	keyExpiry int64
	headers   map[string]string // extra response headers (X-Result-Count)
}

// call is one authenticated API request on its way through the handlers.
type call struct {
	r        *http.Request
	path     string   // the path as received (for "url" in error bodies)
	segs     []string // path segments without named parameters, .json stripped
	named    map[string]string
	body     []byte
	user     User
	role     Role // effective role (a read-only key zeroes perm_* except perm_auth)
	readOnly bool
}

func (c *call) arg(i int) string {
	if i < len(c.segs) {
		return c.segs[i]
	}
	return ""
}

const authFailed = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header."

// ServeHTTP answers one request like MISP 2.5.1 would.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fault, n := s.recordAndMatch(r)
	if fault != nil {
		switch fault.Kind {
		case FaultDrop:
			s.setStatus(n, 0)
			dropConnection(w)
			return
		case FaultStatus500:
			s.setStatus(n, http.StatusInternalServerError)
			s.write(w, r, internalError(r.URL.Path))
			return
		case FaultSlow:
			if !waitOrCancel(r.Context(), fault.Delay) {
				s.setStatus(n, 0)
				return
			}
		}
	}
	resp := s.handle(r)
	if fault != nil && fault.Kind == FaultStatus500AfterSave {
		resp = internalError(r.URL.Path)
	}
	s.setStatus(n, resp.status)
	s.write(w, r, resp)
}

func internalError(path string) response {
	return errorResp(http.StatusInternalServerError, "An Internal Error Has Occurred.", path)
}

func (s *Sim) write(w http.ResponseWriter, r *http.Request, resp response) {
	h := w.Header()
	h.Set("Set-Cookie", "CAKEPHP="+randomHex(13)+"; path=/; HttpOnly; SameSite=Lax")
	if resp.location != "" {
		h.Set("Location", resp.location)
	}
	if resp.keyExpiry > 0 {
		// PHP's date('c'): "+00:00", not "Z".
		h.Set("X-Auth-Key-Expiration", time.Unix(resp.keyExpiry, 0).UTC().Format("2006-01-02T15:04:05-07:00"))
	}
	var payload []byte
	switch {
	case resp.raw != nil:
		payload = resp.raw
	case resp.body != nil:
		b, err := encodeBody(resp.body, isAutomation(r) && !resp.alwaysPretty)
		if err != nil {
			resp = internalError(r.URL.Path)
			b, _ = encodeBody(resp.body, false)
		}
		payload = b
	}
	ct := resp.contentType
	if ct == "" {
		if resp.body != nil {
			ct = "application/json; charset=UTF-8"
		} else {
			ct = "text/html; charset=UTF-8"
		}
	}
	h.Set("Content-Type", ct)
	for k, v := range resp.headers {
		h.Set(k, v)
	}
	h.Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && !resp.noBody {
		_, _ = w.Write(payload)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isAutomation: MISP answers compact JSON to automatic tools, recognised by
// a User-Agent starting with "MISP" or "PyMISP" (recordings 64, 77, 81).
func isAutomation(r *http.Request) bool {
	ua := r.Header.Get("User-Agent")
	return strings.HasPrefix(ua, "MISP") || strings.HasPrefix(ua, "PyMISP")
}

// wantsJSON: an API call has Accept: application/json (parameters such as
// charset allowed, recording 95) or a .json URL extension (05).
func wantsJSON(r *http.Request) bool {
	if strings.HasSuffix(r.URL.Path, ".json") {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

func requestKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("Authorization")); k != "" {
		return k
	}
	return strings.TrimSpace(r.Header.Get("X-MISP-AUTH"))
}

func errorResp(status int, msg, url string) response {
	return response{status: status, body: object{{"name", msg}, {"message", msg}, {"url", url}}}
}

func notFound(msg, url string) response   { return errorResp(http.StatusNotFound, msg, url) }
func notAllowed(msg, url string) response { return errorResp(http.StatusMethodNotAllowed, msg, url) }
func forbidden(url string) response {
	return errorResp(http.StatusForbidden, "You do not have permission to use this functionality.", url)
}
func expectsPost(url string) response { return notAllowed("This endpoint expects POST requests.", url) }

// saveFail is MISP's 403 validation answer.
func saveFail(action, model, url string, errs object) response {
	name := "Could not " + action + " " + model
	return response{status: http.StatusForbidden, body: object{
		{"saved", false}, {"name", name}, {"message", name}, {"url", url}, {"errors", errs},
	}}
}

// saveSuccess is MISP's saveSuccessResponse.
func saveSuccess(msg, url string, id any) response {
	return response{status: http.StatusOK, body: object{
		{"saved", true}, {"success", true}, {"name", msg}, {"message", msg}, {"url", url}, {"id", id},
	}}
}

func ok(body any) response { return response{status: http.StatusOK, body: body} }

func fieldErr(field, msg string) object { return object{{field, []string{msg}}} }

// handle routes a request.
func (s *Sim) handle(r *http.Request) response {
	if r.URL.Path == "/gpg.asc" {
		return s.gpgASC(r)
	}
	if !wantsJSON(r) {
		return response{status: http.StatusFound, location: s.URL() + "/users/login"}
	}
	c := &call{r: r, path: r.URL.Path, named: map[string]string{}}
	for _, seg := range strings.Split(strings.Trim(strings.TrimSuffix(r.URL.Path, ".json"), "/"), "/") {
		if seg == "" {
			continue
		}
		if i := strings.IndexByte(seg, ':'); i > 0 {
			c.named[seg[:i]] = seg[i+1:]
			continue
		}
		c.segs = append(c.segs, seg)
	}
	s.mu.Lock()
	user, role, okAuth := s.authenticateLocked(requestKey(r))
	readOnly := false
	var expiry int64
	if okAuth {
		readOnly = s.keyIsReadOnlyLocked(requestKey(r))
		expiry = s.keyExpiryLocked(requestKey(r))
	}
	s.mu.Unlock()
	if !okAuth {
		return errorResp(http.StatusForbidden, authFailed, c.path)
	}
	c.user, c.role, c.readOnly = user, role, readOnly
	var resp response
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		body, err := readBody(r.Body, r.Header.Get("Content-Encoding"))
		if err != nil {
			resp = invalidJSON(c.path)
			resp.keyExpiry = expiry
			return resp
		}
		c.body = body
	}
	resp = s.route(c)
	resp.keyExpiry = expiry
	return resp
}

func invalidJSON(url string) response {
	return notAllowed("Invalid JSON input. Make sure that the JSON input is a correctly formatted JSON string. This request has been blocked to avoid an unfiltered request.", url)
}

// authenticateLocked finds the user of a key and the user's effective role.
func (s *Sim) authenticateLocked(raw string) (User, Role, bool) {
	if len(raw) != 40 {
		return User{}, Role{}, false
	}
	var userID int
	readOnly := false
	if s.advanced() {
		id, ok := s.keyByRaw[raw]
		if !ok {
			return User{}, Role{}, false
		}
		k := s.keys[id]
		if k.Expiration != 0 && k.Expiration <= s.now() {
			return User{}, Role{}, false
		}
		userID, readOnly = k.UserID, k.ReadOnly
	} else {
		for uid, k := range s.legacy {
			if k == raw {
				userID = uid
			}
		}
	}
	u, ok := s.users[userID]
	if !ok || u.Disabled {
		return User{}, Role{}, false
	}
	r, ok := s.roles[u.RoleID]
	if !ok || !r.Perms["perm_auth"] {
		return User{}, Role{}, false
	}
	eff := cloneRole(*r)
	if readOnly {
		// MISP keeps only perm_auth for a read-only key.
		for p := range eff.Perms {
			if p != "perm_auth" {
				eff.Perms[p] = false
			}
		}
	}
	return *u, eff, true
}

// keyExpiryLocked is the expiration of an advanced authkey, 0 when it has
// none (or advanced authkeys are off).
func (s *Sim) keyExpiryLocked(raw string) int64 {
	if id, ok := s.keyByRaw[raw]; ok && s.advanced() {
		return s.keys[id].Expiration
	}
	return 0
}

func (s *Sim) keyIsReadOnlyLocked(raw string) bool {
	if id, ok := s.keyByRaw[raw]; ok && s.advanced() {
		return s.keys[id].ReadOnly
	}
	return false
}

type handlerFunc func(*call) response

type route struct {
	method string // "" any; "POST" means POST or PUT, GET answered with 405
	perm   string // "" any authenticated user
	fn     handlerFunc
}

// route finds the action for a path. Paths are matched on their first
// segments; the rest are arguments.
func (s *Sim) route(c *call) response {
	key := strings.ToLower(strings.Join(firstN(c.segs, 2), "/"))
	args := 2
	if len(c.segs) > 0 && c.segs[0] == "admin" {
		key = strings.ToLower(strings.Join(firstN(c.segs, 3), "/"))
		args = 3
	}
	if strings.HasPrefix(key, "cryptographic_keys/") {
		key = "cryptographickeys/" + strings.TrimPrefix(key, "cryptographic_keys/")
	}
	rt, found := s.routeTable[key]
	if !found {
		return notFound("The requested address '"+c.path+"' was not found on this server.", c.path)
	}
	c.segs = c.segs[min(args, len(c.segs)):]
	m := c.r.Method
	switch rt.method {
	case http.MethodPost:
		if m != http.MethodPost && m != http.MethodPut && m != http.MethodDelete {
			return expectsPost(c.path)
		}
	case http.MethodGet:
		if m != http.MethodGet && m != http.MethodHead {
			return expectsPost(c.path)
		}
	}
	if c.readOnly && rt.method == http.MethodPost {
		// A read-only key may only read.
		return forbidden(c.path)
	}
	if rt.perm != "" && !c.role.Perms[rt.perm] {
		return forbidden(c.path)
	}
	return rt.fn(c)
}

func firstN(s []string, n int) []string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

const (
	siteAdmin = "perm_site_admin"
	permSync  = "perm_sync"
)

func (s *Sim) routes() map[string]route {
	return map[string]route{
		"users/view":                  {"", "", s.usersView},
		"users/resetauthkey":          {http.MethodPost, "perm_auth", s.usersResetAuthkey},
		"servers/getversion":          {"", "", s.serversGetVersion},
		"servers/getinstanceuuid":     {"", "", s.serversGetInstanceUUID},
		"servers/getsetting":          {"", siteAdmin, s.serversGetSetting},
		"servers/serversettingsedit":  {http.MethodPost, siteAdmin, s.serversSettingsEdit},
		"servers/index":               {"", siteAdmin, s.serversIndex},
		"servers/add":                 {http.MethodPost, siteAdmin, s.serversAdd},
		"servers/edit":                {http.MethodPost, siteAdmin, s.serversEdit},
		"servers/delete":              {http.MethodPost, siteAdmin, s.serversDelete},
		"servers/testconnection":      {http.MethodPost, siteAdmin, s.serversTestConnection},
		"servers/getremoteuser":       {"", siteAdmin, s.serversGetRemoteUser},
		"servers/posttest":            {http.MethodPost, "", s.serversPostTest},
		"organisations/view":          {"", "", s.orgsView},
		"organisations/index":         {"", "", s.orgsIndex},
		"admin/organisations/add":     {http.MethodPost, siteAdmin, s.orgsAdd},
		"roles/index":                 {"", "", s.rolesIndex},
		"admin/users/index":           {"", siteAdmin, s.usersIndex},
		"admin/users/add":             {http.MethodPost, siteAdmin, s.usersAdd},
		"admin/users/edit":            {http.MethodPost, siteAdmin, s.usersEdit},
		"admin/users/delete":          {http.MethodPost, siteAdmin, s.usersDelete},
		"auth_keys/add":               {http.MethodPost, "perm_auth", s.authKeysAdd},
		"auth_keys/index":             {"", "perm_auth", s.authKeysIndex},
		"auth_keys/delete":            {http.MethodPost, "perm_auth", s.authKeysDelete},
		"events/index":                {"", "", s.eventsIndex},
		"events/view":                 {"", "", s.eventsView},
		"events/add":                  {http.MethodPost, "perm_add", s.eventsAdd},
		"events/edit":                 {http.MethodPost, "perm_modify", s.eventsEdit},
		"events/publish":              {http.MethodPost, "perm_publish", s.eventsPublish},
		"events/protect":              {http.MethodPost, "perm_modify", s.eventsProtect},
		"cryptographickeys/add":       {http.MethodPost, "perm_add", s.cryptoKeysAdd},
		"users/getgpgpublickey":       {"", "", s.usersGetGpgPublicKey},
		"events/restsearch":           {http.MethodPost, "", s.eventsRestSearch},
		"tags/index":                  {"", "", s.tagsIndex},
		"tags/search":                 {"", "", s.tagsSearch},
		"tags/add":                    {http.MethodPost, "perm_tag_editor", s.tagsAdd},
		"sharing_groups/add":          {http.MethodPost, "perm_sharing_group", s.sharingGroupsAdd},
		"sharing_groups/view":         {"", "", s.sharingGroupsView},
		"sharing_groups/index":        {"", "", s.sharingGroupsIndex},
		"sharing_groups/delete":       {http.MethodPost, "perm_sharing_group", s.sharingGroupsDelete},
		"sharing_groups/addorg":       {http.MethodPost, "perm_sharing_group", s.sharingGroupsAddOrg},
		"sharing_groups/addserver":    {http.MethodPost, "perm_sharing_group", s.sharingGroupsAddServer},
		"sharing_groups/removeserver": {http.MethodPost, "perm_sharing_group", s.sharingGroupsRemoveServer},
	}
}
