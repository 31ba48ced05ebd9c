package mispsim

import (
	"strings"
	"testing"
	"time"
)

// secondPairRecordings were made against the later pair of MISP 2.5.1
// instances ("CERT-Alpha"/"CSIRT-Beta", ../shared/misp-pair): 105–111 and
// 125 copied from the shared recordings, 170–180 recorded for issue 14. Their
// ids and keys belong to that pair, so TestContractSecondPair replays them
// against a simulator seeded as that pair was, not in the main replay.
var secondPairRecordings = map[string]bool{
	"105": true, "106": true, "107": true, "108": true, "109": true, "110": true, "111": true, "125": true,
	"170": true, "171": true, "172": true, "173": true, "174": true, "175": true, "176": true, "177": true,
	"178": true, "179": true, "180": true,
}

// The date the recorded expiring keys expire (107, 108, 179, 180).
var recordedKeyExpiry = time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)

// newSecondPairReplayer starts A as the pair's instance A was before 105:
// user 4 "rec-readonly@alpha.test" (role Read Only, host org) with its own
// key and a key expiring on 2027-06-30, a server entry 3 whose URL does not
// answer, a read-only key and an expiring key of the site admin; and B, a
// plain-HTTP MISP whose port 177 reaches with https://.
func newSecondPairReplayer(t testing.TB) *replayer {
	t.Helper()
	a := New(Config{Name: "A", HostOrgName: "CERT-Alpha"})
	b := New(Config{Name: "B", HostOrgName: "CSIRT-Beta"})
	aURL, err := a.Start()
	if err != nil {
		t.Fatal(err)
	}
	bURL, err := b.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	// That pair was installed with `cake User init`: its host org has
	// restricted_to_domain null (not [] as on the first pair) and its
	// admin needs no password change (105, 171).
	for _, s := range []*Sim{a, b} {
		s.mu.Lock()
		s.orgs[s.hostOrg].RestrictedTo = nil
		s.users[s.adminID].ChangePw = false
		s.mu.Unlock()
	}

	ro, roKey := a.AddUser(User{Email: "rec-readonly@alpha.test", RoleID: RoleReadOnly, TermsAccepted: true})
	_, expiringKey, err := a.AddAuthKey(ro.ID, AuthKeyOptions{Comment: "rec expiring key", Expiration: recordedKeyExpiry})
	if err != nil {
		t.Fatal(err)
	}
	_, adminExpiringKey, err := a.AddAuthKey(a.AdminUserID(), AuthKeyOptions{Comment: "rec expiring admin key", Expiration: recordedKeyExpiry})
	if err != nil {
		t.Fatal(err)
	}
	closed := closedURL(t)
	unreachable := a.AddServer(Server{Name: "rec unreachable", URL: closed, RemoteOrgID: 1, Authkey: NewKey()})

	return &replayer{t: t, a: a, b: b, aURL: aURL, bURL: bURL,
		keys: map[string]string{
			"KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": a.AdminKey(),
			"KEYADMIN2xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": b.AdminKey(),
			"KEYREADONLY1xxxxxxxxxxxxxxxxxxxxxxxxxxxx": roKey,
			"KEYEXPIRING1xxxxxxxxxxxxxxxxxxxxxxxxxxxx": expiringKey,
			"KEYROADMIN2xxxxxxxxxxxxxxxxxxxxxxxxxxxxx": a.ReadOnlyKey(),
			"KEYEXPADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxx": adminExpiringKey,
		},
		ids: map[string]map[string]map[string]string{
			"A": {"User": {"4": itoa(ro.ID)}, "Server": {"3": itoa(unreachable.ID)}},
			"B": {},
		},
		urls: map[string]string{
			"http://127.0.0.1:8081": aURL, "http://127.0.0.1:8082": bURL,
			"https://127.0.0.1:8082": "https://" + strings.TrimPrefix(bURL, "http://"),
		},
	}
}

func itoa(n int) string { return idStr(n) }

// TestContractSecondPair holds the simulator to the recordings of the later
// pair: a read-only role's and a read-only key's view of themselves (105,
// 106, 171–175), the key-expiry header on every answer (108, 179, 180),
// users/resetauthkey with advanced authkeys and the older keys it expires
// (109, 110), getRemoteUser to an unreachable partner (111), the
// advanced-authkeys setting (125), a .invalid e-mail (176) and a TLS failure
// in testConnection (177, 178).
func TestContractSecondPair(t *testing.T) {
	p := newSecondPairReplayer(t)
	n := 0
	for _, r := range loadRecordings(t) {
		if !secondPairRecordings[r.Num] {
			continue
		}
		n++
		for _, d := range p.check(r) {
			t.Errorf("%s %s %s: %s", r.File, r.Request.Method, r.Request.Path, d)
		}
	}
	if n != len(secondPairRecordings) {
		t.Errorf("replayed %d of the %d second-pair recordings", n, len(secondPairRecordings))
	}
}

// After users/resetauthkey (109) every older key of the user is expired
// (110): the simulator must not leave them working.
func TestContractResetExpiresOlderKeys(t *testing.T) {
	p := newSecondPairReplayer(t)
	for _, num := range []string{"109", "110"} {
		if d := p.check(recordingByNum(t, num)); len(d) != 0 {
			t.Fatalf("%s: %v", num, d)
		}
	}
	for _, ph := range []string{"KEYREADONLY1xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "KEYEXPIRING1xxxxxxxxxxxxxxxxxxxxxxxxxxxx"} {
		if p.a.KeyWorks(p.keys[ph]) {
			t.Errorf("%s still works after users/resetauthkey", ph[:12])
		}
	}
}

// The contract test can fail on the second pair's points: a missing expiry
// header, a changed error text of getRemoteUser, a read-only key's reduced
// role in users/view/me.
func TestContractSecondPairDetectsChanges(t *testing.T) {
	t.Run("expiry header", func(t *testing.T) {
		p := newSecondPairReplayer(t)
		r := recordingByNum(t, "179")
		r.Response.Headers["X-Auth-Key-Expiration"] = "2028-01-01T00:00:00+00:00"
		if d := p.check(r); len(d) == 0 {
			t.Error("a different X-Auth-Key-Expiration was not detected")
		}
	})
	t.Run("getRemoteUser text", func(t *testing.T) {
		p := newSecondPairReplayer(t)
		r := recordingByNum(t, "111")
		r.Response.Body = []byte(`{"error":"Something else."}`)
		if d := p.check(r); len(d) == 0 {
			t.Error("a changed getRemoteUser error was not detected")
		}
	})
	t.Run("read-only key role", func(t *testing.T) {
		p := newSecondPairReplayer(t)
		if d := p.check(recordingByNum(t, "170")); len(d) != 0 {
			t.Fatal(d)
		}
		r := recordingByNum(t, "171")
		r.Response.Body = []byte(strings.Replace(string(r.Response.Body), `"perm_site_admin": true`, `"perm_site_admin": false`, 1))
		if d := p.check(r); len(d) == 0 {
			t.Error("a reduced role in users/view/me was not detected")
		}
	})
}
