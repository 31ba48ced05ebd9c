package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

type faultOptions struct {
	stopFor, clientTimeout time.Duration
	first, last            int // the faults to run, by their place in the list (1-based; 0: no bound)
}

// step is one MISP request of a pairing at which B's web server is stopped.
type step struct {
	side int // whose client sends it: 0 A, 1 B
	n    int // its number among that side's pairing requests (1-based)
	what string
}

func (s step) String() string {
	return fmt.Sprintf("%s's request %d (%s)", []string{"A", "B"}[s.side], s.n, s.what)
}

// bPGID is the process group of B's web server: $MISP_B_PGID, else the
// number in $MISP_B_PIDFILE (default /opt/misp-pair/b.pid, as up.sh writes).
func bPGID() (int, error) {
	if v := os.Getenv("MISP_B_PGID"); v != "" {
		return strconv.Atoi(v)
	}
	f := os.Getenv("MISP_B_PIDFILE")
	if f == "" {
		f = "/opt/misp-pair/b.pid"
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return 0, fmt.Errorf("the process group of B's web server: %w (set MISP_B_PGID or MISP_B_PIDFILE)", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// stopper stops B's process group and resumes it after a while; resume is
// safe to call many times and is always called before the run ends.
type stopper struct {
	pgid    int
	mu      sync.Mutex
	stopped bool
	done    chan struct{}
}

func (s *stopper) stop(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := signalGroup(s.pgid, true); err != nil {
		return err
	}
	s.stopped, s.done = true, make(chan struct{})
	done := s.done
	go func() {
		time.Sleep(d)
		s.resume()
		close(done)
	}()
	return nil
}

func (s *stopper) resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		_ = signalGroup(s.pgid, false)
		s.stopped = false
	}
}

func (s *stopper) wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

func runFaults(ctx context.Context, r *reporter, e env, data string, o faultOptions) error {
	pgid, err := bPGID()
	if err != nil {
		return err
	}
	if o.stopFor <= o.clientTimeout {
		return fmt.Errorf("-stop-for (%s) must be longer than -client-timeout (%s)", o.stopFor, o.clientTimeout)
	}
	st := &stopper{pgid: pgid}
	defer st.resume()
	pass, err := readPass(data)
	if err != nil {
		return err
	}
	dir := filepath.Join(data, "faults")
	ch := session.DefaultChoices()
	ch.Push, ch.Pull = true, true

	r.head(fmt.Sprintf("baseline: a pairing through the proxies (client timeout %s)", o.clientTimeout))
	steps, err := baseline(ctx, r, e, dir, pass, o, ch)
	if err != nil {
		return err
	}
	for i, s := range steps {
		if (o.first > 0 && i+1 < o.first) || (o.last > 0 && i+1 > o.last) {
			continue
		}
		r.head(fmt.Sprintf("fault %d of %d: B's web server stopped for %s before %s", i+1, len(steps), o.stopFor, s))
		faultStep(ctx, r, e, dir, pass, o, ch, st, s)
	}
	return nil
}

// baseline pairs once without faults, from a state where B has no sync user
// and no server entry for A, and returns the requests at which to stop B:
// every request B's client sends after login, and those of A's that make
// A's MISP call B (the connection test, getRemoteUser).
func baseline(ctx context.Context, r *reporter, e env, dir string, pass []byte, o faultOptions, ch session.Choices) ([]step, error) {
	lp, err := openLocalPair(ctx, e, dir, pass, o.clientTimeout, ch)
	if err != nil {
		return nil, err
	}
	defer lp.close()
	if err := reEnableSyncUsers(ctx, r, lp); err != nil {
		return nil, err
	}
	if err := forgetOnB(ctx, r, lp); err != nil {
		return nil, err
	}
	lp.px[0].reset(nil)
	lp.px[1].reset(nil)
	rep, _ := session.PairLocally(ctx, lp.sides[0], lp.sides[1], session.LocalOptions{Timeout: 2 * time.Minute})
	if !rep.OK {
		r.fail("baseline", "the pairing without faults failed: %s", rep.Error)
		return nil, fmt.Errorf("no baseline")
	}
	var steps []step
	tested := false
	for i, x := range lp.px[1].exchanges() {
		what := x.method + " " + x.path
		if tested && strings.Contains(x.path, "/auth_keys/index/") {
			what += ", after the test"
		}
		tested = tested || strings.Contains(x.path, "testConnection")
		steps = append(steps, step{side: 1, n: i + 1, what: what})
	}
	for i, x := range lp.px[0].exchanges() {
		if strings.Contains(x.path, "testConnection") || strings.Contains(x.path, "getRemoteUser") {
			steps = append(steps, step{side: 0, n: i + 1, what: x.method + " " + x.path + " (A's MISP calls B)"})
		}
	}
	var names []string
	for i, s := range steps {
		names = append(names, fmt.Sprintf("%d. %s", i+1, s))
	}
	r.ok("baseline", "paired in %d ms; faults to inject: %s", rep.ElapsedMS, strings.Join(names, ", "))
	return steps, nil
}

// forgetOnB deletes B's sync user and server entry for A, so that the
// pairing that follows creates them again: the steps that write are the
// ones where a lost answer could leave a duplicate.
func forgetOnB(ctx context.Context, r *reporter, lp *localPair) error {
	b := &instance{name: "B", c: lp.sides[1].Client, login: lp.sides[1].Login}
	a := &instance{name: "A", c: lp.sides[0].Client, login: lp.sides[0].Login}
	st, err := snapshot(ctx, b, a)
	if err != nil {
		return err
	}
	for _, s := range st.servers {
		if err := b.c.DeleteServer(ctx, s.Server.ID); err != nil {
			return err
		}
	}
	for _, u := range st.users {
		if err := b.c.DeleteUser(ctx, u.User.ID); err != nil {
			return err
		}
	}
	return nil
}

func faultStep(ctx context.Context, r *reporter, e env, dir string, pass []byte, o faultOptions, ch session.Choices, st *stopper, s step) {
	name := fmt.Sprintf("fault %s%d", []string{"A", "B"}[s.side], s.n)
	lp, err := openLocalPair(ctx, e, dir, pass, o.clientTimeout, ch)
	if err != nil {
		r.fail(name, "%v", err)
		return
	}
	defer lp.close()
	if err := forgetOnB(ctx, r, lp); err != nil {
		r.fail(name, "resetting B: %v", err)
		return
	}
	var stoppedAt string
	var mu sync.Mutex
	lp.px[1-s.side].reset(nil)
	lp.px[s.side].reset(func(n int, req *http.Request) {
		if n != s.n {
			return
		}
		mu.Lock()
		stoppedAt = req.Method + " " + req.URL.Path
		mu.Unlock()
		if err := st.stop(o.stopFor); err != nil {
			r.fail(name, "stopping B: %v", err)
		}
	})
	// Pending pairings left by earlier runs are not this fault's.
	var earlier [2]map[string]bool
	for i, side := range lp.sides {
		earlier[i] = map[string]bool{}
		for _, p := range pendingOf(side.Store) {
			earlier[i][p.ID] = true
		}
	}
	newPending := func(i int) []store.PendingPairing {
		var out []store.PendingPairing
		for _, p := range pendingOf(lp.sides[i].Store) {
			if !earlier[i][p.ID] {
				out = append(out, p)
			}
		}
		return out
	}
	rep, _ := session.PairLocally(ctx, lp.sides[0], lp.sides[1], session.LocalOptions{Timeout: 90 * time.Second})
	st.wait()
	lp.px[s.side].reset(nil)
	mu.Lock()
	at := stoppedAt
	mu.Unlock()
	if at == "" {
		r.skip(name, "the pairing made fewer requests than the baseline; B was not stopped (ok=%v)", rep.OK)
		return
	}
	hung := []string{"a", "b"}[s.side]
	hr := rep.Sides[hung]
	other := rep.Sides[[]string{"b", "a"}[s.side]]
	// Three requests may fail without failing the hung side's own setup,
	// which then finishes and says what it could not do: its instance key
	// (/gpg.asc: the pairing goes on without it), the earlier keys listed
	// after the test (they stay valid until the next pairing revokes them)
	// and getRemoteUser after a passing test (who our key is there stays
	// unknown). The other side may still fail, when its MISP's call to the
	// stopped B timed out; it then finishes alone below.
	soft, said, words := "", "", "did not answer in time"
	switch {
	case strings.HasSuffix(at, "/gpg.asc"):
		soft, said = "its instance key", hr.OwnKeyError
	case strings.Contains(at, "/auth_keys/index/") && strings.Contains(s.what, "after the test"):
		soft, said, words = "listing the earlier keys after the test", hr.OldKeysProblem, "stay valid"
	case strings.Contains(at, "/servers/getRemoteUser/"):
		soft = "who our key is on the partner's MISP"
		if hr.TestConnection != nil {
			said = hr.TestConnection.RemoteUser
		}
	}
	if soft != "" {
		r.check(hr.Stage == "done" && hr.TestConnection != nil && hr.TestConnection.Status == 1 && strings.Contains(said, words), name+" says so",
			"stopped at %s (%s); side %s's setup finished (stage %s) and it says: %s", at, soft, strings.ToUpper(hung), hr.Stage, orText(firstLine(said), "nothing"))
		r.ok(name+" other side", "side %s: stage %s; %s", strings.ToUpper([]string{"b", "a"}[s.side]), other.Stage, orText(firstLine(other.Error), "no error"))
		if pend := newPending(s.side); len(pend) != 0 {
			r.check(false, name+" resumable", "side %s finished but keeps pending pairing %s", strings.ToUpper(hung), pend[len(pend)-1].ID)
		} else {
			r.ok(name+" resumable", "nothing to resume on side %s: its setup finished", strings.ToUpper(hung))
		}
	} else {
		says := strings.Contains(hr.Error, "did not answer in time") || strings.Contains(hr.Error, "cannot be reached")
		r.check(!rep.OK && says, name+" says so", "stopped at %s; side %s: %s", at, strings.ToUpper(hung), firstLine(hr.Error))
		r.ok(name+" other side", "side %s: stage %s; %s", strings.ToUpper([]string{"b", "a"}[s.side]), other.Stage, orText(firstLine(other.Error), "no error"))

		// Resumable state: the hung side keeps a pending pairing.
		pend := newPending(s.side)
		if len(pend) == 0 {
			r.check(false, name+" resumable", "side %s keeps no pending pairing", strings.ToUpper(hung))
		} else {
			p := pend[len(pend)-1]
			r.ok(name+" resumable", "side %s keeps pending pairing %s: steps done %v, %s", strings.ToUpper(hung), p.ID, p.StepsDone, session.ResumeCase(p))
		}
	}
	time.Sleep(time.Second) // B's MISP finishes what it was doing when stopped

	// Resume: each side that holds the partner's key finishes alone (the
	// side whose MISP hung, and the other one when its connection test to
	// the stopped B failed too); a side that still needs the partner's key
	// gets a new face-to-face session (a re-run of the pairing).
	finish := func() (bool, string) {
		var done []string
		needRun := false
		for i, side := range lp.sides {
			for _, p := range newPending(i) {
				if session.ResumeCase(p) != session.ResumeFinishAlone {
					needRun = true
					continue
				}
				res, err := session.FinishAlone(ctx, side.Client, side.Login, side.Store, p.ID, side.Choices)
				if err != nil || res == nil || !res.OK {
					return false, fmt.Sprintf("side %s finishing alone failed: %v", []string{"A", "B"}[i], errText(err, res))
				}
				done = append(done, []string{"A", "B"}[i]+" finished alone")
			}
		}
		if needRun || len(done) == 0 {
			rep, _ := session.PairLocally(ctx, lp.sides[0], lp.sides[1], session.LocalOptions{Timeout: 2 * time.Minute})
			if !rep.OK {
				return false, "re-run failed: " + rep.Error
			}
			done = append(done, fmt.Sprintf("re-run paired in %d ms", rep.ElapsedMS))
		}
		return true, strings.Join(done, "; ")
	}
	okDone, how := finish()
	if !okDone {
		// One retry: B may still be catching up with the requests that
		// waited while it was stopped.
		time.Sleep(3 * time.Second)
		okDone, how = finish()
		how = "after one retry: " + how
	}
	r.check(okDone, name+" finishes", "%s", how)
	// Keys a side finishing alone could only mark pending revocation (it
	// never heard the partner confirm the new key) are revoked as the admin
	// does once both connection tests pass ("Revoke old keys").
	for i, side := range lp.sides {
		for _, p := range side.Store.Snapshot().Partners {
			if len(p.KeysPendingRevocation) == 0 {
				continue
			}
			gone, err := session.RevokePendingKeys(ctx, side.Client, side.Store, p.ID)
			r.check(err == nil, name+" "+[]string{"A", "B"}[i]+" pending keys", "keys marked pending revocation (the partner's confirmation never came) revoked by the admin: %v %s", gone, errOrOK(err))
		}
	}
	checkNoDuplicates(ctx, r, name, lp)
}

func pendingOf(st *store.Store) []store.PendingPairing {
	return st.Snapshot().Pending
}

func errText(err error, res *session.Result) string {
	if err != nil {
		return err.Error()
	}
	if res != nil && res.Err != nil {
		return res.Err.Error()
	}
	return "not OK"
}

// checkNoDuplicates: one org, one sync user, one server entry per side, and
// one valid app-made key.
func checkNoDuplicates(ctx context.Context, r *reporter, name string, lp *localPair) {
	a := &instance{name: "A", c: lp.sides[0].Client, login: lp.sides[0].Login}
	b := &instance{name: "B", c: lp.sides[1].Client, login: lp.sides[1].Login}
	for _, p := range [][2]*instance{{a, b}, {b, a}} {
		st, err := snapshot(ctx, p[0], p[1])
		if err != nil {
			r.fail(name+" "+p[0].name+" no duplicates", "%v", err)
			continue
		}
		valid := validAppKeys(st.keys, time.Now())
		r.check(st.org != nil && len(st.users) == 1 && len(st.servers) == 1 && len(valid) == 1, name+" "+p[0].name+" no duplicates",
			"org %v, %d sync user(s), %d server entr(ies), valid app-made keys %v", st.org != nil, len(st.users), len(st.servers), keyIDs(valid))
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
