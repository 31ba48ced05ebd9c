package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// mispSteps does the steps on our MISP through core/syncsetup, keeping its
// Result across the steps of one session.
type mispSteps struct {
	c     *misp.Client
	login *misp.LoginInfo
	now   func() time.Time
	res   *syncsetup.Result
	// userEmail is the sync user's e-mail when no step of this session
	// found the user (a resume sets it from the pending pairing).
	userEmail string
	// disabledByApp are the sync users this app disabled when it removed
	// their partner: only those may be re-enabled (store profile).
	disabledByApp []misp.ID
	// onReEnabled, when set, hears of a user re-enabled by this session, so
	// the profile stops listing it as disabled by the app.
	onReEnabled func(userID string)
}

func newMISPSteps(c *misp.Client, login *misp.LoginInfo) *mispSteps {
	return &mispSteps{c: c, login: login, now: time.Now}
}

func (m *mispSteps) Requests() int64 { return m.c.Requests() }

func policy(ch Choices) syncsetup.Policy {
	p := syncsetup.Policy{Push: ch.Push, Pull: ch.Pull, PublishWithoutEmail: ch.PublishWithoutEmail, SameOrganisation: ch.Internal,
		ServerName: ch.ServerName, AllowLocalAddresses: ch.AllowLocalAddresses, KeepUnverifiedEntry: ch.KeepUnverifiedEntry,
		Rules: ch.Rules, ApplyRules: ch.RulesChanged, SharingGroup: ch.SharingGroup}
	if ch.NameClash == NameClashStop {
		p.NameClash = syncsetup.NameClashFail
	}
	if ch.ExistingServer == ExistingServerCreateNew {
		p.ExistingServer = syncsetup.ServerCreateNew
	}
	return p
}

func partnerOf(info pairing.Info) syncsetup.Partner {
	return syncsetup.Partner{OrgName: info.Org.Name, OrgUUID: info.Org.UUID, InstanceUUID: info.InstanceUUID, URL: info.URL, CertificatePEM: info.CertificatePEM}
}

func (m *mispSteps) setup(ch Choices) *syncsetup.Setup {
	return m.setupWith(policy(ch))
}

// setupWith is a Setup under the policy of this session's result (the
// admin's choices, recorded by the first step).
func (m *mispSteps) setupWith(p syncsetup.Policy) *syncsetup.Setup {
	return &syncsetup.Setup{Client: m.c, Login: m.login, Policy: p, Now: m.now, DisabledByApp: m.disabledByApp}
}

func (m *mispSteps) result(info pairing.Info, ch Choices) *syncsetup.Result {
	if m.res == nil {
		m.res = &syncsetup.Result{Partner: partnerOf(info), Policy: policy(ch)}
	}
	return m.res
}

func (m *mispSteps) Org(ctx context.Context, partner pairing.Info, ch Choices) (orgResult, error) {
	res := m.result(partner, ch)
	setup := m.setup(ch)
	setup.ReuseOrgUUID = ch.ReuseOrgUUID // the admin's word, or none
	err := setup.EnsurePartnerOrg(ctx, res)
	if res.Org == nil {
		return orgResult{}, err
	}
	return orgResult{ID: res.Org.ID.String(), Created: res.Org.Created, Name: res.Org.Name, Note: strings.Join(res.Notes(), " ")}, err
}

func (m *mispSteps) SyncUser(ctx context.Context, partner pairing.Info, org orgResult) (userResult, error) {
	res := m.result(partner, DefaultChoices())
	if res.Org == nil {
		res.Org = &syncsetup.OrgResult{ID: misp.ID(org.ID), Name: org.Name, Created: org.Created}
	}
	err := m.setupWith(res.Policy).EnsureSyncUser(ctx, res)
	u := res.User
	if u == nil {
		return userResult{}, err
	}
	if u.ReEnabled && m.onReEnabled != nil {
		m.onReEnabled(u.ID.String())
	}
	out := userResult{ID: u.ID.String(), Email: u.Email, Created: u.Created, Key: u.Authkey.Reveal(),
		Minted: store.MintedKey{ID: u.KeyID.String(), Comment: u.KeyComment, UserID: u.ID.String(), Minted: m.now().UTC()}}
	u.Authkey = "" // the key lives on only in the sealed CREDS
	return out, err
}

func (m *mispSteps) Server(ctx context.Context, partner pairing.Info, creds pairing.Creds, org orgResult, ch Choices) (serverResult, error) {
	res := m.result(partner, ch)
	if res.Org == nil {
		// Finishing alone: the organisation comes from the pending record,
		// by id, and an id alone could name another organisation (the
		// profile pointed at another MISP since). The entry would then sync
		// with the partner as someone else: it must have the partner's UUID.
		o, err := m.c.Organisation(ctx, org.ID)
		if err != nil {
			return serverResult{}, err
		}
		if !strings.EqualFold(o.UUID, partner.Org.UUID) {
			return serverResult{}, &NotOursError{What: fmt.Sprintf("Organisation #%s on our MISP is %q (%s), not the partner's %q (%s)", org.ID, o.Name, o.UUID, partner.Org.Name, partner.Org.UUID)}
		}
		res.Org = &syncsetup.OrgResult{ID: misp.ID(org.ID), Name: org.Name, Created: org.Created}
	}
	setup := m.setup(ch)
	err := setup.EnsureServer(ctx, res, syncsetup.Creds{Authkey: syncsetup.Secret(creds.SyncAuthkey), Email: creds.SyncUserEmail})
	if res.Server == nil {
		return serverResult{}, err
	}
	out := serverResult{ID: res.Server.ID.String(), Created: res.Server.Created, PushRules: res.Server.PushRules, PullRules: res.Server.PullRules}
	if st := res.Server.Settings; st != nil {
		out.Settings = &store.ServerSettings{
			Push: st.Push, Pull: st.Pull, PublishWithoutEmail: st.PublishWithoutEmail, Internal: st.Internal,
			SelfSigned: st.SelfSigned, CertFile: st.CertFile, PushRules: st.PushRules, PullRules: st.PullRules,
			KeptExisting: !res.Server.Created, ReadAt: m.now().UTC(),
		}
	}
	if err == nil && ch.SharingGroup {
		// The entry works without the group: a failure here is reported,
		// not a failed pairing.
		if gerr := setup.EnsureSharingGroup(ctx, res); gerr != nil {
			// Its StepError says "run the setup again", but the pairing
			// goes on: say what this means here instead.
			out.SharingGroupProblem = "The bilateral sharing group was not made or completed: " + strings.TrimSpace(stepCause(gerr)) + " Sync works without it; make the group in MISP (Global actions → Add sharing group) or pair again with the option on."
		}
		if g := res.SharingGroup; g != nil {
			out.SharingGroup = &sharingGroupResult{ID: g.ID.String(), UUID: g.UUID, Name: g.Name, Created: g.Created}
		}
	}
	return out, err
}

func (m *mispSteps) Test(ctx context.Context, serverID string, partner pairing.Info) (pairing.TestResult, error) {
	res := m.result(partner, DefaultChoices())
	if res.Server == nil || res.Server.ID.String() != serverID {
		res.Server = &syncsetup.ServerResult{ID: misp.ID(serverID)}
	}
	res.Test = nil
	err := m.setupWith(res.Policy).TestConnection(ctx, res)
	if res.Test == nil {
		return pairing.TestResult{}, err // the test did not run
	}
	t := res.Test
	r := pairing.TestResult{Status: t.Status, Post: t.Post, RemoteUUID: t.RemoteUUID, RemoteUser: t.RemoteUser, Message: t.Message}
	if !t.OK && r.Status == misp.ConnOK {
		r.Status = 0 // reached, but not the partner or not fully working
	}
	return r, nil
}

// OldKeys lists the keys the app minted earlier for its sync user with
// syncsetup's rule (Setup.OldKeys, the one RevokeOldKeys applies): a comment
// starting with syncsetup.KeyCommentPrefix, or none (the key admin/users/add
// made). A key someone added by hand is kept.
func (m *mispSteps) OldKeys(ctx context.Context, userID, keepID string) ([]store.MintedKey, error) {
	if keepID == "" {
		return nil, nil
	}
	var policy syncsetup.Policy
	email := m.userEmail
	if m.res != nil {
		policy = m.res.Policy
		if u := m.res.User; u != nil && u.ID.String() == userID {
			email = u.Email
		} else if email == "" {
			email = syncsetup.SyncUserEmail(m.res.Partner.InstanceUUID)
		}
	}
	res := &syncsetup.Result{User: &syncsetup.UserResult{ID: misp.ID(userID), Email: email, KeyID: misp.ID(keepID)}}
	keys, err := m.setupWith(policy).OldKeys(ctx, res)
	if err != nil {
		return nil, err
	}
	var old []store.MintedKey
	for _, k := range keys {
		old = append(old, store.MintedKey{ID: k.ID.String(), Comment: k.Comment, UserID: userID})
	}
	return old, nil
}

// RevokeOld revokes, once the partner confirmed the new key, the earlier
// app-made keys OldKeys listed (with syncsetup's rule) after this session's
// connection test, and any carried over from an earlier failed attempt. It
// deletes exactly those, by id: listing the user's keys again, as
// syncsetup.RevokeOldKeys does, would be a second auth_keys/index a few
// seconds after the first, which the real MISP does not need (issue 14: the
// pair showed it, one request per side). Keys already gone count as revoked.
// It returns the ids now gone.
func (m *mispSteps) RevokeOld(ctx context.Context, keys []store.MintedKey) ([]string, error) {
	var gone []string
	for _, k := range keys {
		if k.ID == "" {
			continue
		}
		if err := m.c.DeleteAuthKey(ctx, misp.ID(k.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return gone, err
		}
		gone = addIDs(gone, k.ID)
	}
	return gone, nil
}

// Revoke deletes, by id, keys this session has just minted or listed on the
// same MISP (an abort's key): nothing to check. Keys read from the store are
// revoked through revokeStored, which checks each is still the record's.
func (m *mispSteps) Revoke(ctx context.Context, keys []store.MintedKey) error {
	for _, k := range keys {
		if k.ID == "" {
			continue
		}
		if err := m.c.DeleteAuthKey(ctx, misp.ID(k.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return err
		}
	}
	return nil
}

// stepCause is what a syncsetup step error says without its advice to run
// the setup again (for a step whose failure does not stop the pairing).
func stepCause(err error) string {
	var se *syncsetup.StepError
	if errors.As(err, &se) && se.Err != nil {
		return se.Err.Error()
	}
	return err.Error()
}
