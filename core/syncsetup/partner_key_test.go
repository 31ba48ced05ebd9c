package syncsetup

import (
	"errors"
	"strings"
	"testing"
)

// The partner's key is their word, even after a matching SAS: only a MISP
// key's form (40 ASCII letters and digits) goes to our MISP; anything else
// stops before any call, and the words do not repeat it.
func TestPartnerKeyOfAnotherFormIsNotSent(t *testing.T) {
	a, b := twoSides(t)
	p := b.partner()
	a.setup.ReuseOrgUUID = p.OrgUUID
	res, err := a.setup.BeforeCreds(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"",
		strings.Repeat("k", 32),
		strings.Repeat("k", 39),
		strings.Repeat("k", 41),
		strings.Repeat("k", 39) + "-",
		strings.Repeat("k", 39) + "\n",
		strings.Repeat("k", 38) + "é",
		strings.Repeat("k", 20) + " OR 1=1 " + strings.Repeat("k", 12),
	} {
		before := a.client.Requests()
		err := a.setup.EnsureServer(ctx, res, Creds{Authkey: Secret(key)})
		var conflict *ConflictError
		if !errors.As(err, &conflict) {
			t.Errorf("%d-byte key: %v, want a ConflictError", len(key), err)
			continue
		}
		if n := a.client.Requests() - before; n != 0 {
			t.Errorf("%d-byte key: %d requests sent to our MISP", len(key), n)
		}
		if key != "" && strings.Contains(err.Error(), key) {
			t.Errorf("%d-byte key: the words repeat it", len(key))
		}
	}
	if n := len(a.sim.Servers()); n != 0 {
		t.Errorf("%d server entries made", n)
	}
	// The form MISP issues is taken.
	if err := a.setup.EnsureServer(ctx, res, Creds{Authkey: Secret(strings.Repeat("K7", 20))}); err != nil {
		t.Fatalf("a 40-character key: %v", err)
	}
}
