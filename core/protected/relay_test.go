package protected

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// relayFixture is instance A (its own key from recording 60) holding the
// events of recordings 66–84 and a few more.
type relayFixture struct {
	sim    *mispsim.Sim
	client *misp.Client
	own    *Key // A's key
	peer   *Key // B's key
	// ids of the seeded events
	bothKeys, onlyOwn, onlyPartner, notProtected, otherOrg, hiddenHigh int
}

func newRelayFixture(t *testing.T) *relayFixture {
	t.Helper()
	f := &relayFixture{}
	f.sim, f.client = startSim(t, "A", keyA(t))
	f.own, f.peer = mustKey(t, keyA(t)), mustKey(t, keyB(t))
	a, b := cryptoKey(t, keyA(t)), cryptoKey(t, keyB(t))
	other := f.sim.SeedExternalOrg("Org-B", "2c88ff02-b2bf-4dbf-b0df-31c80a9abe86")

	f.notProtected = f.sim.AddEvent(mispsim.Event{Info: "ordinary event", Published: true}).ID
	// Like event 6 (recordings 66–74): keys of A and B.
	f.bothKeys = f.sim.AddEvent(protectedEvent("protected, keys A and B", a, b)).ID
	f.onlyOwn = f.sim.AddEvent(protectedEvent("protected, key A only", a)).ID
	// Like event 7 (recordings 82–84): only B's key; events/index hides it (93).
	f.onlyPartner = f.sim.AddEvent(protectedEvent("protected, key B only", b)).ID
	ev := protectedEvent("another org's protected event", a)
	ev.OrgID, ev.OrgcID = other.ID, other.ID
	f.otherOrg = f.sim.AddEvent(ev).ID
	// A hidden event after a gap of deleted ids, past the highest listed id.
	hidden := protectedEvent("protected, key B only, high id", b)
	hidden.ID = f.otherOrg + 5
	f.hiddenHigh = f.sim.AddEvent(hidden).ID
	return f
}

func (f *relayFixture) listOptions() ListOptions {
	host := f.sim.HostOrg()
	return ListOptions{OrgID: misp.ID(fmtInt(host.ID)), OrgUUID: host.UUID, OwnFingerprint: f.own.Fingerprint}
}

func fmtInt(n int) string { return strconv.Itoa(n) }

func (f *relayFixture) event(t *testing.T, id int) mispsim.Event {
	t.Helper()
	for _, e := range f.sim.Events() {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no event %d", id)
	return mispsim.Event{}
}

func fingerprintsOf(e mispsim.Event) []string {
	var fps []string
	for _, k := range e.CryptographicKeys {
		fps = append(fps, k.Fingerprint)
	}
	return fps
}

// TestIndexHidesForeignProtected pins the simulator to recording 93: the
// index leaves out protected events without our key, which is why the
// listing probes ids.
func TestIndexHidesForeignProtected(t *testing.T) {
	f := newRelayFixture(t)
	index, err := f.client.Events(context.Background(), misp.EventFilter{Minimal: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range index {
		if e.ID == misp.ID(fmtInt(f.onlyPartner)) || e.ID == misp.ID(fmtInt(f.hiddenHigh)) {
			t.Fatalf("the index lists hidden event %s", e.ID)
		}
	}
	if len(index) != 4 {
		t.Fatalf("index lists %d events, want 4", len(index))
	}
}

func TestListProtectedEvents(t *testing.T) {
	f := newRelayFixture(t)
	l, err := ListProtectedEvents(context.Background(), f.client, f.listOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ProtectedEvent{}
	for _, e := range l.Events {
		got[string(e.ID)] = e
	}
	want := map[int]struct{ hasOwn, hidden bool }{
		f.bothKeys:    {true, false},
		f.onlyOwn:     {true, false},
		f.onlyPartner: {false, true},
		f.hiddenHigh:  {false, true},
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d events (%v), want %d", len(got), l.Events, len(want))
	}
	for id, w := range want {
		e, ok := got[fmtInt(id)]
		if !ok {
			t.Errorf("event %d not listed", id)
			continue
		}
		if e.HasOwnKey != w.hasOwn || e.HiddenFromIndex != w.hidden {
			t.Errorf("event %d: own key %v hidden %v, want %v %v", id, e.HasOwnKey, e.HiddenFromIndex, w.hasOwn, w.hidden)
		}
	}
	if !got[fmtInt(f.bothKeys)].Carries(fingerprintB) || got[fmtInt(f.onlyOwn)].Carries(fingerprintB) {
		t.Error("Carries does not tell the partner's key")
	}
	if !strings.Contains(l.Note(), "2 hidden event(s) found") || l.ProbeLimited {
		t.Errorf("note: %s", l.Note())
	}
	// The gap below the high hidden event costs one events/view each, and
	// the search stops DefaultProbeBeyond ids after the last event found.
	if wantProbes := 1 + (f.hiddenHigh - f.otherOrg) + DefaultProbeBeyond; l.Probed != wantProbes { // id 4, ids 6–10, then 20 more
		t.Errorf("probed %d ids, want %d", l.Probed, wantProbes)
	}
}

func TestListProtectedEventsProbeLimit(t *testing.T) {
	f := newRelayFixture(t)
	o := f.listOptions()
	o.MaxProbes = 2
	l, err := ListProtectedEvents(context.Background(), f.client, o)
	if err != nil {
		t.Fatal(err)
	}
	if !l.ProbeLimited || !strings.Contains(l.Note(), "may not be listed") || l.Probed != 2 {
		t.Fatalf("probed %d, limited %v: %s", l.Probed, l.ProbeLimited, l.Note())
	}
	o.ProbeBeyond = -1
	l, err = ListProtectedEvents(context.Background(), f.client, o)
	if err != nil || l.Probed != 0 || len(l.Events) != 2 {
		t.Fatalf("without probing: %v %+v", err, l)
	}
}

func TestRelay(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	before := map[int]mispsim.Event{}
	for _, id := range []int{f.bothKeys, f.onlyOwn, f.onlyPartner} {
		before[id] = f.event(t, id)
	}
	clock := time.Unix(before[f.onlyOwn].Timestamp, 0) // MISP's clock reads the same second: the bump must still move
	ids := []misp.ID{misp.ID(fmtInt(f.bothKeys)), misp.ID(fmtInt(f.onlyOwn)), misp.ID(fmtInt(f.onlyPartner)), misp.ID(fmtInt(f.notProtected))}
	var progressed []misp.ID
	results, err := Relay(ctx, f.client, ids, RelayOptions{Own: f.own, Partner: f.peer, Now: func() time.Time { return clock }},
		func(r EventResult) { progressed = append(progressed, r.EventID) })
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 || len(progressed) != 4 {
		t.Fatalf("%d results, %d progress calls", len(results), len(progressed))
	}

	// Already carrying both keys: left alone, no bump, no publish.
	r := results[0]
	if r.PartnerKey != KeyAlreadyThere || r.OwnKey != KeyAlreadyThere || r.Bumped || r.Published || r.Err != nil {
		t.Errorf("both keys: %+v", r)
	}
	if e := f.event(t, f.bothKeys); e.Timestamp != before[f.bothKeys].Timestamp {
		t.Error("an event that needed nothing was bumped")
	}

	// Own key only: partner key added, bumped past the stored timestamp, published.
	r = results[1]
	if r.PartnerKey != KeyAdded || r.OwnKey != KeyAlreadyThere || !r.Bumped || !r.Published || r.Err != nil {
		t.Errorf("own only: %+v", r)
	}
	e := f.event(t, f.onlyOwn)
	if e.Timestamp <= before[f.onlyOwn].Timestamp || !e.Published {
		t.Errorf("own only: timestamp %d (was %d), published %v", e.Timestamp, before[f.onlyOwn].Timestamp, e.Published)
	}
	if fps := fingerprintsOf(e); len(fps) != 2 || fps[1] != fingerprintB {
		t.Errorf("own only: keys %v", fps)
	}

	// Partner key only (recording 84): our own key was missing and is added.
	r = results[2]
	if r.PartnerKey != KeyAlreadyThere || r.OwnKey != KeyAdded || !r.Published {
		t.Errorf("partner only: %+v", r)
	}
	if !strings.Contains(r.Summary(), "our own instance key was missing and was added") {
		t.Errorf("summary: %s", r.Summary())
	}
	if fps := fingerprintsOf(f.event(t, f.onlyPartner)); len(fps) != 2 || fps[1] != fingerprintA {
		t.Errorf("partner only: keys %v", fps)
	}

	// Not protected: refused in words, nothing done.
	var np *NotProtectedError
	if r = results[3]; !errors.As(r.Err, &np) || r.Bumped || !strings.Contains(r.Summary(), "not in protected mode") {
		t.Errorf("not protected: %+v %s", r, r.Summary())
	}
	if e := f.event(t, f.notProtected); len(e.CryptographicKeys) != 0 {
		t.Error("a key was added to an unprotected event")
	}

	// The event is now listed by the index: our key is on it.
	l, err := ListProtectedEvents(ctx, f.client, f.listOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, pe := range l.Events {
		if pe.ID == misp.ID(fmtInt(f.onlyPartner)) && (pe.HiddenFromIndex || !pe.HasOwnKey) {
			t.Errorf("after the relay: %+v", pe)
		}
	}

	// A second run changes nothing: no key is added twice, nothing bumped.
	adds := f.sim.RequestCount("POST", "/cryptographicKeys/add")
	edits := f.sim.RequestCount("POST", "/events/edit")
	results, err = Relay(ctx, f.client, ids[:3], RelayOptions{Own: f.own, Partner: f.peer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Changed() || r.Bumped || r.Err != nil {
			t.Errorf("second run: %+v", r)
		}
	}
	if f.sim.RequestCount("POST", "/cryptographicKeys/add") != adds || f.sim.RequestCount("POST", "/events/edit") != edits {
		t.Error("second run wrote to MISP")
	}
}

// TestRelayDuplicateKeyAnswer: MISP's "already assigned" answer (recording
// 70) counts as already there, not as a failure.
func TestRelayDuplicateKeyAnswer(t *testing.T) {
	f := newRelayFixture(t)
	stale := staleView{MISP: f.client, id: misp.ID(fmtInt(f.bothKeys))}
	results, err := Relay(context.Background(), stale, []misp.ID{stale.id}, RelayOptions{Own: f.own, Partner: f.peer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Err != nil || r.PartnerKey != KeyAlreadyThere || r.OwnKey != KeyAlreadyThere {
		t.Fatalf("%+v", r)
	}
	if n := f.sim.RequestCount("POST", "/cryptographicKeys/add"); n != 2 {
		t.Fatalf("%d key adds, want 2 answered 'already assigned'", n)
	}
}

// staleView hides the keys of one event, as a view read before another
// admin attached them would.
type staleView struct {
	MISP
	id misp.ID
}

func (s staleView) Event(ctx context.Context, id string) (*misp.Event, error) {
	e, err := s.MISP.Event(ctx, id)
	if err == nil && misp.ID(id) == s.id {
		e.CryptographicKey = nil
	}
	return e, err
}

func TestRelayFailures(t *testing.T) {
	f := newRelayFixture(t)
	ctx := context.Background()
	id := misp.ID(fmtInt(f.onlyOwn))
	remove := f.sim.InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/events/publish"})
	results, err := Relay(ctx, f.client, []misp.ID{id}, RelayOptions{Own: f.own, Partner: f.peer}, nil)
	remove()
	if err != nil {
		t.Fatal(err)
	}
	var re *RelayError
	if r := results[0]; !errors.As(r.Err, &re) || re.Step != StepPublish || r.Published || !r.Bumped {
		t.Fatalf("%+v", r)
	}
	if !misp.IsKind(results[0].Err, misp.KindServerError) || !strings.Contains(results[0].Err.Error(), "run the relay again") {
		t.Errorf("error: %v", results[0].Err)
	}
	if strings.Contains(results[0].Summary(), f.sim.AdminKey()) {
		t.Error("the authkey is in the summary")
	}

	// Missing event.
	results, _ = Relay(ctx, f.client, []misp.ID{"999"}, RelayOptions{Own: f.own, Partner: f.peer}, nil)
	if !errors.As(results[0].Err, &re) || re.Step != StepRead || !misp.IsKind(re, misp.KindNotFound) {
		t.Errorf("missing event: %v", results[0].Err)
	}

	// Refusals before any call.
	var nk *NoKeyError
	if _, err := Relay(ctx, f.client, []misp.ID{id}, RelayOptions{Partner: f.peer}, nil); !errors.As(err, &nk) {
		t.Errorf("no own key: %v", err)
	}
	var ke *KeyError
	if _, err := Relay(ctx, f.client, []misp.ID{id}, RelayOptions{Own: f.own}, nil); !errors.As(err, &ke) {
		t.Errorf("no partner key: %v", err)
	}
	var me *MismatchError
	if _, err := Relay(ctx, f.client, []misp.ID{id}, RelayOptions{Own: f.own, Partner: f.own}, nil); !errors.As(err, &me) {
		t.Errorf("partner key = own key: %v", err)
	}

	// A cancelled context stops before the next event.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Relay(cctx, f.client, []misp.ID{id}, RelayOptions{Own: f.own, Partner: f.peer}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestRelayRestoresKeyLostInBump: if an edit drops a key (MISP does not
// promise to keep them), the relay adds it back before publishing.
func TestRelayRestoresKeyLostInBump(t *testing.T) {
	f := newRelayFixture(t)
	id := misp.ID(fmtInt(f.onlyOwn))
	lossy := &dropOwnKeyOnEdit{MISP: f.client, own: f.own.Fingerprint}
	results, err := Relay(context.Background(), lossy, []misp.ID{id}, RelayOptions{Own: f.own, Partner: f.peer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.OwnKey != KeyRestored || !r.Published || !strings.Contains(r.Summary(), "lost in the bump") {
		t.Fatalf("%+v", r)
	}
}

// dropOwnKeyOnEdit hides our key from the first view after an edit.
type dropOwnKeyOnEdit struct {
	MISP
	own    string
	edited bool
}

func (d *dropOwnKeyOnEdit) EditEvent(ctx context.Context, id misp.ID, fields map[string]any) (*misp.Event, error) {
	d.edited = true
	return d.MISP.EditEvent(ctx, id, fields)
}

func (d *dropOwnKeyOnEdit) Event(ctx context.Context, id string) (*misp.Event, error) {
	e, err := d.MISP.Event(ctx, id)
	if err == nil && d.edited {
		d.edited = false
		var kept []misp.CryptographicKey
		for _, k := range e.CryptographicKey {
			if !SameFingerprint(k.Fingerprint, d.own) {
				kept = append(kept, k)
			}
		}
		e.CryptographicKey = kept
	}
	return e, err
}

func (d *dropOwnKeyOnEdit) AddEventKey(ctx context.Context, id misp.ID, armored string) (*misp.CryptographicKey, error) {
	k, err := d.MISP.AddEventKey(ctx, id, armored)
	// The real event still has the key, so MISP says "already assigned";
	// the relay must treat that as restored too.
	return k, err
}

// BenchmarkListProtectedEvents lists the fixture's events (index, views of
// our events, probes of the skipped ids) against a simulator on loopback.
func BenchmarkListProtectedEvents(b *testing.B) {
	sim, c := startSim(b, "A", keyA(b))
	a, bk := cryptoKey(b, keyA(b)), cryptoKey(b, keyB(b))
	for i := range 20 {
		if i%4 == 0 {
			sim.AddEvent(protectedEvent("hidden", bk))
		} else {
			sim.AddEvent(protectedEvent("listed", a, bk))
		}
	}
	host := sim.HostOrg()
	o := ListOptions{OrgID: misp.ID(fmtInt(host.ID)), OrgUUID: host.UUID, OwnFingerprint: fingerprintA}
	b.ReportAllocs()
	for b.Loop() {
		l, err := ListProtectedEvents(context.Background(), c, o)
		if err != nil || len(l.Events) != 20 {
			b.Fatal(err, len(l.Events))
		}
		b.ReportMetric(float64(l.Requests), "requests/op")
	}
}
