package syncsetup

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

// Setup runs the steps on our MISP. Fill Client, Login (from
// Client.Login) and Policy; Now defaults to time.Now.
type Setup struct {
	Client *misp.Client
	Login  *misp.LoginInfo
	Policy Policy
	Now    func() time.Time
	// DisabledByApp lists the sync users this app disabled itself (Remove,
	// or a removed partner's record), from the caller's records. A disabled
	// sync user is re-enabled only when it is listed here or the Result
	// passed in says so (UserResult.DisabledByApp); a user someone else
	// disabled in MISP is a *ConflictError, because re-enabling it would
	// undo an admin's decision behind their back.
	DisabledByApp []misp.ID
	// ReuseOrgUUID is the admin's word that the partner is the existing
	// organisation with this UUID (canonical, lower case): given in advance
	// ("Pair again with <org>") or at the pause that showed what our MISP
	// knows of it. An existing organisation with any other UUID stops
	// EnsurePartnerOrg with an *ExistingOrgError before anything is written.
	ReuseOrgUUID string
}

// appDisabled reports whether this app disabled the user id itself.
func (s *Setup) appDisabled(res *Result, id misp.ID) bool {
	if res.User != nil && res.User.ID == id && res.User.DisabledByApp {
		return true
	}
	return slices.Contains(s.DisabledByApp, id)
}

func (s *Setup) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// stepRun counts a step's requests and collects what it did.
type stepRun struct {
	s     *Setup
	start int64
	step  Step
}

func (s *Setup) begin(name string) *stepRun {
	return &stepRun{s: s, start: s.Client.Requests(), step: Step{Name: name}}
}

func (r *stepRun) created(format string, a ...any) {
	r.step.Created = append(r.step.Created, fmt.Sprintf(format, a...))
}
func (r *stepRun) reused(format string, a ...any) {
	r.step.Reused = append(r.step.Reused, fmt.Sprintf(format, a...))
}
func (r *stepRun) note(format string, a ...any) {
	r.step.Notes = append(r.step.Notes, fmt.Sprintf(format, a...))
}

// end appends the step to res and wraps err as a *StepError.
func (r *stepRun) end(res *Result, err error) error {
	r.step.Requests = r.s.Client.Requests() - r.start
	res.Steps = append(res.Steps, r.step)
	if err != nil {
		return &StepError{Step: r.step.Name, Err: err}
	}
	return nil
}

// kindOf names a client error's kind for a note ("server error").
func kindOf(err error) string {
	var e *misp.Error
	if errors.As(err, &e) {
		return e.Kind.String()
	}
	return "error"
}

// ambiguous reports whether a failed write may have been saved anyway (an
// error answer after the commit, or a connection lost before the answer).
func ambiguous(err error) bool {
	return misp.IsKind(err, misp.KindServerError) || misp.IsKind(err, misp.KindUnreachable) ||
		misp.IsKind(err, misp.KindTimeout) || misp.IsKind(err, misp.KindBadResponse)
}

func (s *Setup) checkPartner(p Partner) error {
	if p.OrgUUID == "" || p.InstanceUUID == "" || p.OrgName == "" {
		return &ConflictError{What: "The partner's details are incomplete (organisation name, organisation UUID or instance UUID missing)", Fix: "Pair again."}
	}
	if err := s.checkIdentity(p); err != nil {
		return err
	}
	if s.Login != nil && p.InstanceUUID == strings.ToLower(s.Login.InstanceUUID) {
		return &ConflictError{What: "The partner's MISP is our own MISP (same instance UUID)", Fix: "Pair with another MISP."}
	}
	if s.Login != nil {
		same := p.OrgUUID == strings.ToLower(s.Login.HostOrg.UUID)
		switch {
		case same && !s.Policy.SameOrganisation:
			return &ConflictError{What: "The partner's organisation is our own host organisation", Fix: "To link two instances of one organisation, turn on same-organisation mode (organisation-only data will then flow between them) and pair again."}
		case !same && s.Policy.SameOrganisation:
			return &ConflictError{What: fmt.Sprintf("Same-organisation mode is on, but the partner's organisation %q is not ours", p.OrgName), Fix: "Turn same-organisation mode off and pair again."}
		}
		if !s.Policy.SameOrganisation && s.Login.Org.UUID != "" && p.OrgUUID == strings.ToLower(s.Login.Org.UUID) {
			return &OwnOrgError{Which: "your own organisation (the one your MISP account belongs to)", Name: s.Login.Org.Name}
		}
	}
	return nil
}

// notOurs refuses an organisation MISP found that is our host org or the
// admin's org, compared by id as well: whatever was asked, a partner never
// gets a sync user in them outside same-organisation mode.
func (s *Setup) notOurs(org *misp.Organisation) error {
	if s.Login == nil || s.Policy.SameOrganisation {
		return nil
	}
	switch {
	case org.ID == s.Login.HostOrg.ID || strings.EqualFold(org.UUID, s.Login.HostOrg.UUID):
		return &OwnOrgError{Which: "our host organisation", Name: org.Name}
	case org.ID == s.Login.Org.ID || (s.Login.Org.UUID != "" && strings.EqualFold(org.UUID, s.Login.Org.UUID)):
		return &OwnOrgError{Which: "your own organisation (the one your MISP account belongs to)", Name: org.Name}
	}
	return nil
}

// EnsurePartnerOrg finds the partner's organisation by UUID; when missing
// it creates it with local:true. An existing one (local or not, with users
// or without) is reused only with the admin's word (ReuseOrgUUID); without
// it the step stops with an *ExistingOrgError that says what our MISP knows
// of it, before anything is written. Our host org and the admin's org are
// refused outside same-organisation mode. A name taken by another UUID is
// handled by Policy.NameClash. It never creates a second organisation for
// the same UUID.
func (s *Setup) EnsurePartnerOrg(ctx context.Context, res *Result) error {
	run := s.begin(StepOrg)
	return run.end(res, s.ensureOrg(ctx, run, res))
}

func (s *Setup) ensureOrg(ctx context.Context, run *stepRun, res *Result) error {
	p := res.Partner
	if err := s.checkPartner(p); err != nil {
		return err
	}
	uuid := p.OrgUUID
	org, err := s.Client.OrganisationByUUID(ctx, uuid)
	switch {
	case err == nil:
		if err := s.notOurs(org); err != nil {
			return err
		}
		// The admin's word: given for this UUID, implied by
		// same-organisation mode for our host org (chosen in Prepare), or
		// the org was made by an earlier run of this very pairing.
		vouched := s.ReuseOrgUUID == uuid ||
			(s.Policy.SameOrganisation && s.Login != nil && uuid == strings.ToLower(s.Login.HostOrg.UUID)) ||
			(res.Org != nil && res.Org.Created && res.Org.ID == org.ID)
		if !vouched {
			return &ExistingOrgError{Org: s.knownOrg(ctx, org, p)}
		}
		res.Org = &OrgResult{ID: org.ID, Name: org.Name, UUID: org.UUID, Local: bool(org.Local)}
		run.note("Our MISP already had the partner's organisation %q; it is reused because you confirmed the partner is that organisation.", org.Name)
		run.reused("organisation %s %q", org.ID, org.Name)
		if !org.Local {
			run.note("The partner's organisation %q was already known from an earlier sync (local: false) and is reused as it is.", org.Name)
		}
		return nil
	case !misp.IsKind(err, misp.KindNotFound):
		return err
	}

	name := strings.TrimSpace(p.OrgName)
	renamed := false
	for attempt := 0; attempt < 2; attempt++ {
		org, err = s.Client.AddOrganisation(ctx, misp.NewOrganisation{
			Name: name, UUID: uuid, Local: true,
			Description: "Added by MISPbump when pairing with " + p.URL,
		})
		if err == nil {
			break
		}
		var me *misp.Error
		switch {
		case errors.As(err, &me) && me.Kind == misp.KindValidation && len(me.FieldError("uuid")) > 0,
			ambiguous(err):
			// Saved after all (by an earlier answer that got lost, or in
			// parallel): look it up again rather than retry the add.
			if o, gerr := s.Client.OrganisationByUUID(ctx, uuid); gerr == nil {
				org, err = o, nil
				run.note("Adding the organisation failed (%v), but it had been saved; it is used.", me.Kind)
			}
		case errors.As(err, &me) && me.Kind == misp.KindValidation && len(me.FieldError("name")) > 0 && !renamed:
			if s.Policy.NameClash == NameClashFail {
				return &ConflictError{
					What: fmt.Sprintf("Our MISP already has an organisation named %q with another UUID than the partner's (%s)", name, uuid),
					Fix:  "Rename that organisation in MISP, or choose \"create it under a suffixed name\" in the pairing settings.",
				}
			}
			name = fmt.Sprintf("%s (%s)", name, uuid[:min(8, len(uuid))])
			renamed = true
			continue
		}
		if err != nil {
			if me != nil && me.Kind == misp.KindValidation && renamed && len(me.FieldError("name")) > 0 {
				return &ConflictError{
					What: fmt.Sprintf("Both %q and %q are taken by other organisations on our MISP", strings.TrimSpace(p.OrgName), name),
					Fix:  "Rename one of them in MISP and run the setup again.",
				}
			}
			return err
		}
		break
	}
	if renamed {
		run.note("The name %q is taken by another organisation, so the partner's organisation was created as %q.", strings.TrimSpace(p.OrgName), org.Name)
	}
	res.Org = &OrgResult{ID: org.ID, Name: org.Name, UUID: org.UUID, Local: bool(org.Local), Created: true, Renamed: renamed}
	run.created("organisation %s %q", org.ID, org.Name)
	return nil
}

// EnsureSyncUser finds or creates the partner's sync user in the partner's
// organisation and mints a fresh key for the partner (Result.User.Authkey).
// An exact e-mail match is reused only if it is in the partner's
// organisation with a sync role (re-enabled if disabled); otherwise it stops
// with a *ConflictError.
func (s *Setup) EnsureSyncUser(ctx context.Context, res *Result) error {
	run := s.begin(StepUser)
	return run.end(res, s.ensureUser(ctx, run, res))
}

func (s *Setup) ensureUser(ctx context.Context, run *stepRun, res *Result) error {
	if res.Org == nil || !res.Org.ID.Valid() {
		return errors.New("the partner's organisation is not known yet (run EnsurePartnerOrg first)")
	}
	if err := checkUUIDs(res.Partner); err != nil {
		return err
	}
	orgID, _ := res.Org.ID.Int64()
	roles, err := s.Client.Roles(ctx)
	if err != nil {
		return err
	}
	role, syncRoles, err := pickSyncRole(roles)
	if err != nil {
		return err
	}
	email := SyncUserEmail(res.Partner.InstanceUUID)
	users, err := s.Client.UsersByEmail(ctx, email)
	if err != nil {
		return err
	}
	if len(users) > 1 {
		return &ConflictError{What: fmt.Sprintf("Our MISP has %d users with the e-mail %s", len(users), email), Fix: "Delete or rename all but one of them in MISP."}
	}
	advanced := s.Login == nil || s.Login.AdvancedAuthkeys
	comment := s.keyComment(res.Partner)

	if len(users) == 1 {
		u := users[0]
		if u.User.OrgID != res.Org.ID {
			return &ConflictError{
				What: fmt.Sprintf("The user %s (id %s) exists on our MISP but belongs to organisation %s %q, not to the partner's organisation %s %q", email, u.User.ID, u.User.OrgID, u.Organisation.Name, res.Org.ID, res.Org.Name),
				Fix:  "Move that user to the partner's organisation or delete it in MISP, then run the setup again.",
			}
		}
		r, ok := syncRoles[u.User.RoleID]
		if !ok {
			return &ConflictError{
				What: fmt.Sprintf("The user %s (id %s) exists on our MISP but its role %q cannot sync (it needs perm_sync and perm_auth and no admin rights)", email, u.User.ID, u.Role.Name),
				Fix:  fmt.Sprintf("Give that user the role %q in MISP, or delete it, then run the setup again.", role.Name),
			}
		}
		if bool(u.User.Disabled) && !s.appDisabled(res, u.User.ID) {
			return &ConflictError{
				What: fmt.Sprintf("The sync user %s (id %s) was disabled in MISP by someone else, not by MISPbump", email, u.User.ID),
				Fix:  "Re-enable it in MISP (Administration → List users) if the partner should sync again, then run the setup again.",
			}
		}
		wasDisabled := bool(u.User.Disabled)
		res.User = &UserResult{ID: u.User.ID, Email: u.User.Email, RoleID: r.ID, RoleName: r.Name}
		run.reused("user %s %s", u.User.ID, u.User.Email)
		if wasDisabled {
			if _, err := s.Client.SetUserDisabled(ctx, u.User.ID, false); err != nil {
				return err
			}
			res.User.ReEnabled = true
			run.note("The sync user %s, which MISPbump had disabled when the partner was removed, has been enabled again.", email)
		}
		return s.mintKey(ctx, run, res, advanced, comment)
	}

	user, err := s.Client.AddUser(ctx, misp.NewUser{
		Email: email, OrgID: orgID, RoleID: mustInt(role.ID),
		ChangePw: false, TermsAccepted: true, Autoalert: false, Contactalert: false,
	})
	if err != nil {
		if !ambiguous(err) {
			return err
		}
		// The user may have been saved before the answer broke: look again;
		// its key was lost with the answer, so mint another.
		again, serr := s.Client.UsersByEmail(ctx, email)
		if serr != nil || len(again) != 1 || again[0].User.OrgID != res.Org.ID {
			return err
		}
		res.User = &UserResult{ID: again[0].User.ID, Email: email, RoleID: role.ID, RoleName: role.Name, Created: true}
		run.created("user %s %s", again[0].User.ID, email)
		run.note("Adding the user failed (%s) but it had been saved; a new key was minted because the first one was lost with the answer.", kindOf(err))
		return s.mintKey(ctx, run, res, advanced, comment)
	}
	res.User = &UserResult{ID: user.ID, Email: user.Email, RoleID: role.ID, RoleName: role.Name, Created: true, Authkey: Secret(user.Authkey)}
	run.created("user %s %s", user.ID, user.Email)
	if user.Authkey == "" {
		return s.mintKey(ctx, run, res, advanced, comment)
	}
	if !advanced {
		return nil
	}
	keys, err := s.Client.AuthKeys(ctx, user.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.Matches(user.Authkey) {
			res.User.KeyID = k.ID
			res.User.KeyComment = k.Comment
			run.created("authkey %s for user %s", k.ID, user.ID)
			return nil
		}
	}
	run.note("The key made with the user was not found in its key list; it is not recorded.")
	return nil
}

// mintKey gives an existing user a fresh key for the partner.
func (s *Setup) mintKey(ctx context.Context, run *stepRun, res *Result, advanced bool, comment string) error {
	if !advanced {
		key, err := s.Client.ResetAuthKey(ctx, res.User.ID)
		if err != nil {
			return err
		}
		res.User.Authkey, res.User.KeyReset = Secret(key), true
		run.note("Advanced authkeys are off on our MISP, so the sync user's only key was reset; the partner's earlier key no longer works.")
		return nil
	}
	k, err := s.Client.AddAuthKey(ctx, res.User.ID, comment)
	if err != nil {
		return err
	}
	res.User.Authkey, res.User.KeyID, res.User.KeyComment = Secret(k.AuthkeyRaw), k.ID, k.Comment
	run.created("authkey %s for user %s", k.ID, res.User.ID)
	return nil
}

func (s *Setup) keyComment(p Partner) string {
	return fmt.Sprintf("%s with %s (%s), %s", KeyCommentPrefix, p.OrgName, p.URL, s.now().UTC().Format("2006-01-02 15:04 UTC"))
}

// pickSyncRole chooses the role for sync users: perm_sync and perm_auth
// without admin rights, "Sync user" preferred, else the lowest id.
func pickSyncRole(roles []misp.Role) (misp.Role, map[misp.ID]misp.Role, error) {
	ok := map[misp.ID]misp.Role{}
	var cands []misp.Role
	for _, r := range roles {
		if r.IsSyncRole() {
			ok[r.ID] = r
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return misp.Role{}, nil, &ConflictError{
			What: "Our MISP has no role that can sync: one needs perm_sync and perm_auth (API access) and no admin rights",
			Fix:  "Create such a role (or give MISP's default \"Sync user\" role perm_auth back) and run the setup again.",
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		pi, pj := strings.EqualFold(cands[i].Name, "Sync user"), strings.EqualFold(cands[j].Name, "Sync user")
		if pi != pj {
			return pi
		}
		a, _ := cands[i].ID.Int64()
		b, _ := cands[j].ID.Int64()
		return a < b
	})
	return cands[0], ok, nil
}

func mustInt(id misp.ID) int64 {
	n, _ := id.Int64()
	return n
}

// RevokeOldKeys deletes the keys MISPbump minted earlier for the partner's
// sync user, keeping the one of this pairing. Call it only after the
// partner's DONE reports success (status 1). App-made keys are those whose
// comment starts with KeyCommentPrefix, those with an empty comment (made by
// admin/users/add — the app's users are made only by the app) and the ids in
// alsoIDs (from earlier partner records). It returns the ids revoked.
func (s *Setup) RevokeOldKeys(ctx context.Context, res *Result, alsoIDs ...misp.ID) ([]misp.ID, error) {
	run := s.begin(StepRevoke)
	revoked, err := s.revoke(ctx, run, res, alsoIDs)
	return revoked, run.end(res, err)
}

// OldKeys lists, without revoking anything, the keys RevokeOldKeys would
// revoke: the app-made keys of the partner's sync user other than the one
// of this pairing (res.User.KeyID). Callers that revoke later (once the
// partner's DONE arrives) record these as pending revocation first. One
// request (auth_keys/index of the user); none with advanced authkeys off.
func (s *Setup) OldKeys(ctx context.Context, res *Result, alsoIDs ...misp.ID) ([]misp.AuthKey, error) {
	return s.oldKeys(ctx, &stepRun{}, res, alsoIDs)
}

func (s *Setup) oldKeys(ctx context.Context, run *stepRun, res *Result, also []misp.ID) ([]misp.AuthKey, error) {
	if res.User == nil || !res.User.ID.Valid() {
		return nil, errors.New("no sync user in this record")
	}
	if res.User.KeyReset || (s.Login != nil && !s.Login.AdvancedAuthkeys) {
		run.note("Advanced authkeys are off: the user has a single key, nothing to revoke.")
		return nil, nil
	}
	if !IsAppUserEmail(res.User.Email) {
		return nil, &ConflictError{What: "The sync user " + res.User.Email + " was not made by MISPbump", Fix: "Revoke its old keys in MISP by hand."}
	}
	if !res.User.KeyID.Valid() {
		return nil, nil // without the new key's id, every key might be it
	}
	keys, err := s.Client.AuthKeys(ctx, res.User.ID)
	if err != nil {
		return nil, err
	}
	extra := map[misp.ID]bool{}
	for _, id := range also {
		extra[id] = true
	}
	var old []misp.AuthKey
	for _, k := range keys {
		if k.ID == res.User.KeyID {
			continue
		}
		if !(k.Comment == "" || strings.HasPrefix(k.Comment, KeyCommentPrefix) || extra[k.ID]) {
			run.note("Key %s (%q) was not made by MISPbump and is kept.", k.ID, k.Comment)
			continue
		}
		old = append(old, k)
	}
	return old, nil
}

func (s *Setup) revoke(ctx context.Context, run *stepRun, res *Result, also []misp.ID) ([]misp.ID, error) {
	old, err := s.oldKeys(ctx, run, res, also)
	if err != nil {
		return nil, err
	}
	var revoked []misp.ID
	for _, k := range old {
		if err := s.Client.DeleteAuthKey(ctx, k.ID); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return revoked, err
		}
		revoked = append(revoked, k.ID)
	}
	for _, id := range revoked {
		run.note("Revoked the earlier key %s.", id)
	}
	return revoked, nil
}

// Creds is what the partner's CREDS gives us: the key its MISP minted for
// our organisation.
type Creds struct {
	Authkey Secret
	// Email is the partner's sync user for us, for the record.
	Email string
}

// EnsureServer makes our server entry to the partner hold the partner's
// key. Entries are matched by normalised URL and partner organisation; an
// existing one is handled by Policy.ExistingServer. After an unclear
// failure of servers/add, servers/index is checked before anything else.
func (s *Setup) EnsureServer(ctx context.Context, res *Result, creds Creds) error {
	run := s.begin(StepServer)
	return run.end(res, s.ensureServer(ctx, run, res, creds))
}

func (s *Setup) ensureServer(ctx context.Context, run *stepRun, res *Result, creds Creds) error {
	if res.Org == nil || !res.Org.ID.Valid() {
		return errors.New("the partner's organisation is not known yet (run EnsurePartnerOrg first)")
	}
	// Checked before any call: the key is the partner's word, and one of
	// another form would be refused by MISP only after it had been sent
	// (and echoed back, recording 31).
	if !misp.IsAuthkeyForm(creds.Authkey.Reveal()) {
		return &ConflictError{What: "The partner sent no usable key (a MISP key is 40 letters and digits)", Fix: "Pair again."}
	}
	if err := checkUUIDs(res.Partner); err != nil {
		return err
	}
	p := res.Partner
	if _, err := misp.ParseBaseURL(p.URL); err != nil {
		return &ConflictError{What: fmt.Sprintf("The partner's announced URL %q is not a web address", p.URL), Fix: "Ask the partner to correct the URL to announce and pair again."}
	}
	if s.Policy.SameOrganisation {
		// MISP keeps internal only when MISP.host_org_id is set and equals
		// remote_org_id; check before writing anything.
		if s.Login == nil || !s.Login.HostOrgSet || s.Login.HostOrg.ID != res.Org.ID {
			return &ConflictError{
				What: "Same-organisation mode needs MISP.host_org_id on our MISP set to the shared organisation (" + string(res.Org.ID) + "), and it is not",
				Fix:  "Set MISP.host_org_id in MISP's server settings, log in again and run the setup again — or turn same-organisation mode off.",
			}
		}
	}
	entries, err := s.Client.Servers(ctx)
	if err != nil {
		return err
	}
	want := misp.NormalizeURL(p.URL)
	var matches []misp.ServerEntry
	before := map[misp.ID]bool{}
	for _, e := range entries {
		before[e.Server.ID] = true
		if misp.NormalizeURL(e.Server.URL) == want && e.Server.RemoteOrgID == res.Org.ID {
			matches = append(matches, e)
		}
	}
	sort.Slice(matches, func(i, j int) bool { return mustInt(matches[i].Server.ID) < mustInt(matches[j].Server.ID) })

	// A server this app made in an earlier (resumed) run of the same pairing
	// is updated whatever the policy: create-new means one new entry, not
	// one per run.
	var target *misp.ServerEntry
	if res.Server != nil && res.Server.Created {
		for i := range matches {
			if matches[i].Server.ID == res.Server.ID {
				target = &matches[i]
			}
		}
	}
	if target == nil && len(matches) > 0 && s.Policy.ExistingServer == ServerUpdateKey {
		target = &matches[0]
		if len(matches) > 1 {
			ids := make([]string, len(matches))
			for i, m := range matches {
				ids[i] = string(m.Server.ID)
			}
			run.note("Our MISP has %d server entries for %s and this organisation (ids %s); the oldest, %s, gets the new key.", len(matches), want, strings.Join(ids, ", "), target.Server.ID)
		}
	}
	if target != nil {
		key := creds.Authkey.Reveal()
		changes := misp.ServerChanges{Authkey: &key}
		var resolved *ResolvedRules
		if s.Policy.ApplyRules {
			r, err := ResolveRules(ctx, s.Client, s.Policy.Rules)
			if err != nil {
				return err
			}
			resolved = r
			push, pull := r.Push.Encode(), r.Pull.Encode()
			changes.PushRules, changes.PullRules = &push, &pull
			for _, n := range r.Notes {
				run.note("%s", n)
			}
		}
		// Same-organisation mode needs the entry internal; an existing entry
		// that is not gets internal:true with its new key, nothing else.
		askInternal := s.Policy.SameOrganisation && !bool(target.Server.Internal)
		if askInternal {
			yes := true
			changes.Internal = &yes
		}
		// An entry with verification off would carry the new key to
		// whoever answers at that URL: turn verification back on with the
		// partner's certificate, or stop unless the admin chose to keep it.
		verifyOn := false
		if bool(target.Server.SelfSigned) {
			switch {
			case p.CertificatePEM != "":
				no, cert := false, base64.StdEncoding.EncodeToString([]byte(p.CertificatePEM))
				changes.SelfSigned, changes.SubmittedCert = &no, &cert
				verifyOn = true
			case !s.Policy.KeepUnverifiedEntry:
				return &UnverifiedEntryError{ServerID: target.Server.ID, Name: target.Server.Name, URL: target.Server.URL}
			default:
				run.note("The existing server entry %s has TLS verification off (self_signed) and the partner sent no certificate; as you chose, it keeps verification off and gets the new key.", target.Server.ID)
			}
		}
		answer, err := s.Client.EditServer(ctx, target.Server.ID, changes)
		if err != nil {
			return err
		}
		internal := bool(target.Server.Internal)
		if askInternal {
			internal = bool(answer.Internal)
		}
		created := res.Server != nil && res.Server.Created && res.Server.ID == target.Server.ID
		res.Server = &ServerResult{ID: target.Server.ID, Name: target.Server.Name, URL: target.Server.URL, Created: created, KeyUpdated: true, Internal: internal,
			PushRules: string(target.Server.PushRules), PullRules: string(target.Server.PullRules)}
		if resolved != nil {
			res.Server.PushRules, res.Server.PullRules, res.Server.RulesSet = string(answer.PushRules), string(answer.PullRules), true
			if res.Server.PushRules == "" {
				res.Server.PushRules, res.Server.PullRules = resolved.Push.Encode(), resolved.Pull.Encode()
			}
		}
		run.reused("server entry %s %q", target.Server.ID, target.Server.Name)
		if verifyOn {
			run.note("The existing server entry %s had TLS verification off (self_signed); it now verifies the partner against the certificate the partner sent (self_signed: false).", target.Server.ID)
		}
		if !created {
			if resolved != nil {
				run.note("The existing server entry %s got its new key and the rules chosen in Prepare.", target.Server.ID)
			} else if askInternal {
				run.note("The existing server entry %s keeps its push/pull settings and rules; its key was replaced and it was made internal (same-organisation mode).", target.Server.ID)
			} else {
				run.note("The existing server entry %s keeps its push/pull settings and rules; only its key was replaced.", target.Server.ID)
			}
		}
		if s.Policy.SameOrganisation && !internal {
			return &InternalNotKeptError{ServerID: target.Server.ID, OrgID: res.Org.ID}
		}
		s.readBack(ctx, run, res)
		return nil
	}
	if len(matches) > 0 {
		run.note("Our MISP already has a server entry for %s and this organisation; as chosen, a new one is created beside it.", want)
	}

	name := strings.TrimSpace(s.Policy.ServerName)
	if name == "" {
		name = fmt.Sprintf("%s (MISPbump)", p.OrgName)
	}
	ns := misp.NewServer{
		Name: name, URL: strings.TrimRight(strings.TrimSpace(p.URL), "/"), Authkey: creds.Authkey.Reveal(),
		RemoteOrgID: mustInt(res.Org.ID), Push: s.Policy.Push, Pull: s.Policy.Pull,
		PublishWithoutEmail: s.Policy.PublishWithoutEmail, Internal: s.Policy.SameOrganisation,
	}
	resolved, err := ResolveRules(ctx, s.Client, s.Policy.Rules)
	if err != nil {
		return err
	}
	for _, n := range resolved.Notes {
		run.note("%s", n)
	}
	if !resolved.Push.Empty() || !resolved.Pull.Empty() {
		ns.PushRules, ns.PullRules = resolved.Push.Encode(), resolved.Pull.Encode()
	}
	if p.CertificatePEM != "" {
		ns.SubmittedCert = base64.StdEncoding.EncodeToString([]byte(p.CertificatePEM))
		run.note("The partner's certificate was stored with the entry so our MISP verifies the partner against it (self_signed stays off).")
	}
	srv, err := s.Client.AddServer(ctx, ns)
	if err != nil {
		if !ambiguous(err) {
			return err
		}
		found, ierr := s.findNewServer(ctx, before, want, res.Org.ID, name)
		if ierr != nil || found == nil {
			return err
		}
		srv = found
		run.note("Adding the server entry failed (%s), but servers/index shows it was saved; it is used and not added again.", kindOf(err))
	}
	res.Server = &ServerResult{ID: srv.ID, Name: srv.Name, URL: srv.URL, Created: true, Internal: bool(srv.Internal),
		PushRules: string(srv.PushRules), PullRules: string(srv.PullRules), RulesSet: ns.PushRules != ""}
	run.created("server entry %s %q", srv.ID, srv.Name)
	if s.Policy.SameOrganisation && !bool(srv.Internal) {
		return &InternalNotKeptError{ServerID: srv.ID, OrgID: res.Org.ID}
	}
	s.readBack(ctx, run, res)
	return nil
}

// readBack reads our server entry back from servers/index, so the record
// and the screens say what MISP really has (an existing entry keeps its
// own push, pull and rules). Only the entry with our id, the partner's URL
// and the partner's organisation counts. Not reading it back does not fail
// the step: the entry is there; a note says the settings are unknown.
func (s *Setup) readBack(ctx context.Context, run *stepRun, res *Result) {
	res.Server.Settings = nil
	entries, err := s.Client.Servers(ctx)
	if err != nil {
		run.note("The server entry's settings could not be read back from MISP (%s); they are shown as unknown.", kindOf(err))
		return
	}
	want := misp.NormalizeURL(res.Partner.URL)
	for _, e := range entries {
		sv := e.Server
		if sv.ID != res.Server.ID {
			continue
		}
		if misp.NormalizeURL(sv.URL) != want || sv.RemoteOrgID != res.Org.ID {
			run.note("MISP lists server entry %s with another URL or organisation than ours; its settings are shown as unknown.", sv.ID)
			return
		}
		res.Server.Settings = &ServerSettings{
			Push: bool(sv.Push), Pull: bool(sv.Pull), PublishWithoutEmail: bool(sv.PublishWithoutEmail),
			Internal: bool(sv.Internal), SelfSigned: bool(sv.SelfSigned), CertFile: string(sv.CertFile),
			PushRules: string(sv.PushRules), PullRules: string(sv.PullRules),
		}
		return
	}
	run.note("MISP does not list server entry %s in servers/index; its settings are shown as unknown.", res.Server.ID)
}

// findNewServer looks for an entry that was not there before servers/add
// and matches what was sent.
func (s *Setup) findNewServer(ctx context.Context, before map[misp.ID]bool, url string, orgID misp.ID, name string) (*misp.Server, error) {
	entries, err := s.Client.Servers(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !before[e.Server.ID] && misp.NormalizeURL(e.Server.URL) == url && e.Server.RemoteOrgID == orgID && e.Server.Name == name {
			sv := e.Server
			return &sv, nil
		}
	}
	return nil, nil
}

// TestConnection runs servers/testConnection on our entry and then
// servers/getRemoteUser, and records the outcome. A test that ran but did
// not pass returns a *StepError wrapping a *misp.ConnectionError.
func (s *Setup) TestConnection(ctx context.Context, res *Result) error {
	run := s.begin(StepTest)
	return run.end(res, s.test(ctx, run, res))
}

func (s *Setup) test(ctx context.Context, run *stepRun, res *Result) error {
	if res.Server == nil || !res.Server.ID.Valid() {
		return errors.New("there is no server entry to test yet (run EnsureServer first)")
	}
	t, err := s.Client.TestConnection(ctx, res.Server.ID)
	if err != nil {
		return err
	}
	tr := &TestResult{Status: t.Status, Post: int(t.Post), RemoteUUID: t.UUID, At: s.now().UTC()}
	res.Test = tr
	problem := t.Problem(res.Partner.InstanceUUID)
	if problem != nil {
		tr.Message = problem.Error()
		return problem
	}
	tr.OK = true
	tr.Message = misp.ConnectionStatusText(t.Status)
	if note := t.VersionNote(); note != "" {
		run.note("%s", note)
	}
	ru, err := s.Client.RemoteUser(ctx, res.Server.ID)
	if err != nil {
		if ctx.Err() != nil {
			return err // cancelled: the run stops here as anywhere else
		}
		// The connection test passed, so the entry works; what is missing
		// is only who the key is on the partner's MISP. Said, not fatal.
		tr.RemoteUser = RemoteUserUnknown + err.Error()
		run.note("%s", tr.RemoteUser)
		return nil
	}
	tr.RemoteUser = ru.Describe()
	return nil
}

// RemoteUserUnknown starts TestResult.RemoteUser when our MISP did not
// answer servers/getRemoteUser after a passing connection test.
const RemoteUserUnknown = "The connection test passed, but our MISP did not say which user our key is on the partner's MISP: "

// RemoveOptions choose how far Remove goes.
type RemoveOptions struct {
	// DeleteUser deletes the sync user instead of disabling it.
	DeleteUser bool
	// DeleteSharingGroup deletes the bilateral sharing group the app made;
	// by default it is kept (events shared in it stay readable).
	DeleteSharingGroup bool
}

// Remove undoes a pairing on our MISP as far as the app may: it deletes the
// server entry only if the app created it, disables the sync user (deletes
// it only on request) and never deletes the organisation.
func (s *Setup) Remove(ctx context.Context, res *Result, opts RemoveOptions) error {
	run := s.begin(StepRemove)
	return run.end(res, s.remove(ctx, run, res, opts))
}

func (s *Setup) remove(ctx context.Context, run *stepRun, res *Result, opts RemoveOptions) error {
	if res.Server != nil && res.Server.ID.Valid() {
		if res.Server.Created {
			if err := s.Client.DeleteServer(ctx, res.Server.ID); err != nil && !misp.IsKind(err, misp.KindNotFound) {
				return err
			}
			run.note("Deleted the server entry %s that MISPbump had created.", res.Server.ID)
		} else {
			run.note("Kept the server entry %s: it existed before MISPbump used it.", res.Server.ID)
		}
	}
	if res.User != nil && res.User.ID.Valid() {
		if opts.DeleteUser {
			if err := s.Client.DeleteUser(ctx, res.User.ID); err != nil && !misp.IsKind(err, misp.KindNotFound) {
				return err
			}
			run.note("Deleted the sync user %s.", res.User.Email)
		} else {
			if _, err := s.Client.SetUserDisabled(ctx, res.User.ID, true); err != nil && !misp.IsKind(err, misp.KindNotFound) {
				return err
			}
			res.User.DisabledByApp = true
			run.note("Disabled the sync user %s (its keys stop working).", res.User.Email)
		}
	}
	if g := res.SharingGroup; g != nil && g.ID.Valid() {
		switch {
		case opts.DeleteSharingGroup && g.Created:
			if err := s.Client.DeleteSharingGroup(ctx, g.ID); err != nil && !misp.IsKind(err, misp.KindNotFound) {
				return err
			}
			run.note("Deleted the sharing group %q that MISPbump had created.", g.Name)
		default:
			run.note("Kept the sharing group %q (events shared in it stay where they are).", g.Name)
		}
	}
	if res.Org != nil {
		run.note("Kept the organisation %q: MISPbump never deletes organisations.", res.Org.Name)
	}
	return nil
}

// BeforeCreds runs the steps our side does on the partner's INFO: the
// partner's organisation and its sync user with a fresh key. It returns the
// record so far; res.User.Authkey goes to the partner in CREDS.
func (s *Setup) BeforeCreds(ctx context.Context, p Partner) (*Result, error) {
	res := &Result{Partner: p, Policy: s.Policy}
	if err := s.EnsurePartnerOrg(ctx, res); err != nil {
		return res, err
	}
	return res, s.EnsureSyncUser(ctx, res)
}

// AfterCreds runs the steps our side does on the partner's CREDS: the
// server entry and the connection test. res is the record from BeforeCreds
// (or an earlier, interrupted run).
func (s *Setup) AfterCreds(ctx context.Context, res *Result, creds Creds) error {
	if res.Org == nil {
		if err := s.EnsurePartnerOrg(ctx, res); err != nil {
			return err
		}
	}
	if err := s.EnsureServer(ctx, res, creds); err != nil {
		return err
	}
	if s.Policy.SharingGroup {
		if err := s.EnsureSharingGroup(ctx, res); err != nil {
			return err
		}
	}
	return s.TestConnection(ctx, res)
}
