package session

import (
	"slices"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// partnerFromInfo is the part of a partner record the partner's INFO fills.
func partnerFromInfo(info pairing.Info, profileID string, ch Choices) store.Partner {
	p := store.Partner{
		ProfileID: profileID,
		Org: store.PartnerOrg{
			UUID:        info.Org.UUID,
			Name:        info.Org.Name,
			Description: info.Org.Description,
			Nationality: info.Org.Nationality,
			Sector:      info.Org.Sector,
			Type:        info.Org.Type,
			Contacts:    info.Org.Contacts,
		},
		AdminEmail:      info.AdminEmail,
		AnnouncedURL:    info.URL,
		InstanceUUID:    info.InstanceUUID,
		MISPVersion:     info.MISPVersion,
		CertificatePEM:  info.CertificatePEM,
		EgressAddresses: slices.Clone(info.EgressAddresses),
		Push:            ch.Push,
		Pull:            ch.Pull,
	}
	if info.PGPKey != "" {
		p.PGPKey = &store.PGPKey{Armored: info.PGPKey, Fingerprint: info.PGPFingerprint}
	}
	if info.Notifications != nil {
		n := *info.Notifications
		p.NotificationSettings = &n
	}
	if info.Flows != nil {
		f := *info.Flows
		p.PartnerFlows = &f
	}
	p.OurFlows = ch.Rules.Flows(ch.Push, ch.Pull)
	return p
}

func outcome(created bool) store.Outcome {
	if created {
		return store.Created
	}
	return store.Reused
}

// ref records an object; an object the app created in an earlier pairing
// stays "created" when this pairing reuses it, so removing the partner still
// removes it.
func ref(id string, created bool, earlier store.ObjectRef) store.ObjectRef {
	if id == "" {
		return store.ObjectRef{}
	}
	o := outcome(created)
	if earlier.ID == id && earlier.Outcome == store.Created {
		o = store.Created
	}
	return store.ObjectRef{ID: id, Outcome: o}
}

// findPartner returns the index of the record for the same partner instance
// on the same profile of ours, or -1.
func findPartner(d *store.Data, profileID, instanceUUID string) int {
	return slices.IndexFunc(d.Partners, func(p store.Partner) bool {
		// One normalisation everywhere: INFO's UUIDs arrive lower-cased,
		// records from before that may not be.
		return p.ProfileID == profileID && strings.EqualFold(p.InstanceUUID, instanceUUID) && instanceUUID != ""
	})
}

func addKeys(to []store.MintedKey, keys ...store.MintedKey) []store.MintedKey {
	for _, k := range keys {
		if k.ID != "" && !slices.ContainsFunc(to, func(o store.MintedKey) bool { return o.ID == k.ID }) {
			to = append(to, k)
		}
	}
	return to
}

// recordSoFar is the partner record as far as this session got, merged into
// an earlier record of the same partner.
func (e *engine) recordSoFar(earlier store.Partner) store.Partner {
	info, _ := e.side.PartnerInfo()
	p := partnerFromInfo(info, e.cfg.ProfileID, e.cfg.Choices)
	p.ID = earlier.ID
	p.OnOurMISP = store.OnOurMISP{
		Org:           ref(e.org.ID, e.org.Created, earlier.OnOurMISP.Org),
		SyncUser:      ref(e.user.ID, e.user.Created, earlier.OnOurMISP.SyncUser),
		SyncUserEmail: e.user.Email,
		Server:        ref(e.server.ID, e.server.Created, earlier.OnOurMISP.Server),
	}
	if p.OnOurMISP.Server.ID == "" {
		p.OnOurMISP.Server = earlier.OnOurMISP.Server
	}
	if g := e.server.SharingGroup; g != nil {
		p.OnOurMISP.SharingGroup = ref(g.ID, g.Created, earlier.OnOurMISP.SharingGroup)
		p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID = g.Name, g.UUID
	} else {
		p.OnOurMISP.SharingGroup = earlier.OnOurMISP.SharingGroup
		p.OnOurMISP.SharingGroupName, p.OnOurMISP.SharingGroupUUID = earlier.OnOurMISP.SharingGroupName, earlier.OnOurMISP.SharingGroupUUID
	}
	if !e.cfg.Choices.RulesChanged && earlier.OurFlows != nil && e.server.ID != "" && !e.server.Created {
		// A key-only update kept the entry's earlier rules.
		f := *earlier.OurFlows
		f.Push, f.Pull = p.Push, p.Pull
		p.OurFlows = &f
	}
	p.MintedKeys = slices.Clone(earlier.MintedKeys)
	if e.minted != nil {
		p.MintedKeys = addKeys(p.MintedKeys, *e.minted)
	}
	p.KeysPendingRevocation = addKeys(slices.Clone(earlier.KeysPendingRevocation), e.oldKeys...)
	p.KeysPendingRevocation = slices.DeleteFunc(p.KeysPendingRevocation, func(k store.MintedKey) bool { return slices.Contains(e.revoked, k.ID) })
	p.MintedKeys = slices.DeleteFunc(p.MintedKeys, func(k store.MintedKey) bool { return slices.Contains(e.revoked, k.ID) })
	p.PairedAt = e.cfg.Now().UTC()
	if k := e.result.PartnerKey; k != nil {
		p.PGPKeyCheck = storeKeyCheck(k, p.PairedAt)
		if p.PGPKey != nil && k.Fingerprint != "" {
			p.PGPKey.Fingerprint = k.Fingerprint
		}
	}
	if e.test != nil {
		p.LastTest = &store.ConnectionTest{Status: e.test.Status, Message: e.test.Message, RemoteUser: e.test.RemoteUser, At: e.cfg.Now().UTC()}
	}
	if st := e.server.Settings; st != nil {
		// What MISP has wins over what was chosen: a kept entry has its own.
		c := *st
		p.ServerSettings = &c
		p.Push, p.Pull = st.Push, st.Pull
	}
	return p
}

// savePending keeps the unfinished pairing so it can be resumed: what the
// partner sent (its CREDS too: the store is encrypted), what we did so far.
func (e *engine) savePending() {
	if e.cfg.Store == nil {
		return
	}
	if _, ok := e.side.PartnerInfo(); !ok {
		return
	}
	now := e.cfg.Now().UTC()
	err := e.cfg.Store.Update(func(d *store.Data) error {
		var earlier store.Partner
		if i := findPartner(d, e.cfg.ProfileID, e.result.Partner.InstanceUUID); i >= 0 {
			earlier = d.Partners[i]
		}
		pp := store.PendingPairing{ID: e.pendingID, ProfileID: e.cfg.ProfileID, StartedAt: now, UpdatedAt: now}
		if pp.ID == "" {
			pp.ID = store.NewID()
		}
		pp.Partner = e.recordSoFar(earlier)
		pp.Partner.ID = ""
		if c, ok := e.side.PartnerCreds(); ok {
			pp.Creds = &store.PartnerCreds{SyncAuthkey: c.SyncAuthkey, SyncUserEmail: c.SyncUserEmail}
		}
		pp.StepsDone = slices.Clone(e.stepsDone)
		if old, ok := d.PendingPairing(pp.ID); ok {
			pp.StartedAt = old.StartedAt
			*old = pp
		} else {
			d.Pending = append(d.Pending, pp)
		}
		e.pendingID = pp.ID
		return nil
	})
	if err != nil {
		e.result.Err = &Error{Kind: KindStore, Err: err}
	}
}

// saveRecord saves the partner record after our server entry and test, and
// drops the pending pairing (and the one this session replaced).
func (e *engine) saveRecord() error {
	if e.cfg.Store == nil {
		return nil
	}
	err := e.cfg.Store.Update(func(d *store.Data) error {
		var earlier store.Partner
		i := findPartner(d, e.cfg.ProfileID, e.result.Partner.InstanceUUID)
		if i >= 0 {
			earlier = d.Partners[i]
		}
		p := e.recordSoFar(earlier)
		if p.ID == "" {
			p.ID = store.NewID()
		}
		if i >= 0 {
			d.Partners[i] = p
		} else {
			d.Partners = append(d.Partners, p)
		}
		e.partnerID = p.ID
		// This pairing supersedes every unfinished one with the same partner
		// on this profile (the one it resumed, and any left behind).
		drop := []string{e.pendingID, e.cfg.ResumeID}
		d.Pending = slices.DeleteFunc(d.Pending, func(pp store.PendingPairing) bool {
			return (pp.ID != "" && slices.Contains(drop, pp.ID)) ||
				(pp.ProfileID == e.cfg.ProfileID && pp.Partner.InstanceUUID == p.InstanceUUID && p.InstanceUUID != "")
		})
		return nil
	})
	if err != nil {
		return &Error{Kind: KindStore, Err: err}
	}
	e.pendingID = ""
	return nil
}

// updateRecord changes the saved partner record (late partner result,
// revocations).
func (e *engine) updateRecord(change func(p *store.Partner)) {
	id := e.partnerID
	err := e.cfg.Store.Update(func(d *store.Data) error {
		p, ok := d.Partner(id)
		if !ok {
			return nil
		}
		change(p)
		return nil
	})
	if err != nil {
		e.result.Err = &Error{Kind: KindStore, Err: err}
	}
}

func addIDs(to []string, ids ...string) []string {
	for _, id := range ids {
		if id != "" && !slices.Contains(to, id) {
			to = append(to, id)
		}
	}
	return to
}

// markPendingRevocation records a key minted in this session as pending
// revocation before its revocation is attempted: in the partner record when
// one exists for this partner (RevokePendingKeys finishes it), else in our
// profile (RevokeAbandonedKeys, at the next login). The revocation may be cut
// short by a closed window or fail; the key is never tracked nowhere.
func (e *engine) markPendingRevocation(key store.MintedKey) {
	if e.cfg.Store == nil || key.ID == "" {
		return
	}
	if key.Minted.IsZero() {
		key.Minted = e.cfg.Now().UTC()
	}
	instance := e.result.Partner.InstanceUUID
	err := e.cfg.Store.Update(func(d *store.Data) error {
		if i := findPartner(d, e.cfg.ProfileID, instance); i >= 0 {
			d.Partners[i].KeysPendingRevocation = addKeys(d.Partners[i].KeysPendingRevocation, key)
			return nil
		}
		if pr, ok := d.Profile(e.cfg.ProfileID); ok {
			pr.KeysPendingRevocation = addKeys(pr.KeysPendingRevocation, key)
			return nil
		}
		return &Error{Kind: KindStore, Detail: "no profile " + e.cfg.ProfileID + " to note the key to revoke in"}
	})
	if err != nil && e.result.Err == nil {
		e.result.Err = &Error{Kind: KindStore, Err: err}
	}
}

// clearPendingRevocation forgets revoked keys wherever markPendingRevocation
// put them.
func (e *engine) clearPendingRevocation(ids []string) {
	if e.cfg.Store == nil || len(ids) == 0 {
		return
	}
	gone := func(k store.MintedKey) bool { return slices.Contains(ids, k.ID) }
	_ = e.cfg.Store.Update(func(d *store.Data) error {
		for i := range d.Partners {
			if d.Partners[i].ProfileID == e.cfg.ProfileID {
				d.Partners[i].KeysPendingRevocation = slices.DeleteFunc(d.Partners[i].KeysPendingRevocation, gone)
				d.Partners[i].MintedKeys = slices.DeleteFunc(d.Partners[i].MintedKeys, gone)
			}
		}
		if pr, ok := d.Profile(e.cfg.ProfileID); ok {
			pr.KeysPendingRevocation = slices.DeleteFunc(pr.KeysPendingRevocation, gone)
		}
		return nil
	})
}
