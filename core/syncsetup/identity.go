package syncsetup

import (
	"context"
	"fmt"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/misp"
)

// KnownOrg is what our MISP knows of an organisation the partner claims to
// be, gathered before anything is written so the admin can judge the claim
// (PAIRING.md "Partner identity"): a claim alone never picks an existing
// organisation of ours.
type KnownOrg struct {
	ID    misp.ID `json:"id"`
	Name  string  `json:"name"`
	UUID  string  `json:"uuid"`
	Local bool    `json:"local"`
	// UserCount is MISP's user_count ("0" for an external organisation
	// known from sync).
	UserCount string `json:"user_count"`
	// Created and CreatedBy say when and by whom, as far as MISP tells
	// (created_by_email; absent when MISP made it itself).
	Created   string `json:"created,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	// SyncUser is the app's sync user for the claimed instance, when it
	// exists ("sync-…@mispbump.invalid, id 7, in this organisation"):
	// reusing the organisation hands the partner a fresh key for it.
	SyncUser string `json:"sync_user,omitempty"`
	// ServerEntries are our server entries that sync with this
	// organisation, as "name (url)".
	ServerEntries []string `json:"server_entries,omitempty"`
	// SharingGroups are our sharing groups the organisation is in: reusing
	// it lets the partner read what those groups hold.
	SharingGroups []string `json:"sharing_groups,omitempty"`
	// WouldGet says what this pairing would give the partner, in words.
	WouldGet string `json:"would_get"`
	// Problems are lookups that failed; the report is shown without them.
	Problems []string `json:"problems,omitempty"`
}

// ExistingOrgError stops the setup before anything is written: the partner
// claims an organisation our MISP already has, and the admin has not said
// this partner is that organisation (Setup.ReuseOrgUUID). Org is what our
// MISP knows of it, for the pause screen.
type ExistingOrgError struct {
	Org KnownOrg
}

func (e *ExistingOrgError) Error() string {
	local := "external"
	if e.Org.Local {
		local = "local"
	}
	return fmt.Sprintf("Our MISP already has the organisation %q (%s, id %s, %s) that the partner claims to be; it is reused only when you confirm that the person you are pairing with is %q. Nothing was written", e.Org.Name, e.Org.UUID, e.Org.ID, local, e.Org.Name)
}

// OwnOrgError refuses a partner organisation that is ours.
type OwnOrgError struct {
	Which string // "our host organisation", "your own organisation"
	Name  string
}

func (e *OwnOrgError) Error() string {
	return fmt.Sprintf("The partner's organisation is %s %q: a partner never gets a sync user in our own organisation (that would read our organisation-only data). Nothing was written. Two MISPs of one organisation (internal and DMZ) pair with same-organisation mode ticked in Prepare on both laptops", e.Which, e.Name)
}

// knownOrg gathers the report on an existing organisation: the app's sync
// user for the claimed instance and our server entries to the organisation
// (two lookups; a failure is noted, not fatal — the admin still decides).
func (s *Setup) knownOrg(ctx context.Context, org *misp.Organisation, p Partner) KnownOrg {
	k := KnownOrg{ID: org.ID, Name: org.Name, UUID: org.UUID, Local: bool(org.Local), UserCount: string(org.UserCount),
		Created: string(org.DateCreated), CreatedBy: string(org.CreatedByEmail)}
	if k.CreatedBy == "" && org.CreatedBy.Valid() {
		k.CreatedBy = "user " + string(org.CreatedBy)
	}
	email := SyncUserEmail(p.InstanceUUID)
	k.WouldGet = fmt.Sprintf("a new sync user %s in %q and a key for it: they could pull what %q may see on our MISP", email, org.Name, org.Name)
	if users, err := s.Client.UsersByEmail(ctx, email); err != nil {
		k.Problems = append(k.Problems, "the sync users could not be listed: "+err.Error())
	} else {
		for _, u := range users {
			if !strings.EqualFold(u.User.Email, email) {
				continue
			}
			where := "in this organisation"
			if u.User.OrgID != org.ID {
				where = fmt.Sprintf("in another organisation, %q (the pairing would stop)", u.Organisation.Name)
			}
			k.SyncUser = fmt.Sprintf("%s, id %s, %s", u.User.Email, u.User.ID, where)
			if u.User.OrgID == org.ID {
				k.WouldGet = fmt.Sprintf("a fresh key for the existing sync user %s of %q: they could pull what %q may see on our MISP, as the holder of that user's other keys does", email, org.Name, org.Name)
			}
		}
	}
	if entries, err := s.Client.Servers(ctx); err != nil {
		k.Problems = append(k.Problems, "the server entries could not be listed: "+err.Error())
	} else {
		for _, e := range entries {
			if e.Server.RemoteOrgID == org.ID {
				k.ServerEntries = append(k.ServerEntries, fmt.Sprintf("%s (%s)", e.Server.Name, e.Server.URL))
			}
		}
	}
	if groups, err := s.Client.SharingGroups(ctx); err != nil {
		k.Problems = append(k.Problems, "the sharing groups could not be listed: "+err.Error())
	} else {
		for _, g := range groups {
			if g.HasOrg(org.ID) {
				k.SharingGroups = append(k.SharingGroups, g.SharingGroup.Name)
			}
		}
	}
	return k
}

// checkIdentity refuses a partner whose identifiers are not canonical UUIDs
// (checked again here, before any MISP call, whatever the caller checked)
// and a partner URL that points at our own machine or network segment
// unless the policy allows local addresses.
func (s *Setup) checkIdentity(p Partner) error {
	if err := checkUUIDs(p); err != nil {
		return err
	}
	if _, err := ident.CheckURL(p.URL, s.Policy.AllowLocalAddresses); err != nil {
		return &ConflictError{What: strings.ToUpper(err.Error()[:1]) + err.Error()[1:], Fix: "Nothing was written. Ask the partner for the URL their MISP is reached at."}
	}
	return nil
}

// checkUUIDs refuses identifiers that are not canonical lower-case UUIDs:
// every step checks again before its MISP calls, whatever its caller did.
func checkUUIDs(p Partner) error {
	for _, v := range []struct{ what, value string }{{"organisation UUID", p.OrgUUID}, {"instance UUID", p.InstanceUUID}} {
		if !ident.IsCanonicalUUID(v.value) {
			_, err := ident.CanonicalUUID(v.what, v.value)
			if err == nil { // an upper-case UUID: canonical only after lower-casing
				err = fmt.Errorf("the %s %q is not in lower case", v.what, v.value)
			}
			return &ConflictError{What: "The partner's details were refused: " + err.Error(), Fix: "Nothing was asked of our MISP. The partner's MISP or app names it oddly: the partner checks the UUID of its host organisation and instance (Administration → Organisations, Server settings) and updates MISPbump, then you pair again."}
		}
	}
	return nil
}
