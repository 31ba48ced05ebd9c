package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Connection test statuses of servers/testConnection (recordings 36–40).
const (
	ConnOK             = 1
	ConnUnreachable    = 2
	ConnUnexpected     = 3
	ConnAuthFailed     = 4
	ConnPasswordChange = 5
	ConnTermsNotAgreed = 6
	ConnNotSyncUser    = 7
	ConnSightingsOnly  = 8
)

// PostResult is the "post" field of a connection test: MISP sends a number
// (1 = the partner accepted a test POST, recording 36) or an object with a
// status (recordings 39, 40). Absent is 0.
type PostResult int

// UnmarshalJSON accepts a number, a numeric string, null, false or
// {"status": n}.
func (p *PostResult) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Status Text `json:"status"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		b = []byte(`"` + string(o.Status) + `"`)
	}
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if s == "" || s == "false" {
		// PHP's false: the POST test gave no result.
		*p = 0
		return nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		return fmt.Errorf("post: %q is not a status", s)
	}
	*p = PostResult(n)
	return nil
}

// ConnectionTest is the answer of servers/testConnection.
type ConnectionTest struct {
	Status       int        `json:"status"`
	LocalVersion string     `json:"local_version"`
	Version      string     `json:"version"`
	Mismatch     Text       `json:"mismatch"`
	Newer        Text       `json:"newer"`
	Post         PostResult `json:"post"`
	// UUID is the partner's instance UUID as its getVersion reported it.
	UUID string `json:"uuid"`
	// Info is the partner's getVersion answer when MISP includes it
	// (statuses 7 and 8).
	Info *Version `json:"info"`
}

// UnmarshalJSON decodes status loosely (number or numeric string).
func (t *ConnectionTest) UnmarshalJSON(b []byte) error {
	type plain ConnectionTest
	var v struct {
		plain
		Status Text `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = ConnectionTest(v.plain)
	if _, err := fmt.Sscanf(string(v.Status), "%d", &t.Status); err != nil {
		return fmt.Errorf("status: %q is not a connection status", string(v.Status))
	}
	return nil
}

// OK reports whether the test passed in full: status 1, the test POST
// accepted, and (when wantUUID is not empty) the partner's instance UUID as
// expected. A version "mismatch" is not a failure.
func (t *ConnectionTest) OK(wantUUID string) bool { return t.Problem(wantUUID) == nil }

// Problem returns nil when the test passed, otherwise a *ConnectionError
// saying in words what failed and what to check.
func (t *ConnectionTest) Problem(wantUUID string) error {
	if t.Status != ConnOK {
		return &ConnectionError{Status: t.Status}
	}
	if t.Post != 1 {
		return &ConnectionError{Status: t.Status, Post: int(t.Post)}
	}
	if wantUUID != "" && !strings.EqualFold(t.UUID, wantUUID) {
		return &ConnectionError{Status: t.Status, Post: int(t.Post), WrongUUID: t.UUID, WantUUID: wantUUID}
	}
	return nil
}

// VersionNote says something about the two versions when it matters: the
// "proposal" mismatch MISP reports between two equal versions is ignored.
func (t *ConnectionTest) VersionNote() string {
	m := strings.ToLower(string(t.Mismatch))
	if m == "" || m == "false" || m == "0" || t.Version == t.LocalVersion {
		return ""
	}
	return fmt.Sprintf("Our MISP runs %s and the partner's %s (%s difference): sync works best between equal versions.", t.LocalVersion, t.Version, m)
}

// ConnectionError is a failed connection test, in words.
type ConnectionError struct {
	Status    int
	Post      int
	WrongUUID string
	WantUUID  string
}

func (e *ConnectionError) Error() string {
	switch {
	case e.Status == ConnOK && e.WantUUID != "":
		return fmt.Sprintf("The server entry reaches a MISP whose instance UUID is %q, not the partner's %q: the URL points at another MISP (a proxy, a test instance or a typo). Check the partner's announced URL.", e.WrongUUID, e.WantUUID)
	case e.Status == ConnOK:
		return PostTestText(e.Post)
	}
	return ConnectionStatusText(e.Status)
}

// PostTestText says what a failed test POST ("post" other than 1 while the
// status is 1) means and what to check. Our MISP logged in to the partner,
// so the key is good; what broke is the POST that push uses. The codes
// beyond 0 follow MISP's own test page (Server::runPOSTtest, not recorded):
// 8 the POST got an error, 9 the body came back changed, 10 the headers did.
func PostTestText(post int) string {
	const who = "Our MISP reached the partner's MISP and logged in, but the test POST (the request push uses) "
	const fix = " A proxy or web application firewall in front of the partner's MISP may block POST requests or compressed (gzip) bodies: ask the partner to check it and its web server's error log. Pull works; push will fail until this is fixed."
	switch post {
	case 0:
		return who + "failed: MISP reported no result for it (post 0)." + fix
	case 8:
		return who + "was refused with an error (post code 8)." + fix
	case 9:
		return who + "arrived with its body changed (post code 9)." + fix
	case 10:
		return who + "arrived with its headers changed (post code 10)." + fix
	default:
		return fmt.Sprintf(who+"failed with code %d.", post) + fix
	}
}

// ConnectionStatusText says what a testConnection status means and what to
// check.
func ConnectionStatusText(status int) string {
	switch status {
	case ConnOK:
		return "Connection OK: our MISP reached the partner's MISP and logged in as a sync user."
	case ConnUnreachable:
		return "Our MISP cannot reach the partner's MISP: check the partner's announced URL, DNS and firewalls on both sides (the partner may need to allow our MISP's egress addresses), and that our MISP trusts the partner's certificate."
	case ConnUnexpected:
		return "The partner's MISP gave an unexpected answer: the URL may point at something that is not MISP (a proxy or login page), or the partner's MISP had an error; check the URL and the partner's error log."
	case ConnAuthFailed:
		return "The partner's MISP refused the key: the key in the server entry is wrong, expired or revoked, or its user is disabled; pair again to get a fresh key."
	case ConnPasswordChange:
		return "The partner's sync user must change its password before it can be used: the partner should clear 'change password' on that user."
	case ConnTermsNotAgreed:
		return "The partner's sync user has not accepted the terms: the partner should mark the terms accepted on that user."
	case ConnNotSyncUser:
		return "The key logs in to the partner's MISP, but its user's role cannot sync (no sync permission): the partner should give the user a role with perm_sync, such as \"Sync user\"."
	case ConnSightingsOnly:
		return "The key's user on the partner's MISP can only sync sightings, not events: the partner should give the user a sync role, such as \"Sync user\"."
	default:
		return fmt.Sprintf("The connection test ended with status %d, which this app does not know: look at the server entry in MISP's web interface.", status)
	}
}

// PartnerConnectionText says, from our side, what the partner's connection
// test to our MISP found: the partner's MISP tested its server entry to us
// with the key we gave it, and sent the status (and the test POST's code,
// 0 when not sent) in its result. The partner's own message is worded from
// its side ("our MISP reached the partner's") and is partner input; this is
// the same outcome in our words, saying what is ours to check.
func PartnerConnectionText(status, post int) string {
	switch status {
	case ConnOK:
		if post > 1 {
			return fmt.Sprintf("The partner's MISP reached ours and logged in, but its test POST (the request push uses) failed with code %d: a proxy or web application firewall in front of our MISP may block POST requests or compressed (gzip) bodies; check it and our web server's error log. The partner's push to us fails until this is fixed.", post)
		}
		return "Connection OK: the partner's MISP reached ours and logged in as the sync user we made for it."
	case ConnUnreachable:
		return "The partner's MISP cannot reach ours: check the URL we announced, and that our firewall lets the partner's MISP in (its egress addresses are in its details)."
	case ConnUnexpected:
		return "Our MISP gave the partner's an unexpected answer: the URL we announced may point at a proxy or login page, or our MISP had an error; check the URL and our error log."
	case ConnAuthFailed:
		return "Our MISP refused the key the partner's MISP used: its user may be disabled or the key revoked; pair again to give the partner a fresh key."
	case ConnPasswordChange:
		return "The sync user we made for the partner must change its password before it can be used: clear 'change password' on that user on our MISP."
	case ConnTermsNotAgreed:
		return "The sync user we made for the partner has not accepted the terms: mark the terms accepted on that user on our MISP."
	case ConnNotSyncUser:
		return "The sync user we made for the partner cannot sync (its role has no sync permission): give it a role with perm_sync, such as \"Sync user\", on our MISP."
	case ConnSightingsOnly:
		return "The sync user we made for the partner can only sync sightings: give it a sync role, such as \"Sync user\", on our MISP."
	default:
		return fmt.Sprintf("The partner's connection test to our MISP ended with status %d, which this app does not know.", status)
	}
}
