package misp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func loginReplay(t *testing.T, hostOrg, external, base, advanced string) *replay {
	rp := newReplay(t, "01", "07", "08", "11")
	setting := func(name, value string) {
		rp.add("GET", "/servers/getSetting/"+name, 200, `{"level":0,"description":"d","value":`+value+`,"type":"string","name":"`+name+`"}`)
	}
	setting(SettingHostOrgID, hostOrg)
	setting(SettingExternalBaseURL, external)
	setting(SettingBaseURL, base)
	setting(SettingAdvancedAuthkeys, advanced)
	return rp
}

func TestLoginFreshInstance(t *testing.T) {
	// host_org_id "0" as recorded in 09: the admin's org is the host org.
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.HostOrgSet || info.HostOrg.UUID != "8694ac8a-d01d-40bb-bca1-43d7d550a543" {
		t.Errorf("host org %+v set=%v", info.HostOrg, info.HostOrgSet)
	}
	if info.InstanceUUID != "eebb37fe-7c12-4972-bc52-28095cdba0eb" || info.Version != "2.5.1" || !info.AdvancedAuthkeys {
		t.Errorf("%+v", info)
	}
	if info.AnnounceURL != rp.URL || info.AnnounceURLSource != AnnounceFromLoginURL {
		t.Errorf("announce %q from %s", info.AnnounceURL, info.AnnounceURLSource)
	}
	// me, version (with the instance UUID, 07: no getInstanceUUID),
	// host_org_id, external_baseurl, baseurl, advanced_authkeys
	if info.Requests != 6 {
		t.Errorf("login took %d requests, want 6", info.Requests)
	}
}

func TestLoginHostOrgSameAsAdmin(t *testing.T) {
	rp := loginReplay(t, `"1"`, `""`, `"https://misp-a.example.org/"`, `"1"`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.HostOrgSet || info.HostOrg.ID != "1" || info.Requests != 6 {
		t.Errorf("host org %+v set=%v requests=%d", info.HostOrg, info.HostOrgSet, info.Requests)
	}
	if info.AnnounceURL != "https://misp-a.example.org" || info.AnnounceURLSource != SettingBaseURL {
		t.Errorf("announce %q from %s", info.AnnounceURL, info.AnnounceURLSource)
	}
}

func TestLoginHostOrgDifferent(t *testing.T) {
	rp := loginReplay(t, `3`, `"https://misp-a.public.example"`, `"https://misp-a.internal"`, `false`)
	rp.add("GET", "/organisations/view/3", 200, `{"Organisation":{"id":"3","name":"Host Org","uuid":"33333333-3333-4333-8333-333333333333","local":true}}`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.HostOrg.ID != "3" || info.Org.ID != "1" || info.Requests != 6 {
		t.Errorf("host %+v own %+v requests %d", info.HostOrg, info.Org, info.Requests)
	}
	if info.AnnounceURL != "https://misp-a.public.example" || info.AnnounceURLSource != SettingExternalBaseURL {
		t.Errorf("announce %q", info.AnnounceURL)
	}
	if info.AdvancedAuthkeys {
		t.Error("advanced authkeys off not seen")
	}
}

func TestLoginBadKey(t *testing.T) {
	_, err := newTestClient(t, newReplay(t, "02").URL).Login(ctx)
	if !IsKind(err, KindBadKey) || !strings.Contains(err.Error(), "refused the authkey") {
		t.Fatalf("%v", err)
	}
}

// A read-only key: users/view/me shows the role, but the next admin call is
// refused (403). Login says "not a site admin, or a read-only key".
// A site admin's read-only key (recorded on the pair, 171 and 173):
// users/view/me shows the full site-admin role, getVersion no sync right.
// Login stops at getVersion and says the key is read-only.
func TestLoginReadOnlyKey(t *testing.T) {
	rp := newReplay(t, "171", "173")
	_, err := newTestClient(t, rp.URL).Login(ctx)
	if !IsKind(err, KindNotSiteAdmin) || !strings.Contains(err.Error(), "read-only key") || !strings.Contains(err.Error(), "site admin") {
		t.Fatalf("%v", err)
	}
	if n := len(rp.requests()); n != 2 {
		t.Errorf("login went on for %d requests after the read-only key showed", n)
	}
}

// A read-only key whose role has no sync right cannot be told by
// getVersion; the next admin call is refused (175), and Login still says
// not a site admin's, or read-only.
func TestLoginReadOnlyKeyOfARoleWithoutSync(t *testing.T) {
	rp := newReplay(t, "171", "175")
	rp.byReq["GET /users/view/me"] = withRolePermSyncOff(t, rp.byReq["GET /users/view/me"])
	rp.add("GET", "/servers/getVersion", 200, `{"version":"2.5.1","perm_sync":false,"perm_sighting":false,"uuid":"-","request_encoding":["gzip"],"filter_sightings":true}`)
	_, err := newTestClient(t, rp.URL).Login(ctx)
	if !IsKind(err, KindNotSiteAdmin) || !strings.Contains(err.Error(), "read-only key") {
		t.Fatalf("%v", err)
	}
}

func withRolePermSyncOff(t *testing.T, r recording) recording {
	var body map[string]any
	if err := json.Unmarshal(r.Response.Body, &body); err != nil {
		t.Fatal(err)
	}
	body["Role"].(map[string]any)["perm_sync"] = false
	r.Response.Body, _ = json.Marshal(body)
	return r
}

// A setting MISP redacts (59) counts as unset; the login goes on.
func TestLoginRedactedSetting(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	rp.add("GET", "/servers/getSetting/"+SettingExternalBaseURL, 403, `{"name":"This setting is redacted.","message":"This setting is redacted.","url":"/servers/getSetting/MISP.external_baseurl"}`)
	if _, err := newTestClient(t, rp.URL).Login(ctx); err != nil {
		t.Fatal(err)
	}
}

// MISP reports a key's expiry in X-Auth-Key-Expiration (recording 108:
// "2027-06-30T00:00:00+00:00", PHP's ISO 8601); Login passes it on, and a
// key without expiry leaves it zero.
func TestLoginKeyExpiry(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil || !info.KeyExpiry.IsZero() {
		t.Fatalf("no expiry: %v %v", info, err)
	}
	rec := loadRecording(t, "108")
	rp.extra["X-Auth-Key-Expiration"] = rec.Response.Headers["X-Auth-Key-Expiration"]
	info, err = newTestClient(t, rp.URL).Login(ctx)
	if err != nil || !info.KeyExpiry.Equal(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("expiry %v %v", info.KeyExpiry, err)
	}
}

// The recorded users/view/me of an expiring key (108) itself: Me reads the
// header.
func TestMeKeyExpiryRecorded(t *testing.T) {
	me, err := newTestClient(t, newReplay(t, "108").URL).Me(ctx)
	if err != nil || me.KeyExpiry().Format(time.RFC3339) != "2027-06-30T00:00:00Z" {
		t.Fatalf("%v %v", me, err)
	}
}

// Security.advanced_authkeys as recorded (125): a JSON boolean true.
func TestLoginAdvancedAuthkeysRecorded(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `false`)
	rec := loadRecording(t, "125")
	rp.byReq["GET /servers/getSetting/"+SettingAdvancedAuthkeys] = rec
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil || !info.AdvancedAuthkeys {
		t.Fatalf("advanced authkeys not seen in 125: %v %v", info, err)
	}
}

// getVersion hides the instance UUID ("-") from a key without sync rights
// (106); Login then asks getInstanceUUID (08), one request more.
func TestLoginAsksInstanceUUIDWhenGetVersionHidesIt(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	rp.add("GET", "/servers/getVersion", 200, `{"version":"2.5.1","perm_sync":false,"uuid":"-","request_encoding":["gzip"]}`)
	rp.byReq["GET /users/view/me"] = withRolePermSyncOff(t, rp.byReq["GET /users/view/me"])
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil || info.InstanceUUID != "eebb37fe-7c12-4972-bc52-28095cdba0eb" || info.Requests != 7 {
		t.Fatalf("%+v %v", info, err)
	}
}
