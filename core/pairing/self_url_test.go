package pairing

import (
	"errors"
	"strings"
	"testing"
)

// The partner's INFO names our own URL, written another way (trailing slash,
// upper-case scheme or host, spaces), under another instance UUID and another
// organisation: a laptop that scanned its own MISP's announcement, or two
// profiles of one MISP. The side stops with a typed error that says so, and
// shows a sealed ABORT; it does so whether the partner's INFO comes after our
// Confirm or before it. A URL that only resembles ours pairs.
func TestSameURLStops(t *testing.T) {
	ours := testInfo("A")
	cases := []struct {
		name, partnerURL string
		same             bool
	}{
		{"trailing slash", "https://misp.a.example/", true},
		{"upper-case host", "https://MISP.A.Example", true},
		{"upper-case scheme and slashes", "HTTPS://misp.a.example//", true},
		{"surrounding spaces", "  https://misp.a.example  ", true},
		{"another host", "https://misp.a.example.org", false},
		{"another port", "https://misp.a.example:8443", false},
	}
	for _, tc := range cases {
		for _, partnerFirst := range []bool{false, true} {
			name := tc.name + "/we confirm first"
			if partnerFirst {
				name = tc.name + "/partner confirms first"
			}
			t.Run(name, func(t *testing.T) {
				a, b := newSide(t, "alice"), newSide(t, "bob")
				toKeys(t, a, b)
				partner := testInfo("B")
				partner.URL = tc.partnerURL
				if partner.InstanceUUID == ours.InstanceUUID || partner.Org.UUID == ours.Org.UUID {
					t.Fatal("setup: the partner must differ from us in all but the URL")
				}
				if err := b.Confirm(partner); err != nil {
					t.Fatalf("partner's confirm: %v", err)
				}
				var err error
				receive := func() {
					for _, q := range b.Display() {
						if _, e := a.Receive(q); e != nil {
							err = e
						}
					}
				}
				if partnerFirst {
					receive()
					if err != nil {
						t.Fatalf("the partner's INFO before our confirm: %v", err)
					}
					err = a.Confirm(ours)
				} else {
					if cerr := a.Confirm(ours); cerr != nil {
						t.Fatalf("our confirm: %v", cerr)
					}
					receive()
				}

				if !tc.same {
					if err != nil || a.State() == StateAborted {
						t.Fatalf("partner URL %q is not ours (%q), yet: %v, state %v", tc.partnerURL, ours.URL, err, a.State())
					}
					return
				}
				var pe *Error
				if !errors.As(err, &pe) || pe.Kind != KindSameInstance || !errors.Is(err, ErrSameInstance) {
					t.Fatalf("partner URL %q: error %v, want a *Error of kind SameInstance", tc.partnerURL, err)
				}
				for _, words := range []string{"same URL", "this very MISP instance", "pair two different instances"} {
					if !strings.Contains(err.Error(), words) {
						t.Errorf("error %q does not say %q", err, words)
					}
				}
				if a.State() != StateAborted {
					t.Errorf("state %v after pairing with our own URL, want aborted", a.State())
				}
				abort, ok := a.OwnAbort()
				if !ok || abort.Reason != AbortFailure || !strings.Contains(abort.Message, "same URL") {
					t.Errorf("own ABORT %+v (%v), want a failure naming the same URL", abort, ok)
				}
				// The partner reads our ABORT and learns why.
				for _, q := range a.Display() {
					_, _ = b.Receive(q)
				}
				if pa, ok := b.PartnerAbort(); !ok || !strings.Contains(pa.Message, "same URL") {
					t.Errorf("the partner got ABORT %+v (%v), want the reason", pa, ok)
				}
			})
		}
	}
}
