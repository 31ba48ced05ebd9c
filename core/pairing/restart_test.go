package pairing

import (
	"math/rand/v2"
	"testing"
)

// toKeysRestarting delivers frames in a random order, one camera at a time,
// and restarts a side whenever it offers "partner restarted" (as the session
// engine does once the admin agrees). It returns the number of steps.
func toKeysRestarting(t *testing.T, a, b *Side, rng *rand.Rand) int {
	t.Helper()
	for step := 0; step < 200; step++ {
		if a.keys != nil && b.keys != nil && a.keys.transcript == b.keys.transcript {
			return step
		}
		from, to := a, b
		if rng.IntN(2) == 0 {
			from, to = b, a
		}
		frames := from.Display()
		rng.Shuffle(len(frames), func(i, j int) { frames[i], frames[j] = frames[j], frames[i] })
		if len(frames) > 0 {
			frames = frames[:1+rng.IntN(len(frames))] // the camera caught some of them
		}
		for _, q := range frames {
			if _, err := to.Receive(q); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
		if to.State() == StatePartnerRestarted && rng.IntN(2) == 0 { // the admin takes a moment
			if _, err := to.Restart(); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatalf("no agreement: a %v, b %v", a.State(), b.State())
	return 0
}

func TestRestartConverges(t *testing.T) {
	for seed := uint64(0); seed < 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		a, b := newSide(t, "alice"), newSide(t, "bob")
		toKeysRestarting(t, a, b, rng)
		oldA := a.ownKey.pub
		var b2 *Side
		switch seed % 3 {
		case 0: // b's app was relaunched: a brand-new side that knows nothing
			b2 = newSide(t, "bob-relaunched")
		case 1: // b's admin pressed "start again"
			b2 = b
			if _, err := b2.Restart(); err != nil {
				t.Fatal(err)
			}
		case 2: // both pressed "start again"
			b2 = b
			b2.Restart()
			a.Restart()
		}
		steps := toKeysRestarting(t, a, b2, rng)
		if a.ownKey.pub == oldA {
			t.Fatalf("seed %d: a paired its revealed key with a new partner key", seed)
		}
		if a.keys.sas != b2.keys.sas {
			t.Fatalf("seed %d: SAS differ after restart", seed)
		}
		_ = steps
	}
}

// b's app is relaunched after a held b's first COMMIT: the new b answers
// a's COMMIT with a KEY. a restarts without taking b's new COMMIT (b's KEY is
// bound to a's old one) and waits; b takes a's new COMMIT; one restart each.
func TestRestartWaitsWhenPartnerKeyWasBoundToOldCommit(t *testing.T) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, b, a) // a holds b's COMMIT, shows COMMIT and KEY
	b2 := newSide(t, "bob-relaunched")
	ups := deliver(t, a, b2) // b2 holds a's COMMIT; a's KEY answers b's old COMMIT
	if ups[1].Ignored != IgnoredEarly || b2.keys != nil {
		t.Fatalf("b2 used a KEY that answers another COMMIT: %+v", ups)
	}
	ups = deliver(t, b2, a)
	if ups[0].Event != EventPartnerRestarted || ups[1].Ignored != IgnoredEarly {
		t.Fatalf("a: %+v", ups)
	}
	a.Restart()
	if a.State() != StateCommit || rounds(t, a) != "COMMIT" {
		t.Fatalf("a should wait for b's next COMMIT: %v %s", a.State(), rounds(t, a))
	}
	deliver(t, b2, a) // b2's old frames: stale
	if a.State() != StateCommit {
		t.Fatalf("a took a stale COMMIT: %v", a.State())
	}
	deliver(t, a, b2)
	if b2.State() != StatePartnerRestarted {
		t.Fatalf("b2: %v", b2.State())
	}
	b2.Restart()
	if b2.State() != StateKey { // b2 takes a's new COMMIT: a has revealed nothing for it
		t.Fatalf("b2 after restart: %v", b2.State())
	}
	deliver(t, b2, a)
	deliver(t, a, b2)
	if a.keys == nil || b2.keys == nil || a.keys.sas != b2.keys.sas {
		t.Fatal("no agreement after one restart each")
	}
}
