package notify

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
)

// TestRoundTripThroughSession: the whole way — A's settings in its Choices,
// INFO over the QR path (virtual cameras), B's partner record in B's store —
// and A's record of B, which sent none, keeps none.
func TestRoundTripThroughSession(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pairing over the QR path")
	}
	side := func(name string) session.LocalSide {
		sim := mispsim.New(mispsim.Config{Name: name, HostOrgName: "Org-" + name})
		url, err := sim.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sim.Close() })
		c, err := misp.New(url, sim.AdminKey(), misp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		login, err := c.Login(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st, _ := storetest.New(t)
		return session.LocalSide{Name: name, Client: c, Login: login, Store: st, ProfileID: "p" + name, Choices: session.DemoChoices()}
	}
	a, b := side("a"), side("b")
	settings := Normalize(sample())
	a.Choices.Notifications = &settings

	rep, res := session.PairLocally(context.Background(), a, b, session.LocalOptions{Timeout: 90 * time.Second})
	if !rep.OK {
		t.Fatalf("pairing failed: %+v / %+v", res[0], res[1])
	}
	partnerOf := func(st *store.Store) store.Partner {
		d := st.Snapshot()
		if len(d.Partners) != 1 {
			t.Fatalf("%d partner records", len(d.Partners))
		}
		return d.Partners[0]
	}
	got := partnerOf(b.Store).NotificationSettings
	if got == nil || !reflect.DeepEqual(*got, settings) {
		t.Fatalf("B's record: %+v\nA sent %+v", got, settings)
	}
	if err := Validate(*got); err != nil {
		t.Fatal(err)
	}
	none := partnerOf(a.Store).NotificationSettings
	if none != nil || Describe(none)[0].Value != NotProvided {
		t.Fatalf("A's record of B: %+v", none)
	}
}
