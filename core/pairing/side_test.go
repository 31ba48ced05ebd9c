package pairing

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestTwoSidesComplete(t *testing.T) {
	a, b := pair(t, "alice", "bob")
	sasA, _ := a.SAS()
	sasB, _ := b.SAS()
	if sasA != sasB {
		t.Fatalf("SAS differ: %q vs %q", sasA, sasB)
	}
	if !regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`).MatchString(sasA) {
		t.Fatalf("SAS %q is not four groups of four digits", sasA)
	}
	infoB, ok := a.PartnerInfo()
	if !ok || infoB.InstanceUUID != testInfo("B").InstanceUUID || infoB.Version != PayloadVersion {
		t.Fatalf("a got partner info %+v", infoB)
	}
	credsA, ok := b.PartnerCreds()
	if !ok || credsA.SyncUserEmail != "sync-a@example" || len(credsA.SyncAuthkey) != 40 {
		t.Fatalf("b got creds %v", credsA)
	}
	done, ok := a.PartnerDone()
	if !ok || done.Status != 1 || done.TestConnection == nil || done.TestConnection.Post != 1 {
		t.Fatalf("a got done %+v", done)
	}
	// Only DONE lingers.
	for _, s := range []*Side{a, b} {
		d := s.Display()
		if len(d) != 1 || mustInspect(t, d[0]).Round != RoundDone {
			t.Fatalf("display at the end = %v", d)
		}
	}
	if a.role == b.role {
		t.Fatal("both sides took the same role")
	}
}

func rounds(t *testing.T, s *Side) string {
	var r []string
	for _, q := range s.Display() {
		r = append(r, mustInspect(t, q).Round.String())
	}
	return strings.Join(r, ",")
}

func TestDisplayAtEveryState(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	check := func(s *Side, state State, want string) {
		t.Helper()
		if s.State() != state {
			t.Fatalf("state = %v, want %v", s.State(), state)
		}
		if got := rounds(t, s); got != want {
			t.Fatalf("in %v display = %s, want %s", state, got, want)
		}
	}
	check(a, StateCommit, "COMMIT")
	deliver(t, b, a) // a holds b's COMMIT
	check(a, StateKey, "COMMIT,KEY")
	deliver(t, a, b) // b holds a's COMMIT and a's KEY
	check(b, StateCompare, "KEY")
	if _, ok := b.SAS(); !ok {
		t.Fatal("no SAS after keys")
	}
	deliver(t, b, a)
	check(a, StateCompare, "KEY")
	if err := a.Confirm(testInfo("A")); err != nil {
		t.Fatal(err)
	}
	infoParts := len(a.out[RoundInfo])
	check(a, StateConfirmed, "KEY"+strings.Repeat(",INFO", infoParts))
	deliver(t, a, b) // b has a's INFO before its own confirm: a's INFO acknowledged b's KEY
	check(b, StateCompare, "")
	if _, ok := b.PartnerInfo(); !ok {
		t.Fatal("b did not keep a's INFO that came before its own confirm")
	}
	if err := b.SendCreds(Creds{}); !errors.Is(err, ErrNotNow) {
		t.Fatalf("creds before confirm: %v", err)
	}
	if err := b.Confirm(testInfo("B")); err != nil {
		t.Fatal(err)
	}
	check(b, StateExchange, strings.TrimPrefix(strings.Repeat(",INFO", len(b.out[RoundInfo])), ","))
	deliver(t, b, a)
	check(a, StateExchange, strings.TrimPrefix(strings.Repeat(",INFO", infoParts), ","))
	if err := a.SendCreds(Creds{SyncAuthkey: "secret", SyncUserEmail: "x@y"}); err != nil {
		t.Fatal(err)
	}
	check(a, StateExchange, strings.TrimPrefix(strings.Repeat(",INFO", infoParts), ",")+",CREDS")
	deliver(t, a, b)
	// b has not sent CREDS yet; a's CREDS acknowledged b's INFO.
	check(b, StateExchange, "")
	if err := b.SendCreds(Creds{SyncAuthkey: "secret2", SyncUserEmail: "z@y"}); err != nil {
		t.Fatal(err)
	}
	check(b, StateExchange, "CREDS")
	if err := b.SendDone(Done{Status: 1}); err != nil {
		t.Fatal(err)
	}
	check(b, StateExchange, "CREDS,DONE")
	if b.AllAcknowledged() {
		t.Fatal("b: CREDS not yet acknowledged")
	}
	deliver(t, b, a)
	// b's DONE acknowledged a's CREDS: nothing to show until a's own DONE.
	check(a, StateExchange, "")
	if !a.AllAcknowledged() {
		t.Fatal("a: b's DONE should acknowledge a's CREDS")
	}
	if err := a.SendDone(Done{Status: 1}); err != nil {
		t.Fatal(err)
	}
	check(a, StateDone, "DONE")
	deliver(t, a, b)
	check(b, StateDone, "DONE")
	if !b.AllAcknowledged() {
		t.Fatal("b: a's DONE should acknowledge b's CREDS")
	}
}
