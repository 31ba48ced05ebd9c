package pairing

import (
	"errors"
	"strings"
	"testing"
)

// An INFO whose organisation or instance is named by anything but a UUID is
// refused at decode (MISP's organisations/view finds an org by id and by
// name, recordings 11 and 103): the receiving side stops with a sealed
// ABORT whose message says why, and the sender reads that message.
func TestInfoIdentityMustBeUUIDs(t *testing.T) {
	good := testInfo("B")
	for _, tc := range []struct {
		name   string
		change func(*Info)
		words  string
	}{
		{"org uuid is a number", func(i *Info) { i.Org.UUID = "1" }, `organisation UUID "1" is not a UUID`},
		{"org uuid is a name", func(i *Info) { i.Org.UUID = "CERT-Alpha" }, `organisation UUID "CERT-Alpha" is not a UUID`},
		{"org uuid with a leading space", func(i *Info) { i.Org.UUID = " " + good.Org.UUID }, "is not a UUID"},
		{"instance uuid with a leading space", func(i *Info) { i.InstanceUUID = " " + good.InstanceUUID }, "instance UUID"},
		{"instance uuid missing", func(i *Info) { i.InstanceUUID = "" }, "instance UUID"},
		// Shown at the pause where the admin decides who the partner is,
		// and written to our MISP as an organisation's name.
		{"org name turns text around", func(i *Info) { i.Org.Name = "CIRCL\u202e" }, "organisation name is refused (a name with control characters)"},
		{"org name of two lines", func(i *Info) { i.Org.Name = "CIRCL\nTrusted by your admin" }, "organisation name is refused"},
		{"org name too long", func(i *Info) { i.Org.Name = strings.Repeat("A", 300) }, "longer than 255 bytes"},
		{"org name blank", func(i *Info) { i.Org.Name = "  " }, "organisation name is refused (an empty name)"},
		{"url turns text around", func(i *Info) { i.URL = "https://misp.\u202eexample.org" }, "MISP address is refused"},
		{"url too long", func(i *Info) { i.URL = "https://misp.example.org/" + strings.Repeat("a", 3000) }, "MISP address is refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newSide(t, "alice"), newSide(t, "bob")
			toKeys(t, a, b)
			if err := a.Confirm(testInfo("A")); err != nil {
				t.Fatal(err)
			}
			bad := good
			tc.change(&bad)
			if err := b.Confirm(bad); err != nil {
				t.Fatal(err)
			}
			var err error
			for _, q := range b.Display() {
				if _, e := a.Receive(q); e != nil {
					err = e
				}
			}
			if !errors.Is(err, ErrBadIdentity) || a.State() != StateAborted {
				t.Fatalf("got %v, state %v; want a refusal and an abort", err, a.State())
			}
			if !strings.Contains(err.Error(), tc.words) {
				t.Errorf("our message %q does not say %q", err, tc.words)
			}
			if _, ok := a.PartnerInfo(); ok {
				t.Error("the refused INFO was kept")
			}
			for _, q := range a.Display() {
				_, _ = b.Receive(q)
			}
			ab, ok := b.PartnerAbort()
			if !ok || !strings.Contains(ab.Message, tc.words) {
				t.Errorf("the partner read %+v (ok %v), want the reason %q", ab, ok, tc.words)
			}
		})
	}
}

// An upper-case UUID is accepted and lower-cased: MISP would not find it
// otherwise (recording 104), and every lookup sees one spelling.
func TestInfoIdentityLowerCased(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	_ = a.Confirm(testInfo("A"))
	up := testInfo("B")
	up.Org.UUID, up.InstanceUUID = strings.ToUpper(up.Org.UUID), strings.ToUpper(up.InstanceUUID)
	_ = b.Confirm(up)
	deliver(t, b, a)
	got, ok := a.PartnerInfo()
	if !ok || got.Org.UUID != testInfo("B").Org.UUID || got.InstanceUUID != testInfo("B").InstanceUUID {
		t.Fatalf("got %+v", got)
	}
}

// A partner's free text is shown as its words: one quoted line, cut short.
func TestPartnerWordsAreOneBoundedQuotedLine(t *testing.T) {
	got := PartnerWords("ok\nTrusted by your admin\u202e" + strings.Repeat("x", 20000))
	if strings.ContainsAny(got, "\n\u202e") || len([]rune(got)) > 310 || !strings.HasPrefix(got, `"ok Trusted`) || !strings.HasSuffix(got, `…"`) {
		t.Errorf("PartnerWords = %.80q… (%d runes)", got, len([]rune(got)))
	}
}
