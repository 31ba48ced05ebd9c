package session

import (
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// Stage is where a pairing session stands, as the UI shows it.
type Stage int

// The stages, in the order a normal pairing passes them. Done, Aborted and
// Failed are final: no further stage follows (Done may still be followed by
// an Event carrying the partner's late result).
const (
	// StageWaitingForPartner: our code is shown, the partner's not read yet.
	StageWaitingForPartner Stage = iota + 1
	// StageCompareSAS: both codes read; the admin compares Event.SAS with
	// the partner's and calls Confirm or Reject.
	StageCompareSAS
	// StagePartnerRestarted: the partner shows a new code; offer
	// "partner restarted — start again" (Restart) or Cancel.
	StagePartnerRestarted
	// StageWaitingForPartnerConfirm: we confirmed; the partner has not yet.
	StageWaitingForPartnerConfirm
	// StageCreatingOrg: both confirmed; finding or creating the partner's
	// organisation on our MISP.
	StageCreatingOrg
	// StageCreatingSyncUser: finding or creating the partner's sync user
	// and minting its key.
	StageCreatingSyncUser
	// StageWaitingForPartnerKey: the key our MISP minted for the partner is
	// shown (remote mode: ready to send); waiting for the key the partner's
	// MISP minted for us.
	StageWaitingForPartnerKey
	// StageCreatingServer: adding or updating our server entry to the partner.
	StageCreatingServer
	// StageTestingConnection: servers/testConnection to the partner.
	StageTestingConnection
	// StageDone: our side finished; Event.Result holds both sides' results
	// (the partner's may still be missing: Result.PartnerDone is nil).
	StageDone
	// StageAborted: we or the partner cancelled, rejected the SAS or timed
	// out. Event.Result says who and why and what to do.
	StageAborted
	// StageFailed: a MISP step failed (our DONE carries the failure to the
	// partner) or the session could not go on. Event.Result.Advice says what
	// to do.
	StageFailed
	// StageConfirmPartner: the partner claims an organisation our MISP
	// already knows, and the admin has not vouched for it in advance. The
	// pairing pauses before anything is written or minted; Event.Identity
	// says what our MISP knows, what the partner claims and what it would
	// get. The admin answers ReuseExisting ("Yes, this is <org>: reuse") or
	// Cancel (nothing changes on our MISP; the partner gets a sealed ABORT
	// saying why). It comes between StageCreatingOrg and
	// StageCreatingSyncUser; it is last in the list only to keep the
	// numbers of the others.
	StageConfirmPartner
)

var stageNames = map[Stage]string{
	StageWaitingForPartner:        "waiting for the partner's code",
	StageCompareSAS:               "compare the codes",
	StagePartnerRestarted:         "partner restarted",
	StageWaitingForPartnerConfirm: "waiting for the partner to confirm",
	StageCreatingOrg:              "creating the partner's organisation",
	StageCreatingSyncUser:         "creating the partner's sync user",
	StageWaitingForPartnerKey:     "waiting for the partner's key",
	StageCreatingServer:           "creating the server entry",
	StageTestingConnection:        "testing the connection",
	StageDone:                     "done",
	StageAborted:                  "aborted",
	StageFailed:                   "failed",
	StageConfirmPartner:           "confirm who the partner is",
}

// String says the stage in words, for logs and the UI.
func (s Stage) String() string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return "unknown stage"
}

// Final reports whether no later stage follows.
func (s Stage) Final() bool {
	return s == StageDone || s == StageAborted || s == StageFailed
}

// Event is one report from a session to its subscriber. Events arrive in
// order, from the session's own goroutine, one at a time; the subscriber must
// not block (the UI wraps its work in fyne.Do).
type Event struct {
	// Stage is the stage the session is in now. Events that only report
	// progress within a stage (a part read, a rejected code) repeat it.
	Stage Stage
	// SAS is the code to compare once keys exist ("0482 9131 5520 7764").
	SAS string
	// Message says what happened, in words, for the progress log. Never a
	// secret.
	Message string
	// Part and Parts report a multi-part message being read (Part of Parts).
	Part, Parts int
	// Problem is a rejected input or a warning that does not end the
	// session: a foreign or damaged code, "more than one MISPbump code is
	// visible", "you are scanning your own code". Each is reported once.
	Problem error
	// PartnerConfirmed is true once the partner's INFO arrived.
	PartnerConfirmed bool
	// Partner is who the partner is and what was done so far on our MISP,
	// once the partner's INFO arrived (nil before).
	Partner *PartnerSummary
	// Result is set on the final stages and on a late partner result.
	Result *Result
	// Identity is what was checked of the partner's claims; set on
	// StageConfirmPartner (the pause) and whenever it changes.
	Identity *IdentityCheck
}

// Result is the outcome of a session, for the final screen.
type Result struct {
	// OK is true when our side finished: our server entry to the partner
	// passed the connection test.
	OK bool
	// SAS is the code both admins compared, if keys were ever derived.
	SAS string
	// PartnerID is the id of the partner record saved in the store ("" when
	// no record was saved, or no store was given).
	PartnerID string
	// PendingID is the id of the pending pairing kept for a resume ("" when
	// none).
	PendingID string
	// Partner is the record of the pairing as saved (or as far as it got).
	Partner PartnerSummary
	// Test is our connection test (nil when we did not get that far).
	Test *pairing.TestResult
	// PartnerDone is the partner's result; nil means "partner's result not
	// received".
	PartnerDone *pairing.Done
	// Abort is the ABORT that ended the session; AbortedByPartner says whose.
	Abort            *pairing.Abort
	AbortedByPartner bool
	// Err is what went wrong (a typed error; *Error for the session's own).
	Err error
	// Advice says what to do now, in words.
	Advice string
	// Requests is how many HTTP requests our MISP client sent in this session.
	Requests int64
	// PartnerKey is the check of the partner's instance PGP key (nil when
	// it sent none, or the session ended before the MISP steps). Its Alarm,
	// when set, is shown prominently; the pairing itself went on.
	PartnerKey *PartnerKeyCheck
	// Identity is what was checked of the partner's claims (nil when the
	// session ended before its INFO); Identity.Checked lists it in words.
	Identity *IdentityCheck
}

// PartnerSummary is what the session learnt and did, without secrets.
type PartnerSummary struct {
	OrgName, OrgUUID string
	InstanceUUID     string
	URL              string
	// OrgID, SyncUserID and ServerID are the ids on our MISP; the *Created
	// flags tell created from reused.
	OrgID, SyncUserID, ServerID      string
	OrgCreated, UserCreated          bool
	ServerCreated                    bool
	SyncUserEmail                    string
	OrgNameUsed                      string // the name the org got on our MISP (after a clash: "Name (uuid8)")
	MintedKeyID                      string
	KeysRevoked, KeysPendingRevoking []string
	// OldKeysProblem says why the keys minted for this partner before
	// could not be listed after the test: they stay valid until the next
	// pairing revokes them.
	OldKeysProblem string
	// PGPFingerprint is the partner's instance key's fingerprint once
	// checked; KeyAlarm is set when the check found a mismatch.
	PGPFingerprint, KeyAlarm string
	// OurFlows is what our entry pushes and pulls; PartnerFlows what the
	// partner's INFO said theirs does (nil when it said nothing).
	OurFlows, PartnerFlows *pairing.Flows
	// ServerPushRules and ServerPullRules are our entry's rules as MISP
	// holds them (JSON text in MISP's shape).
	ServerPushRules, ServerPullRules string
	// SharingGroupID and SharingGroupName are the bilateral group on our
	// MISP; SharingGroupProblem says why it could not be made.
	SharingGroupID, SharingGroupName, SharingGroupProblem string
	// ServerSettings is our server entry as MISP has it, read back after
	// the setup (nil: not read); KeptExisting in it says an entry that was
	// there before kept its own settings.
	ServerSettings *store.ServerSettings
}
