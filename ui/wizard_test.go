package ui

import (
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
)

// uiQueue stands in for fyne.Do in these tests: the sessions' and cameras'
// goroutines queue their UI work and the test goroutine runs it, so every
// widget is touched from one goroutine, as in the app.
type uiQueue struct {
	mu sync.Mutex
	fs []func()
}

func (q *uiQueue) do(f func()) {
	q.mu.Lock()
	q.fs = append(q.fs, f)
	q.mu.Unlock()
}

func (q *uiQueue) pump() {
	for {
		q.mu.Lock()
		fs := q.fs
		q.fs = nil
		q.mu.Unlock()
		if len(fs) == 0 {
			return
		}
		for _, f := range fs {
			f()
		}
	}
}

// rig is two simulated MISPs, each with a store, and the wizards pairing them.
type rig struct {
	t       *testing.T
	q       *uiQueue
	app     fyne.App
	sims    [2]*mispsim.Sim
	sides   [2]session.LocalSide
	wizards [2]*wizard
	// relay, when set, carries each side's code to the other as pasted
	// chat text (remote mode) every time the test waits.
	relay [2]bool
}

func newRig(t *testing.T) *rig { t.Helper(); return newRigWith(t, nil) }

// newRigWith is newRig with a chance to change each simulator's config.
func newRigWith(t *testing.T, configure func(i int, c *mispsim.Config)) *rig {
	t.Helper()
	storetest.UseCheapKeyDerivation(t)
	r := &rig{t: t, q: &uiQueue{}, app: test.NewTempApp(t)}
	for i, name := range []string{"a", "b"} {
		upper := strings.ToUpper(name)
		cfg := mispsim.Config{Name: upper, HostOrgName: "Org " + upper}
		if configure != nil {
			configure(i, &cfg)
		}
		sim := mispsim.New(cfg)
		url, err := sim.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sim.Close() })
		c, err := misp.New(url, sim.AdminKey(), misp.Options{})
		if err != nil {
			t.Fatal(err)
		}
		login, err := c.Login(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st, _ := storetest.New(t)
		profileID := store.NewID()
		if err := st.Update(func(d *store.Data) error {
			d.Profiles = append(d.Profiles, store.Profile{ID: profileID, Name: "MISP " + upper, URL: url})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		r.sims[i] = sim
		r.sides[i] = session.LocalSide{Name: name, Client: c, Login: login, Store: st, ProfileID: profileID, Choices: session.DemoChoices()}
	}
	t.Cleanup(func() {
		for _, w := range r.wizards {
			if w != nil {
				w.close()
				<-w.sessionDone()
			}
		}
		r.q.pump()
	})
	return r
}

// openRemote opens a plain wizard (no demo, no camera) on each side, in
// remote mode: the codes travel as pasted chat text.
func (r *rig) openRemote() { r.openRemoteWith(func(*wizardOptions) {}) }

// openRemoteWith is openRemote with options changed by opts (a clock, …).
func (r *rig) openRemoteWith(opts func(o *wizardOptions)) {
	for i, side := range r.sides {
		c := side.Choices
		c.Remote = true
		v := &vault{store: side.Store}
		login := wizardLoginFor(v, side.ProfileID, side.Client, side.Login)
		o := wizardOptions{choices: &c, ui: r.q.do}
		opts(&o)
		r.wizards[i] = openWizard(r.app, v, login, nil, o)
		r.relay[i] = true
	}
}

// until runs the queued UI work (and the relay) until cond holds.
func (r *rig) until(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r.q.pump()
		if cond() {
			return
		}
		for i, w := range r.wizards {
			other := r.wizards[1-i]
			if r.relay[i] && w != nil && other != nil && w.session != nil && other.session != nil && w.exchange != nil && len(w.exchange.frames) > 0 {
				// "Copy my code" on one side, "Paste code" on the other.
				other.exchange.cam.paste(w.session.ChatText())
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("gave up waiting for %s; A shows:\n%s\nB shows:\n%s", what, r.text(0), r.text(1))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) text(i int) string { return visibleTexts(r.wizards[i].window.Content()) }

// visibleTexts collects the texts on screen under o, leaving out hidden
// parts (textsOf includes them).
func visibleTexts(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *canvas.Text:
			b.WriteString(v.Text + "\n")
		case *widget.Button:
			b.WriteString("[" + v.Text + "]\n")
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

func (r *rig) start() {
	r.t.Helper()
	for _, w := range r.wizards {
		tapButton(r.t, w.window.Content(), "Start the exchange")
	}
	r.until("both exchanges to start", func() bool { return r.wizards[0].session != nil && r.wizards[1].session != nil })
}

func (r *rig) waitForSAS() string {
	r.t.Helper()
	r.until("the codes to compare", func() bool {
		return r.wizards[0].exchange.stage == session.StageCompareSAS && r.wizards[1].exchange.stage == session.StageCompareSAS
	})
	a, b := r.wizards[0].exchange.sas, r.wizards[1].exchange.sas
	if a == "" || a != b {
		r.t.Fatalf("codes %q and %q, want equal and not empty", a, b)
	}
	for i := range r.wizards {
		first, _ := splitSAS(a)
		if !strings.Contains(r.text(i), first) {
			r.t.Fatalf("side %d does not show the code %s:\n%s", i, a, r.text(i))
		}
		if !strings.Contains(r.text(i), "check it against theirs") && !strings.Contains(r.text(i), "checks it against theirs") {
			r.t.Fatalf("side %d does not say how to compare:\n%s", i, r.text(i))
		}
	}
	return a
}

// confirmBoth confirms A with Enter and B with the button.
func (r *rig) confirmBoth() {
	r.t.Helper()
	// Enter confirms only once the codes were on screen for a second.
	time.Sleep(time.Until(r.wizards[0].exchange.sasShownAt.Add(sasReadTime)))
	r.wizards[0].window.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	tapButton(r.t, r.wizards[1].window.Content(), "Codes match — Confirm (Enter)")
}

func (r *rig) waitForResults() {
	r.t.Helper()
	r.until("both results", func() bool {
		return r.wizards[0].result != nil && r.wizards[1].result != nil
	})
}

// checkPaired checks both results say paired and both MISPs have one
// working server entry to the other.
func (r *rig) checkPaired() {
	r.t.Helper()
	for i, w := range r.wizards {
		text := r.text(i)
		other := r.sides[1-i].Login.HostOrg.Name
		for _, want := range []string{"Paired with " + other, "Server entry", "created", "What the partner sent", r.sides[1-i].Login.InstanceUUID,
			"Our key on their MISP", "logs in to the partner's MISP as sync-"} {
			if !strings.Contains(text, want) {
				r.t.Errorf("side %d result lacks %q:\n%s", i, want, text)
			}
		}
		if w.result.res == nil || !w.result.res.OK {
			r.t.Errorf("side %d result not OK: %+v", i, w.result.res)
		}
		if n := len(r.sims[i].Servers()); n != 1 {
			r.t.Errorf("side %d MISP has %d server entries, want 1", i, n)
		}
		if ps := r.sides[i].Store.Snapshot().Partners; len(ps) != 1 || ps[0].Org.Name != other {
			r.t.Errorf("side %d store has partners %+v, want one: %s", i, ps, other)
		}
		if strings.Contains(text, r.sims[i].AdminKey()) || strings.Contains(text, r.sims[1-i].AdminKey()) {
			r.t.Errorf("side %d shows an authkey", i)
		}
	}
}

func TestWizardPairsByPastedCodes(t *testing.T) {
	r := newRig(t)
	// A's profile says how A wants to be notified: it travels to B.
	if err := r.sides[0].Store.Update(func(d *store.Data) error {
		p, _ := d.Profile(r.sides[0].ProfileID)
		p.Notifications = &pairing.NotificationSettings{Version: "1.0", Emails: []pairing.NotificationEmail{{Address: "soc@org-a.example"}}, Formats: []string{"MISP"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.openRemote()
	if !strings.Contains(r.text(0), "Partner elsewhere") || !strings.Contains(r.text(0), "Same organisation") {
		t.Fatalf("Prepare lacks choices:\n%s", r.text(0))
	}
	r.start()
	if !strings.Contains(r.text(0), "over the phone") && !strings.Contains(r.text(0), "Call each other") {
		t.Errorf("remote mode does not say to compare the codes by phone:\n%s", r.text(0))
	}
	r.waitForSAS()
	r.confirmBoth()
	r.waitForResults()
	r.until("both partners' results", func() bool {
		return r.wizards[0].result.res.PartnerDone != nil && r.wizards[1].result.res.PartnerDone != nil
	})
	r.checkPaired()
	if ps := r.sides[1].Store.Snapshot().Partners; len(ps) != 1 || ps[0].NotificationSettings == nil {
		t.Errorf("B's record of A lacks A's notification settings: %+v", ps)
	}
	if !strings.Contains(r.text(1), "soc@org-a.example") {
		t.Errorf("B's result does not show A's notification address:\n%s", r.text(1))
	}
}

func TestWizardPairsThroughVirtualCameras(t *testing.T) {
	r := newRig(t)
	r.wizards = openDemoWindowsWith(r.app, r.sides, nil, wizardOptions{ui: r.q.do})
	for i, want := range []string{"Org A — DEMO", "Org B — DEMO"} {
		if got := r.wizards[i].window.Title(); got != want {
			t.Errorf("window %d title %q, want %q", i, got, want)
		}
		if !strings.Contains(r.text(i), "DEMO — two simulated MISPs") {
			t.Errorf("window %d has no demo banner:\n%s", i, r.text(i))
		}
	}
	r.start()
	r.waitForSAS()
	// Nothing is written before both confirmed.
	for i, sim := range r.sims {
		if len(sim.Servers()) != 0 || len(sim.Orgs()) != 1 {
			t.Fatalf("side %d MISP changed before the codes were confirmed", i)
		}
	}
	r.confirmBoth()
	r.waitForResults()
	r.checkPaired()
}

func TestWizardCancelBeforeConfirmWritesNothing(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	r.waitForSAS()
	tapButton(t, r.wizards[0].window.Content(), "Cancel pairing")
	r.until("both to stop", func() bool { return r.wizards[0].result != nil && r.wizards[1].result != nil })
	if text := r.text(0); !strings.Contains(text, "Nothing was written to our MISP") || !strings.Contains(text, "The pairing stopped") {
		t.Errorf("A does not say nothing was written:\n%s", text)
	}
	if text := r.text(1); !strings.Contains(text, "Your partner stopped the pairing") {
		t.Errorf("B does not say the partner stopped:\n%s", text)
	}
	for i, sim := range r.sims {
		if len(sim.Servers()) != 0 || len(sim.Orgs()) != 1 || len(sim.Users()) != 1 {
			t.Errorf("side %d MISP was written to: %d servers, %d orgs, %d users", i, len(sim.Servers()), len(sim.Orgs()), len(sim.Users()))
		}
	}
}

func TestWizardCancelAfterConfirmSaysWhatWasWritten(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	// B's MISP is slow to make A's sync user, so B's key for A is late and
	// A, its own MISP set up, waits for it.
	r.sims[1].InjectFault(mispsim.Fault{Kind: mispsim.FaultSlow, Method: "POST", PathPrefix: "/admin/users/add", Delay: 5 * time.Second})
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.until("A to wait for the partner's key", func() bool {
		return r.wizards[0].exchange.stage == session.StageWaitingForPartnerKey
	})
	if !strings.Contains(r.text(0), "The partner's organisation on our MISP") {
		t.Errorf("A does not show the MISP steps:\n%s", r.text(0))
	}
	tapButton(t, r.wizards[0].window.Content(), "Cancel pairing")
	r.until("A to stop", func() bool { return r.wizards[0].result != nil })
	text := r.text(0)
	for _, want := range []string{"The pairing stopped", "Organisation", "Sync user", "created"} {
		if !strings.Contains(text, want) {
			t.Errorf("A's result lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Nothing was written") {
		t.Errorf("A says nothing was written, but it created the org and the user:\n%s", text)
	}
}

func TestWizardResumeCases(t *testing.T) {
	storetest.UseCheapKeyDerivation(t)
	a := test.NewTempApp(t)
	q := &uiQueue{}
	st, _ := storetest.New(t)
	v := &vault{store: st}
	base := store.PendingPairing{ID: "pp1", ProfileID: "prof", StartedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Partner:   store.Partner{Org: store.PartnerOrg{Name: "ACME CERT"}, OnOurMISP: store.OnOurMISP{Org: store.ObjectRef{ID: "7", Outcome: store.Created}}},
		StepsDone: []string{session.StepOrg, session.StepSyncUser, session.StepKey}}
	withCreds := base
	withCreds.Creds = &store.PartnerCreds{SyncAuthkey: strings.Repeat("k", 40), SyncUserEmail: "sync@x.test"}

	login := wizardLogin{login: &misp.LoginInfo{AnnounceURL: "https://misp.example.org"}}
	for _, c := range []struct {
		name         string
		pending      store.PendingPairing
		want, button string
		wantCase     session.Resume
		notWant      string
	}{
		{"finish alone", withCreds, "can finish alone", "Finish now", session.ResumeFinishAlone, "never arrived"},
		{"new session", base, "The partner's key never arrived", "Start the exchange", session.ResumeNewSession, "Finish now"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := session.ResumeCase(c.pending); got != c.wantCase {
				t.Fatalf("case %v, want %v", got, c.wantCase)
			}
			pp := c.pending
			w := openWizard(a, v, login, &pp, wizardOptions{ui: q.do})
			defer w.close()
			text := visibleTexts(w.window.Content())
			for _, want := range []string{"Resuming the pairing with ACME CERT", c.want} {
				if !strings.Contains(text, want) {
					t.Errorf("lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, c.notWant) || strings.Contains(text, pp.Partner.Org.UUID+"kkkk") {
				t.Errorf("shows %q:\n%s", c.notWant, text)
			}
			tapButtonExists(t, w.window.Content(), c.button)
			if strings.Contains(text, strings.Repeat("k", 40)) {
				t.Error("the partner's key is on screen")
			}
		})
	}
}

// tapButtonExists fails unless a button labelled text is on screen.
func tapButtonExists(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	if !strings.Contains(buttonsOf(o), "|"+text+"|") {
		t.Errorf("no button %q; buttons: %s", text, buttonsOf(o))
	}
}

// buttonsOf lists the buttons' labels under o as "|a|b|".
func buttonsOf(o fyne.CanvasObject) string {
	var b strings.Builder
	b.WriteString("|")
	for _, obj := range test.LaidOutObjects(o) {
		if btn, ok := obj.(*widget.Button); ok {
			b.WriteString(btn.Text + "|")
		}
	}
	return b.String()
}

func TestWizardResumeFinishAlone(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	// A's server entry cannot be saved: A fails after B's key arrived and
	// keeps a pending pairing that can finish alone.
	remove := r.sims[0].InjectFault(mispsim.Fault{Kind: mispsim.FaultStatus500, Method: "POST", PathPrefix: "/servers/add"})
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.until("A to fail", func() bool { return r.wizards[0].result != nil })
	if text := r.text(0); !strings.Contains(text, "failed") {
		t.Fatalf("A does not say it failed:\n%s", text)
	}
	remove()
	pending := r.sides[0].Store.Snapshot().Pending
	if len(pending) != 1 || session.ResumeCase(pending[0]) != session.ResumeFinishAlone {
		t.Fatalf("pending pairings %+v, want one that can finish alone", pending)
	}
	v := &vault{store: r.sides[0].Store}
	w := openWizard(r.app, v, wizardLoginFor(v, r.sides[0].ProfileID, r.sides[0].Client, r.sides[0].Login), &pending[0], wizardOptions{ui: r.q.do})
	defer w.close()
	tapButton(t, w.window.Content(), "Finish now")
	deadline := time.Now().Add(time.Minute)
	for w.result == nil && time.Now().Before(deadline) {
		r.q.pump()
		time.Sleep(20 * time.Millisecond)
	}
	text := visibleTexts(w.window.Content())
	if !strings.Contains(text, "Paired with Org B") {
		t.Fatalf("finishing alone did not pair:\n%s", text)
	}
	if n := len(r.sims[0].Servers()); n != 1 {
		t.Errorf("A has %d server entries, want 1", n)
	}
}

func TestQRViewDrawsPixelForPixelAndCycles(t *testing.T) {
	test.NewTempApp(t)
	q := newQRView(time.Second)
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }
	w := test.NewWindow(q)
	defer w.Close()
	w.Resize(fyne.NewSize(500, 540))

	q.setFrames(nil, "Your partner has everything for now.")
	if q.drawn() != nil || !strings.Contains(textsOf(q), "Your partner has everything for now.") {
		t.Fatalf("an empty display shows no message:\n%s", textsOf(q))
	}

	frames := []string{"MB1:FIRST PART", "MB1:SECOND PART", "MB1:THIRD PART"}
	q.setFrames(frames, "")
	img := q.drawn()
	if img == nil {
		t.Fatal("no code drawn")
	}
	side := int(q.side * w.Canvas().Scale())
	if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
		t.Errorf("code drawn at %v, want %d×%d device pixels", b, side, side)
	}
	if g, ok := img.(*image.Gray); ok {
		for _, p := range g.Pix {
			if p != 0 && p != 255 {
				t.Fatalf("pixel gray level %d: the code is not pure black on white", p)
			}
		}
	}
	if !strings.Contains(textsOf(q), "part 1 of 3") {
		t.Errorf("caption:\n%s", textsOf(q))
	}
	now = now.Add(1500 * time.Millisecond)
	q.tick()
	if q.shown() != frames[1] || !strings.Contains(textsOf(q), "part 2 of 3") {
		t.Errorf("after 1.5 s shows %q, caption:\n%s", q.shown(), textsOf(q))
	}
}

func TestWizardWindowCloseStopsCameraAndSession(t *testing.T) {
	r := newRig(t)
	r.wizards = openDemoWindowsWith(r.app, r.sides, nil, wizardOptions{ui: r.q.do})
	r.start()
	ours := func() []string {
		var found []string
		for _, g := range goroutineStacks() {
			for _, f := range []string{"ui.(*cameraPanel).run", "camera.(*Reader)", "ui.(*exchangeStep).startTicker", "session.(*engine)"} {
				if strings.Contains(g, f) {
					found = append(found, f)
				}
			}
		}
		return found
	}
	if len(ours()) == 0 {
		t.Fatal("no camera or session goroutine is running while the windows are open")
	}
	for _, w := range r.wizards {
		w.window.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ours()) > 0 && time.Now().Before(deadline) {
		r.q.pump()
		time.Sleep(20 * time.Millisecond)
	}
	if left := ours(); len(left) > 0 {
		t.Errorf("still running after the windows closed: %v", left)
	}
}

// goroutineStacks returns the stack of every goroutine.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func TestWizardRejectStopsBothAndWritesNothing(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	r.waitForSAS()
	tapButton(t, r.wizards[1].window.Content(), "Codes match — Confirm (Enter)")
	tapButton(t, r.wizards[0].window.Content(), "Codes differ")
	r.until("both to stop", func() bool { return r.wizards[0].result != nil && r.wizards[1].result != nil })
	for i, sim := range r.sims {
		if !strings.Contains(r.text(i), "Nothing was written to our MISP") {
			t.Errorf("side %d does not say nothing was written:\n%s", i, r.text(i))
		}
		if len(sim.Servers()) != 0 || len(sim.Orgs()) != 1 || len(sim.Users()) != 1 {
			t.Errorf("side %d MISP was written to", i)
		}
	}
}

func TestWizardCameraPickerErrorsAndChoice(t *testing.T) {
	r := newRig(t)
	side := r.sides[0]
	v := &vault{store: side.Store}
	var mu sync.Mutex
	var opened []string
	opts := wizardOptions{ui: r.q.do,
		listCameras: func() ([]choice, error) {
			return []choice{{"/dev/video0", "Busy Cam"}, {"/dev/video2", "Good Cam"}}, nil
		},
		openCamera: func(path string) (camera.Source, error) {
			mu.Lock()
			opened = append(opened, path)
			mu.Unlock()
			if path == "/dev/video0" {
				return nil, &camera.Error{Kind: camera.Busy, Device: path}
			}
			return camera.NewVirtual(func() image.Image { return nil }, 10), nil
		},
	}
	w := openWizard(r.app, v, wizardLoginFor(v, side.ProfileID, side.Client, side.Login), nil, opts)
	r.wizards[0] = w
	tapButton(t, w.window.Content(), "Start the exchange")
	r.until("the busy camera's message", func() bool {
		return w.exchange != nil && strings.Contains(visibleTexts(w.window.Content()), "paste it as text")
	})
	text := visibleTexts(w.window.Content())
	if !strings.Contains(text, "another application") && !strings.Contains(text, "busy") {
		t.Errorf("the busy camera is not explained:\n%s", text)
	}
	for _, b := range []string{"[Paste code…]", "[Open image…]", "[Copy my code]"} {
		if !strings.Contains(text, b) {
			t.Errorf("fallback %s missing:\n%s", b, text)
		}
	}
	w.exchange.cam.picker.SetSelected("Good Cam")
	r.until("the choice to be remembered", func() bool {
		return side.Store.Snapshot().Preferences.CameraDevice == "/dev/video2" && w.exchange.cam.message.Hidden
	})
	mu.Lock()
	defer mu.Unlock()
	if len(opened) != 2 || opened[1] != "/dev/video2" {
		t.Errorf("opened %v", opened)
	}
}

func TestCameraErrorText(t *testing.T) {
	msg := cameraErrorText(&camera.Error{Kind: camera.PermissionDenied, Device: "/dev/video0"})
	for _, want := range []string{"video group", "paste it as text"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

func TestNewDemoSides(t *testing.T) {
	storetest.UseCheapKeyDerivation(t)
	sides, cleanup, err := session.StartDemo(context.Background())
	if err != nil {
		cleanup()
		t.Fatal(err)
	}
	dir := filepath.Dir(filepath.Dir(filepath.Dir(sides[0].Store.File())))
	for i, s := range sides {
		if s.Login == nil || s.Login.HostOrg.Name == "" || s.Store == nil || s.ProfileID == "" {
			t.Errorf("side %d not ready: %+v", i, s)
			continue
		}
		snap := s.Store.Snapshot()
		if _, ok := snap.Profile(s.ProfileID); !ok {
			t.Errorf("side %d store has no profile for its MISP", i)
		}
	}
	if sides[0].Login.HostOrg.UUID == sides[1].Login.HostOrg.UUID {
		t.Error("both simulators run the same organisation")
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the demo folder %s is still there after cleanup (%v)", dir, err)
	}
}

func TestWizardPartnerRestarted(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	first := r.waitForSAS()
	// B's window closes and B starts again in a new one: A sees a new code
	// from its partner and offers to start again.
	r.wizards[1].close()
	<-r.wizards[1].sessionDone()
	side := r.sides[1]
	c := side.Choices
	c.Remote = true
	v := &vault{store: side.Store}
	r.wizards[1] = openWizard(r.app, v, wizardLoginFor(v, side.ProfileID, side.Client, side.Login), nil, wizardOptions{choices: &c, ui: r.q.do})
	tapButton(t, r.wizards[1].window.Content(), "Start the exchange")
	r.until("A to see the restart", func() bool { return r.wizards[0].exchange.stage == session.StagePartnerRestarted })
	if text := r.text(0); !strings.Contains(text, "Your partner started again") || strings.Contains(text, "Codes match") {
		t.Errorf("A does not offer to start again (or still offers the old codes):\n%s", text)
	}
	tapButton(t, r.wizards[0].window.Content(), "Start again with a new code")
	second := r.waitForSAS()
	if second == first {
		t.Errorf("the codes after the restart are the old ones: %s", second)
	}
	r.confirmBoth()
	r.waitForResults()
	r.checkPaired()
}

func TestWizardAsksBeforeClosingAConfirmedPairing(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	r.waitForSAS()
	a := r.wizards[0]
	r.confirmBoth()
	a.onCloseRequest()
	if a.closed || !strings.Contains(overlayText(a.window), "Stop the pairing?") {
		t.Fatalf("closing after the confirm did not ask (closed %v); overlay:\n%s", a.closed, overlayText(a.window))
	}
	a.window.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if overlayText(a.window) != "" || a.closed {
		t.Fatalf("Escape did not dismiss the question (closed %v)", a.closed)
	}
	r.waitForResults()
	a.onCloseRequest() // finished: closes at once
	if !a.closed {
		t.Error("closing a finished pairing asked again")
	}
}

func TestWizardPasteRefusedInWords(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.relay = [2]bool{}
	r.start()
	a := r.wizards[0]
	a.exchange.cam.paste("   ")
	if text := r.text(0); !strings.Contains(text, "Nothing was pasted") {
		t.Errorf("an empty paste is not explained:\n%s", text)
	}
	a.exchange.cam.paste("MB1:THIS IS NOT A FRAME")
	r.until("the refused code's warning", func() bool { return !strings.Contains(r.text(0), "Read the pasted code") })
	if text := r.text(0); a.exchange.problem.Visible() || a.exchange.cam.fallback.Importance != widget.DangerImportance || strings.Count(text, a.exchange.cam.fallback.Text) != 1 {
		t.Errorf("the refusal should replace \"Read the pasted code.\", once, as an error; shows:\n%s", text)
	}
	if a.exchange.stage != session.StageWaitingForPartner {
		t.Errorf("a refused code moved the pairing to %v", a.exchange.stage)
	}
}

func TestWizardResultShowsPartnerPGPKey(t *testing.T) {
	rec, err := os.ReadFile("../testdata/misp-recordings/61-gpg-asc-B.json")
	if err != nil {
		t.Fatal(err)
	}
	var recording struct {
		Response struct {
			Body string `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(rec, &recording); err != nil || !strings.Contains(recording.Response.Body, "BEGIN PGP PUBLIC KEY") {
		t.Fatalf("recording 61 holds no key (%v)", err)
	}
	key, err := protected.ParseKey(recording.Response.Body, "recording 61")
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, func(i int, c *mispsim.Config) {
		if i == 1 {
			c.GPGKeyArmored = recording.Response.Body
		}
	})
	r.openRemote()
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.waitForResults()
	text := r.text(0)
	if !strings.Contains(text, protected.FormatFingerprint(key.Fingerprint)) {
		t.Errorf("A's result does not show B's key fingerprint %s:\n%s", protected.FormatFingerprint(key.Fingerprint), text)
	}
	if !strings.Contains(r.text(1), "Partner's instance key") || !strings.Contains(r.text(1), "none") {
		t.Errorf("B's result does not say A has no instance key:\n%s", r.text(1))
	}
}

// TestWizardStartUsesTheKeyReadAtLogin: with our instance key already read
// at login, Start sends no second /gpg.asc request; without it, Start reads
// the key itself. Either way the key reaches the Exchange step.
func TestWizardStartUsesTheKeyReadAtLogin(t *testing.T) {
	for _, known := range []bool{true, false} {
		r := newRigWith(t, func(i int, c *mispsim.Config) { c.GPGKeyArmored = protected.DemoKey(i) })
		side := r.sides[0]
		v := &vault{store: side.Store}
		key, err := protected.ParseKey(protected.DemoKey(0), "test")
		if err != nil {
			t.Fatal(err)
		}
		login := wizardLoginFor(v, side.ProfileID, side.Client, side.Login)
		login.knownOwnKey = func() *protected.Key {
			if known {
				return key
			}
			return nil // the login's read has not finished
		}
		before := r.sims[0].RequestCount("GET", "/gpg.asc")
		w := openWizard(r.app, v, login, nil, wizardOptions{ui: r.q.do,
			listCameras: func() ([]choice, error) { return nil, nil }})
		r.wizards[0] = w
		tapButton(t, w.window.Content(), "Start the exchange")
		r.until("the Exchange step", func() bool { return w.exchange != nil && w.session != nil })
		if w.exchange.ownKey == nil || w.exchange.ownKey.Fingerprint != key.Fingerprint {
			t.Errorf("known %v: the Exchange step has key %v, want %s", known, w.exchange.ownKey, key.Fingerprint)
		}
		want := 1
		if known {
			want = 0
		}
		if got := r.sims[0].RequestCount("GET", "/gpg.asc") - before; got != want {
			t.Errorf("known %v: Start sent %d requests for /gpg.asc, want %d", known, got, want)
		}
	}
}

// remoteBanned are face-to-face words that must not show in remote mode.
var remoteBanned = []string{"in view of their camera", "facing each other", "went out", "for your partner's camera", "Point the screens"}

// pairByButtons runs a remote pairing the way two admins would: each
// watches its window and, when it says there is a new code to send, hands
// it over with send (through the real buttons, the clipboard or PNG
// files); each confirms the codes with its button. It checks on the way
// that the windows say whose turn it is in remote words, that a "copied"
// or "saved" note goes once the code changes, and that the count of
// exchanges left ends at none.
func (r *rig) pairByButtons(send func(from int)) {
	r.t.Helper()
	r.relay = [2]bool{}
	r.start()
	for i := range r.wizards {
		if text := r.text(i); !strings.Contains(text, "Exchanges left: 5 of 5") {
			r.t.Errorf("side %d does not count the exchanges at the start:\n%s", i, text)
		}
	}
	var sentFrames [2][]string
	confirmed := [2]bool{}
	sends := 0
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r.q.pump()
		both := true
		for _, w := range r.wizards {
			both = both && w.result != nil && w.result.res.PartnerDone != nil
		}
		if both {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the pairing did not finish through the buttons; A shows:\n%s\nB shows:\n%s", r.text(0), r.text(1))
		}
		for i, w := range r.wizards {
			text := r.text(i)
			for _, banned := range remoteBanned {
				if strings.Contains(text, banned) {
					r.t.Fatalf("side %d says %q in remote mode:\n%s", i, banned, text)
				}
			}
			if sentFrames[i] != nil && !slices.Equal(sentFrames[i], w.exchange.frames) &&
				(strings.Contains(text, "Copied our code") || strings.Contains(text, "Saved ")) && !strings.Contains(text, "Our code has changed since") {
				r.t.Fatalf("side %d still says its code was copied or saved after the code changed:\n%s", i, text)
			}
			if strings.Contains(text, "New code — send it now") {
				sentFrames[i] = slices.Clone(w.exchange.frames)
				send(i)
				sends++
				if text := r.text(i); strings.Contains(text, "New code — send it now") && slices.Equal(sentFrames[i], w.exchange.frames) {
					r.t.Fatalf("side %d still says send now after sending:\n%s", i, text)
				}
			}
			if !confirmed[i] && w.exchange.stage == session.StageCompareSAS && w.exchange.sas != "" && w.exchange.sas == r.wizards[1-i].exchange.sas {
				if !strings.Contains(text, "compare the codes") && !strings.Contains(text, "Compare the code") {
					r.t.Errorf("side %d at the codes does not say to compare them:\n%s", i, text)
				}
				tapButton(r.t, w.window.Content(), "Codes match — Confirm (Enter)")
				confirmed[i] = true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.q.pump()
	r.checkPaired()
	for i := range r.wizards {
		text := r.text(i)
		for _, want := range []string{"[Copy my code]", "[Save as PNG…]", "[Paste code…]", "[Open image…]", "pairing is complete"} {
			if !strings.Contains(text, want) {
				r.t.Errorf("side %d's result lacks %q:\n%s", i, want, text)
			}
		}
		if strings.Contains(text, "Exchanges left") || strings.Contains(text, "not received") {
			r.t.Errorf("side %d still waits at the end:\n%s", i, text)
		}
	}
	if sends > 2*session.Exchanges {
		r.t.Errorf("%d codes sent, want at most %d", sends, 2*session.Exchanges)
	}
}

// TestWizardPairsRemotelyThroughButtonsAndClipboard: two wizards pair
// only through "Copy my code", the clipboard and "Paste code…" with its
// dialog, up to both results (the Result step keeps the buttons).
func TestWizardPairsRemotelyThroughButtonsAndClipboard(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.pairByButtons(func(from int) {
		to := r.wizards[1-from]
		tapButton(t, r.wizards[from].window.Content(), "Copy my code")
		text := r.app.Clipboard().Content()
		if !strings.HasPrefix(text, "mispbump1.") {
			t.Fatalf("the clipboard holds %q, not our code", text)
		}
		tapButton(t, to.window.Content(), "Paste code…")
		top := to.window.Canvas().Overlays().Top()
		if top == nil {
			t.Fatalf("no paste dialog on side %d", 1-from)
		}
		var entry *escEntry
		for _, o := range test.LaidOutObjects(top) {
			if e, ok := o.(*escEntry); ok {
				entry = e
			}
		}
		if entry == nil {
			t.Fatalf("the paste dialog on side %d has no entry:\n%s", 1-from, textsOf(top))
		}
		test.Type(entry, text)
		tapButton(t, top, "Read it (Ctrl+Enter)")
	})
}

// TestWizardPairsRemotelyThroughPNGFiles: the same through saved and opened
// PNG files (the file dialogs are bypassed; their callbacks' functions
// write and read real files).
func TestWizardPairsRemotelyThroughPNGFiles(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	dir := t.TempDir()
	n := 0
	r.pairByButtons(func(from int) {
		n++
		sub := filepath.Join(dir, strconv.Itoa(n))
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		w, to := r.wizards[from], r.wizards[1-from]
		// The note of the previous save says "Saved" too: clear it, so the
		// wait below is for this save's files.
		w.exchange.cam.note("Saving…", widget.MediumImportance)
		w.exchange.cam.saveTo(filepath.Join(sub, "code.png"), slices.Clone(w.exchange.frames))
		r.until("the code to be saved", func() bool { return strings.Contains(r.text(from), "Saved ") })
		files, _ := filepath.Glob(filepath.Join(sub, "*.png"))
		if len(files) == 0 {
			t.Fatalf("no PNG written in %s", sub)
		}
		for _, f := range files {
			to.exchange.cam.openImage(f)
			r.until("the image to be read", func() bool { return strings.Contains(r.text(1-from), "Read the code in "+filepath.Base(f)) })
		}
	})
}

// TestWizardShowsTheServerEntryAsMISPHasIt: on a re-pairing, the existing
// entry (push switched on in MISP since) keeps its settings under "update
// its key only"; the result and the partner's details say push and pull,
// as read back from MISP, and that the existing settings were kept.
func TestWizardShowsTheServerEntryAsMISPHasIt(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.waitForResults()
	if text := r.text(0); !strings.Contains(text, "pull only (as MISP has it)") || strings.Contains(text, "already had a server entry") {
		t.Errorf("A's first result does not say the new entry pulls only:\n%s", text)
	}
	servers := r.sims[0].Servers()
	if len(servers) != 1 {
		t.Fatalf("A has %d server entries", len(servers))
	}
	yes := true
	if _, err := r.sides[0].Client.EditServer(context.Background(), misp.ID(strconv.Itoa(servers[0].ID)), misp.ServerChanges{Push: &yes}); err != nil {
		t.Fatal(err)
	}
	for i, w := range r.wizards {
		w.close()
		<-w.sessionDone()
		r.wizards[i] = nil
	}
	r.q.pump()

	r.openRemote()
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	// A re-pairing: each side pauses until its admin says the partner is
	// the organisation its MISP knows.
	r.until("both pauses", func() bool { return r.wizards[0].confirmPartner != nil && r.wizards[1].confirmPartner != nil })
	for i := range r.wizards {
		tapButton(t, r.wizards[i].window.Content(), "Yes, this is "+r.sides[1-i].Login.HostOrg.Name+": reuse")
	}
	r.waitForResults()
	text := r.text(0)
	for _, want := range []string{"push and pull (as MISP has it)", "Our MISP already had a server entry for this partner", "Settings kept",
		"push: none — pull: none", "plain http"} {
		if !strings.Contains(text, want) {
			t.Errorf("A's result after re-pairing lacks %q:\n%s", want, text)
		}
	}
	ps := r.sides[0].Store.Snapshot().Partners
	if len(ps) != 1 || ps[0].ServerSettings == nil || !ps[0].ServerSettings.KeptExisting || !ps[0].Push || !ps[0].Pull {
		t.Fatalf("A's record after re-pairing: %+v", ps)
	}
	p := ps[0]
	dir := t.TempDir()
	seedStore(t, dir, nil, []store.Partner{p})
	s := newTestShell(t, dir, testPassphrase)
	details := textsOf(newPartnerDetails(s, p).content())
	for _, want := range []string{"push and pull (as MISP has it)", "Settings kept"} {
		if !strings.Contains(details, want) {
			t.Errorf("the partner's details lack %q:\n%s", want, details)
		}
	}
	if strings.Contains(details, "pull only") {
		t.Errorf("the partner's details say pull only while MISP pushes:\n%s", details)
	}
}
