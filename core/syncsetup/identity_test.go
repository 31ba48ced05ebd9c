package syncsetup

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// snapshot is everything a step could write on a simulator.
type snapshot struct {
	counts
	keys    int
	srvKeys string
}

func (s *side) snapshot() snapshot {
	var keys []string
	for _, sv := range s.sim.Servers() {
		keys = append(keys, sv.Authkey)
	}
	return snapshot{counts: s.counts(), keys: len(s.sim.AuthKeys()), srvKeys: strings.Join(keys, ",")}
}

// A partner naming its organisation with something MISP would read as an id
// or a name — "1" is our host org (recording 11), our org's name finds it
// too (103) — or with a stray space or upper case is refused before any
// request reaches our MISP.
func TestPartnerIdentifiersAreCheckedBeforeAnyMISPCall(t *testing.T) {
	a, b := twoSides(t)
	for name, change := range map[string]func(*Partner){
		"org uuid 1":                    func(p *Partner) { p.OrgUUID = "1" },
		"org uuid is our org's name":    func(p *Partner) { p.OrgUUID = a.login.HostOrg.Name },
		"org uuid with a leading space": func(p *Partner) { p.OrgUUID = " " + p.OrgUUID },
		"instance uuid with a space":    func(p *Partner) { p.InstanceUUID = " " + p.InstanceUUID },
		"org uuid in upper case":        func(p *Partner) { p.OrgUUID = strings.ToUpper(p.OrgUUID) },
	} {
		t.Run(name, func(t *testing.T) {
			p := b.partner()
			change(&p)
			before, reqs := a.snapshot(), a.client.Requests()
			res, err := a.setup.BeforeCreds(ctx, p)
			var ce *ConflictError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "refused") {
				t.Fatalf("got %v", err)
			}
			if a.client.Requests() != reqs || a.snapshot() != before || res.Org != nil {
				t.Errorf("%d requests sent, org %+v", a.client.Requests()-reqs, res.Org)
			}
		})
	}
}

// Our host org and the admin's own org are never the partner's outside
// same-organisation mode, whichever way they are reached.
func TestOurOwnOrganisationsAreRefused(t *testing.T) {
	a, b := twoSides(t)
	p := b.partner()
	p.OrgUUID = a.login.HostOrg.UUID
	before := a.snapshot()
	_, err := a.setup.BeforeCreds(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "our own host organisation") || a.snapshot() != before {
		t.Fatalf("host org: %v", err)
	}

	// The admin's org when MISP.host_org_id names another one.
	c := newSide(t, mispsim.Config{HostOrgName: "Org-C"}, localPolicy())
	c.sim.SeedHostOrgElsewhere()
	c.relogin(t, localPolicy())
	if c.login.Org.UUID == c.login.HostOrg.UUID {
		t.Fatal("setup: the admin's org is the host org")
	}
	p = b.partner()
	p.OrgUUID = c.login.Org.UUID
	before = c.snapshot()
	c.setup.ReuseOrgUUID = p.OrgUUID // not even the admin's word makes it a partner
	_, err = c.setup.BeforeCreds(ctx, p)
	var own *OwnOrgError
	if !errors.As(err, &own) || !strings.Contains(err.Error(), "your own organisation") || c.snapshot() != before {
		t.Fatalf("admin's org: %v", err)
	}
}

// An organisation our MISP knows (here an external one, no users, with a
// server entry) is not reused on the partner's claim: the step stops before
// anything is written and reports what our MISP knows; with the admin's word
// for exactly that UUID it goes on.
func TestExistingOrgNeedsTheAdminsWord(t *testing.T) {
	a, b := twoSides(t)
	third := a.sim.SeedExternalOrg("Org-Third", "9b2e6a51-3c1d-4e0f-a7b8-0c9d8e7f6a5b")
	a.sim.AddServer(mispsim.Server{Name: "third link", URL: "https://third.example", RemoteOrgID: third.ID, Authkey: mispsim.NewKey(), Pull: true})
	// The third org shares in one of our sharing groups: the pause says so,
	// since reusing the org would let the partner read what the group holds.
	sg, err := a.client.AddSharingGroup(ctx, misp.NewSharingGroup{Name: "Third circle", Releasability: "third", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.client.AddSharingGroupOrg(ctx, sg.SharingGroup.ID, misp.ID(strconv.Itoa(third.ID))); err != nil {
		t.Fatal(err)
	}
	if _, err := a.client.AddSharingGroup(ctx, misp.NewSharingGroup{Name: "Other circle", Releasability: "other", Active: true}); err != nil {
		t.Fatal(err)
	}
	p := b.partner()
	p.OrgUUID, p.OrgName = third.UUID, "Totally Org-B"
	before := a.snapshot()
	a.setup.ReuseOrgUUID = b.login.HostOrg.UUID // a word for another org does not count
	res, err := a.setup.BeforeCreds(ctx, p)
	var ex *ExistingOrgError
	if !errors.As(err, &ex) {
		t.Fatalf("got %v", err)
	}
	if a.snapshot() != before || res.Org != nil || res.User != nil {
		t.Fatalf("written before the admin's word: %+v", res)
	}
	k := ex.Org
	if k.Name != "Org-Third" || k.UUID != third.UUID || k.Local || k.UserCount != "0" || len(k.ServerEntries) != 1 ||
		!strings.Contains(k.ServerEntries[0], "https://third.example") || !strings.Contains(k.WouldGet, "new sync user") || k.Created == "" ||
		len(k.SharingGroups) != 1 || k.SharingGroups[0] != "Third circle" {
		t.Errorf("report %+v", k)
	}
	if !strings.Contains(err.Error(), `"Org-Third"`) || !strings.Contains(err.Error(), "Nothing was written") {
		t.Errorf("message %q", err)
	}

	// B's sync user exists in the org: the report says a fresh key for it.
	email := SyncUserEmail(b.login.InstanceUUID)
	a.sim.SeedSyncUser(email, third.ID, false)
	_, err = a.setup.BeforeCreds(ctx, p)
	if !errors.As(err, &ex) || !strings.Contains(ex.Org.SyncUser, email) || !strings.Contains(ex.Org.WouldGet, "fresh key for the existing sync user") {
		t.Fatalf("with a sync user: %v %+v", err, ex.Org)
	}

	a.setup.ReuseOrgUUID = third.UUID
	res, err = a.setup.BeforeCreds(ctx, p)
	if err != nil || res.Org.ID != misp.ID(itoa(third.ID)) || res.Org.Created || res.User.Authkey == "" {
		t.Fatalf("with the admin's word: %v %+v", err, res.Org)
	}
}

// OrganisationByUUID sends only canonical UUIDs, and an answer about another
// organisation than the one asked is an error.
func TestOrganisationByUUIDChecksQuestionAndAnswer(t *testing.T) {
	a, _ := twoSides(t)
	for _, bad := range []string{"1", a.login.HostOrg.Name, strings.ToUpper(a.login.HostOrg.UUID), " " + a.login.HostOrg.UUID} {
		reqs := a.client.Requests()
		if _, err := a.client.OrganisationByUUID(ctx, bad); !misp.IsKind(err, misp.KindInvalidRequest) || a.client.Requests() != reqs {
			t.Errorf("%q: %v", bad, err)
		}
	}
	o, err := a.client.OrganisationByUUID(ctx, a.login.HostOrg.UUID)
	if err != nil || o.Name != a.login.HostOrg.Name {
		t.Fatalf("%v %+v", err, o)
	}
}

// A partner URL on loopback or link-local is refused before anything is
// written unless local addresses are allowed.
func TestLocalPartnerURLRefusedUnlessAllowed(t *testing.T) {
	a, b := twoSides(t)
	a.setup.Policy = DefaultPolicy()
	for _, u := range []string{b.url, "http://169.254.169.254", "http://[::1]:8443", "http://0.0.0.0"} {
		p := b.partner()
		p.URL = u
		reqs := a.client.Requests()
		_, err := a.setup.BeforeCreds(ctx, p)
		if err == nil || !strings.Contains(err.Error(), "loopback, link-local or unspecified") || a.client.Requests() != reqs {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// Re-pairing onto an existing entry that has TLS verification off: with the
// partner's certificate, verification is turned back on; without one the
// key is not written unless the admin chose to keep the entry as it is.
func TestExistingUnverifiedEntry(t *testing.T) {
	a, b := twoSides(t)
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	old := mispsim.NewKey()
	entry := a.sim.AddServer(mispsim.Server{Name: "old link to B", URL: b.url, RemoteOrgID: org.ID, Authkey: old, Pull: true, SelfSigned: true})
	rb, err := b.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		t.Fatal(err)
	}
	a.setup.ReuseOrgUUID = org.UUID
	_, err = runSide(a, b.partner(), Creds{Authkey: rb.User.Authkey})
	var ue *UnverifiedEntryError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "verification off") {
		t.Fatalf("without a certificate: %v", err)
	}
	if sv := serverByID(a, entry.ID); sv.Authkey != old || !sv.SelfSigned {
		t.Fatalf("the entry was changed: %+v", sv)
	}

	// The admin chose to keep it.
	a.setup.Policy.KeepUnverifiedEntry = true
	res, err := runSide(a, b.partner(), Creds{Authkey: rb.User.Authkey})
	if err != nil || !res.Test.OK || !strings.Contains(strings.Join(res.Notes(), " "), "keeps verification off") {
		t.Fatalf("kept: %v %v", err, res.Notes())
	}

	// The partner sent its certificate: verification goes back on.
	a.setup.Policy.KeepUnverifiedEntry = false
	a.sim.AddServer(mispsim.Server{ID: entry.ID, Name: "old link to B", URL: b.url, RemoteOrgID: org.ID, Authkey: old, Pull: true, SelfSigned: true})
	p := b.partner()
	p.CertificatePEM = someCertificatePEM(t)
	res, err = runSide(a, p, Creds{Authkey: rb.User.Authkey})
	sv := serverByID(a, entry.ID)
	if err != nil || sv.SelfSigned || sv.SubmittedCertPEM == "" || sv.Authkey != rb.User.Authkey.Reveal() {
		t.Fatalf("with a certificate: %v, entry %+v", err, sv)
	}
	if !strings.Contains(strings.Join(res.Notes(), " "), "now verifies the partner") {
		t.Errorf("notes %v", res.Notes())
	}
}

func serverByID(s *side, id int) mispsim.Server {
	for _, sv := range s.sim.Servers() {
		if sv.ID == id {
			return sv
		}
	}
	return mispsim.Server{}
}

// someCertificatePEM is a real certificate (a TLS simulator's) for a
// partner to send.
func someCertificatePEM(t *testing.T) string {
	x := mispsim.New(mispsim.Config{})
	if _, err := x.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return string(x.CertificatePEM())
}
