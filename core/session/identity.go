package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// IdentityCheck is what the session checked of the partner's claims
// (PAIRING.md "Partner identity"): the SAS proves the channel, not who the
// partner is, so an organisation our MISP already knows is reused only with
// the admin's word, and our record of the partner is compared with what it
// claims now. It travels on the event of StageConfirmPartner (the pause
// before anything is minted) and in Result, for the result screen.
type IdentityCheck struct {
	// Claimed is what the partner's INFO says.
	ClaimedOrgName, ClaimedOrgUUID string
	ClaimedInstanceUUID            string
	ClaimedURL                     string
	// Known is what our MISP knows of the claimed organisation; nil when it
	// is new to our MISP.
	Known *syncsetup.KnownOrg
	// PreApproved is true when the admin vouched in advance ("Pair again
	// with <org>", Choices.ReuseOrgUUID); Approved when they vouched at the
	// pause.
	PreApproved, Approved bool
	// Record is true when our store holds a record of this partner (same
	// instance UUID, else same organisation UUID) to compare with.
	Record           bool
	RecordOrgName    string
	RecordURL        string
	RecordInstance   string
	RecordPairedWhen string
	// PGP is "same", "changed", "absent" (the record has a key, the partner
	// sent none), "new" (no key recorded, one sent) or "none".
	PGP string
	// URL is "same", "changed" or "" (no record).
	URL string
	// AddressNote says the partner's URL is in a private range ("" else).
	AddressNote string
	// Checked lists, in words, what was checked: the result screen shows it.
	Checked []string
}

// Continuity verdicts.
const (
	ContinuitySame    = "same"
	ContinuityChanged = "changed"
	ContinuityAbsent  = "absent"
	ContinuityNew     = "new"
	ContinuityNone    = "none"
)

// IdentityError stops a pairing because a check of the partner's claims
// failed: a changed PGP key, a URL on our own machine, an organisation of
// ours, a re-paired partner the connection test did not reach.
type IdentityError struct {
	// Reason says what was found, in words, for both admins.
	Reason string
}

func (e *IdentityError) Error() string { return e.Reason }

// recordFor is our record of the partner the INFO claims to be: the one with
// its instance UUID, else the first with its organisation UUID (a partner
// that moved to a new instance), on this profile.
func recordFor(d *store.Data, profileID string, info pairing.Info) (store.Partner, bool) {
	if i := findPartner(d, profileID, info.InstanceUUID); i >= 0 {
		return d.Partners[i], true
	}
	for _, p := range d.Partners {
		if p.ProfileID == profileID && p.Org.UUID != "" && strings.EqualFold(p.Org.UUID, info.Org.UUID) {
			return p, true
		}
	}
	return store.Partner{}, false
}

// newIdentityCheck compares the claims with our record (rec, when ok) and
// the partner's checked PGP key. It does not decide: the engine does.
func newIdentityCheck(info pairing.Info, rec store.Partner, ok bool, key *PartnerKeyCheck, addressNote string) *IdentityCheck {
	c := &IdentityCheck{ClaimedOrgName: info.Org.Name, ClaimedOrgUUID: info.Org.UUID, ClaimedInstanceUUID: info.InstanceUUID,
		ClaimedURL: info.URL, AddressNote: addressNote, PGP: ContinuityNone}
	c.Checked = append(c.Checked, "the organisation and instance UUIDs are UUIDs")
	if addressNote != "" {
		c.Checked = append(c.Checked, addressNote)
	}
	fp := info.PGPFingerprint
	if key != nil && key.Fingerprint != "" {
		fp = key.Fingerprint
	}
	if !ok {
		if fp != "" {
			c.PGP = ContinuityNew
		}
		return c
	}
	c.Record, c.RecordOrgName, c.RecordURL, c.RecordInstance = true, rec.Org.Name, rec.AnnouncedURL, rec.InstanceUUID
	if !rec.PairedAt.IsZero() {
		c.RecordPairedWhen = rec.PairedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	var recFP string
	if rec.PGPKey != nil {
		recFP = rec.PGPKey.Fingerprint
	}
	switch {
	case recFP == "" && fp == "":
		c.PGP = ContinuityNone
	case recFP == "":
		c.PGP = ContinuityNew
	case fp == "":
		c.PGP = ContinuityAbsent
	case strings.EqualFold(normFP(recFP), normFP(fp)):
		c.PGP = ContinuitySame
	default:
		c.PGP = ContinuityChanged
	}
	if misp.NormalizeURL(rec.AnnouncedURL) == misp.NormalizeURL(info.URL) {
		c.URL = ContinuitySame
	} else {
		c.URL = ContinuityChanged
	}
	c.Checked = append(c.Checked, fmt.Sprintf("compared with our record of %q: instance PGP key %s, URL %s", rec.Org.Name, c.PGP, c.URL))
	return c
}

func normFP(s string) string { return strings.ReplaceAll(strings.ToUpper(s), " ", "") }

// pgpAlarm is the alarm for a changed key, or nil.
func (c *IdentityCheck) pgpAlarm() error {
	if c.PGP != ContinuityChanged {
		return nil
	}
	return &IdentityError{Reason: fmt.Sprintf("the sent instance PGP key is not the one we recorded for %q: whoever sent it may not be %q. The pairing stopped before anything was created. If %q says they changed their key, compare its fingerprint with them by phone or in person; only if it matches, remove %q from the partner list (Remove partner…; their organisation stays on our MISP) and pair again", c.RecordOrgName, c.RecordOrgName, c.RecordOrgName, c.RecordOrgName)}
}

// Words describes the check for the pause screen and the JSON report, one
// line per fact, in words.
func (c *IdentityCheck) Words() []string {
	var out []string
	out = append(out, fmt.Sprintf("The partner claims to be %q (organisation %s), MISP instance %s, at %s.", c.ClaimedOrgName, c.ClaimedOrgUUID, c.ClaimedInstanceUUID, c.ClaimedURL))
	if k := c.Known; k != nil {
		local := "an external organisation (known from sync, no login on our MISP)"
		if k.Local {
			local = "a local organisation"
		}
		out = append(out, fmt.Sprintf("Our MISP already knows this organisation as %q (id %s): %s with %s user(s).", k.Name, k.ID, local, k.UserCount))
		if k.Created != "" || k.CreatedBy != "" {
			out = append(out, fmt.Sprintf("Created %s by %s.", orUnknown(k.Created), orUnknown(k.CreatedBy)))
		}
		if k.SyncUser != "" {
			out = append(out, "Sync user for the claimed instance: "+k.SyncUser+".")
		}
		if len(k.ServerEntries) > 0 {
			out = append(out, "Our server entries to it: "+strings.Join(k.ServerEntries, "; ")+".")
		}
		if len(k.SharingGroups) > 0 {
			out = append(out, "It is in our sharing groups: "+strings.Join(k.SharingGroups, "; ")+".")
		}
		for _, p := range k.Problems {
			out = append(out, "Not known: "+p+".")
		}
		out = append(out, "If you reuse it, the partner gets "+k.WouldGet+".")
	}
	if c.Record {
		out = append(out, fmt.Sprintf("Our record of %q (paired %s): instance %s at %s.", c.RecordOrgName, orUnknown(c.RecordPairedWhen), c.RecordInstance, c.RecordURL))
		out = append(out, "Instance PGP key: "+pgpWords(c.PGP)+".")
		if c.URL == ContinuityChanged {
			out = append(out, fmt.Sprintf("The URL changed: recorded %s, now %s.", c.RecordURL, c.ClaimedURL))
		} else {
			out = append(out, "The URL is the one we recorded.")
		}
	} else if c.Known != nil {
		out = append(out, "This laptop holds no record of a pairing with this organisation, so there is nothing to compare the claims with.")
	}
	if c.AddressNote != "" {
		out = append(out, strings.ToUpper(c.AddressNote[:1])+c.AddressNote[1:]+".")
	}
	return out
}

func pgpWords(v string) string {
	switch v {
	case ContinuitySame:
		return "the same as recorded"
	case ContinuityChanged:
		return "CHANGED since the last pairing"
	case ContinuityAbsent:
		return "none sent, though we recorded one"
	case ContinuityNew:
		return "sent, none recorded before"
	}
	return "none recorded, none sent"
}

func orUnknown(s string) string {
	if s == "" {
		return "(not known)"
	}
	return s
}

// checkAnnouncedURL applies the address rule to the partner's URL.
func checkAnnouncedURL(info pairing.Info, ch Choices) (note string, err error) {
	c, err := ident.CheckURL(info.URL, ch.AllowLocalAddresses)
	if err != nil {
		return "", &IdentityError{Reason: err.Error() + ". Nothing was written"}
	}
	return c.Note, nil
}

// existingOrg reports whether err is the sync setup's stop before reusing an
// organisation our MISP knows.
func existingOrg(err error) (*syncsetup.ExistingOrgError, bool) {
	var ex *syncsetup.ExistingOrgError
	ok := errors.As(err, &ex)
	return ex, ok
}

// safetyNet checks, after an existing partner was re-paired, that our
// connection test reached the partner we know: it passed, it reached the
// instance UUID we recorded (or, without a record, the one claimed), at the
// URL we recorded unless the admin accepted a changed one at the pause.
// A non-nil error means the key minted in this session must go at once.
func (c *IdentityCheck) safetyNet(test *pairing.TestResult) error {
	want := c.ClaimedInstanceUUID
	if c.Record && c.RecordInstance != "" {
		want = strings.ToLower(c.RecordInstance)
	}
	switch {
	case test == nil || test.Status != misp.ConnOK:
		msg := "the connection test failed"
		if test != nil && test.Message != "" {
			msg += " (" + test.Message + ")"
		}
		return &IdentityError{Reason: fmt.Sprintf("%s: after re-pairing the existing partner %q, our MISP must reach that partner with the key it sent, and it did not, so the key made for them in this session was revoked at once (whoever cannot control the partner's real MISP must not keep it)", msg, c.ClaimedOrgName)}
	case !strings.EqualFold(test.RemoteUUID, want):
		return &IdentityError{Reason: fmt.Sprintf("the connection test reached MISP instance %s, not %s, which we know as %q; the key made for them in this session was revoked at once", test.RemoteUUID, want, c.ClaimedOrgName)}
	case c.Record && c.URL == ContinuityChanged && !c.Approved:
		return &IdentityError{Reason: fmt.Sprintf("the partner's URL %s is not the one we recorded for %q (%s) and nobody accepted the change; the key made for them in this session was revoked at once", c.ClaimedURL, c.RecordOrgName, c.RecordURL)}
	}
	return nil
}
