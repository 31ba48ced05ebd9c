package mispsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

func (s *Sim) orgTinyLocked(id int, withLocal bool) object {
	o := s.orgs[id]
	if o == nil {
		o = &Org{ID: id}
	}
	v := object{{"id", idStr(o.ID)}, {"name", o.Name}, {"uuid", o.UUID}}
	if withLocal {
		v = append(v, field{"local", o.Local})
	}
	return v
}

func protectedValue(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

func cryptoKeyObject(k CryptoKey, eventID int) object {
	return object{
		{"id", idStr(k.ID)}, {"uuid", k.UUID}, {"type", k.Type}, {"timestamp", ts(k.Timestamp)},
		{"parent_id", idStr(eventID)}, {"parent_type", "Event"}, {"key_data", k.KeyData},
		{"revoked", k.Revoked}, {"fingerprint", k.Fingerprint},
	}
}

// eventFull is an event as events/add, edit and view show it (51, 74).
func (s *Sim) eventFullLocked(e *Event) object {
	attrs := []any{}
	for _, a := range e.Attributes {
		attrs = append(attrs, object{
			{"id", idStr(a.ID)}, {"type", a.Type}, {"category", a.Category}, {"to_ids", a.ToIDs},
			{"uuid", a.UUID}, {"event_id", idStr(e.ID)}, {"distribution", idStr(a.Distribution)},
			{"timestamp", ts(a.Timestamp)}, {"comment", a.Comment}, {"sharing_group_id", "0"},
			{"deleted", false}, {"disable_correlation", false}, {"object_id", "0"}, {"object_relation", nil},
			{"first_seen", nil}, {"last_seen", nil}, {"value", a.Value}, {"Galaxy", []any{}},
			{"ShadowAttribute", []any{}},
		})
	}
	keys := []any{}
	for _, k := range e.CryptographicKeys {
		keys = append(keys, cryptoKeyObject(k, e.ID))
	}
	return object{
		{"id", idStr(e.ID)}, {"orgc_id", idStr(e.OrgcID)}, {"org_id", idStr(e.OrgID)}, {"date", e.Date},
		{"threat_level_id", idStr(e.ThreatLevelID)}, {"info", e.Info}, {"published", e.Published},
		{"uuid", e.UUID}, {"attribute_count", idStr(len(e.Attributes))}, {"analysis", idStr(e.Analysis)},
		{"timestamp", ts(e.Timestamp)}, {"distribution", idStr(e.Distribution)},
		{"proposal_email_lock", false}, {"locked", e.Locked}, {"publish_timestamp", ts(e.PublishTimestamp)},
		{"sharing_group_id", "0"}, {"disable_correlation", false}, {"extends_uuid", ""},
		{"protected", protectedValue(e.Protected)}, {"event_creator_email", e.CreatorEmail},
		{"Org", s.orgTinyLocked(e.OrgID, true)}, {"Orgc", s.orgTinyLocked(e.OrgcID, true)},
		{"Attribute", attrs}, {"ShadowAttribute", []any{}}, {"RelatedEvent", []any{}}, {"Galaxy", []any{}},
		{"Object", []any{}}, {"EventReport", []any{}}, {"CryptographicKey", keys},
	}
}

func (s *Sim) findEventLocked(ref string) *Event {
	if id, err := strconv.Atoi(ref); err == nil {
		return s.events[id]
	}
	ref = strings.ToLower(ref)
	for _, e := range s.events {
		if e.UUID == ref {
			return e
		}
	}
	return nil
}

// instanceFingerprint is the fingerprint of the instance's own PGP key, or
// "" when it has none.
func (s *Sim) instanceFingerprint() string {
	if s.cfg.GPGKeyArmored == "" {
		return ""
	}
	fp, err := fingerprintOf(s.cfg.GPGKeyArmored)
	if err != nil {
		return ""
	}
	return fp
}

// fingerprintOf reads an armored public key and returns its primary key's
// fingerprint in upper-case hex, as MISP shows it.
func fingerprintOf(armored string) (string, error) {
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(armored))
	if err != nil {
		return "", err
	}
	if len(ring) == 0 || ring[0].PrimaryKey == nil {
		return "", fmt.Errorf("no key in the armored block")
	}
	return strings.ToUpper(fmt.Sprintf("%x", ring[0].PrimaryKey.Fingerprint)), nil
}

// eventsIndex lists events. {"minimal": 1} (or minimal:1) gives the short
// form of 81/93. Like MISP, it hides protected events whose keys lack the
// instance's own key (93).
func (s *Sim) eventsIndex(c *call) response {
	var m map[string]any
	if len(c.body) > 0 {
		var err error
		if m, err = parseBody(c.body, ""); err != nil {
			return invalidJSON(c.path)
		}
	}
	minimal, _ := bodyBool(m, "minimal")
	if v, ok := c.named["minimal"]; ok {
		minimal, _ = looseBool(v)
	}
	pubFilter, hasPub := bodyBool(m, "published")
	own := s.instanceFingerprint()
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, id := range sortedKeys(s.events) {
		e := s.events[id]
		if hasPub && e.Published != pubFilter {
			continue
		}
		if e.Protected != nil && *e.Protected {
			found := false
			for _, k := range e.CryptographicKeys {
				if own != "" && strings.EqualFold(k.Fingerprint, own) {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		if minimal {
			orgc := s.orgs[e.OrgcID]
			orgcUUID := ""
			if orgc != nil {
				orgcUUID = orgc.UUID
			}
			list = append(list, object{
				{"id", idStr(e.ID)}, {"timestamp", ts(e.Timestamp)}, {"sighting_timestamp", "0"},
				{"published", e.Published}, {"uuid", e.UUID}, {"orgc_uuid", orgcUUID},
			})
			continue
		}
		full := s.eventFullLocked(e)
		short := object{}
		for _, f := range full {
			switch f.key {
			case "Attribute", "ShadowAttribute", "RelatedEvent", "Galaxy", "Object", "EventReport", "CryptographicKey", "Org", "Orgc":
				continue
			}
			short = append(short, f)
		}
		short = append(short, field{"Org", s.orgTinyLocked(e.OrgID, false)}, field{"Orgc", s.orgTinyLocked(e.OrgcID, false)})
		list = append(list, short)
	}
	resp := ok(list)
	return resp
}

func (s *Sim) eventsView(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEventLocked(c.arg(0))
	if e == nil {
		if c.r.Method == http.MethodHead {
			return response{status: http.StatusNotFound, noBody: true}
		}
		return notFound("Invalid event", c.path)
	}
	if c.r.Method == http.MethodHead {
		return response{status: http.StatusOK, noBody: true}
	}
	// events/view stays pretty-printed even for MISP's own User-Agent (94).
	r := ok(object{{"Event", s.eventFullLocked(e)}})
	r.alwaysPretty = true
	return r
}

func parseAttributes(v any) []Attribute {
	list, _ := v.([]any)
	var out []Attribute
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		a := Attribute{}
		a.Type, _ = bodyString(m, "type")
		a.Category, _ = bodyString(m, "category")
		a.Value, _ = bodyString(m, "value")
		a.Comment, _ = bodyString(m, "comment")
		a.ToIDs, _ = bodyBool(m, "to_ids")
		if d, ok := bodyInt(m, "distribution"); ok {
			a.Distribution = d
		}
		if u, ok := bodyString(m, "uuid"); ok {
			a.UUID = strings.ToLower(u)
		}
		out = append(out, a)
	}
	return out
}

func (s *Sim) eventsAdd(c *call) response {
	m, err := parseBody(c.body, "Event")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	info, _ := bodyString(m, "info")
	if strings.TrimSpace(info) == "" {
		return saveFail("add", "Event", "/events/add", fieldErr("info", "Info cannot be empty."))
	}
	e := Event{Info: info, OrgID: c.user.OrgID, OrgcID: c.user.OrgID, CreatorEmail: c.user.Email,
		Timestamp: s.now(), Distribution: 1, ThreatLevelID: 4}
	optInt(m, "distribution", &e.Distribution)
	optInt(m, "threat_level_id", &e.ThreatLevelID)
	optInt(m, "analysis", &e.Analysis)
	optString(m, "date", &e.Date)
	if v, ok := bodyString(m, "uuid"); ok && v != "" {
		e.UUID = strings.ToLower(v)
		if s.findEventLocked(e.UUID) != nil {
			return saveFail("add", "Event", "/events/add", fieldErr("uuid", "An event with this uuid already exists."))
		}
	}
	e.Attributes = parseAttributes(m["Attribute"])
	stored := s.addEventLocked(e)
	return ok(object{{"Event", s.eventFullLocked(s.events[stored.ID])}})
}

// eventsEdit changes an event's metadata. A sent timestamp must be newer
// than the stored one (MISP refuses older copies); otherwise the timestamp
// moves to now, so partners see the event as changed.
func (s *Sim) eventsEdit(c *call) response {
	m, err := parseBody(c.body, "Event")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEventLocked(c.arg(0))
	if e == nil {
		return notFound("Invalid event", c.path)
	}
	url := "/events/edit/" + idStr(e.ID)
	next := cloneEvent(*e)
	if v, ok := bodyInt(m, "timestamp"); ok {
		if int64(v) <= e.Timestamp {
			return saveFail("edit", "Event", url, fieldErr("timestamp",
				"Event could not be saved: Event in the request not newer than the local copy."))
		}
		next.Timestamp = int64(v)
	} else {
		next.Timestamp = max(s.now(), e.Timestamp+1)
	}
	optString(m, "info", &next.Info)
	optInt(m, "distribution", &next.Distribution)
	optInt(m, "threat_level_id", &next.ThreatLevelID)
	optInt(m, "analysis", &next.Analysis)
	optString(m, "date", &next.Date)
	next.Published = false
	optBool(m, "published", &next.Published)
	if attrs := parseAttributes(m["Attribute"]); len(attrs) > 0 {
		for _, a := range attrs {
			a.ID = s.nextID("attribute")
			if a.UUID == "" {
				a.UUID = newUUID()
			}
			a.Timestamp = next.Timestamp
			if a.Distribution == 0 {
				a.Distribution = 5
			}
			next.Attributes = append(next.Attributes, a)
		}
	}
	*e = next
	return ok(object{{"Event", s.eventFullLocked(e)}})
}

func (s *Sim) eventsPublish(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEventLocked(c.arg(0))
	if e == nil {
		return notFound("Invalid event.", c.path)
	}
	e.Published = true
	e.PublishTimestamp = max(s.now(), e.Timestamp)
	return saveSuccess("Job queued", "/events/publish/"+idStr(e.ID), idStr(e.ID))
}

func (s *Sim) eventsProtect(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findEventLocked(c.arg(0))
	if e == nil {
		return notFound("Invalid event.", c.path)
	}
	t := true
	e.Protected = &t
	e.Published = false
	e.Timestamp = max(s.now(), e.Timestamp+1)
	return saveSuccess("Event switched to protected mode.", "/events/protect/"+idStr(e.ID), idStr(e.ID))
}

// cryptoKeysAdd attaches a PGP key to an event (68-72).
func (s *Sim) cryptoKeysAdd(c *call) response {
	const url = "/cryptographic_keys/add"
	if !strings.EqualFold(c.arg(0), "Event") {
		return notAllowed("Invalid parent type.", c.path)
	}
	m, err := parseBody(c.body, "CryptographicKey")
	if err != nil {
		return invalidJSON(c.path)
	}
	keyData, _ := bodyString(m, "key_data")
	fail := func(msg string) response {
		return saveFail("add", "cryptographicKey", url, fieldErr("key_data", msg))
	}
	s.mu.Lock()
	e := s.findEventLocked(c.arg(1))
	s.mu.Unlock()
	if e == nil {
		return notFound("Invalid event.", c.path)
	}
	fp, err := fingerprintOf(keyData)
	if err != nil {
		return fail("Invalid key.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e = s.findEventLocked(c.arg(1))
	if e == nil {
		return notFound("Invalid event.", c.path)
	}
	for _, k := range e.CryptographicKeys {
		if strings.EqualFold(k.Fingerprint, fp) {
			return fail("This key is already assigned to the target.")
		}
	}
	k := CryptoKey{ID: s.nextID("cryptokey"), UUID: newUUID(), Type: "pgp", KeyData: keyData, Fingerprint: fp,
		Timestamp: s.now()}
	e.CryptographicKeys = append(e.CryptographicKeys, k)
	return ok(object{{"CryptographicKey", cryptoKeyObject(k, e.ID)}})
}
