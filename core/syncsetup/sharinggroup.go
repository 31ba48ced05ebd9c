package syncsetup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

// SharingGroupName is the bilateral group's name: "<our org> ↔ <partner org>".
func SharingGroupName(ourOrg, partnerOrg string) string {
	return strings.TrimSpace(ourOrg) + " ↔ " + strings.TrimSpace(partnerOrg)
}

// EnsureSharingGroup makes or reuses the bilateral sharing group on our MISP
// with both organisations and our server entry to the partner (recordings
// 116–121). It is idempotent: a group recorded in res (an earlier run or
// pairing) is reused when it is still ours; else a group of our
// organisation with exactly this name is reused only when no organisation
// but ours and the partner's is in it, because the name comes partly from
// the partner's claim and must not pull a third party's group in; else one
// is created. An organisation or server already in the group (403 "already
// in", 118) counts as done.
func (s *Setup) EnsureSharingGroup(ctx context.Context, res *Result) error {
	run := s.begin(StepSharing)
	return run.end(res, s.ensureSharingGroup(ctx, run, res))
}

func (s *Setup) ensureSharingGroup(ctx context.Context, run *stepRun, res *Result) error {
	if res.Org == nil || !res.Org.ID.Valid() || res.Server == nil || !res.Server.ID.Valid() {
		return errors.New("the partner's organisation and our server entry are needed first")
	}
	if s.Login == nil || !s.Login.HostOrg.ID.Valid() {
		return errors.New("our own organisation is not known (log in again)")
	}
	ours := s.Login.HostOrg
	name := SharingGroupName(ours.Name, res.Org.Name)

	var group *misp.SharingGroupDetails
	if res.SharingGroup != nil && res.SharingGroup.ID.Valid() {
		g, err := s.Client.SharingGroup(ctx, res.SharingGroup.ID)
		switch {
		case err == nil && g.SharingGroup.OrgID == ours.ID && strings.EqualFold(g.SharingGroup.UUID, res.SharingGroup.UUID):
			group = g
		case err == nil, misp.IsKind(err, misp.KindNotFound), misp.IsKind(err, misp.KindMethodNotAllowed):
			run.note("The sharing group %s recorded earlier is gone or no longer ours; another is made.", res.SharingGroup.ID)
		default:
			return err
		}
	}
	if group == nil {
		g, err := s.findSharingGroup(ctx, run, name, ours.ID, res.Org.ID, true)
		if err != nil {
			return err
		}
		group = g
	}
	created := false
	if group == nil {
		g, err := s.Client.AddSharingGroup(ctx, misp.NewSharingGroup{
			Name: name, Releasability: fmt.Sprintf("%s and %s only", strings.TrimSpace(ours.Name), strings.TrimSpace(res.Org.Name)),
			Description: "Bilateral sharing group made by MISPbump when pairing with " + res.Partner.URL, Active: true,
		})
		if err != nil {
			if !ambiguous(err) {
				return err
			}
			again, ferr := s.findSharingGroup(ctx, run, name, ours.ID, res.Org.ID, false)
			if ferr != nil || again == nil {
				return err
			}
			g = again
			run.note("Adding the sharing group failed (%s), but it had been saved; it is used.", kindOf(err))
		} else {
			created = true
			run.created("sharing group %s %q", g.SharingGroup.ID, g.SharingGroup.Name)
		}
		group = g
	} else {
		run.reused("sharing group %s %q", group.SharingGroup.ID, group.SharingGroup.Name)
	}
	id := group.SharingGroup.ID
	if !group.HasOrg(res.Org.ID) {
		if _, err := s.Client.AddSharingGroupOrg(ctx, id, res.Org.ID); err != nil {
			return err
		}
	}
	if !group.HasServer(res.Server.ID) {
		if _, err := s.Client.AddSharingGroupServer(ctx, id, res.Server.ID); err != nil {
			return err
		}
	}
	wasCreated := created || (res.SharingGroup != nil && res.SharingGroup.ID == id && res.SharingGroup.Created)
	res.SharingGroup = &SharingGroupResult{ID: id, UUID: group.SharingGroup.UUID, Name: group.SharingGroup.Name, Created: wasCreated}
	return nil
}

// findSharingGroup looks for our group of this name whose organisations are
// only ours and the partner's. The name holds the partner's claimed name, so
// a group is reused by name only when the partner organisation is already in
// it (withPartner): otherwise a partner calling itself after a group of ours
// would be added to it and read its events. A group just made, whose answer
// was lost, has no partner yet (withPartner false): the newest match is it.
func (s *Setup) findSharingGroup(ctx context.Context, run *stepRun, name string, ours, partner misp.ID, withPartner bool) (*misp.SharingGroupDetails, error) {
	all, err := s.Client.SharingGroups(ctx)
	if err != nil {
		return nil, err
	}
	if !withPartner {
		slices.Reverse(all) // newest first
	}
	for i := range all {
		g := &all[i]
		if g.SharingGroup.Name != name || (g.Organisation.ID != ours && g.SharingGroup.OrgID != ours) {
			continue
		}
		foreign, hasPartner := false, false
		for _, o := range g.SharingGroupOrg {
			if o.OrgID != ours && o.OrgID != partner {
				foreign = true
			}
			hasPartner = hasPartner || o.OrgID == partner
		}
		if foreign {
			run.note("Our MISP has a sharing group named %q with other organisations in it; it is left alone and a new one is made.", name)
			continue
		}
		if withPartner && !hasPartner {
			run.note("Our MISP has a sharing group named %q without the partner in it; it is not theirs to join, so it is left alone and a new one is made.", name)
			continue
		}
		// The index lists members; view confirms the id and gives the uuid.
		return s.Client.SharingGroup(ctx, g.SharingGroup.ID)
	}
	return nil, nil
}

// RemoveSharingGroup deletes the bilateral group when the app created it
// (the admin asked, on removing the partner); a group that existed before
// is kept.
func (s *Setup) RemoveSharingGroup(ctx context.Context, res *Result) error {
	run := s.begin(StepSharing)
	var err error
	switch g := res.SharingGroup; {
	case g == nil || !g.ID.Valid():
	case !g.Created:
		run.note("Kept the sharing group %q: it existed before MISPbump used it.", g.Name)
	default:
		if err = s.Client.DeleteSharingGroup(ctx, g.ID); err == nil || misp.IsKind(err, misp.KindNotFound) {
			err = nil
			run.note("Deleted the sharing group %q that MISPbump had created.", g.Name)
		}
	}
	return run.end(res, err)
}
