package pairing

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/ident"
)

// PayloadVersion is the "major.minor" version written into every sealed
// payload. A newer minor version may add fields (they are ignored); a newer
// major version is refused with ErrNewerVersion.
const PayloadVersion = "1.0"

// NotificationVersion is the version of the NotificationSettings structure.
const NotificationVersion = "1.0"

// maxInflated caps INFO's plaintext after inflating (and before deflating).
const maxInflated = 64 << 10

// Organisation is the partner's host organisation as MISP knows it.
type Organisation struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Sector      string `json:"sector,omitempty"`
	Contacts    string `json:"contacts,omitempty"`
}

// Info is round 3: who we are. Sent only after our admin confirmed the SAS.
type Info struct {
	Version      string       `json:"v"`
	Org          Organisation `json:"org"`
	AdminEmail   string       `json:"admin_email"`
	URL          string       `json:"url"`           // the URL the partner's MISP should use to reach ours
	InstanceUUID string       `json:"instance_uuid"` // servers/getInstanceUUID
	MISPVersion  string       `json:"misp_version"`
	// PGPKey is our instance's armored public key (/gpg.asc) when it has one.
	PGPKey         string `json:"pgp_key,omitempty"`
	PGPFingerprint string `json:"pgp_fingerprint,omitempty"`
	// CertificatePEM verifies URL when it is not publicly trusted: the
	// self-signed certificate itself or the private CA's root.
	CertificatePEM  string                `json:"certificate_pem,omitempty"`
	EgressAddresses []string              `json:"egress_addresses,omitempty"`
	Notifications   *NotificationSettings `json:"notifications,omitempty"`
	// Internal declares same-organisation mode: org-only data will flow.
	Internal bool `json:"internal,omitempty"`
	// Flows says, for information, what our entry will push and pull.
	Flows *Flows `json:"flows,omitempty"`
}

// NotificationSettings is how an organisation wants to be notified (IntelMQ IEP005).
type NotificationSettings struct {
	Version string              `json:"v"`
	Emails  []NotificationEmail `json:"emails,omitempty"`
	// Formats in order of preference: CSV, JSON, IDEA, X-ARF, STIX, MISP.
	Formats      []string `json:"formats,omitempty"`
	HTTPEndpoint string   `json:"http_endpoint,omitempty"`
	// HTTPAuthTokenRef names where the token is kept; never the token itself.
	HTTPAuthTokenRef string `json:"http_auth_token_ref,omitempty"`
	// Interval is how often to notify, e.g. "immediate", "hourly", "daily" or an ISO 8601 duration.
	Interval string `json:"interval,omitempty"`
}

// NotificationEmail is one address to notify.
type NotificationEmail struct {
	Address        string `json:"address"`
	PGPFingerprint string `json:"pgp_fingerprint,omitempty"`
	SMIMECertRef   string `json:"smime_cert_ref,omitempty"`
	Cc             bool   `json:"cc,omitempty"`
}

// NotificationFormats are the formats NotificationSettings may name.
var NotificationFormats = []string{"CSV", "JSON", "IDEA", "X-ARF", "STIX", "MISP"}

// Creds is round 4: a key to our MISP for the partner's sync server entry.
type Creds struct {
	Version       string `json:"v"`
	SyncAuthkey   string `json:"authkey"`
	SyncUserEmail string `json:"sync_user_email"`
}

// String never shows the authkey.
func (c Creds) String() string {
	return fmt.Sprintf("Creds{sync user %q, authkey redacted}", c.SyncUserEmail)
}

// GoString never shows the authkey.
func (c Creds) GoString() string { return c.String() }

// Format prints String for every verb: without it %d or %x would print the
// fields one by one, the authkey among them.
func (c Creds) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// Done is round 5: our result.
type Done struct {
	Version string `json:"v"`
	// Status is 1 when our server entry to the partner works; else a failure code
	// (the servers/testConnection status when that step failed, 0 when an earlier step did).
	Status         int         `json:"status"`
	Message        string      `json:"message,omitempty"`
	TestConnection *TestResult `json:"test_connection,omitempty"`
}

// TestResult is what servers/testConnection (and getRemoteUser) said.
type TestResult struct {
	Status     int    `json:"status"`
	Post       int    `json:"post,omitempty"`
	RemoteUUID string `json:"remote_uuid,omitempty"`
	RemoteUser string `json:"remote_user,omitempty"`
	Message    string `json:"message,omitempty"`
}

// AbortReason says why a side gave up.
type AbortReason int

const (
	AbortRejectedSAS AbortReason = 1 // the admin said the codes differ
	AbortCancelled   AbortReason = 2 // the admin cancelled
	AbortTimeout     AbortReason = 3 // no progress for too long
	AbortFailure     AbortReason = 4 // something else went wrong
)

func (r AbortReason) String() string {
	switch r {
	case AbortRejectedSAS:
		return "the codes did not match"
	case AbortCancelled:
		return "cancelled"
	case AbortTimeout:
		return "timed out"
	case AbortFailure:
		return "failed"
	}
	return "stopped (reason " + strconv.Itoa(int(r)) + ")"
}

// Abort is the sealed ABORT message.
type Abort struct {
	Version string      `json:"v"`
	Reason  AbortReason `json:"reason"`
	Message string      `json:"message,omitempty"`
}

// checkVersion accepts our major version with any minor version.
func checkVersion(v, what string) error {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 1 {
		return errorf(KindMalformed, what+" has no valid version")
	}
	if n > 1 {
		return errorf(KindNewerVersion, what+" version "+v)
	}
	return nil
}

// decodePayload parses the JSON of a round-3..6 message. Unknown fields are
// tolerated (a newer minor version may add some).
func decodePayload(round Round, data []byte) (any, error) {
	var (
		v       any
		version *string
	)
	switch round {
	case RoundInfo:
		p := new(Info)
		v, version = p, &p.Version
	case RoundCreds:
		p := new(Creds)
		v, version = p, &p.Version
	case RoundDone:
		p := new(Done)
		v, version = p, &p.Version
	case RoundAbort:
		p := new(Abort)
		v, version = p, &p.Version
	default:
		return nil, errorf(KindMalformed, "no payload in "+round.String())
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, errorf(KindMalformed, round.String()+" is not valid JSON")
	}
	if err := checkVersion(*version, round.String()); err != nil {
		return nil, err
	}
	if info, ok := v.(*Info); ok && info.Notifications != nil {
		if err := checkVersion(info.Notifications.Version, "notification settings"); err != nil {
			return nil, err
		}
	}
	if info, ok := v.(*Info); ok && info.Flows != nil {
		if err := checkFlows(info.Flows); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// canonicalIdentity checks INFO's organisation and instance UUIDs and
// lower-cases them (ident.CanonicalUUID): the partner names itself with
// nothing but a UUID, so no MISP lookup of ours can be made to find an
// organisation by id or name, and every comparison and store lookup sees one
// spelling. The message goes to both admins.
func canonicalIdentity(info *Info) error {
	org, err := ident.CanonicalUUID("organisation UUID", info.Org.UUID)
	if err != nil {
		return err
	}
	inst, err := ident.CanonicalUUID("instance UUID", info.InstanceUUID)
	if err != nil {
		return err
	}
	// The name and URL are shown to the admin at the pause where they
	// decide who the partner is, and the name becomes an organisation and
	// a sharing group name on our MISP: no control or direction-changing
	// characters, and lengths MISP's columns hold.
	if why := CheckFlowText(info.Org.Name); why != "" {
		return fmt.Errorf("the partner's organisation name is refused (%s): MISP organisation names are one line of at most 255 bytes", why)
	}
	if why := checkClaimText(info.URL, maxURLText); info.URL != "" && why != "" {
		return fmt.Errorf("the partner's MISP address is refused (%s): it must be one line of at most %d bytes", why, maxURLText)
	}
	info.Org.UUID, info.InstanceUUID = org, inst
	return nil
}

// deflate compresses INFO's plaintext; only INFO is compressed.
func deflate(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression) // level is valid: no error
	w.Write(data)                                        // writes to a bytes.Buffer cannot fail
	w.Close()
	return buf.Bytes()
}

// inflate decompresses at most maxInflated bytes and refuses more.
func inflate(data []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(data))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
	if err != nil {
		return nil, errorf(KindMalformed, "INFO does not inflate")
	}
	if len(out) > maxInflated {
		return nil, errorf(KindTooLarge, "INFO inflates to more than 64 KiB")
	}
	return out, nil
}
