package notify

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// pairUntilInfo runs two pairing sides face to face until each holds the
// other's INFO. Each side's admin confirms the SAS with its own INFO.
func pairUntilInfo(t *testing.T, infoA, infoB pairing.Info) (gotByA, gotByB pairing.Info) {
	t.Helper()
	a, err := pairing.New(pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pairing.New(pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(from, to *pairing.Side) {
		for _, q := range from.Display() {
			if _, err := to.Receive(q); err != nil {
				t.Fatalf("receive: %v", err)
			}
		}
	}
	for range 20 {
		deliver(a, b)
		deliver(b, a)
		for _, s := range []struct {
			side *pairing.Side
			info pairing.Info
		}{{a, infoA}, {b, infoB}} {
			if s.side.State() == pairing.StateCompare {
				if err := s.side.Confirm(s.info); err != nil {
					t.Fatal(err)
				}
			}
		}
		ia, okA := a.PartnerInfo()
		ib, okB := b.PartnerInfo()
		if okA && okB {
			return ia, ib
		}
	}
	t.Fatalf("INFO not exchanged: a %v, b %v", a.State(), b.State())
	return
}

func info(name string) pairing.Info {
	return pairing.Info{
		Org:          pairing.Organisation{UUID: "8694ac8a-d01d-40bb-bca1-43d7d550a54" + name, Name: "Org-" + name},
		AdminEmail:   "admin@org-" + strings.ToLower(name) + ".test",
		URL:          "https://misp.org-" + strings.ToLower(name) + ".test",
		InstanceUUID: "7c2a9a8e-0000-4000-8000-00000000000" + name,
		MISPVersion:  "2.5.1",
	}
}

// TestRoundTripThroughPairing: settings entered on one side arrive intact in
// the partner's PartnerInfo; a side that sends none arrives as none, and the
// details view then says "not provided".
func TestRoundTripThroughPairing(t *testing.T) {
	settings := Normalize(sample())
	if err := Validate(settings); err != nil {
		t.Fatal(err)
	}
	infoA := info("a")
	infoA.Notifications = &settings
	infoB := info("b") // B sends none

	gotByA, gotByB := pairUntilInfo(t, infoA, infoB)

	if gotByB.Notifications == nil || !reflect.DeepEqual(*gotByB.Notifications, settings) {
		t.Fatalf("B received %+v\nA sent     %+v", gotByB.Notifications, settings)
	}
	if gotByA.Notifications != nil {
		t.Fatalf("A received settings B never sent: %+v", gotByA.Notifications)
	}

	// As the session keeps them in the partner record (JSON of the
	// structure), they decode to the same value and validate.
	raw, err := json.Marshal(gotByB.Notifications)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := Decode(raw)
	if err != nil || !reflect.DeepEqual(*stored, settings) || Validate(*stored) != nil {
		t.Fatalf("stored copy: %v %+v", err, stored)
	}
	none, err := Decode(nil)
	if err != nil || Describe(none)[0].Value != NotProvided {
		t.Fatalf("partner without settings: %v %+v", err, Describe(none))
	}
}
