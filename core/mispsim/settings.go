package mispsim

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// settingDef describes one server setting as servers/getSetting shows it.
type settingDef struct {
	level       int
	description string
	test        string
	typ         string
	redacted    bool // getSetting answers 403 "This setting is redacted." (59)
	cliOnly     bool // serverSettingsEdit answers 405 (57)
	orgOptions  bool // options lists the local orgs (09)
}

var settingDefs = map[string]settingDef{
	"MISP.host_org_id": {level: 0, typ: "numeric", test: "testLocalOrgStrict", orgOptions: true,
		description: "The hosting organisation of this instance. If this is not selected then replication instances cannot be added."},
	"MISP.baseurl": {level: 0, typ: "string", test: "testBaseURL",
		description: "The base url of the application (in the format https://www.mymispinstance.com or https://myserver.com/misp). Several features depend on this setting being correctly set to function."},
	"MISP.external_baseurl": {level: 0, typ: "string", test: "testBaseURL",
		description: "In case you use a different URL for the API or for instances connecting to you, specify it here."},
	"MISP.uuid": {level: 0, typ: "string", test: "testUuid",
		description: "The MISP instance UUID. This UUID is used to identify this instance."},
	"MISP.org": {level: 1, typ: "string", test: "testForEmpty",
		description: "The organisation tag of the hosting organisation. This is used in the e-mail subjects."},
	"MISP.download_gpg_from_homedir": {level: 2, typ: "boolean", test: "testBool",
		description: "Allow users to download the instance's GPG public key from the homedir."},
	"Security.advanced_authkeys": {level: 0, typ: "boolean", test: "testBool",
		description: "Advanced authkeys will allow each user to create and manage a set of authkeys for themselves, each with individual expirations and comments. API keys are stored in a hashed state and can no longer be recovered from MISP. Users will be prompted to note down their key when creating a new authkey. You can generate a new set of API keys for all users on demand in the diagnostics page, or by triggering it via the cli."},
	"Security.password_policy_length": {level: 2, typ: "numeric", test: "testPasswordLength",
		description: "Password length requirement. If it is not set or it is set to 0, then the default value is assumed (12)."},
	"Security.password_policy_complexity": {level: 2, typ: "string", test: "testPasswordRegex",
		description: "Password complexity requirement. Leave it empty for the default setting (3 out of 4, with either a digit or a special char) or enter your own regex."},
	"Security.salt": {level: 0, typ: "string", redacted: true, cliOnly: true,
		description: "The salt used for the hashed passwords."},
	"GnuPG.email": {level: 0, typ: "string", test: "testForEmpty",
		description: "The e-mail address that the instance's GnuPG key is tied to."},
	"GnuPG.homedir": {level: 0, typ: "string", test: "testForPath",
		description: "The location of the GnuPG homedir."},
	"GnuPG.password": {level: 1, typ: "string", redacted: true,
		description: "The password (if it is set) of the GnuPG key of the instance."},
	"GnuPG.binary": {level: 2, typ: "string", test: "testForGPGBinary", cliOnly: true,
		description: "The location of the GnuPG executable. If you would like to use a different GnuPG executable than /usr/bin/gpg, you can set it here."},
}

func (s *Sim) initSettings() {
	hostOrg := "0"
	if s.cfg.HostOrgIDSet {
		hostOrg = "1"
	}
	s.settings["MISP.host_org_id"] = hostOrg
	s.settings["MISP.external_baseurl"] = ""
	s.settings["MISP.uuid"] = s.cfg.InstanceUUID
	s.settings["MISP.org"] = s.cfg.HostOrgName
	s.settings["MISP.download_gpg_from_homedir"] = false
	s.settings["Security.advanced_authkeys"] = !s.cfg.DisableAdvancedAuthkeys
	s.settings["Security.password_policy_length"] = 12
	s.settings["Security.password_policy_complexity"] = `/^((?=.*\d)|(?=.*\W+))(?![\n])(?=.*[A-Z])(?=.*[a-z]).*$|.{16,}/`
	s.settings["GnuPG.binary"] = "/usr/bin/gpg"
	s.settings["GnuPG.email"] = ""
	s.settings["GnuPG.homedir"] = ""
	s.settings["GnuPG.password"] = ""
}

// settingValueLocked returns a setting's value; MISP.baseurl follows the
// listening URL until set.
func (s *Sim) settingValueLocked(name string) any {
	v, ok := s.settings[name]
	if name == "MISP.baseurl" && (!ok || v == "") {
		return s.baseURL
	}
	return v
}

// hostOrgIDLocked reads MISP.host_org_id as a number (0: unset).
func (s *Sim) hostOrgIDLocked() int {
	id, _ := looseInt(s.settings["MISP.host_org_id"])
	return id
}

func (s *Sim) serversGetSetting(c *call) response {
	name := c.arg(0)
	s.mu.Lock()
	defer s.mu.Unlock()
	def, known := settingDefs[name]
	if !known {
		if _, set := s.settings[name]; !set {
			return notFound("Setting "+name+" is invalid.", c.path)
		}
		def = settingDef{typ: "string"}
	}
	if def.redacted {
		return errorResp(403, "This setting is redacted.", c.path)
	}
	v := object{{"level", def.level}, {"description", def.description}, {"value", s.settingValueLocked(name)}}
	if def.test != "" {
		v = append(v, field{"test", def.test})
	}
	v = append(v, field{"type", def.typ})
	if def.orgOptions {
		opts := object{}
		for _, id := range sortedKeys(s.orgs) {
			if s.orgs[id].Local {
				opts = append(opts, field{strconv.Itoa(id), s.orgs[id].Name})
			}
		}
		v = append(v, field{"optionsSource", object{}}, field{"name", name}, field{"options", opts})
	} else {
		v = append(v, field{"name", name})
	}
	return ok(v)
}

func (s *Sim) serversSettingsEdit(c *call) response {
	name := c.arg(0)
	m, err := parseBody(c.body, "Server")
	if err != nil {
		return invalidJSON(c.path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	def, known := settingDefs[name]
	if !known {
		return notFound("Setting "+name+" is invalid.", c.path)
	}
	if def.cliOnly {
		return notAllowed("This setting can only be edited via the CLI.", c.path)
	}
	v, has := m["value"]
	if !has {
		return notAllowed("Invalid request, no value set.", c.path)
	}
	s.settings[name] = v
	return saveSuccess("Field updated", "/servers/serverSettingsEdit", nil).withoutID()
}

// withoutID drops "id" from a saveSuccess body (serverSettingsEdit, 47).
func (r response) withoutID() response {
	if o, isObj := r.body.(object); isObj && len(o) > 0 && o[len(o)-1].key == "id" {
		r.body = o[:len(o)-1]
	}
	return r
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
