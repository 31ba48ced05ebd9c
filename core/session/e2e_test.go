package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"strconv"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// simSide is one simulated MISP with our client logged in.
type simSide struct {
	sim     *mispsim.Sim
	url     string
	certPEM string
	client  *misp.Client
	login   *misp.LoginInfo
}

func startSim(t testing.TB, name string, tls bool) *simSide {
	t.Helper()
	return startSimConfig(t, mispsim.Config{Name: name, HostOrgName: "Org-" + name}, tls)
}

func startSimConfig(t testing.TB, cfg mispsim.Config, tls bool) *simSide {
	t.Helper()
	sim := mispsim.New(cfg)
	var url string
	var err error
	if tls {
		url, err = sim.StartTLS()
	} else {
		url, err = sim.Start()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	s := &simSide{sim: sim, url: url}
	opts := misp.Options{}
	if tls {
		s.certPEM = string(sim.CertificatePEM())
		blk, _ := pem.Decode(sim.CertificatePEM())
		sum := sha256.Sum256(blk.Bytes)
		opts.PinnedSHA256 = hex.EncodeToString(sum[:])
	}
	s.relogin(t, opts)
	return s
}

func (s *simSide) relogin(t testing.TB, opts misp.Options) {
	t.Helper()
	c, err := misp.New(s.url, s.sim.AdminKey(), opts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.client, s.login = c, info
}

// config is a session on this simulator; the simulators listen on
// loopback, so local partner addresses are allowed.
func (s *simSide) config(profile string, st *store.Store) Config {
	ch := DefaultChoices()
	ch.AllowLocalAddresses = true
	return Config{Client: s.client, Login: s.login, Store: st, ProfileID: profile, Choices: ch, CertificatePEM: s.certPEM}
}

type simCounts struct{ orgs, users, servers, keys int }

func (s *simSide) counts() simCounts {
	return simCounts{len(s.sim.Orgs()), len(s.sim.Users()), len(s.sim.Servers()), len(s.sim.AuthKeys())}
}

// checkPaired looks at our simulator as an admin would after a pairing with
// partner: the partner's org by UUID, a sync user in it with the sync role,
// one server entry to the partner's URL with a key the partner accepts and
// remote_org_id = the partner org, and a passing connection test.
func checkPaired(t *testing.T, us, partner *simSide) (orgID, userID, serverID int) {
	t.Helper()
	var org *mispsim.Org
	for _, o := range us.sim.Orgs() {
		if o.UUID == partner.login.HostOrg.UUID {
			o := o
			if org != nil {
				t.Errorf("%s: two orgs with the partner's UUID", us.sim.URL())
			}
			org = &o
		}
	}
	if org == nil {
		t.Fatalf("%s: no org with the partner's UUID %s", us.url, partner.login.HostOrg.UUID)
	}
	email := syncsetup.SyncUserEmail(partner.login.InstanceUUID)
	var users []mispsim.User
	for _, u := range us.sim.Users() {
		if u.Email == email {
			users = append(users, u)
		}
	}
	if len(users) != 1 || users[0].OrgID != org.ID || users[0].RoleID != mispsim.RoleSyncUser || users[0].Disabled || users[0].Autoalert || users[0].Contactalert {
		t.Fatalf("sync user %s: %+v (partner org %d)", email, users, org.ID)
	}
	var servers []mispsim.Server
	for _, sv := range us.sim.Servers() {
		if misp.NormalizeURL(sv.URL) == misp.NormalizeURL(partner.url) && sv.RemoteOrgID == org.ID {
			servers = append(servers, sv)
		}
	}
	if len(servers) != 1 {
		t.Fatalf("%d server entries to the partner, want 1", len(servers))
	}
	sv := servers[0]
	if !partner.sim.KeyWorks(sv.Authkey) {
		t.Errorf("the server entry's key does not work on the partner")
	}
	if !sv.Pull || sv.Push || !sv.PublishWithoutEmail || sv.SelfSigned {
		t.Errorf("server entry flags %+v, want the defaults", sv)
	}
	if partner.certPEM != "" && sv.SubmittedCertPEM == "" {
		t.Errorf("the partner's certificate was not submitted with the entry")
	}
	ct, err := us.client.TestConnection(context.Background(), misp.ID(itoa(sv.ID)))
	if err != nil || !ct.OK(partner.login.InstanceUUID) {
		t.Errorf("testConnection: %+v %v", ct, err)
	}
	return org.ID, users[0].ID, sv.ID
}

func itoa(n int) string { return strconv.Itoa(n) }

func simPair(t *testing.T, a, b *simSide, stA, stB *store.Store, mod func(cfg *[2]Config)) (*pair, [2]*Result) {
	t.Helper()
	cfgs := [2]Config{a.config("pa", stA), b.config("pb", stB)}
	if mod != nil {
		mod(&cfgs)
	}
	p := startPair(t, pairOptions{cfg: cfgs, rejectOn: -1})
	return p, p.wait(testTimeout)
}

// vouch gives each admin's word in advance that the partner is the
// organisation their MISP already knows, as "Pair again with <org>" does.
func vouch(a, b *simSide) func(cfg *[2]Config) {
	return func(cfg *[2]Config) {
		cfg[0].Choices.ReuseOrgUUID = b.login.HostOrg.UUID
		cfg[1].Choices.ReuseOrgUUID = a.login.HostOrg.UUID
	}
}

func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, _ := storetest.New(t)
	return st
}

func TestEndToEndPairingAndRepairing(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA, stB := newStore(t), newStore(t)
	p, res := simPair(t, a, b, stA, stB, nil)
	for i, r := range res {
		if !r.OK || r.Err != nil || r.PartnerDone == nil || r.PartnerDone.Status != 1 {
			t.Fatalf("side %d: %+v\n%s", i, r, p.eventLog(i))
		}
	}
	orgA, userA, srvA := checkPaired(t, a, b)
	orgB, userB, srvB := checkPaired(t, b, a)
	for i, st := range []*store.Store{stA, stB} {
		d := st.Snapshot()
		if len(d.Partners) != 1 || len(d.Pending) != 0 {
			t.Fatalf("store %d: %d partners, %d pending", i, len(d.Partners), len(d.Pending))
		}
		pr := d.Partners[0]
		if pr.OnOurMISP.Org.Outcome != store.Created || pr.OnOurMISP.SyncUser.Outcome != store.Created || pr.OnOurMISP.Server.Outcome != store.Created {
			t.Errorf("store %d: outcomes %+v", i, pr.OnOurMISP)
		}
		if len(pr.MintedKeys) != 1 || pr.LastTest == nil || pr.LastTest.Status != 1 || len(pr.KeysPendingRevocation) != 0 {
			t.Errorf("store %d: record %+v", i, pr)
		}
		if res[i].PartnerID != pr.ID {
			t.Errorf("store %d: result names partner %q, store holds %q", i, res[i].PartnerID, pr.ID)
		}
	}
	// The keys of the first pairing, to see them revoked by the second.
	firstA := liveSyncKeys(a, userA)
	firstB := liveSyncKeys(b, userB)
	before := [2]simCounts{a.counts(), b.counts()}
	p.stop()

	// Re-pairing, from other laptops (fresh stores): same org, user and
	// server; a new key each side; the old one revoked. Each admin vouches
	// for the partner ("Pair again with <org>").
	_, res = simPair(t, a, b, newStore(t), newStore(t), vouch(a, b))
	for i, r := range res {
		if !r.OK || r.Partner.OrgCreated || r.Partner.UserCreated || r.Partner.ServerCreated {
			t.Fatalf("re-pairing side %d: %+v", i, r)
		}
		if len(r.Partner.KeysRevoked) != 1 {
			t.Errorf("re-pairing side %d revoked %v, want the first pairing's key", i, r.Partner.KeysRevoked)
		}
	}
	o2, u2, s2 := checkPaired(t, a, b)
	if o2 != orgA || u2 != userA || s2 != srvA {
		t.Errorf("A: objects changed: %d %d %d -> %d %d %d", orgA, userA, srvA, o2, u2, s2)
	}
	o2, u2, s2 = checkPaired(t, b, a)
	if o2 != orgB || u2 != userB || s2 != srvB {
		t.Errorf("B: objects changed")
	}
	after := [2]simCounts{a.counts(), b.counts()}
	for i := range 2 {
		if after[i] != before[i] {
			t.Errorf("side %d: counts %+v -> %+v (a new key replaces the old one)", i, before[i], after[i])
		}
	}
	if k := liveSyncKeys(a, userA); len(k) != 1 || k[0] == firstA[0] {
		t.Errorf("A: sync keys %v, first %v", k, firstA)
	}
	if k := liveSyncKeys(b, userB); len(k) != 1 || k[0] == firstB[0] {
		t.Errorf("B: sync keys %v, first %v", k, firstB)
	}
}

func liveSyncKeys(s *simSide, userID int) []int {
	var ids []int
	for _, k := range s.sim.AuthKeys() {
		if k.UserID == userID {
			ids = append(ids, k.ID)
		}
	}
	return ids
}

var _ = time.Second
