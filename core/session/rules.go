package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// partnerServer returns a saved partner's server entry id on our MISP.
func partnerServer(st *store.Store, partnerID string) (*store.Partner, misp.ID, error) {
	data := st.Snapshot()
	p, ok := data.Partner(partnerID)
	if !ok {
		return nil, "", errNoSuchPartner
	}
	id := misp.ID(p.OnOurMISP.Server.ID)
	if !id.Valid() {
		return p, "", errors.New("this partner has no server entry on our MISP (the pairing did not get that far): pair again with the partner to make one")
	}
	return p, id, nil
}

// partnerEntry finds our server entry to a saved partner on our MISP
// (servers/index) and checks that it is still the partner's: the record
// names it by id, and an id alone could name another entry (the profile
// pointed at another MISP since, an id given again). nil, nil: no entry
// with that id any more.
func partnerEntry(ctx context.Context, c *misp.Client, p *store.Partner) (*misp.ServerEntry, error) {
	entries, err := c.Servers(ctx)
	if err != nil {
		return nil, err
	}
	id := p.OnOurMISP.Server.ID
	for i, e := range entries {
		if string(e.Server.ID) != id {
			continue
		}
		if string(e.Server.RemoteOrgID) != p.OnOurMISP.Org.ID || !misp.SameOrigin(e.Server.URL, p.AnnouncedURL) {
			return nil, &NotOursError{What: fmt.Sprintf("Server entry #%s on our MISP points at %s (organisation #%s), not at the partner's %s (organisation #%s)",
				id, e.Server.URL, e.Server.RemoteOrgID, p.AnnouncedURL, p.OnOurMISP.Org.ID)}
		}
		return &entries[i], nil
	}
	return nil, nil
}

// entryGone is the error of an action on a partner whose server entry is no
// longer on our MISP.
func entryGone(id misp.ID) error {
	return errors.New("our server entry #" + string(id) + " to this partner is no longer on our MISP (deleted there?): pair again with the partner to make a new one")
}

// PartnerEntryRules reads the rules of our server entry to a saved partner
// from our MISP (servers/index), as the editor shows them; push and pull
// say whether the entry pushes and pulls at all.
func PartnerEntryRules(ctx context.Context, c *misp.Client, st *store.Store, partnerID string) (r syncsetup.Rules, push, pull bool, err error) {
	p, id, err := partnerServer(st, partnerID)
	if err != nil {
		return r, false, false, err
	}
	e, err := partnerEntry(ctx, c, p)
	switch {
	case err != nil:
		return r, false, false, err
	case e == nil:
		return r, false, false, entryGone(id)
	}
	r, err = syncsetup.ReadEntryRules(ctx, c, e.Server)
	return r, bool(e.Server.Push), bool(e.Server.Pull), err
}

// EditPartnerRules sets new rules on our server entry to a saved partner
// (servers/edit) and records them as what we push and pull. It returns
// notes on what could not be resolved (tags our MISP lacks).
func EditPartnerRules(ctx context.Context, c *misp.Client, st *store.Store, partnerID string, r syncsetup.Rules) ([]string, error) {
	if err := r.Validate(); err != nil {
		return nil, &Error{Kind: KindBadChoice, Detail: err.Error()}
	}
	p, id, err := partnerServer(st, partnerID)
	if err != nil {
		return nil, err
	}
	switch e, err := partnerEntry(ctx, c, p); {
	case err != nil:
		return nil, err
	case e == nil:
		return nil, entryGone(id)
	}
	sv, notes, err := syncsetup.EditEntryRules(ctx, c, id, r)
	if err != nil {
		return notes, err
	}
	flows := r.Flows(bool(sv.Push), bool(sv.Pull))
	return notes, st.Update(func(d *store.Data) error {
		for i := range d.Partners {
			if d.Partners[i].ID == p.ID {
				d.Partners[i].OurFlows = flows
			}
		}
		return nil
	})
}

// PreviewPush counts our published events the push filter would select
// now (one metadata-only search); see syncsetup.PreviewPush.
func PreviewPush(ctx context.Context, c *misp.Client, f pairing.FlowFilter) syncsetup.Preview {
	return syncsetup.PreviewPush(ctx, c, f)
}

// RemoveSharingGroup deletes the bilateral sharing group of a saved partner
// when the app created it (the admin asked, on removing the partner or
// later); a group that existed before is kept.
func RemoveSharingGroup(ctx context.Context, c *misp.Client, st *store.Store, partnerID string) error {
	data := st.Snapshot()
	p, ok := data.Partner(partnerID)
	if !ok {
		return errNoSuchPartner
	}
	g := p.OnOurMISP.SharingGroup
	if g.ID == "" || g.Outcome != store.Created {
		return nil
	}
	// The id alone could name someone else's group (another MISP behind the
	// profile since, an id given again): the group under it must have the
	// UUID the pairing recorded.
	found, err := c.SharingGroup(ctx, misp.ID(g.ID))
	switch {
	case misp.IsKind(err, misp.KindNotFound):
		found = nil
	case err != nil:
		return err
	case p.OnOurMISP.SharingGroupUUID == "":
		return fmt.Errorf("the record does not say the UUID of sharing group #%s, so it was not deleted; delete it in MISP by hand if it is the partner's", g.ID)
	case !strings.EqualFold(found.SharingGroup.UUID, p.OnOurMISP.SharingGroupUUID):
		return fmt.Errorf("%w. Delete the partner's group in MISP by hand if it is still there", &NotOursError{What: fmt.Sprintf(
			"Sharing group #%s on our MISP is %q (%s), not %q (%s) as the record says",
			g.ID, found.SharingGroup.Name, found.SharingGroup.UUID, p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID)})
	}
	if found != nil {
		if err := c.DeleteSharingGroup(ctx, misp.ID(g.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return err
		}
	}
	return st.Update(func(d *store.Data) error {
		for i := range d.Partners {
			if d.Partners[i].ID == partnerID {
				d.Partners[i].OnOurMISP.SharingGroup = store.ObjectRef{}
				d.Partners[i].OnOurMISP.SharingGroupName, d.Partners[i].OnOurMISP.SharingGroupUUID = "", ""
			}
		}
		return nil
	})
}

// KnownTagsAndOrgs lists what a rules editor offers: the names of the tags
// our MISP knows (tags/index, galaxy tags left out; searched in the app, as
// tags/search finds nothing for a fragment, recording 127) and its
// organisations (organisations/index/scope:all), both sorted; names a Flows
// structure would refuse are left out. An error of either call is returned
// with what the other gave.
func KnownTagsAndOrgs(ctx context.Context, c *misp.Client) (tags []string, orgs []pairing.FlowOrg, err error) {
	all, terr := c.Tags(ctx)
	for _, t := range all {
		if !bool(t.IsGalaxy) && pairing.CheckFlowText(t.Name) == "" {
			tags = append(tags, t.Name)
		}
	}
	slices.Sort(tags)
	known, oerr := c.Organisations(ctx)
	for _, o := range known {
		if u, err := ident.CanonicalUUID("organisation", o.UUID); err == nil && pairing.CheckFlowText(o.Name) == "" {
			orgs = append(orgs, pairing.FlowOrg{UUID: u, Name: o.Name})
		}
	}
	slices.SortFunc(orgs, func(a, b pairing.FlowOrg) int { return strings.Compare(a.Name, b.Name) })
	if terr != nil {
		return tags, orgs, terr
	}
	return tags, orgs, oerr
}
