package pairing

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// detRand is a deterministic byte stream: SHA-256(seed || counter) blocks.
// It stands in for crypto/rand in vectors and tests.
type detRand struct {
	seed string
	n    uint64
	buf  []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.n)
			r.n++
			h := sha256.Sum256(append([]byte(r.seed), c[:]...))
			r.buf = h[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newSide(t testing.TB, seed string) *Side {
	t.Helper()
	s, err := New(Options{Rand: &detRand{seed: seed}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testInfo(name string) Info {
	return Info{
		Org:          Organisation{UUID: "5d6b1c53-0000-4000-8000-" + fill12(name), Name: "Org " + name},
		AdminEmail:   "admin@" + strings.ToLower(name) + ".example",
		URL:          "https://misp." + strings.ToLower(name) + ".example",
		InstanceUUID: "7c2a9a8e-0000-4000-8000-" + fill12(name),
		MISPVersion:  "2.5.1",
	}
}

func fill12(s string) string {
	s = strings.ToLower(s) + "000000000000"
	out := []byte(s[:12])
	for i, c := range out {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			out[i] = 'a'
		}
	}
	return string(out)
}

// deliver feeds every frame one side shows to the other and fails on errors.
func deliver(t testing.TB, from, to *Side) []Update {
	t.Helper()
	var ups []Update
	for _, q := range from.Display() {
		u, err := to.Receive(q)
		if err != nil {
			t.Fatalf("delivering %v: %v", mustInspect(t, q), err)
		}
		ups = append(ups, u)
	}
	return ups
}

func mustInspect(t testing.TB, q string) FrameInfo {
	fi, err := Inspect(q)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return fi
}

// react plays the admin and the session engine: confirm, send creds, send done.
func react(t testing.TB, s *Side, info Info, name string) {
	t.Helper()
	if s.State() == StateCompare {
		if err := s.Confirm(info); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.PartnerInfo(); ok && s.confirmed && s.out[RoundCreds] == nil {
		if err := s.SendCreds(Creds{SyncAuthkey: strings.Repeat("k", 40), SyncUserEmail: "sync-" + name + "@example"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.PartnerCreds(); ok && s.partnerInfo != nil && s.out[RoundDone] == nil {
		if err := s.SendDone(Done{Status: 1, Message: "connected", TestConnection: &TestResult{Status: 1, Post: 1}}); err != nil {
			t.Fatal(err)
		}
	}
}

func finished(a, b *Side) bool {
	return a.State() == StateDone && b.State() == StateDone && a.AllAcknowledged() && b.AllAcknowledged()
}

// pair runs two clean sides to the end and returns them.
func pair(t testing.TB, seedA, seedB string) (*Side, *Side) {
	t.Helper()
	a, b := newSide(t, seedA), newSide(t, seedB)
	for i := 0; i < 20 && !finished(a, b); i++ {
		deliver(t, a, b)
		react(t, b, testInfo("B"), "b")
		deliver(t, b, a)
		react(t, a, testInfo("A"), "a")
	}
	if !finished(a, b) {
		t.Fatalf("not finished: a %v, b %v", a.State(), b.State())
	}
	return a, b
}

func fmtAll(v any) string { return fmt.Sprintf("%v %+v %#v %s", v, v, v, v) }
