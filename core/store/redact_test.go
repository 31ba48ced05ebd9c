package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Every fmt verb that prints a store document, or a part of it, leaves the
// authkeys out and still shows the other fields; JSON keeps them.
func TestPrintingRedactsSecrets(t *testing.T) {
	const adminKey = "ADMINKEYadminkey0123456789abcdefghijklmn"
	const syncKey = "SYNCKEYsynckey0123456789abcdefghijklmnop"
	prof := Profile{ID: "p1", Name: "Our MISP", URL: "https://misp.example.org", Authkey: adminKey}
	creds := PartnerCreds{SyncAuthkey: syncKey, SyncUserEmail: "sync@partner.test"}
	pending := PendingPairing{ID: "pp1", ProfileID: "p1", StartedAt: time.Unix(0, 0).UTC(), Creds: &creds,
		Partner: Partner{InstanceUUID: "partner-instance"}, StepsDone: []string{"org"}}
	data := Data{Profiles: []Profile{prof}, Pending: []PendingPairing{pending}}

	values := map[string]any{
		"Profile": prof, "*Profile": &prof, "PartnerCreds": creds, "*PartnerCreds": &creds,
		"PendingPairing": pending, "*PendingPairing": &pending, "Data": data, "*Data": &data,
		"[]Profile": []Profile{prof}, "map": map[string]*PartnerCreds{"x": &creds},
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		for name, x := range values {
			out := fmt.Sprintf(verb, x)
			for _, secret := range []string{adminKey, syncKey} {
				if strings.Contains(out, secret) || strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", secret)) {
					t.Errorf("%s of %s shows a secret: %s", verb, name, out)
				}
			}
		}
	}

	for _, c := range []struct {
		verb string
		x    any
		want []string
	}{
		{"%+v", prof, []string{"ID:p1", "Name:Our MISP", "URL:https://misp.example.org", "Authkey:[redacted]"}},
		{"%#v", prof, []string{"store.Profile{", `Authkey:"[redacted]"`, `URL:"https://misp.example.org"`}},
		{"%+v", creds, []string{"SyncAuthkey:[redacted]", "SyncUserEmail:sync@partner.test"}},
		{"%#v", creds, []string{"store.PartnerCreds{", `SyncAuthkey:"[redacted]"`}},
		{"%+v", pending, []string{"ID:pp1", "SyncAuthkey:[redacted]", "InstanceUUID:partner-instance", "StepsDone:[org]"}},
		{"%+v", data, []string{"Authkey:[redacted]", "SyncAuthkey:[redacted]", "Name:Our MISP"}},
		{"%#v", data, []string{"store.Profile{", `Authkey:"[redacted]"`, "store.PartnerCreds{"}},
		{"%v", prof.String(), []string{"Authkey:[redacted]", "ID:p1"}},
		{"%v", creds.GoString(), []string{"store.PartnerCreds{", `SyncAuthkey:"[redacted]"`}},
	} {
		out := fmt.Sprintf(c.verb, c.x)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s printed %s, want it to show %s", c.verb, out, w)
			}
		}
	}
	if out := fmt.Sprint(Profile{ID: "p2"}); strings.Contains(out, "[redacted]") {
		t.Errorf("a profile without a stored authkey shows one redacted: %s", out)
	}

	// The store file is JSON: it must keep the secrets.
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	var back Data
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Profiles[0].Authkey != adminKey || back.Pending[0].Creds.SyncAuthkey != syncKey {
		t.Error("JSON lost a secret: redaction must only change printing")
	}
}
