package mispsim

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strconv"
	"strings"
)

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// serverRow is a server entry as servers/add, edit (with the authkey) and
// index (without it, with cache_timestamp) show it (31, 34).
func serverRow(sv *Server, withAuthkey, inIndex bool) object {
	v := object{{"id", idStr(sv.ID)}, {"name", sv.Name}, {"url", sv.URL}}
	if withAuthkey {
		v = append(v, field{"authkey", sv.Authkey})
	}
	v = append(v, object{
		{"org_id", idStr(sv.OrgID)}, {"push", sv.Push}, {"pull", sv.Pull}, {"push_sightings", sv.PushSightings},
		{"push_galaxy_clusters", sv.PushGalaxyClusters}, {"push_analyst_data", sv.PushAnalystData},
		{"pull_analyst_data", sv.PullAnalystData}, {"pull_galaxy_clusters", sv.PullGalaxyClusters},
		{"lastpulledid", nullStr(sv.LastPulledID)}, {"lastpushedid", nullStr(sv.LastPushedID)},
		{"organization", nil}, {"remote_org_id", idStr(sv.RemoteOrgID)},
		{"publish_without_email", sv.PublishWithoutEmail}, {"unpublish_event", sv.UnpublishEvent},
		{"self_signed", sv.SelfSigned}, {"pull_rules", sv.PullRules}, {"push_rules", sv.PushRules},
		{"cert_file", nullStr(sv.CertFile)}, {"client_cert_file", nil}, {"internal", sv.Internal},
		{"skip_proxy", sv.SkipProxy}, {"remove_missing_tags", sv.RemoveMissingTags},
		{"caching_enabled", sv.CachingEnabled}, {"priority", idStr(sv.Priority)},
	}...)
	if inIndex {
		v = append(v, field{"cache_timestamp", false})
	}
	return v
}

func (s *Sim) serversGetVersion(c *call) response {
	uuid := "-"
	if c.role.Perms[permSync] {
		// MISP shows its uuid only to sync users (39, 40 show "-").
		uuid = s.cfg.InstanceUUID
	}
	return ok(object{
		{"version", s.cfg.Version}, {"pymisp_recommended_version", s.cfg.Version},
		{"perm_sync", c.role.Perms[permSync]}, {"perm_sighting", c.role.Perms["perm_sighting"]},
		{"perm_galaxy_editor", c.role.Perms["perm_galaxy_editor"]},
		{"perm_analyst_data", c.role.Perms["perm_analyst_data"]}, {"uuid", uuid},
		{"request_encoding", []string{"gzip"}}, {"filter_sightings", true},
	})
}

func (s *Sim) serversGetInstanceUUID(c *call) response {
	if !c.role.Perms[permSync] && !c.role.Perms[siteAdmin] {
		return forbidden(c.path)
	}
	return ok(object{{"uuid", s.cfg.InstanceUUID}})
}

// serversPostTest echoes the test string, as the second half of a
// connection test (65).
func (s *Sim) serversPostTest(c *call) response {
	m, err := parseBody(c.body, "")
	if err != nil {
		return invalidJSON(c.path)
	}
	ts, _ := bodyString(m, "testString")
	return ok(object{
		{"body", object{{"testString", ts}}},
		{"headers", object{{"Content-type", c.r.Header.Get("Content-Type")}, {"Accept", c.r.Header.Get("Accept")},
			{"Authorization", "OK"}}},
	})
}

func (s *Sim) serversIndex(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, id := range sortedKeys(s.servers) {
		sv := s.servers[id]
		entry := object{{"Server", serverRow(sv, false, true)}}
		if o := s.orgs[sv.OrgID]; o != nil {
			entry = append(entry, field{"Organisation", orgShort(o)})
		} else {
			entry = append(entry, field{"Organisation", object{}})
		}
		if o := s.orgs[sv.RemoteOrgID]; o != nil {
			entry = append(entry, field{"RemoteOrg", orgShort(o)})
		} else {
			entry = append(entry, field{"RemoteOrg", object{}})
		}
		entry = append(entry, field{"User", []any{}})
		list = append(list, entry)
	}
	return ok(list)
}

// validServerURL is MISP's check: a scheme must be given (33).
func validServerURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// decodeSubmittedCert accepts a base64-encoded PEM certificate (what MISP's
// UI sends), optionally as a data: URL, or the PEM text itself.
func decodeSubmittedCert(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if i := strings.Index(v, "base64,"); strings.HasPrefix(v, "data:") && i >= 0 {
		v = v[i+len("base64,"):]
	}
	if !strings.HasPrefix(v, "-----BEGIN") {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", false
		}
		v = string(raw)
	}
	block, _ := pem.Decode([]byte(v))
	if block == nil || block.Type != "CERTIFICATE" {
		return "", false
	}
	return v, true
}

// applyServerFields copies the body's fields onto an entry; it returns the
// failing field and message on a validation error.
func (s *Sim) applyServerFields(sv *Server, m map[string]any) (string, string) {
	if v, has := bodyString(m, "url"); has {
		v = strings.TrimSpace(v)
		if !validServerURL(v) {
			return "url", "Invalid baseurl, please make sure that the protocol is set."
		}
		sv.URL = strings.TrimRight(v, "/")
	}
	optString(m, "name", &sv.Name)
	if v, has := bodyString(m, "authkey"); has && v != "" {
		if len(v) != 40 || !isAlnum(v) {
			return "authkey", "A authkey of a length of 40 is required."
		}
		sv.Authkey = v
	}
	if v, has := m["remote_org_id"]; has {
		id, okID := looseInt(v)
		if !okID || s.orgs[id] == nil {
			return "remote_org_id", "Invalid remote organisation."
		}
		sv.RemoteOrgID = id
	}
	for key, dst := range map[string]*bool{
		"push": &sv.Push, "pull": &sv.Pull, "push_sightings": &sv.PushSightings,
		"push_galaxy_clusters": &sv.PushGalaxyClusters, "pull_galaxy_clusters": &sv.PullGalaxyClusters,
		"push_analyst_data": &sv.PushAnalystData, "pull_analyst_data": &sv.PullAnalystData,
		"publish_without_email": &sv.PublishWithoutEmail, "unpublish_event": &sv.UnpublishEvent,
		"self_signed": &sv.SelfSigned, "internal": &sv.Internal, "skip_proxy": &sv.SkipProxy,
		"remove_missing_tags": &sv.RemoveMissingTags, "caching_enabled": &sv.CachingEnabled,
	} {
		if v, has := bodyBool(m, key); has {
			*dst = v
		}
	}
	for key, dst := range map[string]*string{"pull_rules": &sv.PullRules, "push_rules": &sv.PushRules} {
		if v, has := m[key]; has {
			switch t := v.(type) {
			case string:
				*dst = t
			default:
				b, err := json.Marshal(t)
				if err != nil {
					return key, "Invalid rules."
				}
				*dst = string(b)
			}
		}
	}
	optInt(m, "priority", &sv.Priority)
	if v, has := bodyString(m, "submitted_cert"); has && v != "" {
		pemText, okCert := decodeSubmittedCert(v)
		if !okCert {
			return "submitted_cert", "Invalid certificate."
		}
		sv.SubmittedCertPEM = pemText
	}
	// MISP keeps internal only when the remote org is this instance's host
	// org (MISP.host_org_id set and equal).
	if sv.Internal {
		if host := s.hostOrgIDLocked(); host == 0 || host != sv.RemoteOrgID {
			sv.Internal = false
		}
	}
	return "", ""
}

func (s *Sim) serversAdd(c *call) response {
	m, err := parseBody(c.body, "Server")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rulesNotStrings(m) {
		return internalError(c.path)
	}
	if _, has := m["remote_org_id"]; !has {
		return notAllowed("No remote org ID set. Please pass it as remote_org_id", c.path)
	}
	sv := &Server{}
	if f, msg := s.applyServerFields(sv, m); f != "" {
		return saveFail("add", "Server", "/servers/add", fieldErr(f, msg))
	}
	if sv.URL == "" {
		return saveFail("add", "Server", "/servers/add", fieldErr("url", "Invalid baseurl, please make sure that the protocol is set."))
	}
	if sv.Authkey == "" {
		return saveFail("add", "Server", "/servers/add", fieldErr("authkey", "A authkey of a length of 40 is required."))
	}
	sv.ID = s.nextID("server")
	if sv.SubmittedCertPEM != "" {
		sv.CertFile = strconv.Itoa(sv.ID) + ".pem"
	}
	s.fillServerDefaults(sv)
	s.servers[sv.ID] = sv
	return ok(object{{"Server", serverRow(sv, true, false)}})
}

func (s *Sim) serversEdit(c *call) response {
	m, err := parseBody(c.body, "Server")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(c.arg(0))
	cur := s.servers[id]
	if cur == nil {
		return notFound("Invalid server", c.path)
	}
	if rulesNotStrings(m) {
		return internalError(c.path)
	}
	next := *cur
	if f, msg := s.applyServerFields(&next, m); f != "" {
		return saveFail("edit", "Server", "/servers/edit/"+idStr(id), fieldErr(f, msg))
	}
	if next.SubmittedCertPEM != "" {
		next.CertFile = strconv.Itoa(id) + ".pem"
	}
	*cur = next
	return ok(object{{"Server", serverRow(cur, true, false)}})
}

func (s *Sim) serversDelete(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(c.arg(0))
	if s.servers[id] == nil {
		return notFound("Invalid server", c.path)
	}
	delete(s.servers, id)
	// MISP's quirk (44): the message stands where the id should be.
	const msg = "Server deleted"
	return saveSuccess(msg, "/servers/delete/"+msg, msg)
}

func (s *Sim) serverCopy(c *call) (Server, *response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(c.arg(0))
	sv := s.servers[id]
	if sv == nil {
		r := notFound("Invalid server", c.path)
		return Server{}, &r
	}
	return *sv, nil
}

func (s *Sim) serversTestConnection(c *call) response {
	sv, errResp := s.serverCopy(c)
	if errResp != nil {
		return *errResp
	}
	return ok(s.testConnection(c.r.Context(), sv))
}

func (s *Sim) serversGetRemoteUser(c *call) response {
	sv, errResp := s.serverCopy(c)
	if errResp != nil {
		return *errResp
	}
	body, err := s.remoteUser(c.r.Context(), sv)
	if err != nil {
		// An unreachable partner: HTTP 200 with the reason as text (111),
		// unlike a refused key, whose error is the partner's status (42).
		return ok(object{{"error", "Could not fetch remote user account."}})
	}
	return ok(body)
}
