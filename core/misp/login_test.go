package misp

import (
	"strings"
	"testing"
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
	// me, version, uuid, host_org_id, external_baseurl, baseurl, advanced_authkeys
	if info.Requests != 7 {
		t.Errorf("login took %d requests, want 7", info.Requests)
	}
}

func TestLoginHostOrgSameAsAdmin(t *testing.T) {
	rp := loginReplay(t, `"1"`, `""`, `"https://misp-a.example.org/"`, `"1"`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.HostOrgSet || info.HostOrg.ID != "1" || info.Requests != 7 {
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
	if info.HostOrg.ID != "3" || info.Org.ID != "1" || info.Requests != 7 {
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
func TestLoginReadOnlyKey(t *testing.T) {
	rp := newReplay(t, "01")
	rp.add("GET", "/servers/getVersion", 403, `{"name":"You do not have permission to use this functionality.","message":"You do not have permission to use this functionality.","url":"/servers/getVersion"}`)
	_, err := newTestClient(t, rp.URL).Login(ctx)
	if !IsKind(err, KindNotSiteAdmin) || !strings.Contains(err.Error(), "read-only key") {
		t.Fatalf("%v", err)
	}
}

// A setting MISP redacts (59) counts as unset; the login goes on.
func TestLoginRedactedSetting(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	rp.add("GET", "/servers/getSetting/"+SettingExternalBaseURL, 403, `{"name":"This setting is redacted.","message":"This setting is redacted.","url":"/servers/getSetting/MISP.external_baseurl"}`)
	if _, err := newTestClient(t, rp.URL).Login(ctx); err != nil {
		t.Fatal(err)
	}
}

// MISP reports a key's expiry in X-Auth-Key-Expiration (ISO 8601); Login
// passes it on, and a key without expiry leaves it zero.
func TestLoginKeyExpiry(t *testing.T) {
	rp := loginReplay(t, `"0"`, `""`, `""`, `true`)
	info, err := newTestClient(t, rp.URL).Login(ctx)
	if err != nil || !info.KeyExpiry.IsZero() {
		t.Fatalf("no expiry: %v %v", info, err)
	}
	rp.extra["X-Auth-Key-Expiration"] = "2027-03-01T12:00:00+01:00"
	info, err = newTestClient(t, rp.URL).Login(ctx)
	if err != nil || info.KeyExpiry.UTC().Format("2006-01-02 15:04") != "2027-03-01 11:00" {
		t.Fatalf("expiry %v %v", info.KeyExpiry, err)
	}
}
