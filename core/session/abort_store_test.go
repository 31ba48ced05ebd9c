package session

import (
	"slices"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// syncUserKeyIDs lists the live keys of the sync user our MISP made for
// partner (found by its e-mail), as the strings the session records.
func syncUserKeyIDs(t *testing.T, us, partner *simSide) []string {
	t.Helper()
	email := syncsetup.SyncUserEmail(partner.login.InstanceUUID)
	var ids []string
	for _, u := range us.sim.Users() {
		if u.Email != email {
			continue
		}
		for _, id := range liveSyncKeys(us, u.ID) {
			ids = append(ids, itoa(id))
		}
	}
	return ids
}

// dropCreds keeps the CREDS of side from away from side to, when block says so.
func dropCreds(block func(to int) bool) func(to int, frames, own []string) []string {
	return func(to int, frames, own []string) []string {
		if !block(to) {
			return frames
		}
		return slices.DeleteFunc(slices.Clone(frames), func(f string) bool {
			fi, err := pairing.Inspect(f)
			return err == nil && fi.Round == pairing.RoundCreds
		})
	}
}

// The failure table's row "on ABORT: revokes a key it minted in this session,
// may not finish alone", end to end with real stores and simulated MISPs:
// A minted a key and sent it, then A's admin cancels while B is already past
// its own key. B, on A's ABORT, revokes the key it minted for A and forgets
// the pending pairing, even when it holds A's key and could otherwise have
// finished alone; A does the same on its side.
func TestAbortForgetsPendingAndRevokesKeyMintedInSession(t *testing.T) {
	cases := []struct {
		name string
		// partnerHoldsOurKey: B read A's CREDS before the ABORT (B's pending
		// pairing then qualifies for finishing alone); else B only sent its
		// own CREDS.
		partnerHoldsOurKey bool
	}{
		{"partner holds our key and sent its own", true},
		{"partner sent its key but never read ours", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := startSim(t, "A", false), startSim(t, "B", false)
			stA, stB := storeWithProfile(t, "pa"), storeWithProfile(t, "pb")
			if tc.partnerHoldsOurKey {
				// B makes its sync user (and so its key) slowly, so A's CREDS are in when B saves
				// its pending pairing; B's server entry then hangs until the
				// ABORT cancels it.
				b.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultSlow, Method: "POST", PathPrefix: "/admin/users/add", Delay: 300 * time.Millisecond})
				b.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultSlow, Method: "POST", PathPrefix: "/servers/add", Delay: time.Minute})
			}
			// B's CREDS never reach A, so A waits for B's key; A's reach B
			// only in the first case.
			filter := dropCreds(func(to int) bool { return to == 0 || !tc.partnerHoldsOurKey })
			cfgs := [2]Config{a.config("pa", stA), b.config("pb", stB)}
			p := startPair(t, pairOptions{cfg: cfgs, filter: filter, rejectOn: -1})

			wantStage := StageWaitingForPartnerKey
			if tc.partnerHoldsOurKey {
				wantStage = StageCreatingServer
			}
			deadline := time.Now().Add(testTimeout)
			for (p.s[0].Stage() != StageWaitingForPartnerKey || p.s[1].Stage() != wantStage) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if p.s[0].Stage() != StageWaitingForPartnerKey || p.s[1].Stage() != wantStage {
				t.Fatalf("setup: stages %v / %v, want %v / %v\n%s\n%s", p.s[0].Stage(), p.s[1].Stage(),
					StageWaitingForPartnerKey, wantStage, p.eventLog(0), p.eventLog(1))
			}
			// Before the ABORT each side keeps a pending pairing and one key
			// minted for the partner's sync user.
			pendB := stB.Snapshot().Pending
			if len(pendB) != 1 {
				t.Fatalf("setup: B keeps %d pending pairings, want 1", len(pendB))
			}
			wantResume := ResumeNewSession
			if tc.partnerHoldsOurKey {
				wantResume = ResumeFinishAlone
			}
			if got := ResumeCase(pendB[0]); got != wantResume {
				t.Fatalf("setup: B's pending pairing resumes as %v, want %v", got, wantResume)
			}
			if n := len(stA.Snapshot().Pending); n != 1 {
				t.Fatalf("setup: A keeps %d pending pairings, want 1", n)
			}
			mintedOnA, mintedOnB := syncUserKeyIDs(t, a, b), syncUserKeyIDs(t, b, a)
			if len(mintedOnA) != 1 || len(mintedOnB) != 1 {
				t.Fatalf("setup: keys minted A %v, B %v, want one each", mintedOnA, mintedOnB)
			}

			p.s[0].Cancel()
			for i := range 2 {
				select {
				case <-p.s[i].Done():
				case <-time.After(testTimeout):
					t.Fatalf("side %d did not end; stage %v\n%s", i, p.s[i].Stage(), p.eventLog(i))
				}
			}
			res := [2]*Result{p.s[0].Result(), p.s[1].Result()}
			if !isKind(res[0].Err, KindCancelled) {
				t.Errorf("A: %v, want cancelled", res[0].Err)
			}
			if !isKind(res[1].Err, KindPartnerAborted) || !res[1].AbortedByPartner {
				t.Errorf("B: %v, want the partner's ABORT\n%s", res[1].Err, p.eventLog(1))
			}

			sims := [2]*simSide{a, b}
			minted := [2]string{mintedOnA[0], mintedOnB[0]}
			for i, st := range []*store.Store{stA, stB} {
				d := st.Snapshot()
				if len(d.Pending) != 0 {
					for _, pp := range d.Pending {
						t.Errorf("side %d still keeps pending pairing %s (resume: %v) after the ABORT", i, pp.ID, ResumeCase(pp))
					}
				}
				if len(d.Partners) != 0 {
					t.Errorf("side %d saved %d partner records from an aborted pairing", i, len(d.Partners))
				}
				if res[i].Partner.MintedKeyID != minted[i] {
					t.Errorf("side %d: result names minted key %q, the MISP had %q", i, res[i].Partner.MintedKeyID, minted[i])
				}
				if liveKey(sims[i], minted[i]) {
					t.Errorf("side %d: the key %s minted in the aborted session still works", i, minted[i])
				}
				pr, _ := d.Profile([]string{"pa", "pb"}[i])
				if pr == nil || len(pr.KeysPendingRevocation) != 0 {
					t.Errorf("side %d: keys still pending revocation after a successful revocation", i)
				}
			}
			if n := len(b.sim.Servers()); n != 0 {
				t.Errorf("B made %d server entries in the aborted session", n)
			}
		})
	}
}
