package pairing

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// chaos is a hostile channel: it shuffles, duplicates, drops, tampers,
// reflects and mixes in foreign frames.
type chaos struct {
	t       *testing.T
	rng     *rand.Rand
	foreign []string
}

func (c *chaos) frames(from, to *Side) []string {
	var out []string
	for _, q := range from.Display() {
		switch c.rng.IntN(10) {
		case 0: // dropped
			continue
		case 1: // duplicated, one copy in chat form
			out = append(out, q, ChatText(q))
		case 2: // tampered: a character of a sealed frame changed (clear frames
			// have no integrity of their own beyond QR error correction; a changed
			// KEY fails the commitment check, tested on its own)
			if !mustInspect(c.t, q).Sealed {
				out = append(out, q)
				continue
			}
			b := []byte(q)
			i := len(qrPrefix) + c.rng.IntN(len(b)-len(qrPrefix))
			b[i] = base45Alphabet[(strings.IndexByte(base45Alphabet, b[i])+1+c.rng.IntN(44))%45]
			out = append(out, string(b))
		default:
			out = append(out, q)
		}
	}
	// Reflection: the receiver's own frames come back.
	for _, q := range to.Display() {
		if c.rng.IntN(3) == 0 {
			out = append(out, q)
		}
	}
	if c.rng.IntN(3) == 0 {
		out = append(out, c.foreign[c.rng.IntN(len(c.foreign))])
	}
	c.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func acceptable(err error) bool {
	for _, ok := range []error{ErrTampered, ErrDamaged, ErrNotMISPbump, ErrOtherPairing} {
		if errors.Is(err, ok) {
			return true
		}
	}
	return false
}

func TestTwoSidesCompleteOverHostileChannel(t *testing.T) {
	// Foreign frames: a poster, and sealed frames of another pairing.
	c, d := newSide(t, "carol"), newSide(t, "dave")
	toKeys(t, c, d)
	c.Confirm(testInfo("C"))
	foreign := append([]string{"WIFI:S:guest;T:WPA;P:hunter2;;", "HELLO WORLD"}, c.out[RoundInfo][0].qr, ChatText(c.out[RoundInfo][0].qr))

	for seed := uint64(0); seed < 40; seed++ {
		ch := &chaos{t: t, rng: rand.New(rand.NewPCG(seed, 1)), foreign: foreign}
		a, b := newSide(t, "alice"), newSide(t, "bob")
		var steps int
		for steps = 0; steps < 400 && !finished(a, b); steps++ {
			from, to, info, name := a, b, testInfo("B"), "b"
			if steps%2 == 1 {
				from, to, info, name = b, a, testInfo("A"), "a"
			}
			if ch.rng.IntN(4) == 0 {
				react(t, to, info, name)
				continue // this side's camera saw nothing this time
			}
			for _, q := range ch.frames(from, to) {
				if _, err := to.Receive(q); err != nil && !acceptable(err) {
					t.Fatalf("seed %d: unexpected error %v", seed, err)
				}
			}
			react(t, to, info, name)
		}
		if !finished(a, b) {
			t.Fatalf("seed %d: not finished after %d steps: %v / %v", seed, steps, a.State(), b.State())
		}
		if a.keys.sas != b.keys.sas {
			t.Fatalf("seed %d: SAS differ", seed)
		}
		if got, _ := b.PartnerInfo(); got.InstanceUUID != testInfo("A").InstanceUUID {
			t.Fatalf("seed %d: wrong partner info", seed)
		}
	}
}

// relay is a man in the middle: it runs one Side towards each victim and
// forwards nothing of theirs.
func TestManInTheMiddleSASDiffers(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	mA, mB := newSide(t, "mallory-a"), newSide(t, "mallory-b")
	toKeys(t, a, mA)
	toKeys(t, mB, b)
	if a.keys.sas == b.keys.sas {
		t.Fatalf("SAS equal under a man in the middle: %s", a.keys.sas)
	}
	if a.keys.sas != mA.keys.sas || b.keys.sas != mB.keys.sas {
		t.Fatal("each leg should agree with Mallory")
	}
	// Mallory forwarding the real COMMITs but substituting her KEY fails the commitment check.
	a2, b2 := newSide(t, "alice2"), newSide(t, "bob2")
	deliver(t, b2, a2) // a2 holds b2's COMMIT
	mKey := *newSide(t, "mallory").ownKey
	if _, err := a2.Receive(qrOf(&mKey)); !errors.Is(err, ErrCommitment) {
		t.Fatalf("substituted KEY: %v", err)
	}
}

func TestFramesFitQRVersion10M(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	a.Confirm(bigInfo("A"))
	var longest string
	all := append(a.Display(), qrOf(&frame{round: RoundCommit, commitment: a.ownCommit}))
	for _, q := range all {
		if len(q) > len(longest) {
			longest = q
		}
		if len(q) > MaxQRTextLen {
			t.Fatalf("QR text of %d characters", len(q))
		}
	}
	if len(longest) != 310 {
		t.Fatalf("a full INFO part should be 310 characters, is %d", len(longest))
	}
	code, err := qrcode.New(longest, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	if code.VersionNumber > 10 {
		t.Fatalf("QR version %d > 10", code.VersionNumber)
	}
	t.Logf("INFO with a 3 KB PGP key and a certificate: %d parts, QR version %d", len(a.out[RoundInfo]), code.VersionNumber)
}

func TestInspect(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	toKeys(t, a, b)
	a.Confirm(bigInfo("A"))
	parts := a.out[RoundInfo]
	fi, err := Inspect(ChatText(parts[2].qr))
	if err != nil || fi.Round != RoundInfo || !fi.Sealed || fi.Part != 3 || fi.Parts != len(parts) || fi.Form != FormChat {
		t.Fatalf("Inspect INFO part: %+v %v", fi, err)
	}
	if !strings.Contains(fi.String(), "part 3 of") {
		t.Fatal(fi.String())
	}
	fi, err = Inspect(a.Display()[0])
	if err != nil || fi.Round != RoundKey || fi.Sealed || fi.Form != FormQR {
		t.Fatalf("Inspect KEY: %+v %v", fi, err)
	}
	for text, want := range map[string]error{
		"":                               ErrNotMISPbump,
		"https://misp.example":           ErrNotMISPbump,
		"MB1:":                           ErrDamaged,
		"MB1:%69 VD92EX0":                ErrMalformed, // decodes, but "H" is no frame type
		"MB1:ZZZ":                        ErrDamaged,
		"MB9:AAAA":                       ErrNewerVersion,
		"mispbump1.AQID.AAAAAA":          ErrDamaged, // checksum
		"mispbump1.AQID":                 ErrDamaged,
		"mispbump1.AQ*D.AAAAAA":          ErrDamaged,
		"mispbump3.AQID.AAAAAA":          ErrNewerVersion,
		ChatText(parts[0].qr)[:40]:       ErrDamaged,
		parts[0].qr[:len(parts[0].qr)-2]: ErrDamaged,
	} {
		if _, err := Inspect(text); !errors.Is(err, want) {
			t.Errorf("Inspect(%.30q) = %v, want %v", text, err, want)
		}
	}
}
