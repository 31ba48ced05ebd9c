package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// Resume says how an unfinished pairing can be finished.
type Resume int

const (
	// ResumeFinishAlone: we hold the partner's key (its CREDS), so our side
	// can finish alone: server entry and connection test (FinishAlone).
	ResumeFinishAlone Resume = iota + 1
	// ResumeNewSession: we still need the partner's key; ephemeral keys are
	// never stored, so only a new face-to-face session can get it (new SAS,
	// new key; the key made in the unfinished pairing is revoked once the
	// new one works). Start it with Config.ResumeID set.
	ResumeNewSession
)

// String says the case in words, for the UI.
func (r Resume) String() string {
	switch r {
	case ResumeFinishAlone:
		return "you hold the partner's key: finish alone (server entry and connection test)"
	case ResumeNewSession:
		return "the partner's key never arrived: sit together again for a new face-to-face pairing (new codes, a new key)"
	}
	return "unknown"
}

// ResumeCase says which case applies to a pending pairing. Finishing alone
// needs the partner's CREDS and our own key sent to the partner (else the
// partner cannot finish its side, and only a new session helps both).
func ResumeCase(p store.PendingPairing) Resume {
	if p.Creds != nil && p.Creds.SyncAuthkey != "" && p.Partner.OnOurMISP.Org.ID != "" && slices.Contains(p.StepsDone, StepKey) {
		return ResumeFinishAlone
	}
	return ResumeNewSession
}

// FinishAlone finishes a pending pairing that holds the partner's CREDS: it
// adds or updates our server entry and tests it, saves the partner record and
// drops the pending pairing. No frame is exchanged, so the partner learns the
// result only from its own connection test. The choices are the ones to use
// for the server entry (push/pull come from the pending record).
func FinishAlone(ctx context.Context, c *misp.Client, login *misp.LoginInfo, st *store.Store, pendingID string, ch Choices) (*Result, error) {
	return finishAlone(ctx, newMISPSteps(c, login), st, pendingID, ch)
}

func finishAlone(ctx context.Context, sp steps, st *store.Store, pendingID string, ch Choices) (*Result, error) {
	snap := st.Snapshot()
	pp, ok := snap.PendingPairing(pendingID)
	if !ok {
		return nil, &Error{Kind: KindNoPending}
	}
	if ResumeCase(*pp) != ResumeFinishAlone {
		return nil, &Error{Kind: KindNoPending, Detail: ResumeNewSession.String()}
	}
	ch.Push, ch.Pull = pp.Partner.Push, pp.Partner.Pull
	info := infoFromRecord(pp.Partner)
	creds := pairing.Creds{SyncAuthkey: pp.Creds.SyncAuthkey, SyncUserEmail: pp.Creds.SyncUserEmail}
	org := orgResult{ID: pp.Partner.OnOurMISP.Org.ID, Created: pp.Partner.OnOurMISP.Org.Outcome == store.Created}
	res := &Result{Partner: PartnerSummary{OrgName: info.Org.Name, OrgUUID: info.Org.UUID, InstanceUUID: info.InstanceUUID, URL: info.URL, OrgID: org.ID, OrgCreated: org.Created,
		SyncUserID: pp.Partner.OnOurMISP.SyncUser.ID, UserCreated: pp.Partner.OnOurMISP.SyncUser.Outcome == store.Created, SyncUserEmail: pp.Partner.OnOurMISP.SyncUserEmail}}
	srv, err := sp.Server(ctx, info, creds, org, ch)
	if err != nil {
		res.Err = &Error{Kind: KindStep, Step: StepServer, Err: err}
		res.Advice = "fix the problem on your MISP and resume again"
		res.PendingID, res.Requests = pendingID, sp.Requests()
		return res, res.Err
	}
	res.Partner.ServerID, res.Partner.ServerCreated = srv.ID, srv.Created
	test, err := sp.Test(ctx, srv.ID, info)
	if err != nil {
		res.Err = &Error{Kind: KindStep, Step: StepTest, Err: err}
		res.Advice = "the server entry exists; fix the problem and use \"test connection now\""
		test = pairing.TestResult{Status: 0, Message: err.Error()}
	}
	res.Test = &test
	res.OK = test.Status == misp.ConnOK
	// Keys the app minted earlier for the partner's sync user are revoked
	// only once the partner confirms the new one works; finishing alone we
	// do not hear from the partner, so they are marked pending revocation.
	var old []store.MintedKey
	if res.OK && pp.Partner.OnOurMISP.SyncUser.ID != "" {
		keep := ""
		if n := len(pp.Partner.MintedKeys); n > 0 {
			keep = pp.Partner.MintedKeys[n-1].ID
		}
		if keep != "" {
			if m, ok := sp.(*mispSteps); ok {
				m.userEmail = pp.Partner.OnOurMISP.SyncUserEmail
			}
			old, _ = sp.OldKeys(ctx, pp.Partner.OnOurMISP.SyncUser.ID, keep)
		}
	}
	now := time.Now().UTC()
	err = st.Update(func(d *store.Data) error {
		p := pp.Partner
		p.KeysPendingRevocation = addKeys(p.KeysPendingRevocation, old...)
		p.PairedAt = now
		p.LastTest = &store.ConnectionTest{Status: test.Status, Message: test.Message, RemoteUser: test.RemoteUser, At: now}
		if i := findPartner(d, pp.ProfileID, p.InstanceUUID); i >= 0 {
			earlier := d.Partners[i]
			p.ID = earlier.ID
			p.OnOurMISP.Org = ref(p.OnOurMISP.Org.ID, p.OnOurMISP.Org.Outcome == store.Created, earlier.OnOurMISP.Org)
			p.OnOurMISP.SyncUser = ref(p.OnOurMISP.SyncUser.ID, p.OnOurMISP.SyncUser.Outcome == store.Created, earlier.OnOurMISP.SyncUser)
			p.MintedKeys = addKeys(slices.Clone(earlier.MintedKeys), p.MintedKeys...)
			p.KeysPendingRevocation = addKeys(slices.Clone(earlier.KeysPendingRevocation), p.KeysPendingRevocation...)
			p.OnOurMISP.Server = ref(srv.ID, srv.Created, earlier.OnOurMISP.Server)
			d.Partners[i] = p
		} else {
			p.ID = store.NewID()
			p.OnOurMISP.Server = ref(srv.ID, srv.Created, store.ObjectRef{})
			d.Partners = append(d.Partners, p)
		}
		res.PartnerID = p.ID
		d.Pending = slices.DeleteFunc(d.Pending, func(x store.PendingPairing) bool { return x.ID == pendingID })
		return nil
	})
	if err != nil {
		res.Err = &Error{Kind: KindStore, Err: err}
	}
	res.Requests = sp.Requests()
	if res.Err == nil && !res.OK {
		res.Err = &Error{Kind: KindStep, Step: StepTest, Detail: test.Message}
		res.Advice = "the server entry exists but the connection test failed; fix it and use \"test connection now\""
	}
	res.Partner.KeysPendingRevoking = keyIDs(addKeys(slices.Clone(pp.Partner.KeysPendingRevocation), old...))
	return res, res.Err
}

// RevokePendingKeys revokes the keys a partner record marks pending
// revocation (once the admin knows the partner uses the new key, e.g. after
// its "partner's result not received") and clears them from the record.
// It returns the ids revoked.
func RevokePendingKeys(ctx context.Context, c *misp.Client, st *store.Store, partnerID string) ([]string, error) {
	snap := st.Snapshot()
	p, ok := snap.Partner(partnerID)
	if !ok {
		return nil, errNoSuchPartner
	}
	keys := p.KeysPendingRevocation
	if err := revokeStored(ctx, c, keys); err != nil {
		return nil, err
	}
	gone := keyIDs(keys)
	err := st.Update(func(d *store.Data) error {
		if q, ok := d.Partner(partnerID); ok {
			q.KeysPendingRevocation = slices.DeleteFunc(q.KeysPendingRevocation, func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
			q.MintedKeys = slices.DeleteFunc(q.MintedKeys, func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
		}
		return nil
	})
	return gone, err
}

// RevokeAbandonedKeys revokes the keys our profile marks pending revocation:
// keys minted in a pairing that was aborted before a partner record existed,
// whose revocation was cut short (window closed, MISP failing). Call it after
// a login to the profile's MISP. It returns the ids revoked; a key MISP no
// longer knows counts as revoked.
func RevokeAbandonedKeys(ctx context.Context, c *misp.Client, st *store.Store, profileID string) ([]string, error) {
	snap := st.Snapshot()
	pr, ok := snap.Profile(profileID)
	if !ok {
		return nil, &Error{Kind: KindBadConfig, Detail: "no such profile"}
	}
	keys := pr.KeysPendingRevocation
	if len(keys) == 0 {
		return nil, nil
	}
	if err := revokeStored(ctx, c, keys); err != nil {
		return nil, err
	}
	gone := keyIDs(keys)
	err := st.Update(func(d *store.Data) error {
		if q, ok := d.Profile(profileID); ok {
			q.KeysPendingRevocation = slices.DeleteFunc(q.KeysPendingRevocation, func(k store.MintedKey) bool { return slices.Contains(gone, k.ID) })
		}
		return nil
	})
	return gone, err
}

// revokeStored revokes keys a record kept for later, each only when our
// MISP lists it under the user the record names and with the comment the
// app gave it: an id alone could name another user's key (the profile
// pointed at another MISP since). A key not listed there counts as gone, as
// one MISP no longer knows does; deleting it by id could hit someone else's.
// Keys recorded without their user (records older than that field) are
// revoked by id, as before.
func revokeStored(ctx context.Context, c *misp.Client, keys []store.MintedKey) error {
	listed := map[string][]misp.AuthKey{}
	for _, k := range keys {
		if k.ID == "" {
			continue
		}
		if k.UserID != "" {
			ks, ok := listed[k.UserID]
			if !ok {
				var err error
				if ks, err = c.AuthKeys(ctx, misp.ID(k.UserID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
					return err
				}
				listed[k.UserID] = ks
			}
			if !slices.ContainsFunc(ks, func(a misp.AuthKey) bool { return a.ID.String() == k.ID && a.Comment == k.Comment }) {
				continue
			}
		}
		if err := c.DeleteAuthKey(ctx, misp.ID(k.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return err
		}
	}
	return nil
}

// infoFromRecord rebuilds what the partner's INFO said from a record.
func infoFromRecord(p store.Partner) pairing.Info {
	info := pairing.Info{
		Org: pairing.Organisation{UUID: p.Org.UUID, Name: p.Org.Name, Description: p.Org.Description, Type: p.Org.Type,
			Nationality: p.Org.Nationality, Sector: p.Org.Sector, Contacts: p.Org.Contacts},
		AdminEmail: p.AdminEmail, URL: p.AnnouncedURL, InstanceUUID: p.InstanceUUID, MISPVersion: p.MISPVersion,
		CertificatePEM: p.CertificatePEM, EgressAddresses: p.EgressAddresses, Notifications: p.NotificationSettings,
	}
	if p.PGPKey != nil {
		info.PGPKey, info.PGPFingerprint = p.PGPKey.Armored, p.PGPKey.Fingerprint
	}
	return info
}

// TestConnection runs "test connection now" on a saved partner: servers/
// testConnection on our server entry, judged against the partner's instance
// UUID, and saves the result as the record's LastTest.
func TestConnection(ctx context.Context, c *misp.Client, st *store.Store, partnerID string) (store.ConnectionTest, error) {
	data := st.Snapshot()
	p, ok := data.Partner(partnerID)
	if !ok {
		return store.ConnectionTest{}, errNoSuchPartner
	}
	if p.OnOurMISP.Server.ID != "" {
		switch e, err := partnerEntry(ctx, c, p); {
		case err != nil:
			return store.ConnectionTest{}, err
		case e == nil:
			return store.ConnectionTest{}, entryGone(misp.ID(p.OnOurMISP.Server.ID))
		}
	}
	sp := &mispSteps{c: c}
	r, err := sp.Test(ctx, p.OnOurMISP.Server.ID, pairing.Info{InstanceUUID: p.InstanceUUID, URL: p.AnnouncedURL})
	if err != nil {
		return store.ConnectionTest{}, err
	}
	t := store.ConnectionTest{Status: r.Status, Message: r.Message, RemoteUser: r.RemoteUser, At: time.Now().UTC()}
	err = st.Update(func(d *store.Data) error {
		if q, ok := d.Partner(partnerID); ok {
			q.LastTest = &t
		}
		return nil
	})
	return t, err
}

// Removal says, one sentence a line, what RemovePartner did on our MISP.
type Removal struct {
	Done []string
}

// RemovePartner undoes on our MISP what pairings with the partner set up, as
// the brief says: the server entry only if the app created it, the sync user
// disabled (deleted only when deleteUser), the organisation never; then it
// removes the record.
//
// The record names those objects by id, and an id alone can name someone
// else's object (the profile pointed at another MISP since, an id given
// again): each is first looked up by what else the record knows of it, and
// when one does not match nothing at all is removed.
func RemovePartner(ctx context.Context, c *misp.Client, st *store.Store, partnerID string, deleteUser bool) (Removal, error) {
	var out Removal
	data := st.Snapshot()
	p, ok := data.Partner(partnerID)
	if !ok {
		return out, errNoSuchPartner
	}
	on := p.OnOurMISP
	deleteServer, err := serverToDelete(ctx, c, p, &out)
	if err != nil {
		return out, err
	}
	touchUser, err := syncUserToTouch(ctx, c, p, &out)
	if err != nil {
		return out, err
	}

	if deleteServer {
		if err := c.DeleteServer(ctx, misp.ID(on.Server.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return out, err
		}
		out.Done = append(out.Done, "Deleted server entry #"+on.Server.ID+".")
	}
	if touchUser {
		var err error
		if deleteUser {
			err = c.DeleteUser(ctx, misp.ID(on.SyncUser.ID))
		} else {
			_, err = c.SetUserDisabled(ctx, misp.ID(on.SyncUser.ID), true)
		}
		if err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return out, err
		}
		verb := "Disabled"
		if deleteUser {
			verb = "Deleted"
		}
		out.Done = append(out.Done, verb+" sync user "+on.SyncUserEmail+" (#"+on.SyncUser.ID+").")
	}
	if on.Org.ID != "" {
		out.Done = append(out.Done, "Kept organisation #"+on.Org.ID+" ("+p.Org.Name+").")
	}
	return out, st.Update(func(d *store.Data) error {
		d.Partners = slices.DeleteFunc(d.Partners, func(x store.Partner) bool { return x.ID == partnerID })
		if touchUser && !deleteUser {
			// Remembered so that pairing with this partner again may
			// re-enable the user we disabled, and no one else's.
			for i := range d.Profiles {
				if d.Profiles[i].ID == p.ProfileID && !slices.Contains(d.Profiles[i].SyncUsersDisabledByApp, on.SyncUser.ID) {
					d.Profiles[i].SyncUsersDisabledByApp = append(d.Profiles[i].SyncUsersDisabledByApp, on.SyncUser.ID)
				}
			}
		}
		return nil
	})
}

// NotOursError says that an object a partner record names by id is not, on
// our MISP, the one the pairing made: nothing was done to it.
type NotOursError struct {
	// What says what was found instead, in words.
	What string
}

func (e *NotOursError) Error() string {
	return e.What + ". It is not what this pairing made (was the profile pointed at another MISP since?)"
}

// removalStopped is the error of a removal that found an object of the
// record not matching it, before anything was removed.
func removalStopped(err error) error {
	return fmt.Errorf("%w. Nothing was removed: delete what is the partner's in MISP by hand, or point the profile at the MISP of this pairing", err)
}

// serverToDelete says whether the record's server entry is to be deleted:
// only one the app created, and only when the entry with that id still
// points at the partner's address and organisation.
func serverToDelete(ctx context.Context, c *misp.Client, p *store.Partner, out *Removal) (bool, error) {
	srv := p.OnOurMISP.Server
	if srv.ID == "" || srv.Outcome != store.Created {
		if srv.ID != "" {
			out.Done = append(out.Done, "Kept server entry #"+srv.ID+": it existed before the pairing.")
		}
		return false, nil
	}
	e, err := partnerEntry(ctx, c, p)
	switch {
	case errors.As(err, new(*NotOursError)):
		return false, removalStopped(err)
	case err != nil:
		return false, err
	case e != nil:
		return true, nil
	}
	out.Done = append(out.Done, "Server entry #"+srv.ID+" was no longer on our MISP.")
	return false, nil
}

// syncUserToTouch says whether the record's sync user is to be disabled or
// deleted: only when our MISP has a user with the record's e-mail under
// that id, in the partner's organisation.
func syncUserToTouch(ctx context.Context, c *misp.Client, p *store.Partner, out *Removal) (bool, error) {
	u, email := p.OnOurMISP.SyncUser, p.OnOurMISP.SyncUserEmail
	if u.ID == "" {
		return false, nil
	}
	if email == "" {
		out.Done = append(out.Done, "Left user #"+u.ID+" alone: the record does not say the sync user's e-mail; disable it in MISP if it is the partner's.")
		return false, nil
	}
	listed, err := c.UsersByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	var elsewhere []string
	for _, l := range listed {
		if string(l.User.ID) != u.ID {
			elsewhere = append(elsewhere, "#"+string(l.User.ID))
			continue
		}
		if string(l.User.OrgID) != p.OnOurMISP.Org.ID {
			return false, removalStopped(&NotOursError{What: fmt.Sprintf("Sync user %s (#%s) on our MISP is in organisation #%s, not in the partner's #%s",
				email, u.ID, l.User.OrgID, p.OnOurMISP.Org.ID)})
		}
		return true, nil
	}
	if len(elsewhere) > 0 {
		return false, removalStopped(&NotOursError{What: fmt.Sprintf("Our MISP has %s as user %s, not as #%s as the record says",
			email, strings.Join(elsewhere, ", "), u.ID)})
	}
	out.Done = append(out.Done, "Sync user "+email+" (#"+u.ID+") was not found on our MISP (deleted there, or its e-mail changed): nothing to disable.")
	return false, nil
}

// disabledByAppOf reads the sync users this app disabled on a profile's
// MISP, and gives a function that forgets one once a pairing re-enabled it.
func disabledByAppOf(st *store.Store, profileID string) ([]misp.ID, func(userID string)) {
	var ids []misp.ID
	data := st.Snapshot()
	if p, ok := data.Profile(profileID); ok {
		for _, id := range p.SyncUsersDisabledByApp {
			ids = append(ids, misp.ID(id))
		}
	}
	forget := func(userID string) {
		_ = st.Update(func(d *store.Data) error {
			for i := range d.Profiles {
				if d.Profiles[i].ID == profileID {
					d.Profiles[i].SyncUsersDisabledByApp = slices.DeleteFunc(d.Profiles[i].SyncUsersDisabledByApp, func(id string) bool { return id == userID })
				}
			}
			return nil
		})
	}
	return ids, forget
}
