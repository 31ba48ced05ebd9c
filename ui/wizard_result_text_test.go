package ui

import (
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/session"
)

// The partner's connection test is the partner's: its own message says "our
// MISP reached the partner's MISP" from its side, which on our screen read
// as if it were about ours. The result words it from our side.
func TestPartnerTestWordedAsThePartners(t *testing.T) {
	theirs := "Connection OK: our MISP reached the partner's MISP and logged in as a sync user."
	for _, d := range []*pairing.Done{
		{Status: 1, Message: theirs, TestConnection: &pairing.TestResult{Status: 1, Message: theirs}},
		{Status: 1, Message: theirs},
	} {
		got := partnerDoneText(d)
		if strings.Contains(got, "our MISP reached the partner's") || !strings.Contains(got, "the partner's MISP reached ours") {
			t.Errorf("partner's OK test shown as %q", got)
		}
	}
	if got := partnerDoneText(&pairing.Done{Status: misp.ConnAuthFailed, TestConnection: &pairing.TestResult{Status: misp.ConnAuthFailed}}); !strings.Contains(got, "Our MISP refused the key the partner's MISP used") {
		t.Errorf("partner's refused key shown as %q", got)
	}
	if got := partnerDoneText(&pairing.Done{Status: 1, TestConnection: &pairing.TestResult{Status: 1, Post: 8}}); !strings.Contains(got, "in front of our MISP") {
		t.Errorf("partner's failed POST shown as %q", got)
	}
	hostile := "stopped\n\x1b[31m" + strings.Repeat("x", 1000)
	got := partnerDoneText(&pairing.Done{Status: 0, Message: hostile})
	if !strings.Contains(got, "The partner's side stopped") || strings.ContainsAny(got, "\n\x1b") || len(got) > 500 {
		t.Errorf("a partner's free-text message is shown raw: %q", got)
	}
}

// The result's "On our MISP" gives the sync user's e-mail a row of its own
// on one line, as the partner details do.
func TestResultSyncUserEmailOnItsOwnLine(t *testing.T) {
	email := "sync-8b072571-8b4f-4cb9-ab99-4d7490dba361@mispbump.invalid"
	res := &session.Result{}
	res.Partner.SyncUserID, res.Partner.SyncUserEmail, res.Partner.UserCreated = "2", email, true
	forms := findForms(writtenForm(res))
	if len(forms) != 1 {
		t.Fatalf("%d forms", len(forms))
	}
	var row, user string
	for _, it := range forms[0].Items {
		switch it.Text {
		case "Sync user e-mail":
			row = textsOf(it.Widget)
		case "Sync user":
			user = textsOf(it.Widget)
		}
	}
	if !strings.Contains(row, email) || strings.Contains(user, "@") || !strings.Contains(user, "#2") {
		t.Errorf("sync user row %q, e-mail row %q", user, row)
	}
}

// Each stage the exchange step shows has words in both modes; the remote
// mode never tells the admin to keep screens facing each other.
func TestStatusLineInBothModes(t *testing.T) {
	for _, stage := range []session.Stage{
		session.StageWaitingForPartner, session.StageCompareSAS, session.StagePartnerRestarted,
		session.StageWaitingForPartnerConfirm, session.StageConfirmPartner, session.StageCreatingOrg,
		session.StageCreatingSyncUser, session.StageCreatingServer, session.StageTestingConnection,
		session.StageWaitingForPartnerKey, session.StageDone, session.StageAborted, session.StageFailed,
	} {
		for _, remote := range []bool{false, true} {
			s := statusLine(stage, remote)
			if s == "" {
				t.Errorf("stage %v (remote %v) has no status line", stage, remote)
			}
			if remote && (strings.Contains(s, "screens") || strings.Contains(s, "camera")) {
				t.Errorf("remote stage %v says %q", stage, s)
			}
		}
	}
}
