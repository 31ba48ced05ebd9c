package session

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// LocalSide is one MISP of a pairing run in one process (the headless demo,
// the end-to-end tests): logged in, with its store.
type LocalSide struct {
	Name           string // "a" or "b", for the report and the log
	Client         *misp.Client
	Login          *misp.LoginInfo
	Store          *store.Store // nil keeps no record
	ProfileID      string
	CertificatePEM string // when our announced URL is not publicly trusted
	Choices        Choices
	// PGPKey and PGPFingerprint are this side's own instance key (its
	// /gpg.asc), passed into Config so it travels in INFO. When both are
	// empty PairLocally reads them with OwnPGPKey (one request).
	PGPKey, PGPFingerprint string
	// Notifications are this side's own IEP005 settings
	// (store.Profile.Notifications), passed into Config.
	Notifications *pairing.NotificationSettings
}

// LocalOptions tune PairLocally.
type LocalOptions struct {
	// PartInterval is how long each part stays on a screen; 150 ms when
	// zero (a webcam at 30 fps catches it in four or five frames).
	PartInterval time.Duration
	// FPS is the virtual cameras' frame rate; 30 when zero.
	FPS int
	// Seed picks the webcam imitation's variants.
	Seed uint64
	// Timeout bounds the whole pairing; 2 minutes when zero.
	Timeout time.Duration
	// OnEvent sees every event of both sides (side is LocalSide.Name). It is
	// called from both sides' goroutines, possibly at the same time.
	// Called from the sessions' goroutines; must not block.
	OnEvent func(side string, ev Event)
	// ReuseExisting stands in for each admin's "Yes, this is <org>: reuse"
	// when a side pauses because the partner claims an organisation its
	// MISP already knows (StageConfirmPartner). Without it such a side
	// cancels there, before anything is minted, and the report says why.
	ReuseExisting bool
}

// LocalReport is the outcome of PairLocally, shaped for `mispbump demo --json`.
type LocalReport struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// StoppedAtPause is true when a side paused before minting (the partner
	// claims an organisation its MISP knows) and, without --reuse-existing,
	// cancelled there: nothing was minted on that side.
	StoppedAtPause bool                       `json:"stopped_at_pause,omitempty"`
	SAS            string                     `json:"sas"`
	ElapsedMS      int64                      `json:"elapsed_ms"`
	FramesRead     map[string]int64           `json:"frames_read"`
	Sides          map[string]LocalSideReport `json:"sides"`
}

// LocalSideReport is one side of a LocalReport. IDs are those on this side's
// MISP; nothing secret.
type LocalSideReport struct {
	URL            string   `json:"url"`
	PartnerOrgID   string   `json:"partner_org_id"`
	PartnerOrgUUID string   `json:"partner_org_uuid"`
	SyncUserID     string   `json:"sync_user_id"`
	SyncUserEmail  string   `json:"sync_user_email"`
	ServerID       string   `json:"server_id"`
	Requests       int64    `json:"requests"`
	Created        []string `json:"created,omitempty"`
	KeysRevoked    []string `json:"keys_revoked,omitempty"`
	// OldKeysProblem: the keys minted before could not be listed after the
	// test, so they were not revoked this time.
	OldKeysProblem string      `json:"old_keys_problem,omitempty"`
	TestConnection *ReportTest `json:"test_connection,omitempty"`
	PartnerResult  *ReportTest `json:"partner_result,omitempty"`
	Stage          string      `json:"stage"`
	Error          string      `json:"error,omitempty"`
	// PartnerPGPFingerprint and PartnerKeyCheck are the partner's instance
	// key as checked on this side; KeyAlarm is set on a mismatch.
	PartnerPGPFingerprint string `json:"partner_pgp_fingerprint,omitempty"`
	PartnerKeyCheck       string `json:"partner_key_check,omitempty"`
	KeyAlarm              string `json:"key_alarm,omitempty"`
	// Identity is what this side checked of the partner's claims.
	Identity *ReportIdentity `json:"identity,omitempty"`
	// OwnKeyError says why this side's own instance key could not be read
	// (it then went without one in INFO); empty when read or absent.
	OwnKeyError string `json:"own_key_error,omitempty"`
	// PushRules and PullRules are this side's server entry's rules as its
	// MISP holds them; Flows says them in words (ours), PartnerFlows what
	// the partner's INFO said about its own entry.
	PushRules    string       `json:"push_rules,omitempty"`
	PullRules    string       `json:"pull_rules,omitempty"`
	Flows        *ReportFlows `json:"flows,omitempty"`
	PartnerFlows *ReportFlows `json:"partner_flows,omitempty"`
	// SharingGroup is the bilateral group made or reused on this side.
	SharingGroup        string `json:"sharing_group,omitempty"`
	SharingGroupID      string `json:"sharing_group_id,omitempty"`
	SharingGroupProblem string `json:"sharing_group_problem,omitempty"`
}

// ReportIdentity is the check of the partner's claims in a report.
type ReportIdentity struct {
	// Paused is true when the side stopped before minting to ask whether
	// the partner is the organisation its MISP knows; Reused says the
	// answer was "reuse" (--reuse-existing), else the side cancelled.
	Paused bool `json:"paused,omitempty"`
	Reused bool `json:"reused,omitempty"`
	// ExistingOrg is the organisation its MISP knew, with PGP and URL the
	// continuity verdicts against its record ("" without one).
	ExistingOrg *syncsetup.KnownOrg `json:"existing_org,omitempty"`
	PGP         string              `json:"pgp,omitempty"`
	URL         string              `json:"url,omitempty"`
	// Pause is what the pause showed, line by line; Checked what was
	// checked, in words.
	Pause   []string `json:"pause,omitempty"`
	Checked []string `json:"checked,omitempty"`
}

// ReportFlows is one side's rules in a report: structured and in words.
type ReportFlows struct {
	pairing.Flows
	PushWords string `json:"push_words"`
	PullWords string `json:"pull_words"`
}

func reportFlows(f *pairing.Flows) *ReportFlows {
	if f == nil {
		return nil
	}
	return &ReportFlows{Flows: *f, PushWords: f.DescribePush(), PullWords: f.DescribePull()}
}

// ReportTest is a connection test in a report.
type ReportTest struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	// RemoteUser: who our key is on the partner's MISP, in words (our
	// own test only).
	RemoteUser string `json:"remote_user,omitempty"`
}

// PairLocally pairs two MISPs in one process through the real QR path: each
// side's frames are drawn as QR codes (a Screen), filmed through the webcam
// imitation by a virtual camera and decoded by a camera.Reader for the other
// side. The program compares the two SAS itself and confirms on both sides
// only when they are equal (else it rejects on both). It returns when both
// sessions ended, or at the timeout.
func PairLocally(ctx context.Context, a, b LocalSide, opts LocalOptions) (*LocalReport, [2]*Result) {
	if opts.PartInterval <= 0 {
		opts.PartInterval = 150 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	sides := [2]LocalSide{a, b}
	screens := [2]*Screen{
		{Interval: opts.PartInterval, Seed: opts.Seed + 1},
		{Interval: opts.PartInterval, Seed: opts.Seed + 2},
	}
	var waits [2]func()
	var stats [2]func() (frames int64)
	var sources [2]<-chan string
	for i := range 2 {
		// Side i films the other side's screen.
		texts, st, wait := Film(ctx, screens[1-i], opts.FPS)
		sources[i], waits[i] = texts, wait
		stats[i] = func() int64 { return st().Decoded }
	}

	var mu sync.Mutex
	var sas [2]string
	var sessions [2]*Session
	started := make(chan struct{})
	var paused [2][]string
	onEvent := func(i int, ev Event) {
		if opts.OnEvent != nil {
			opts.OnEvent(sides[i].Name, ev)
		}
		if ev.Stage == StageConfirmPartner && ev.Identity != nil {
			<-started
			mu.Lock()
			paused[i] = ev.Identity.Words()
			mu.Unlock()
			if opts.ReuseExisting {
				sessions[i].ReuseExisting()
			} else {
				sessions[i].Cancel()
			}
			return
		}
		if ev.Stage != StageCompareSAS || ev.SAS == "" {
			return
		}
		mu.Lock()
		first := sas[i] == ""
		sas[i] = ev.SAS
		both := first && sas[0] != "" && sas[1] != ""
		equal := sas[0] == sas[1]
		mu.Unlock()
		if !both {
			return
		}
		<-started
		for _, s := range sessions {
			if equal {
				s.Confirm()
			} else {
				s.Reject()
			}
		}
	}

	report := &LocalReport{FramesRead: map[string]int64{}, Sides: map[string]LocalSideReport{}}
	var results [2]*Result
	var ownKeyErr [2]string
	for i := range 2 {
		if sides[i].PGPKey == "" && sides[i].PGPFingerprint == "" && sides[i].Client != nil {
			// No key is no reason not to pair: OwnPGPKey's error only leaves
			// INFO without one. But a MISP that did not answer is said in
			// the report (the real pair, stopped at /gpg.asc, paired silently
			// without the key).
			var err error
			sides[i].PGPKey, sides[i].PGPFingerprint, err = OwnPGPKey(ctx, sides[i].Client)
			if err != nil {
				ownKeyErr[i] = "our instance key (/gpg.asc) could not be read, so the partner got none and cannot relay protected events to us: " + err.Error()
				if opts.OnEvent != nil {
					opts.OnEvent(sides[i].Name, Event{Message: ownKeyErr[i]})
				}
			}
		}
		cfg := Config{
			Client: sides[i].Client, Login: sides[i].Login, Store: sides[i].Store, ProfileID: sides[i].ProfileID,
			Choices: sides[i].Choices, CertificatePEM: sides[i].CertificatePEM,
			PGPKey: sides[i].PGPKey, PGPFingerprint: sides[i].PGPFingerprint, Notifications: sides[i].Notifications,
			Source: sources[i], Sink: screens[i],
			OnEvent: func(ev Event) { onEvent(i, ev) },
		}
		s, err := Start(ctx, cfg)
		if err != nil {
			close(started)
			cancel()
			for j := range 2 {
				waits[j]()
			}
			report.Error = fmt.Sprintf("side %s: %v", sides[i].Name, err)
			if i == 1 {
				sessions[0].Cancel()
				<-sessions[0].Done()
			}
			return report, results
		}
		sessions[i] = s
	}
	close(started)
	for i, s := range sessions {
		results[i] = s.Wait(ctx)
	}
	cancel()
	for i := range 2 {
		<-sessions[i].Done()
		waits[i]()
		if results[i] == nil {
			results[i] = sessions[i].Result()
		}
	}
	report.ElapsedMS = time.Since(start).Milliseconds()

	report.OK = true
	for i := range 2 {
		name := sides[i].Name
		report.FramesRead[name] = stats[i]()
		r := results[i]
		sr := LocalSideReport{URL: sides[i].Client.BaseURL(), Requests: sides[i].Client.Requests(), Stage: sessions[i].Stage().String(), OwnKeyError: ownKeyErr[i]}
		switch {
		case r == nil:
			report.OK = false
			sr.Error = "the pairing did not finish in " + opts.Timeout.String() + " (stage: " + sr.Stage + ")"
		default:
			if r.SAS != "" {
				report.SAS = r.SAS
			}
			p := r.Partner
			sr.PartnerOrgID, sr.PartnerOrgUUID = p.OrgID, p.OrgUUID
			sr.SyncUserID, sr.SyncUserEmail, sr.ServerID = p.SyncUserID, p.SyncUserEmail, p.ServerID
			sr.KeysRevoked = p.KeysRevoked
			sr.OldKeysProblem = p.OldKeysProblem
			sr.PushRules, sr.PullRules = p.ServerPushRules, p.ServerPullRules
			sr.Flows, sr.PartnerFlows = reportFlows(p.OurFlows), reportFlows(p.PartnerFlows)
			sr.SharingGroup, sr.SharingGroupID, sr.SharingGroupProblem = p.SharingGroupName, p.SharingGroupID, p.SharingGroupProblem
			for _, c := range []struct {
				what    string
				created bool
			}{{"organisation", p.OrgCreated}, {"sync user", p.UserCreated}, {"server entry", p.ServerCreated}} {
				if c.created {
					sr.Created = append(sr.Created, c.what)
				}
			}
			if k := r.PartnerKey; k != nil {
				sr.PartnerPGPFingerprint, sr.PartnerKeyCheck, sr.KeyAlarm = k.Fingerprint, k.Verdict, k.Alarm
			}
			mu.Lock()
			pause := paused[i]
			mu.Unlock()
			if id := r.Identity; id != nil {
				sr.Identity = &ReportIdentity{Paused: pause != nil, Reused: pause != nil && opts.ReuseExisting, ExistingOrg: id.Known,
					PGP: id.PGP, URL: id.URL, Pause: pause, Checked: id.Checked}
				if pause != nil && !opts.ReuseExisting {
					report.StoppedAtPause = true
				}
			}
			if r.Test != nil {
				sr.TestConnection = &ReportTest{Status: r.Test.Status, Message: r.Test.Message, RemoteUser: r.Test.RemoteUser}
			}
			if r.PartnerDone != nil {
				sr.PartnerResult = &ReportTest{Status: r.PartnerDone.Status, Message: r.PartnerDone.Message}
			}
			if !r.OK || r.Err != nil {
				report.OK = false
				if r.Err != nil {
					sr.Error = r.Err.Error()
				}
			} else if r.PartnerDone == nil {
				report.OK = false
				sr.Error = "partner's result not received"
			} else if r.PartnerDone.Status != misp.ConnOK {
				report.OK = false
				sr.Error = "the partner's connection test to our MISP did not pass: " + PartnerTestWords(*r.PartnerDone)
			}
		}
		report.Sides[name] = sr
	}
	if report.StoppedAtPause {
		for i := range 2 {
			if id := report.Sides[sides[i].Name].Identity; id != nil && id.Paused && id.ExistingOrg != nil {
				report.Error = fmt.Sprintf("side %s stopped before minting anything: the partner claims to be %q (organisation %s), which MISP %s already knows, and reusing it needs the admin's word; run again with --reuse-existing to give it (see sides.%s.identity)",
					sides[i].Name, id.ExistingOrg.Name, id.ExistingOrg.UUID, strings.ToUpper(sides[i].Name), sides[i].Name)
				break
			}
		}
	}
	if !report.OK && report.Error == "" {
		for i := range 2 {
			if e := report.Sides[sides[i].Name].Error; e != "" {
				report.Error = "side " + sides[i].Name + ": " + e
				break
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if sas[0] != sas[1] && sas[0] != "" && sas[1] != "" {
		report.OK = false
		report.Error = "the two codes differ (" + sas[0] + " / " + sas[1] + "): something between the screens changed the frames; both sides rejected"
	}
	return report, results
}
