package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// fakeMISP is an in-memory stand-in for the MISP steps, for fast tests of the
// round flow. The end-to-end tests use mispsim through the real client.
type fakeMISP struct {
	mu       sync.Mutex
	name     string
	orgs     map[string]string // partner org uuid -> id
	users    map[string]string // email -> id
	keys     map[string]string // key id -> raw key
	keyUser  map[string]string // key id -> user id
	servers  map[string]string // partner url -> server id
	srvKey   map[string]string // server id -> the partner's key it holds
	writes   int
	requests int64
	failStep string // org, sync_user, server, test
	next     int
	partner  *fakeMISP
}

func newFake(name string) *fakeMISP {
	return &fakeMISP{name: name, orgs: map[string]string{}, users: map[string]string{}, keys: map[string]string{}, keyUser: map[string]string{},
		servers: map[string]string{}, srvKey: map[string]string{}}
}

func (f *fakeMISP) id() string { f.next++; return fmt.Sprint(f.next) }

func (f *fakeMISP) fail(step string) error {
	if f.failStep == step {
		return &misp.Error{Kind: misp.KindServerError, Op: "POST /" + step, Status: 500}
	}
	return nil
}

func (f *fakeMISP) Requests() int64 { f.mu.Lock(); defer f.mu.Unlock(); return f.requests }

func (f *fakeMISP) Org(ctx context.Context, p pairing.Info, ch Choices) (orgResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if err := f.fail(StepOrg); err != nil {
		return orgResult{}, err
	}
	if id, ok := f.orgs[p.Org.UUID]; ok {
		// As syncsetup: an existing org only with the admin's word.
		if ch.ReuseOrgUUID != p.Org.UUID {
			return orgResult{}, &syncsetup.ExistingOrgError{Org: syncsetup.KnownOrg{ID: misp.ID(id), Name: p.Org.Name, UUID: p.Org.UUID, UserCount: "1", WouldGet: "a fresh key"}}
		}
		return orgResult{ID: id, Name: p.Org.Name}, nil
	}
	f.writes++
	id := f.id()
	f.orgs[p.Org.UUID] = id
	return orgResult{ID: id, Created: true, Name: p.Org.Name}, nil
}

func (f *fakeMISP) SyncUser(ctx context.Context, p pairing.Info, org orgResult) (userResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if err := f.fail(StepSyncUser); err != nil {
		return userResult{}, err
	}
	email := "sync-" + p.InstanceUUID + "@mispbump.invalid"
	id, ok := f.users[email]
	if !ok {
		id = f.id()
		f.users[email] = id
		f.writes++
	}
	kid := f.id()
	raw := fmt.Sprintf("%040d", rand.Uint64())
	f.keys[kid], f.keyUser[kid] = raw, id
	f.writes++
	return userResult{ID: id, Email: email, Created: !ok, Key: raw, Minted: store.MintedKey{ID: kid, Comment: "MISPbump", UserID: id}}, nil
}

func (f *fakeMISP) Server(ctx context.Context, p pairing.Info, c pairing.Creds, org orgResult, ch Choices) (serverResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if err := f.fail(StepServer); err != nil {
		return serverResult{}, err
	}
	f.writes++
	if id, ok := f.servers[p.URL]; ok {
		f.srvKey[id] = c.SyncAuthkey
		return serverResult{ID: id}, nil
	}
	id := f.id()
	f.servers[p.URL], f.srvKey[id] = id, c.SyncAuthkey
	return serverResult{ID: id, Created: true}, nil
}

func (f *fakeMISP) Test(ctx context.Context, serverID string, p pairing.Info) (pairing.TestResult, error) {
	f.mu.Lock()
	key := f.srvKey[serverID]
	f.requests++
	err := f.fail(StepTest)
	f.mu.Unlock()
	if err != nil {
		return pairing.TestResult{}, err
	}
	if f.partner != nil && f.partner.keyWorks(key) {
		return pairing.TestResult{Status: 1, Post: 1, RemoteUUID: p.InstanceUUID, Message: "OK"}, nil
	}
	return pairing.TestResult{Status: 4, Message: misp.ConnectionStatusText(4)}, nil
}

func (f *fakeMISP) keyWorks(raw string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if k == raw && raw != "" {
			return true
		}
	}
	return false
}

func (f *fakeMISP) OldKeys(ctx context.Context, userID, keepID string) ([]store.MintedKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	var out []store.MintedKey
	for id, u := range f.keyUser {
		if u == userID && id != keepID {
			out = append(out, store.MintedKey{ID: id, UserID: u})
		}
	}
	return out, nil
}

func (f *fakeMISP) Revoke(ctx context.Context, keys []store.MintedKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		f.requests++
		delete(f.keys, k.ID)
		delete(f.keyUser, k.ID)
		f.writes++
	}
	return nil
}

func (f *fakeMISP) RevokeOld(ctx context.Context, keys []store.MintedKey) ([]string, error) {
	if err := f.Revoke(ctx, keys); err != nil {
		return nil, err
	}
	return keyIDs(keys), nil
}

func (f *fakeMISP) liveKeys() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys)
}

func (f *fakeMISP) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

func fakeLogin(name string) *misp.LoginInfo {
	org := misp.Organisation{ID: "1", Name: "Org " + name, UUID: fmt.Sprintf("0000000%s-0000-4000-8000-000000000001", name)}
	return &misp.LoginInfo{
		User:         misp.User{ID: "1", Email: "admin@" + strings.ToLower(name) + ".test"},
		Org:          org,
		HostOrg:      org,
		InstanceUUID: fmt.Sprintf("1111111%s-0000-4000-8000-000000000001", name),
		Version:      "2.5.1",
		AnnounceURL:  "https://misp-" + strings.ToLower(name) + ".test",
	}
}

// wire carries frames between two sessions over the text path: each side's
// sink is read by a pump that feeds the partner's source. filter may drop,
// duplicate, reorder or inject.
type wire struct {
	mu     sync.Mutex
	frames [2][]string
	// blank counts the times a side's screen went blank.
	blank  [2]int
	src    [2]chan string
	filter func(to int, frames, own []string) []string
}

func newWire() *wire {
	return &wire{src: [2]chan string{make(chan string), make(chan string)}}
}

func (w *wire) sink(i int) Sink {
	return SinkFunc(func(f []string) {
		w.mu.Lock()
		w.frames[i] = f
		if len(f) == 0 {
			w.blank[i]++
		}
		w.mu.Unlock()
	})
}

// pump delivers what side from shows to side 1-from until ctx ends.
func (w *wire) pump(ctx context.Context, from int, wg *sync.WaitGroup) {
	defer wg.Done()
	to := 1 - from
	for {
		w.mu.Lock()
		frames := append([]string(nil), w.frames[from]...)
		own := append([]string(nil), w.frames[to]...)
		w.mu.Unlock()
		if w.filter != nil {
			frames = w.filter(to, frames, own)
		}
		if len(frames) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
			continue
		}
		for _, f := range frames {
			select {
			case <-ctx.Done():
				return
			case w.src[to] <- f:
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// pair is two sessions on a wire with a recorder of their events.
type pair struct {
	t        testing.TB
	s        [2]*Session
	events   [2][]Event
	mu       sync.Mutex
	wire     *wire
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	autoSAS  bool // confirm on both sides when the two SAS match
	rejectOn int  // side that rejects instead (-1: none)
	sas      [2]string
}

type pairOptions struct {
	cfg      [2]Config
	filter   func(to int, frames, own []string) []string
	noAuto   bool
	rejectOn int
}

func startPair(t testing.TB, o pairOptions) *pair {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &pair{t: t, wire: newWire(), cancel: cancel, autoSAS: !o.noAuto, rejectOn: o.rejectOn}
	p.wire.filter = o.filter
	for i := range 2 {
		cfg := o.cfg[i]
		cfg.Source = p.wire.src[i]
		cfg.Sink = p.wire.sink(i)
		if cfg.TickInterval == 0 {
			cfg.TickInterval = 10 * time.Millisecond
		}
		if cfg.Choices.ExistingServer == "" && !cfg.Choices.Pull && !cfg.Choices.Push {
			cfg.Choices = DefaultChoices()
		}
		cfg.OnEvent = func(ev Event) { p.onEvent(i, ev) }
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatalf("Start %d: %v", i, err)
		}
		p.s[i] = s
	}
	p.wg.Add(2)
	go p.wire.pump(ctx, 0, &p.wg)
	go p.wire.pump(ctx, 1, &p.wg)
	t.Cleanup(p.stop)
	return p
}

func (p *pair) onEvent(i int, ev Event) {
	p.mu.Lock()
	p.events[i] = append(p.events[i], ev)
	confirm := false
	if ev.Stage == StageCompareSAS && p.sas[i] == "" {
		p.sas[i] = ev.SAS
		confirm = p.autoSAS && p.sas[0] != "" && p.sas[1] != ""
	}
	sas := p.sas
	p.mu.Unlock()
	if !confirm {
		return
	}
	for j := range 2 {
		switch {
		case sas[0] != sas[1]:
			p.s[j].Reject()
		case p.rejectOn == j:
			p.s[j].Reject()
		default:
			p.s[j].Confirm()
		}
	}
}

func (p *pair) stop() {
	p.cancel()
	for _, s := range p.s {
		if s != nil {
			<-s.Done()
		}
	}
	p.wg.Wait()
}

// wait waits for both sessions to end (or for timeout) and returns results.
func (p *pair) wait(timeout time.Duration) [2]*Result {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out [2]*Result
	for i, s := range p.s {
		out[i] = s.Wait(ctx)
		if out[i] == nil {
			p.t.Fatalf("side %d did not end in %v; stage %v; events:\n%s", i, timeout, s.Stage(), p.eventLog(i))
		}
	}
	return out
}

// waitFinal waits until both sides reached a final stage.
func (p *pair) waitFinal(timeout time.Duration) [2]*Result {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		r0, r1 := p.s[0].Result(), p.s[1].Result()
		if r0 != nil && r1 != nil {
			return [2]*Result{r0, r1}
		}
		time.Sleep(2 * time.Millisecond)
	}
	p.t.Fatalf("no final result in %v; stages %v %v\n%s\n%s", timeout, p.s[0].Stage(), p.s[1].Stage(), p.eventLog(0), p.eventLog(1))
	return [2]*Result{}
}

func (p *pair) eventLog(i int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, ev := range p.events[i] {
		fmt.Fprintf(&b, "  [%d] %v: %s\n", i, ev.Stage, ev.Message)
	}
	return b.String()
}

func (p *pair) stages(i int) []Stage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Stage
	for _, ev := range p.events[i] {
		if len(out) == 0 || out[len(out)-1] != ev.Stage {
			out = append(out, ev.Stage)
		}
	}
	return out
}

func (p *pair) problems(i int) []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []error
	for _, ev := range p.events[i] {
		if ev.Problem != nil {
			out = append(out, ev.Problem)
		}
	}
	return out
}

func isKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// fakeConfigs links two fakes and returns configs using them.
func fakeConfigs() ([2]*fakeMISP, [2]Config) {
	a, b := newFake("A"), newFake("B")
	a.partner, b.partner = b, a
	return [2]*fakeMISP{a, b}, [2]Config{
		{Login: fakeLogin("A"), steps: a, ProfileID: "pa", Choices: DefaultChoices()},
		{Login: fakeLogin("B"), steps: b, ProfileID: "pb", Choices: DefaultChoices()},
	}
}
