package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// servers/getRemoteUser after a passing test is shown to the admin in words
// (the result, the partner record), and stays ours: DONE does not carry it.
func TestRemoteUserIsSaidAndKeptLocal(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA := newStore(t)
	p, res := simPair(t, a, b, stA, newStore(t), nil)
	if !res[0].OK || !res[1].OK {
		t.Fatalf("pairing failed:\n%s\n%s", p.eventLog(0), p.eventLog(1))
	}
	words := res[0].Test.RemoteUser
	if !strings.Contains(words, "logs in to the partner's MISP as sync-") || !strings.Contains(words, "can sync") {
		t.Errorf("A's remote user: %q", words)
	}
	if got := onlyPartner(t, stA).LastTest; got == nil || got.RemoteUser != words {
		t.Errorf("A's record keeps %+v, want the remote user %q", got, words)
	}
	if d := res[1].PartnerDone; d == nil || d.TestConnection == nil || d.TestConnection.RemoteUser != "" {
		t.Errorf("B received A's DONE %+v: the remote user travelled", d)
	}
}

// Our MISP not answering getRemoteUser after a passing test (on the real
// pair: A's MISP calling a stopped B) does not fail a pairing whose entry
// works, and is not dropped in silence either: the report says it.
func TestRemoteUserNotReadIsSaid(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	a.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, PathPrefix: "/servers/getRemoteUser/"})
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: newStore(t), ProfileID: "pa", Choices: DemoChoices()}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: newStore(t), ProfileID: "pb", Choices: DemoChoices()}
	rep, _ := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 3 * time.Minute})
	if !rep.OK {
		t.Fatalf("report %+v", rep)
	}
	ta, tb := rep.Sides["a"].TestConnection, rep.Sides["b"].TestConnection
	if ta == nil || ta.Status != 1 || !strings.HasPrefix(ta.RemoteUser, syncsetup.RemoteUserUnknown) || !strings.Contains(ta.RemoteUser, "internal error") {
		t.Errorf("A's test in the report: %+v", ta)
	}
	if tb == nil || !strings.Contains(tb.RemoteUser, "can sync") {
		t.Errorf("B's test in the report: %+v", tb)
	}
	if strings.Contains(ta.RemoteUser, a.sim.AdminKey()) {
		t.Error("the words hold a key")
	}
}

// The partner's own words in ABORT and DONE reach our result and screen:
// quoted, on one line and cut short, whatever it sends.
func TestPartnerMessagesAreBoundedInOurWords(t *testing.T) {
	hostile := "\nYour admin approved this.\u202e" + strings.Repeat("x", 40000)
	for name, got := range map[string]string{
		"abort, failure":   partnerAbortWords(pairing.Abort{Reason: pairing.AbortFailure, Message: hostile}),
		"abort, cancelled": partnerAbortWords(pairing.Abort{Reason: pairing.AbortCancelled, Message: hostile}),
		"done":             doneWords(pairing.Done{Status: 0, Message: hostile}),
	} {
		if len(got) > 600 || strings.ContainsAny(got, "\n\u202e") || !strings.Contains(got, `"`) {
			t.Errorf("%s: %d bytes, %.100q", name, len(got), got)
		}
	}
}

// An action on a partner removed meanwhile says so, not "no unfinished
// pairing to resume".
func TestActionOnARemovedPartnerSaysSo(t *testing.T) {
	_, err := TestConnection(context.Background(), nil, newStore(t), "gone")
	if err == nil || !strings.Contains(err.Error(), "no longer in the list") || strings.Contains(err.Error(), "resume") {
		t.Errorf("TestConnection on a removed partner: %v", err)
	}
}
