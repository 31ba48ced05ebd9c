package mispsim

import (
	"strings"
	"testing"
)

func TestSeedHelpersMakeAwkwardStates(t *testing.T) {
	s, url := start(t, Config{HostOrgName: "Org-A"}, false)
	key := s.AdminKey()

	// A sync role without perm_auth: its users cannot use the API at all.
	role := s.SeedSyncRoleWithoutAuth()
	if !role.Has("perm_sync") || role.Has("perm_auth") {
		t.Fatalf("role flags: %v", role.Perms)
	}
	_, noAuthKey := s.AddUser(User{Email: "noauth@x.test", RoleID: role.ID})
	if a := do(t, "GET", url+"/users/view/me", noAuthKey, nil); a.status != 403 {
		t.Errorf("user of a role without perm_auth: %d, want 403", a.status)
	}
	roles := do(t, "GET", url+"/roles/index", key, nil)
	if n := len(roles.body.([]any)); n != 7 {
		t.Errorf("roles/index lists %d roles, want the 6 defaults + 1", n)
	}

	// A disabled sync user is found by search but its key does not work.
	partner := s.SeedExternalOrg("Org-P", "")
	u, k := s.SeedSyncUser("sync@p.test", partner.ID, true)
	if s.KeyWorks(k) {
		t.Error("a disabled user's key must not work")
	}
	list := do(t, "GET", url+"/admin/users/index/searchemail:sync@p.test", key, nil).body.([]any)
	if len(list) != 1 || list[0].(map[string]any)["User"].(map[string]any)["disabled"] != true {
		t.Errorf("disabled sync user in the listing: %v", list)
	}
	if err := s.SetUserDisabled(u.ID, false); err != nil || !s.KeyWorks(k) {
		t.Errorf("re-enabled user: %v %v", err, s.KeyWorks(k))
	}

	// An org name taken by another UUID.
	taken := s.SeedOrgNameTaken("Org-Q")
	a := do(t, "POST", url+"/admin/organisations/add", key, map[string]any{"name": "Org-Q", "uuid": newUUID(), "local": true})
	if a.status != 403 || a.obj(t, "errors")["name"] == nil {
		t.Errorf("name taken by %s: %d %s", taken.UUID, a.status, hideKeys(a.raw))
	}

	// MISP.host_org_id pointing elsewhere.
	other := s.SeedHostOrgElsewhere()
	hs := do(t, "GET", url+"/servers/getSetting/MISP.host_org_id", key, nil)
	if hs.obj(t)["value"] != idStr(other.ID) {
		t.Errorf("host_org_id = %v, want %d", hs.obj(t)["value"], other.ID)
	}
	if _, listed := hs.obj(t, "options")[idStr(other.ID)]; !listed {
		t.Errorf("options must list the new local org: %s", hideKeys(hs.raw))
	}
}

func TestEventsFlow(t *testing.T) {
	keyA := gpgKeyOf(t, "60")
	keyB := gpgKeyOf(t, "61")
	s, url := start(t, Config{GPGKeyArmored: keyA}, false)
	key := s.AdminKey()
	add := do(t, "POST", url+"/events/add", key, map[string]any{"Event": map[string]any{"info": "e", "distribution": 2,
		"Attribute": []any{map[string]any{"type": "domain", "category": "Network activity", "value": "x.example"}}}})
	if add.status != 200 || add.obj(t, "Event")["protected"] != nil {
		t.Fatalf("events/add: %d %s", add.status, hideKeys(add.raw))
	}
	id := add.obj(t, "Event")["id"].(string)
	uuid := add.obj(t, "Event")["uuid"].(string)
	ts0 := add.obj(t, "Event")["timestamp"].(string)
	do(t, "POST", url+"/events/protect/"+id, key, nil)
	if a := do(t, "POST", url+"/cryptographicKeys/add/Event/"+id, key, map[string]any{"type": "pgp", "key_data": keyB}); a.status != 200 ||
		a.obj(t, "CryptographicKey")["fingerprint"] != "57364AC7E87BB89CF3C6D4132AF5D030D2FF1116" {
		t.Fatalf("add B's key: %d %s", a.status, hideKeys(a.raw))
	}
	do(t, "POST", url+"/events/publish/"+id, key, nil)
	// Only B's key: events/index hides the event (recording 93).
	if list := do(t, "POST", url+"/events/index", key, map[string]any{"minimal": 1}).body.([]any); len(list) != 0 {
		t.Errorf("a protected event without our key must be hidden: %v", list)
	}
	if a := do(t, "POST", url+"/cryptographicKeys/add/Event/"+id, key, map[string]any{"CryptographicKey": map[string]any{"type": "pgp", "key_data": keyA}}); a.status != 200 {
		t.Fatalf("add A's key: %d %s", a.status, hideKeys(a.raw))
	}
	if a := do(t, "POST", url+"/cryptographicKeys/add/Event/"+id, key, map[string]any{"type": "pgp", "key_data": keyA}); a.status != 403 {
		t.Errorf("duplicate key: %d", a.status)
	}
	if a := do(t, "POST", url+"/cryptographicKeys/add/Event/"+id, key, map[string]any{"type": "pgp", "key_data": "garbage"}); a.status != 403 ||
		a.obj(t, "errors")["key_data"].([]any)[0] != "Invalid key." {
		t.Errorf("invalid key: %d %s", a.status, hideKeys(a.raw))
	}
	if list := do(t, "POST", url+"/events/index", key, map[string]any{"minimal": 1}).body.([]any); len(list) != 1 {
		t.Errorf("with our key the event is listed: %v", list)
	}
	// Bump and republish: the timestamp moves.
	edit := do(t, "POST", url+"/events/edit/"+uuid, key, map[string]any{"Event": map[string]any{"info": "e (bumped)"}})
	if edit.status != 200 || edit.obj(t, "Event")["timestamp"] == ts0 || edit.obj(t, "Event")["published"] != false {
		t.Fatalf("edit: %d %s", edit.status, hideKeys(edit.raw))
	}
	if a := do(t, "POST", url+"/events/edit/"+id, key, map[string]any{"timestamp": ts0}); a.status != 403 {
		t.Errorf("an older timestamp must be refused: %d", a.status)
	}
	do(t, "POST", url+"/events/publish/"+id, key, nil)
	view := do(t, "GET", url+"/events/view/"+id, key, nil)
	ev := view.obj(t, "Event")
	if ev["published"] != true || ev["protected"] != true || len(ev["CryptographicKey"].([]any)) != 2 || ev["info"] != "e (bumped)" {
		t.Errorf("view: %s", hideKeys(view.raw))
	}
	if a := do(t, "GET", url+"/events/publish/"+id, key, nil); a.status != 405 {
		t.Errorf("GET publish: %d", a.status)
	}
	if a := do(t, "GET", url+"/events/view/"+newUUID(), key, nil); a.status != 404 {
		t.Errorf("missing event: %d", a.status)
	}
	if !strings.Contains(string(view.raw), "\n") {
		t.Error("events/view must be pretty-printed")
	}
}
