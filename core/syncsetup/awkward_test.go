package syncsetup

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// Each test here starts from a state real instances have and checks what
// the setup does with it.

func TestWriteSavedBefore500IsFoundNotRepeated(t *testing.T) {
	for _, path := range []string{"/admin/organisations/add", "/admin/users/add", "/servers/add"} {
		t.Run(path, func(t *testing.T) {
			a, b := twoSides(t)
			rb, err := b.setup.BeforeCreds(ctx, a.partner())
			if err != nil {
				t.Fatal(err)
			}
			before := a.counts()
			a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500AfterSave, Method: "POST", PathPrefix: path})
			res, err := runSide(a, b.partner(), Creds{Authkey: rb.User.Authkey})
			if err != nil {
				t.Fatalf("run with a saved-then-500 %s: %v", path, err)
			}
			if got := a.counts(); got != (counts{before.orgs + 1, before.users + 1, before.servers + 1}) {
				t.Fatalf("counts %+v from %+v", got, before)
			}
			if !strings.Contains(strings.Join(res.Notes(), " "), "saved") {
				t.Errorf("the result does not say what happened: %v", res.Notes())
			}
			if !res.Test.OK {
				t.Errorf("test after recovery: %+v", res.Test)
			}
		})
	}
}

func TestSeveralUsersMatchBySubstring(t *testing.T) {
	a, b := twoSides(t)
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	email := SyncUserEmail(b.login.InstanceUUID)
	decoys := a.sim.SeedSubstringUsers(email, org.ID)
	ra, _ := pair(t, a, b)
	if !ra.User.Created || ra.User.Email != email {
		t.Fatalf("%+v", ra.User)
	}
	for _, d := range decoys {
		if string(ra.User.ID) == itoa(d.ID) {
			t.Fatal("a substring match was taken for the sync user")
		}
	}
	ra2, _ := pair(t, a, b)
	if ra2.User.Created || ra2.User.ID != ra.User.ID {
		t.Fatalf("re-run did not find the exact user among substring matches: %+v", ra2.User)
	}
}

func TestTwoServersShareOneURL(t *testing.T) {
	a, b := twoSides(t)
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	dups := a.sim.SeedDuplicateServers(b.url, org.ID, strings.Repeat("z", 40))
	// An entry to the same URL for another organisation must not match.
	other := a.sim.AddOrg(mispsim.Org{Name: "Someone else", Local: false})
	a.sim.AddServer(mispsim.Server{Name: "other org", URL: b.url, RemoteOrgID: other.ID, Authkey: strings.Repeat("w", 40)})
	n := len(a.sim.Servers())
	ra, _ := pair(t, a, b)
	if ra.Server.Created || string(ra.Server.ID) != itoa(dups[0].ID) || len(a.sim.Servers()) != n {
		t.Fatalf("server %+v, %d entries (was %d)", ra.Server, len(a.sim.Servers()), n)
	}
	if !strings.Contains(strings.Join(ra.Notes(), " "), "2 server entries") {
		t.Errorf("the decision is not reported: %v", ra.Notes())
	}
	for _, s := range a.sim.Servers() {
		if s.ID == dups[0].ID && (s.Push != dups[0].Push || s.Pull != dups[0].Pull || s.Authkey == dups[0].Authkey) {
			t.Errorf("update-key-only changed more than the key, or not the key: %+v", s)
		}
		if s.ID == dups[1].ID && s.Authkey != dups[1].Authkey {
			t.Error("the second entry was changed too")
		}
	}
}

func TestCreateNewServerPolicyIsStillIdempotentOnResume(t *testing.T) {
	a, b := twoSides(t)
	pol := localPolicy()
	pol.ExistingServer = ServerCreateNew
	a.setup.Policy = pol
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	a.sim.AddServer(mispsim.Server{Name: "old", URL: b.url, RemoteOrgID: org.ID, Authkey: strings.Repeat("z", 40)})
	ra, _ := pair(t, a, b)
	if !ra.Server.Created || len(a.sim.Servers()) != 2 {
		t.Fatalf("create-new: %+v, %d entries", ra.Server, len(a.sim.Servers()))
	}
	// Resuming the same pairing (same record) updates the entry it made.
	if err := a.setup.EnsureServer(ctx, ra, Creds{Authkey: Secret(strings.Repeat("q", 40))}); err != nil {
		t.Fatal(err)
	}
	if len(a.sim.Servers()) != 2 || !ra.Server.Created || !ra.Server.KeyUpdated {
		t.Fatalf("resume with create-new made another entry: %d, %+v", len(a.sim.Servers()), ra.Server)
	}
}

func TestExistingExternalOrgIsReused(t *testing.T) {
	a, b := twoSides(t)
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	ra, _ := pair(t, a, b)
	if ra.Org.Created || string(ra.Org.ID) != itoa(org.ID) || ra.Org.Local {
		t.Fatalf("%+v", ra.Org)
	}
	if !strings.Contains(strings.Join(ra.Notes(), " "), "local: false") {
		t.Errorf("notes %v", ra.Notes())
	}
}

func TestDisabledSyncUserIsReEnabledOnlyIfTheAppDisabledIt(t *testing.T) {
	a, b := twoSides(t)
	org := a.sim.SeedExternalOrg(b.login.HostOrg.Name, b.login.HostOrg.UUID)
	email := SyncUserEmail(b.login.InstanceUUID)
	u, _ := a.sim.SeedSyncUser(email, org.ID, true)
	disabled := func() bool {
		for _, x := range a.sim.Users() {
			if x.ID == u.ID {
				return x.Disabled
			}
		}
		t.Fatal("user gone")
		return false
	}

	// Disabled by someone else: stop, say so, touch nothing.
	keys := len(a.keysOf(misp.ID(itoa(u.ID))))
	a.setup.ReuseOrgUUID = b.login.HostOrg.UUID // the admin vouched for the partner
	res, err := a.setup.BeforeCreds(ctx, b.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "The sync user "+email) ||
		!strings.Contains(err.Error(), "disabled in MISP by someone else") || !strings.Contains(err.Error(), "Administration → List users") {
		t.Fatalf("got %v", err)
	}
	if !disabled() || len(a.keysOf(misp.ID(itoa(u.ID)))) != keys || (res.User != nil && res.User.Authkey != "") {
		t.Fatalf("a user someone else disabled was changed: disabled=%v user=%+v", disabled(), res.User)
	}

	// The caller's records say the app disabled it: enable it again.
	a.setup.DisabledByApp = []misp.ID{"999", misp.ID(itoa(u.ID))}
	ra, _ := pair(t, a, b)
	if ra.User.Created || !ra.User.ReEnabled || string(ra.User.ID) != itoa(u.ID) || !ra.Test.OK || disabled() {
		t.Fatalf("%+v disabled=%v", ra.User, disabled())
	}
}

func TestRemoveThenRepairWithTheRecordReEnables(t *testing.T) {
	a, b := twoSides(t)
	ra, _ := pair(t, a, b)
	if err := a.setup.Remove(ctx, ra, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if !ra.User.DisabledByApp {
		t.Fatal("Remove did not record that the app disabled the user")
	}
	rec, err := json.Marshal(ra)
	if err != nil || !strings.Contains(string(rec), `"disabled_by_app":true`) {
		t.Fatalf("record %s %v", rec, err)
	}
	var back Result
	if err := json.Unmarshal(rec, &back); err != nil {
		t.Fatal(err)
	}
	// The record from the earlier pairing is passed in: the user is ours.
	if err := a.setup.EnsureSyncUser(ctx, &back); err != nil {
		t.Fatal(err)
	}
	if !back.User.ReEnabled || back.User.ID != ra.User.ID || back.User.Authkey == "" {
		t.Fatalf("%+v", back.User)
	}
	// A fresh Result with no record and no DisabledByApp: a conflict.
	if err := a.setup.Remove(ctx, &back, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = a.setup.BeforeCreds(ctx, b.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("without a record: %v", err)
	}
}

func TestUserInWrongOrgOrRoleIsAConflict(t *testing.T) {
	a, b := twoSides(t)
	email := SyncUserEmail(b.login.InstanceUUID)
	a.sim.AddUser(mispsim.User{Email: email, OrgID: 1, RoleID: mispsim.RoleSyncUser})
	_, err := a.setup.BeforeCreds(ctx, b.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "belongs to organisation") || !strings.Contains(err.Error(), "Move that user") {
		t.Fatalf("user in another org: %v", err)
	}

	a2, b2 := twoSides(t)
	org := a2.sim.SeedExternalOrg(b2.login.HostOrg.Name, b2.login.HostOrg.UUID)
	a2.sim.AddUser(mispsim.User{Email: SyncUserEmail(b2.login.InstanceUUID), OrgID: org.ID, RoleID: mispsim.RoleUser})
	a2.setup.ReuseOrgUUID = org.UUID // the admin vouched for the partner
	_, err = a2.setup.BeforeCreds(ctx, b2.partner())
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cannot sync") {
		t.Fatalf("user with a non-sync role: %v", err)
	}
	if len(a2.sim.Servers()) != 0 {
		t.Error("something was written after the conflict")
	}
}

func TestSyncRoleWithoutPermAuth(t *testing.T) {
	// A role that syncs but has no API access is never chosen.
	a, b := twoSides(t)
	noAPI := a.sim.SeedSyncRoleWithoutAuth()
	ra, _ := pair(t, a, b)
	if string(ra.User.RoleID) == itoa(noAPI.ID) || ra.User.RoleName != "Sync user" {
		t.Fatalf("picked %+v", ra.User)
	}
	// With the only sync role stripped of perm_auth there is nothing to
	// choose: a conflict that says what to fix, and no user is made.
	a2, b2 := twoSides(t)
	if err := a2.sim.SetRolePerm(mispsim.RoleSyncUser, "perm_auth", false); err != nil {
		t.Fatal(err)
	}
	users := len(a2.sim.Users())
	_, err := a2.setup.BeforeCreds(ctx, b2.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "perm_auth") {
		t.Fatalf("%v", err)
	}
	if len(a2.sim.Users()) != users {
		t.Error("a user was made without a usable role")
	}
}

func TestAdvancedAuthkeysOff(t *testing.T) {
	a := newSide(t, mispsim.Config{Name: "A", HostOrgName: "Org-A", DisableAdvancedAuthkeys: true}, localPolicy())
	b := newSide(t, mispsim.Config{Name: "B", HostOrgName: "Org-B"}, localPolicy())
	if a.login.AdvancedAuthkeys {
		t.Fatal("login did not see advanced authkeys off")
	}
	ra, rb := pair(t, a, b)
	if ra.User.KeyID != "" || ra.User.Authkey == "" || !rb.Test.OK {
		t.Fatalf("first pairing: %+v / B's test %+v", ra.User, rb.Test)
	}
	ra2, rb2 := pair(t, a, b)
	if !ra2.User.KeyReset || ra2.User.Created || !rb2.Test.OK {
		t.Fatalf("re-pairing: %+v / B's test %+v", ra2.User, rb2.Test)
	}
	if a.sim.KeyWorks(ra.User.Authkey.Reveal()) || !a.sim.KeyWorks(ra2.User.Authkey.Reveal()) {
		t.Error("reset did not replace the single key")
	}
	if revoked, err := a.setup.RevokeOldKeys(ctx, ra2); err != nil || len(revoked) != 0 {
		t.Errorf("revoke with legacy keys: %v %v", revoked, err)
	}
}

func TestHostOrgSetting(t *testing.T) {
	// "0" (fresh instance): the admin's org is the host org.
	a := newSide(t, mispsim.Config{HostOrgName: "Org-A"}, localPolicy())
	if a.login.HostOrgSet || a.login.HostOrg.ID != a.login.Org.ID {
		t.Errorf("host_org_id 0: %+v", a.login.HostOrg)
	}
	// Set to another org: that one is announced.
	other := a.sim.SeedHostOrgElsewhere()
	a.relogin(t, localPolicy())
	if !a.login.HostOrgSet || string(a.login.HostOrg.ID) != itoa(other.ID) || a.login.HostOrg.ID == a.login.Org.ID {
		t.Errorf("host_org_id elsewhere: %+v", a.login.HostOrg)
	}
}

func TestReadOnlyKeyIsRefusedAtLogin(t *testing.T) {
	sim := mispsim.New(mispsim.Config{})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	c, _ := misp.New(url, sim.ReadOnlyKey(), misp.Options{})
	_, err = c.Login(ctx)
	if !misp.IsKind(err, misp.KindNotSiteAdmin) || !strings.Contains(err.Error(), "read-only key") {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), sim.ReadOnlyKey()) {
		t.Fatal("key in message")
	}
}

func TestOrgNameTakenByAnotherUUID(t *testing.T) {
	a, b := twoSides(t)
	a.sim.SeedOrgNameTaken(b.login.HostOrg.Name)
	ra, _ := pair(t, a, b)
	want := b.login.HostOrg.Name + " (" + b.login.HostOrg.UUID[:8] + ")"
	if !ra.Org.Created || !ra.Org.Renamed || ra.Org.Name != want || ra.Org.UUID != b.login.HostOrg.UUID {
		t.Fatalf("%+v, want name %q", ra.Org, want)
	}
	if !strings.Contains(strings.Join(ra.Notes(), " "), "created as \""+want) {
		t.Errorf("the rename is not reported: %v", ra.Notes())
	}
	orgs := len(a.sim.Orgs())
	ra2, _ := pair(t, a, b)
	if ra2.Org.Created || ra2.Org.ID != ra.Org.ID || len(a.sim.Orgs()) != orgs {
		t.Fatal("re-run made a second org for the partner")
	}

	// Policy "fail": a conflict, nothing written.
	a2, b2 := twoSides(t)
	pol := localPolicy()
	pol.NameClash = NameClashFail
	a2.setup.Policy = pol
	a2.sim.SeedOrgNameTaken(b2.login.HostOrg.Name)
	orgs = len(a2.sim.Orgs())
	_, err := a2.setup.BeforeCreds(ctx, b2.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Rename that organisation") || len(a2.sim.Orgs()) != orgs {
		t.Fatalf("%v", err)
	}
}

func TestSameOrganisationMode(t *testing.T) {
	shared := "5a4e0000-1111-4222-8333-444455556666"
	pol := localPolicy()
	pol.SameOrganisation = true
	a := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, pol)
	b := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, pol)
	ra, rb := pair(t, a, b)
	if ra.Org.Created || !ra.Server.Internal || !rb.Server.Internal || !ra.Test.OK {
		t.Fatalf("same-org: %+v %+v %+v", ra.Org, ra.Server, ra.Test)
	}
	// Without host_org_id the mode is refused before anything is written.
	c := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared}, pol)
	d := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, pol)
	rc, err := c.setup.BeforeCreds(ctx, d.partner())
	if err != nil {
		t.Fatal(err)
	}
	err = c.setup.AfterCreds(ctx, rc, Creds{Authkey: Secret(strings.Repeat("k", 40))})
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "MISP.host_org_id") || len(c.sim.Servers()) != 0 {
		t.Fatalf("%v", err)
	}
}

func TestPartnerCertificateIsSubmitted(t *testing.T) {
	a := newSide(t, mispsim.Config{HostOrgName: "Org-A"}, localPolicy())
	bsim := mispsim.New(mispsim.Config{HostOrgName: "Org-B"})
	burl, err := bsim.StartTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer bsim.Close()
	fp, err := misp.FetchCertificate(ctx, burl, misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc, _ := misp.New(burl, bsim.AdminKey(), misp.Options{PinnedSHA256: fp.SHA256})
	binfo, err := bc.Login(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := &side{sim: bsim, url: burl, client: bc, login: binfo, setup: &Setup{Client: bc, Login: binfo, Policy: localPolicy()}}
	pb := b.partner()
	pb.CertificatePEM = string(bsim.CertificatePEM())
	rb, err := b.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		t.Fatal(err)
	}
	ra, err := runSide(a, pb, Creds{Authkey: rb.User.Authkey})
	if err != nil {
		t.Fatalf("A -> B over TLS with the submitted certificate: %v", err)
	}
	sv := a.sim.Servers()[0]
	if sv.SelfSigned || sv.SubmittedCertPEM == "" || !ra.Test.OK {
		t.Errorf("entry %+v test %+v", sv, ra.Test)
	}
}

func TestSelfPairingRefused(t *testing.T) {
	a := newSide(t, mispsim.Config{HostOrgName: "Org-A"}, localPolicy())
	_, err := a.setup.BeforeCreds(ctx, a.partner())
	if !strings.Contains(fmt.Sprint(err), "our own MISP") || len(a.sim.Orgs()) != 1 {
		t.Fatalf("%v", err)
	}
}

func TestWrongPartnerInstanceFailsTheTest(t *testing.T) {
	a, b := twoSides(t)
	rb, err := b.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		t.Fatal(err)
	}
	p := b.partner()
	p.InstanceUUID = "00000000-0000-4000-8000-000000000000" // as if the URL led elsewhere
	ra, err := runSide(a, p, Creds{Authkey: rb.User.Authkey})
	var ce *misp.ConnectionError
	if !errors.As(err, &ce) || ra.Test == nil || ra.Test.OK || !strings.Contains(err.Error(), "another MISP") {
		t.Fatalf("%v %+v", err, ra.Test)
	}
}

func itoa(n int) string { return fmt.Sprint(n) }

func TestServerNameChoice(t *testing.T) {
	a, b := twoSides(t)
	pol := localPolicy()
	pol.ServerName = "B via MISPbump"
	a.setup.Policy = pol
	ra, _ := pair(t, a, b)
	if ra.Server.Name != "B via MISPbump" || a.sim.Servers()[0].Name != "B via MISPbump" {
		t.Fatalf("%+v", ra.Server)
	}
}

func TestSameOrganisationIsNeverAnAccident(t *testing.T) {
	shared := "5a4e0000-1111-4222-8333-444455556666"
	a := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, localPolicy())
	b := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, localPolicy())
	users := len(a.sim.Users())
	_, err := a.setup.BeforeCreds(ctx, b.partner())
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "same-organisation mode") || len(a.sim.Users()) != users {
		t.Fatalf("same org without the mode: %v", err)
	}
	c, d := twoSides(t)
	pol := localPolicy()
	pol.SameOrganisation = true
	c.setup.Policy = pol
	if _, err := c.setup.BeforeCreds(ctx, d.partner()); !errors.As(err, &ce) {
		t.Fatalf("same-org mode with another org: %v", err)
	}
}

func TestResumeWithRecordKeepsWhatWasCreated(t *testing.T) {
	a, b := twoSides(t)
	rb, err := b.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		t.Fatal(err)
	}
	remove := a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, PathPrefix: "/servers/testConnection"})
	res, err := runSide(a, b.partner(), Creds{Authkey: rb.User.Authkey})
	remove()
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepTest || !res.Server.Created {
		t.Fatalf("first run: %v %+v", err, res.Server)
	}
	servers := len(a.sim.Servers())
	if err := a.setup.AfterCreds(ctx, res, Creds{Authkey: rb.User.Authkey}); err != nil {
		t.Fatal(err)
	}
	if !res.Server.Created || !res.Test.OK || len(a.sim.Servers()) != servers {
		t.Fatalf("resume: %+v %+v, %d entries (was %d)", res.Server, res.Test, len(a.sim.Servers()), servers)
	}
}

// sameOrgSides is two instances of one organisation, MISP.host_org_id set
// on both, in same-organisation mode.
func sameOrgSides(t *testing.T) (*side, *side) {
	t.Helper()
	shared := "5a4e0000-1111-4222-8333-444455556666"
	pol := localPolicy()
	pol.SameOrganisation = true
	a := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, pol)
	b := newSide(t, mispsim.Config{HostOrgName: "Org-S", HostOrgUUID: shared, HostOrgIDSet: true}, pol)
	return a, b
}

func TestSameOrganisationMakesAnExistingEntryInternal(t *testing.T) {
	a, b := sameOrgSides(t)
	orgID := mustInt(a.login.HostOrg.ID)
	old := a.sim.AddServer(mispsim.Server{Name: "old link", URL: b.url, RemoteOrgID: int(orgID), Authkey: strings.Repeat("o", 40), Pull: true})
	ra, _ := pair(t, a, b)
	if ra.Server.Created || string(ra.Server.ID) != itoa(old.ID) || !ra.Server.KeyUpdated || !ra.Server.Internal || !ra.Test.OK {
		t.Fatalf("server %+v test %+v", ra.Server, ra.Test)
	}
	for _, sv := range a.sim.Servers() {
		if sv.ID == old.ID && (!sv.Internal || !sv.Pull || sv.Name != "old link") {
			t.Errorf("entry after update: %+v", sv)
		}
	}
}

func TestSameOrganisationInternalDroppedIsATypedError(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			a, b := sameOrgSides(t)
			orgID := int(mustInt(a.login.HostOrg.ID))
			if existing {
				a.sim.AddServer(mispsim.Server{Name: "old link", URL: b.url, RemoteOrgID: orgID, Authkey: strings.Repeat("o", 40), Pull: true})
			}
			// The login saw host_org_id = the shared org; someone changed
			// it since, so MISP drops "internal" from what we send.
			a.sim.SeedHostOrgElsewhere()
			res, err := runSide(a, b.partner(), Creds{Authkey: Secret(strings.Repeat("k", 40))})
			var ie *InternalNotKeptError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), "set MISP.host_org_id to "+itoa(orgID)) {
				t.Fatalf("got %v", err)
			}
			if res.Server == nil || res.Server.Internal || res.Server.Created == existing {
				t.Errorf("server %+v", res.Server)
			}
			if n := len(a.sim.Servers()); n != 1 {
				t.Errorf("%d server entries, want 1", n)
			}
		})
	}
}
