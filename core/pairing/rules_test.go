package pairing

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// toKeys runs two sides until both show the SAS.
func toKeys(t *testing.T, a, b *Side) {
	t.Helper()
	for i := 0; i < 4 && (a.keys == nil || b.keys == nil); i++ {
		deliver(t, a, b)
		deliver(t, b, a)
	}
	if a.keys == nil || b.keys == nil {
		t.Fatal("keys not derived")
	}
}

func frameOf(t testing.TB, text string) *frame {
	t.Helper()
	bin, _, err := decodeText(text)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFrame(bin)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func qrOf(f *frame) string { return encodeQR(f.marshal()) }

// bigInfo has a 3 KB armored PGP key and a certificate: INFO in many parts.
func bigInfo(name string) Info {
	info := testInfo(name)
	key := make([]byte, 2300)
	(&detRand{seed: "pgp" + name}).Read(key)
	b64 := base64.StdEncoding.EncodeToString(key)
	var lines []string
	for len(b64) > 64 {
		lines = append(lines, b64[:64])
		b64 = b64[64:]
	}
	lines = append(lines, b64)
	info.PGPKey = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + strings.Join(lines, "\n") + "\n-----END PGP PUBLIC KEY BLOCK-----\n"
	info.PGPFingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
	cert := make([]byte, 900)
	(&detRand{seed: "cert" + name}).Read(cert)
	info.CertificatePEM = "-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString(cert) + "\n-----END CERTIFICATE-----\n"
	info.EgressAddresses = []string{"192.0.2.10", "2001:db8::10"}
	info.Notifications = &NotificationSettings{
		Emails:   []NotificationEmail{{Address: "cert@" + name + ".example", PGPFingerprint: "ABCD", Cc: true}},
		Formats:  []string{"MISP", "STIX"},
		Interval: "daily",
	}
	return info
}

func TestCommitmentChecked(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, b, a) // a holds b's COMMIT
	// Mallory shows a KEY that is well formed but not the one b committed to.
	m := newSide(t, "mallory")
	mkey := qrOf(m.ownKey)
	if _, err := a.Receive(mkey); !errors.Is(err, ErrCommitment) {
		t.Fatalf("KEY not matching the COMMIT: err = %v, want ErrCommitment", err)
	}
	if a.keys != nil {
		t.Fatal("keys derived from an uncommitted KEY")
	}
	// b's real KEY still works.
	deliver(t, a, b)
	if _, err := a.Receive(qrOf(b.ownKey)); err != nil || a.keys == nil {
		t.Fatalf("committed KEY: %v", err)
	}
}

func TestKeyBeforeCommitIsKept(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, a, b) // b shows COMMIT and KEY
	key := qrOf(b.ownKey)
	u, err := a.Receive(key)
	if err != nil || u.Ignored != IgnoredEarly {
		t.Fatalf("early KEY: %+v %v", u, err)
	}
	u, err = a.Receive(qrOf(&frame{round: RoundCommit, commitment: b.ownCommit}))
	if err != nil || u.Event != EventKeysReady {
		t.Fatalf("COMMIT after its KEY: %+v %v", u, err)
	}
}

func TestReflectionIgnored(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := a.Confirm(testInfo("A")); err != nil {
		t.Fatal(err)
	}
	own := append([]string{qrOf(&frame{round: RoundCommit, commitment: a.ownCommit})}, a.Display()...)
	for _, q := range own {
		for _, text := range []string{q, ChatText(q), "  " + q + "\n", strings.ToUpper(ChatText(q)[:10]) + ChatText(q)[10:]} {
			u, err := a.Receive(text)
			if err != nil || u.Ignored != IgnoredOwnFrame {
				t.Fatalf("own frame %v back as %.20q: %+v %v", mustInspect(t, q), text, u, err)
			}
		}
	}
	// A KEY carrying our key with another nonce, or our nonce with another key.
	k := *a.ownKey
	k.nonce[0] ^= 1
	if _, err := a.Receive(qrOf(&k)); !errors.Is(err, ErrOwnCode) {
		t.Fatalf("our key, other nonce: %v", err)
	}
	k = *a.ownKey
	k.pub = newSide(t, "x").ownKey.pub
	if _, err := a.Receive(qrOf(&k)); !errors.Is(err, ErrOwnCode) {
		t.Fatalf("our nonce, other key: %v", err)
	}
	if !strings.Contains(ErrOwnCode.Error(), "you are scanning your own code") {
		t.Fatal(ErrOwnCode.Error())
	}
}

func TestRestartOfferedAndFreshKeysTaken(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	oldPub, oldSAS := a.ownKey.pub, a.keys.sas
	oldBCommit := qrOf(&frame{round: RoundCommit, commitment: b.ownCommit})
	// b's admin starts again.
	if _, err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := rounds(t, b); got != "COMMIT" {
		t.Fatalf("b after restart shows %s", got)
	}
	u, err := a.Receive(b.Display()[0])
	if err != nil || u.Event != EventPartnerRestarted || a.State() != StatePartnerRestarted {
		t.Fatalf("new partner COMMIT: %+v %v state %v", u, err, a.State())
	}
	if _, err := a.Restart(); err != nil {
		t.Fatal(err)
	}
	if a.ownKey.pub == oldPub {
		t.Fatal("restart kept the revealed key")
	}
	if a.State() != StateKey || rounds(t, a) != "COMMIT,KEY" {
		t.Fatalf("a after restart: %v %s", a.State(), rounds(t, a))
	}
	// b's old COMMIT, still on its screen for a moment, is stale.
	if u, err := a.Receive(oldBCommit); err != nil || u.Ignored != IgnoredDuplicate {
		t.Fatalf("stale COMMIT: %+v %v", u, err)
	}
	// b sees a's new COMMIT: it is b's first after its restart, no new restart.
	deliver(t, a, b)
	if b.State() != StateCompare {
		t.Fatalf("b: %v", b.State())
	}
	deliver(t, b, a)
	if a.State() != StateCompare || a.keys.sas == oldSAS || a.keys.sas != b.keys.sas {
		t.Fatalf("a after restart: %v, SAS %s vs %s (old %s)", a.State(), a.keys.sas, b.keys.sas, oldSAS)
	}
}

func TestMoreThanOneCodeVisible(t *testing.T) {
	a, b, c := newSide(t, "alice"), newSide(t, "bob"), newSide(t, "carol")
	deliver(t, b, a)
	u, err := a.Receive(c.Display()[0])
	if err != nil || u.Event != EventPartnerRestarted {
		t.Fatalf("second COMMIT: %+v %v", u, err)
	}
	// b's code is still in view: two codes.
	if _, err := a.Receive(b.Display()[0]); !errors.Is(err, ErrMultipleCodes) {
		t.Fatalf("old and new COMMIT in view: %v", err)
	}
	d := newSide(t, "dave")
	if _, err := a.Receive(d.Display()[0]); !errors.Is(err, ErrMultipleCodes) {
		t.Fatalf("third COMMIT: %v", err)
	}
	if !strings.Contains(ErrMultipleCodes.Error(), "more than one MISPbump code is visible") {
		t.Fatal(ErrMultipleCodes.Error())
	}
}

func TestNoRestartAfterPartnerInfo(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := b.Confirm(testInfo("B")); err != nil {
		t.Fatal(err)
	}
	deliver(t, b, a)
	c := newSide(t, "carol")
	if _, err := a.Receive(c.Display()[0]); !errors.Is(err, ErrOtherPairing) {
		t.Fatalf("new COMMIT after partner INFO: %v", err)
	}
}

func TestTamperedPartRejectedAlone(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := b.Confirm(bigInfo("B")); err != nil {
		t.Fatal(err)
	}
	parts := b.out[RoundInfo]
	if len(parts) < 10 {
		t.Fatalf("INFO has only %d parts", len(parts))
	}
	f := frameOf(t, parts[3].qr)
	f.ciphertext[5] ^= 0x40
	if _, err := a.Receive(qrOf(f)); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered part: %v", err)
	}
	// A part moved to another place: AD binds the index.
	g := frameOf(t, parts[4].qr)
	g.part = 5
	if _, err := a.Receive(qrOf(g)); !errors.Is(err, ErrTampered) {
		t.Fatalf("moved part: %v", err)
	}
	var last Update
	for i, p := range parts {
		u, err := a.Receive(p.qr)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		last = u
	}
	if last.Event != EventPartnerInfo {
		t.Fatalf("last part: %+v", last)
	}
	got, _ := a.PartnerInfo()
	if got.PGPKey != bigInfo("B").PGPKey || got.Notifications.Formats[1] != "STIX" {
		t.Fatal("INFO did not survive the trip")
	}
}

func TestReplayIgnored(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := b.Confirm(testInfo("B")); err != nil {
		t.Fatal(err)
	}
	q := b.Display()[len(b.Display())-1]
	if _, err := a.Receive(q); err != nil {
		t.Fatal(err)
	}
	for _, again := range []string{q, ChatText(q)} {
		u, err := a.Receive(again)
		if err != nil || u.Ignored != IgnoredDuplicate {
			t.Fatalf("replay: %+v %v", u, err)
		}
	}
}

func TestWrongSessionNamed(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	c, d := newSide(t, "carol"), newSide(t, "dave")
	toKeys(t, c, d)
	if err := d.Confirm(testInfo("D")); err != nil {
		t.Fatal(err)
	}
	_, err := a.Receive(d.Display()[len(d.Display())-1])
	if !errors.Is(err, ErrOtherPairing) || !strings.Contains(err.Error(), "from another pairing") {
		t.Fatalf("frame of another pairing: %v", err)
	}
	if errors.Is(err, ErrTampered) {
		t.Fatal("another pairing reported as tampering")
	}
}

func TestSealedBeforeKeysIsEarly(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := b.Confirm(testInfo("B")); err != nil {
		t.Fatal(err)
	}
	fresh := newSide(t, "alice2")
	u, err := fresh.Receive(b.out[RoundInfo][0].qr)
	if err != nil || u.Ignored != IgnoredEarly {
		t.Fatalf("sealed frame before keys: %+v %v", u, err)
	}
}

func TestAbortBeforeKeys(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, b, a)
	if err := a.Abort(AbortCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if a.State() != StateAborted || len(a.Display()) != 0 {
		t.Fatalf("after cancel before keys: %v, display %d", a.State(), len(a.Display()))
	}
	if err := a.Confirm(testInfo("A")); !errors.Is(err, ErrEnded) {
		t.Fatalf("confirm after abort: %v", err)
	}
	if u, err := a.Receive(b.Display()[0]); err != nil || u.Ignored != IgnoredEnded {
		t.Fatalf("frame after abort: %+v %v", u, err)
	}
}

func TestAbortAfterKeys(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	if err := a.Reject(); err != nil {
		t.Fatal(err)
	}
	// b has shown nothing sealed yet, so a cannot know b read its KEY: the
	// KEY stays beside the ABORT.
	if rounds(t, a) != "KEY,ABORT" || !mustInspect(t, a.Display()[1]).Sealed {
		t.Fatalf("after reject a shows %s", rounds(t, a))
	}
	ups := deliver(t, a, b)
	if ups[1].Event != EventPartnerAbort || b.State() != StateAborted || len(b.Display()) != 0 {
		t.Fatalf("b on ABORT: %+v %v", ups, b.State())
	}
	ab, ok := b.PartnerAbort()
	if !ok || ab.Reason != AbortRejectedSAS {
		t.Fatalf("partner abort: %+v", ab)
	}
	if err := b.SendCreds(Creds{}); !errors.Is(err, ErrEnded) {
		t.Fatalf("creds after partner abort: %v", err)
	}
	// A forged ABORT (tampered) does not end a session.
	c, d := newSide(t, "carol"), newSide(t, "dave")
	toKeys(t, c, d)
	c.Abort(AbortCancelled, "bye")
	f := frameOf(t, c.Display()[1])
	f.ciphertext[0] ^= 1
	if _, err := d.Receive(qrOf(f)); !errors.Is(err, ErrTampered) || d.State() == StateAborted {
		t.Fatalf("forged ABORT: %v, state %v", err, d.State())
	}
}

// A partner that never read our KEY can still open our ABORT: the KEY stays
// on screen beside it, in front, and the partner derives the keys from it
// first. Once the partner shows a sealed frame (it holds our KEY) only the
// ABORT remains.
func TestAbortShowsKeyUntilAcknowledged(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, a, b) // b holds a's COMMIT and shows its KEY
	deliver(t, b, a) // a holds b's COMMIT and KEY: a has keys, b has not
	if a.keys == nil || b.keys != nil {
		t.Fatal("setup: a should hold keys and b not")
	}
	if err := a.Abort(AbortCancelled, "the admin cancelled"); err != nil {
		t.Fatal(err)
	}
	if got := rounds(t, a); got != "KEY,ABORT" {
		t.Fatalf("after the abort a shows %s, want KEY,ABORT", got)
	}
	// The camera reads the ABORT first: too early, then the KEY, then the ABORT again.
	disp := a.Display()
	if u, err := b.Receive(disp[1]); err != nil || u.Ignored != IgnoredEarly {
		t.Fatalf("ABORT before KEY: %+v %v", u, err)
	}
	if u, err := b.Receive(disp[0]); err != nil || u.Event != EventKeysReady {
		t.Fatalf("KEY: %+v %v", u, err)
	}
	u, err := b.Receive(disp[1])
	if err != nil || u.Event != EventPartnerAbort {
		t.Fatalf("ABORT after KEY: %+v %v", u, err)
	}
	if ab, ok := b.PartnerAbort(); !ok || ab.Reason != AbortCancelled || ab.Message != "the admin cancelled" {
		t.Fatalf("b's view of the abort: %+v %v", ab, ok)
	}

	// Acknowledged: c confirmed (its INFO is sealed, so it holds d's KEY);
	// d's ABORT then goes out alone, and a forged or foreign frame does not
	// count as an acknowledgement.
	c, d := newSide(t, "carol"), newSide(t, "dave")
	toKeys(t, c, d)
	if err := c.Confirm(testInfo("C")); err != nil {
		t.Fatal(err)
	}
	if err := d.Abort(AbortCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if got := rounds(t, d); got != "KEY,ABORT" {
		t.Fatalf("d before the acknowledgement shows %s", got)
	}
	info := frameOf(t, c.out[RoundInfo][0].qr)
	info.ciphertext[0] ^= 1
	if u, err := d.Receive(qrOf(info)); err != nil || u.Ignored != IgnoredEnded {
		t.Fatalf("tampered INFO after abort: %+v %v", u, err)
	}
	if got := rounds(t, d); got != "KEY,ABORT" {
		t.Fatalf("a tampered frame acknowledged the KEY: d shows %s", got)
	}
	for _, q := range c.Display() {
		if u, err := d.Receive(q); err != nil || u.Ignored != IgnoredEnded && u.Ignored != IgnoredDuplicate {
			t.Fatalf("c's frames after d's abort: %+v %v", u, err)
		}
	}
	if got := rounds(t, d); got != "ABORT" {
		t.Fatalf("after c's INFO d shows %s, want ABORT alone", got)
	}
}

func TestTimeout(t *testing.T) {
	for _, remote := range []bool{false, true} {
		clk := &clock{t: time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)}
		a, _ := New(Options{Rand: &detRand{seed: "alice"}, Now: clk.now, Remote: remote})
		b, _ := New(Options{Rand: &detRand{seed: "bob"}, Now: clk.now, Remote: remote})
		toKeys(t, a, b)
		limit := TimeoutFaceToFace
		if remote {
			limit = TimeoutRemote
		}
		if u := a.Tick(clk.t.Add(limit - time.Second)); u.Event != EventNone {
			t.Fatalf("remote=%v: expired early", remote)
		}
		if u := a.Tick(clk.t.Add(limit)); u.Event != EventTimeout || a.State() != StateAborted {
			t.Fatalf("remote=%v: no timeout: %+v", remote, u)
		}
		ups := deliver(t, a, b)
		ab, _ := b.PartnerAbort()
		if ups[len(ups)-1].Event != EventPartnerAbort || ab.Reason != AbortTimeout {
			t.Fatalf("remote=%v: partner sees %+v", remote, ab)
		}
	}
	// Before keys: the code vanishes.
	clk := &clock{t: time.Unix(0, 0)}
	a, _ := New(Options{Rand: &detRand{seed: "a"}, Now: clk.now})
	a.Tick(clk.t.Add(TimeoutFaceToFace))
	if a.State() != StateAborted || len(a.Display()) != 0 {
		t.Fatal("expiry before keys")
	}
}

func TestSealedOnceAndCountersIncrease(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	a.Confirm(bigInfo("A"))
	first := strings.Join(a.Display(), "\n")
	if again := strings.Join(a.Display(), "\n"); again != first {
		t.Fatal("display changed between calls: re-sealed?")
	}
	b.Confirm(testInfo("B"))
	deliver(t, b, a)
	a.SendCreds(Creds{SyncAuthkey: "k"})
	a.SendDone(Done{Status: 1})
	var last int64 = -1
	for _, r := range []Round{RoundInfo, RoundCreds, RoundDone} {
		for _, f := range a.out[r] {
			c := int64(frameOf(t, f.qr).counter)
			if c <= last {
				t.Fatalf("counter %d after %d", c, last)
			}
			last = c
		}
	}
}

func TestSameInstanceStops(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	a.Confirm(testInfo("A"))
	same := testInfo("B")
	same.InstanceUUID = strings.ToUpper(testInfo("A").InstanceUUID)
	b.Confirm(same)
	var err error
	for _, q := range b.Display() {
		if _, e := a.Receive(q); e != nil {
			err = e
		}
	}
	if !errors.Is(err, ErrSameInstance) || a.State() != StateAborted {
		t.Fatalf("same instance: %v, %v", err, a.State())
	}
	// Same organisation is fine only in explicit same-organisation mode on both sides.
	for _, internal := range []bool{false, true} {
		c, d := newSide(t, "carol"), newSide(t, "dave")
		toKeys(t, c, d)
		ic, id := testInfo("C"), testInfo("D")
		id.Org = ic.Org
		ic.Internal, id.Internal = internal, internal
		c.Confirm(ic)
		d.Confirm(id)
		var err error
		for _, q := range d.Display() {
			if _, e := c.Receive(q); e != nil {
				err = e
			}
		}
		if internal != (err == nil) {
			t.Fatalf("same org, internal=%v: %v", internal, err)
		}
	}
}

func TestForeignCodeReportedOnce(t *testing.T) {
	a := newSide(t, "alice")
	if _, err := a.Receive("https://example.org/badge/42"); !errors.Is(err, ErrNotMISPbump) {
		t.Fatalf("foreign code: %v", err)
	}
	for i := 0; i < 30; i++ {
		if u, err := a.Receive("https://example.org/badge/42"); err != nil || u.Ignored != IgnoredRepeat {
			t.Fatalf("repeat %d: %+v %v", i, u, err)
		}
	}
}

func TestReceiveAllPastedBundle(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	b.Confirm(bigInfo("B"))
	// A mail program wrapped the lines at 76 characters.
	var paste strings.Builder
	paste.WriteString("Hi, here are my codes:\n\n")
	for _, c := range b.ChatTexts() {
		for len(c) > 76 {
			paste.WriteString(c[:76] + "\r\n")
			c = c[76:]
		}
		paste.WriteString(c + "\n\n")
	}
	ups, errs := a.ReceiveAll(paste.String())
	if len(errs) != 0 { // the greeting before the first code is not a frame
		t.Fatalf("errors: %v", errs)
	}
	if ups[len(ups)-1].Event != EventPartnerInfo {
		t.Fatalf("last update %+v", ups[len(ups)-1])
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	a, _ := pair(t, "alice", "bob")
	c := Creds{SyncAuthkey: "SECRETAUTHKEY0123456789", SyncUserEmail: "s@x"}
	for _, s := range []string{c.String(), c.GoString(), fmtAll(c), fmtAll(a)} {
		if strings.Contains(s, "SECRETAUTHKEY") {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if s := fmtAll(a); strings.Contains(s, string(a.keys.keyLH)) || strings.Contains(s, "priv") {
		t.Fatalf("side printed internals: %s", s)
	}
}

func TestErrorsAreTypedAndWorded(t *testing.T) {
	_, err := Inspect("MB2:0000")
	var pe *Error
	if !errors.As(err, &pe) || pe.Kind != KindNewerVersion || !strings.Contains(err.Error(), "update the app") {
		t.Fatalf("newer frame format: %v", err)
	}
	if _, err := decodePayload(RoundInfo, []byte(`{"v":"2.0"}`)); !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("newer payload major: %v", err)
	}
	p, err := decodePayload(RoundDone, []byte(`{"v":"1.7","status":1,"shiny_new_field":[1,2]}`))
	if err != nil || p.(*Done).Status != 1 {
		t.Fatalf("newer minor with unknown fields: %v", err)
	}
	k := *newSide(t, "x").ownKey
	k.version = 2
	if _, err := Inspect(encodeQR(k.marshal())); !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("KEY version 2: %v", err)
	}
}

func TestConfirmRefusedAfterPartnerRestarted(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	b.Restart()
	deliver(t, b, a)
	if err := a.Confirm(testInfo("A")); !errors.Is(err, ErrNotNow) {
		t.Fatalf("confirm after partner restart: %v", err)
	}
	if len(a.out[RoundInfo]) != 0 {
		t.Fatal("INFO sealed under keys the partner dropped")
	}
}

func TestReceiveAllQRLines(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	b.Confirm(bigInfo("B"))
	ups, errs := a.ReceiveAll(strings.Join(b.Display(), "\n") + "\n")
	if len(errs) != 0 || ups[len(ups)-1].Event != EventPartnerInfo {
		t.Fatalf("QR lines: %v", errs)
	}
}

func TestNamesNeverPanic(t *testing.T) {
	for i := -1; i < 20; i++ {
		_ = State(i).String() + Event(i).String() + Ignored(i).String() + Round(i).String() + ErrorKind(i).String() + AbortReason(i).String()
	}
	if EventKeysReady.String() != "keys ready" || StateCompare.String() != "compare the codes" {
		t.Fatal("names shifted")
	}
}

// TestReceiveAllCaseChangingText holds splitFrames to offsets of the text it
// was given: lower-casing the whole paste turns each invalid byte into a
// three-byte U+FFFD and 'İ' into two runes, so offsets found in a lower-cased
// copy ran past the end of the original (the FuzzReceive crasher: six 0xEC
// bytes, then a code). A partner can paste any of these into chat.
func TestReceiveAllCaseChangingText(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	b.Confirm(bigInfo("B"))
	codes := strings.Join(b.ChatTexts(), "\n")
	shouting := strings.ToUpper(codes[:len(chatPrefix)]) + codes[len(chatPrefix):]
	for name, paste := range map[string]string{
		"fuzz crasher":        "\xec\xec\xec\xec\xec\xec" + "mispBump1.0",
		"invalid bytes first": "\xec\xec\xec\xec\xec\xec" + codes,
		"dotted capital I":    "İİİİ İİİİ " + codes,
		"Kelvin sign":         "\u212a\u212a\u212a " + codes,
		"upper-case prefix":   "İ\xff " + shouting,
	} {
		t.Run(name, func(t *testing.T) {
			a := keyedCopy(a)
			ups, errs := a.ReceiveAll(paste)
			for _, err := range errs {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("untyped error: %v", err)
				}
			}
			if name != "fuzz crasher" && (len(ups) == 0 || ups[len(ups)-1].Event != EventPartnerInfo) {
				t.Fatalf("codes after the noise not taken: %+v %v", ups, errs)
			}
		})
	}
}
