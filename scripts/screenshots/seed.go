// Command seed prepares a data folder for the screenshots: it starts two
// simulated MISPs (one plain, one with a self-signed certificate), writes a
// store with profiles for both and a few partners, prints "ready" and serves
// until it is stopped. The authkeys are the simulators' random ones and never
// appear on a screenshot (the app never shows a stored key).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

func main() {
	dataDir := flag.String("data-dir", "", "data folder to create the store in (must not hold one)")
	flag.Parse()
	passphrase, err := store.PassphraseFromFileOrEnv("")
	if err != nil || *dataDir == "" {
		log.Fatalf("usage: MISPBUMP_PASSPHRASE=… seed -data-dir DIR (%v)", err)
	}

	internal := mispsim.New(mispsim.Config{Name: "internal", HostOrgName: "CERT Example", HostOrgIDSet: true, AdminEmail: "admin@cert.example",
		GPGKeyArmored: protected.DemoKey(0)})
	internalURL, err := internal.Start()
	if err != nil {
		log.Fatal(err)
	}
	dmz := mispsim.New(mispsim.Config{Name: "dmz", HostOrgName: "CERT Example"})
	dmzURL, err := dmz.StartTLS()
	if err != nil {
		log.Fatal(err)
	}
	defer internal.Close()
	defer dmz.Close()

	st, err := store.Create(*dataDir, passphrase)
	if err != nil {
		log.Fatal(err)
	}
	err = st.Update(func(d *store.Data) error {
		d.Profiles = []store.Profile{
			{ID: "internal", Name: "Internal MISP", URL: internalURL, Authkey: internal.AdminKey(), Notifications: &pairing.NotificationSettings{
				Version: "1", Formats: []string{"MISP", "STIX"}, Interval: "daily",
				Emails: []pairing.NotificationEmail{{Address: "cert@cert.example", PGPFingerprint: "5626761B3F2C1A9E0D4B8C7F6E5D4C3B2A190817"}, {Address: "soc@cert.example", Cc: true}},
			}},
			{ID: "dmz", Name: "DMZ MISP (self-signed)", URL: dmzURL, Authkey: dmz.AdminKey()},
			{ID: "old", Name: "Old test instance", URL: internalURL, Authkey: mispsim.NewKey()},
		}
		d.Partners = partners(internal)
		d.Pending = pending()
		return nil
	})
	st.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}

// partners seeds what three pairings would have left on the internal MISP
// and returns their records.
func partners(sim *mispsim.Sim) []store.Partner {
	now := time.Now().UTC()
	type seed struct {
		name, uuid, email, url, instance, version string
		paired                                    time.Duration
		test                                      *store.ConnectionTest
		push                                      bool
	}
	seeds := []seed{
		{"Northwind CSIRT", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "csirt@northwind.test", "https://misp.northwind.test",
			"7f3c2a10-5b6d-4e8f-9a0b-1c2d3e4f5a6b", "2.5.1", 2 * time.Hour,
			&store.ConnectionTest{Status: 1, Message: "Connection OK: our MISP reached the partner's MISP and logged in as a sync user.", At: now.Add(-20 * time.Minute)}, true},
		{"Contoso SOC", "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "soc@contoso.example", "https://sharing.contoso.example:8443",
			"3b4c5d6e-7f80-4192-a3b4-c5d6e7f80912", "2.4.198", 9 * 24 * time.Hour,
			&store.ConnectionTest{Status: 2, Message: "Our MISP cannot reach the partner's MISP: check the partner's announced URL, DNS and firewalls on both sides.", At: now.Add(-26 * time.Hour)}, false},
		{"Fabrikam Cyber Defence", "5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f", "misp-admin@fabrikam.example", "https://misp.fabrikam.example",
			"c0ffee00-1234-4567-89ab-cdef01234567", "2.5.1", 40 * 24 * time.Hour, nil, false},
	}
	demo, err := protected.ParseKey(protected.DemoKey(1), "demo")
	if err != nil {
		log.Fatal(err)
	}
	partnerKey := &store.PGPKey{Armored: demo.Armored, Fingerprint: demo.Fingerprint}
	var out []store.Partner
	for i, s := range seeds {
		org := sim.AddOrg(mispsim.Org{Name: s.name, UUID: s.uuid})
		user, _ := sim.AddUser(mispsim.User{OrgID: org.ID, RoleID: mispsim.RoleSyncUser, Email: fmt.Sprintf("sync-%s@mispbump.invalid", s.instance[:8])})
		srv := sim.AddServer(mispsim.Server{Name: s.name, URL: s.url, RemoteOrgID: org.ID, Authkey: mispsim.NewKey(), Pull: true, Push: s.push})
		notify := &pairing.NotificationSettings{Version: "1",
			Emails:   []pairing.NotificationEmail{{Address: s.email, PGPFingerprint: "4F2A 9C1E 77B0 3D58 E6A1 0B92 C4D7 35E8 19FA 6C02"}},
			Formats:  []string{"MISP", "CSV"},
			Interval: "daily",
		}
		out = append(out, store.Partner{
			ID: fmt.Sprintf("partner-%d", i+1), ProfileID: "internal",
			Org: store.PartnerOrg{UUID: s.uuid, Name: s.name, Nationality: "Luxembourg", Sector: "Government", Type: "CSIRT",
				Description: "National incident response team, sharing phishing and malware indicators.", Contacts: s.email},
			AdminEmail: s.email, AnnouncedURL: s.url, InstanceUUID: s.instance, MISPVersion: s.version,
			PGPKey:               partnerKey,
			PGPKeyCheck:          &store.PGPKeyCheck{Fingerprint: partnerKey.Fingerprint, Verdict: "match", Message: "the partner's MISP publishes the same key at /gpg.asc", At: now.Add(-s.paired)},
			EgressAddresses:      []string{"198.51.100.7", "2001:db8:10::7"},
			NotificationSettings: notify,
			OnOurMISP: store.OnOurMISP{
				Org:           store.ObjectRef{ID: fmt.Sprint(org.ID), Outcome: store.Created},
				SyncUser:      store.ObjectRef{ID: fmt.Sprint(user.ID), Outcome: store.Created},
				SyncUserEmail: user.Email,
				Server:        store.ObjectRef{ID: fmt.Sprint(srv.ID), Outcome: store.Created},
			},
			MintedKeys: []store.MintedKey{{ID: fmt.Sprint(10 + i), Comment: "MISPbump pairing " + now.Add(-s.paired).Format("2006-01-02"), UserID: fmt.Sprint(user.ID), Minted: now.Add(-s.paired)}},
			Push:       s.push, Pull: true, PairedAt: now.Add(-s.paired), LastTest: s.test,
			// As the pairing read the entry back from MISP.
			ServerSettings: &store.ServerSettings{Push: s.push, Pull: true, PublishWithoutEmail: true,
				PushRules: `{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}`,
				PullRules: `{"tags":{"OR":["tlp:clear"],"NOT":[]},"orgs":{"OR":[],"NOT":[]},"type_attributes":{"NOT":[]},"type_objects":{"NOT":[]},"url_params":""}`,
				ReadAt:    now.Add(-s.paired)},
		})
	}
	// The first pairing replaced an earlier one whose key still waits
	// for the partner's confirmation.
	out[0].KeysPendingRevocation = []store.MintedKey{{ID: "7", Comment: "MISPbump pairing " + now.Add(-90*24*time.Hour).Format("2006-01-02"), UserID: out[0].OnOurMISP.SyncUser.ID, Minted: now.Add(-90 * 24 * time.Hour)}}
	return out
}

// pending are two unfinished pairings on the internal MISP: one holds the
// partner's key and can finish alone, one needs a new exchange. The key is
// a made-up placeholder; the app never shows it.
func pending() []store.PendingPairing {
	now := time.Now().UTC()
	return []store.PendingPairing{
		{ID: "pending-1", ProfileID: "internal", StartedAt: now.Add(-3 * time.Hour), UpdatedAt: now.Add(-3 * time.Hour),
			Partner: store.Partner{Org: store.PartnerOrg{Name: "Tailspin Toys CERT", UUID: "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}, Pull: true,
				OnOurMISP: store.OnOurMISP{Org: store.ObjectRef{ID: "21", Outcome: store.Created}, SyncUser: store.ObjectRef{ID: "31", Outcome: store.Created}}},
			Creds:     &store.PartnerCreds{SyncAuthkey: "placeholderNeverShown0000000000000000000", SyncUserEmail: "sync-cert@tailspin.example"},
			StepsDone: []string{session.StepOrg, session.StepSyncUser, session.StepKey}},
		{ID: "pending-2", ProfileID: "internal", StartedAt: now.Add(-26 * time.Hour), UpdatedAt: now.Add(-26 * time.Hour),
			Partner:   store.Partner{Org: store.PartnerOrg{Name: "Woodgrove Bank SOC", UUID: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"}},
			StepsDone: []string{session.StepOrg}},
	}
}
