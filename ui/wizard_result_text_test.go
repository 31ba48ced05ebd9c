package ui

import (
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/session"
)

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
