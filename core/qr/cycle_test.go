package qr

import (
	"testing"
	"time"
)

func TestCycle(t *testing.T) {
	c := Cycle{Parts: 4, Interval: 250 * time.Millisecond}
	for _, tc := range []struct {
		at    time.Duration
		index int
		label string
		next  time.Duration
	}{
		{0, 0, "part 1 of 4", 250 * time.Millisecond},
		{249 * time.Millisecond, 0, "part 1 of 4", time.Millisecond},
		{250 * time.Millisecond, 1, "part 2 of 4", 250 * time.Millisecond},
		{999 * time.Millisecond, 3, "part 4 of 4", time.Millisecond},
		{time.Second, 0, "part 1 of 4", 250 * time.Millisecond},
		{-time.Second, 0, "part 1 of 4", time.Second},
	} {
		i, label := c.At(tc.at)
		if i != tc.index || label != tc.label {
			t.Errorf("At(%v) = %d %q, want %d %q", tc.at, i, label, tc.index, tc.label)
		}
		if n := c.Next(tc.at); n != tc.next {
			t.Errorf("Next(%v) = %v, want %v", tc.at, n, tc.next)
		}
	}
}

func TestCycleSinglePartHasNoLabel(t *testing.T) {
	for _, parts := range []int{0, 1} {
		i, label := Cycle{Parts: parts}.At(3 * time.Second)
		if i != 0 || label != "" {
			t.Errorf("%d parts: %d %q", parts, i, label)
		}
		if n := (Cycle{Parts: parts}).Next(time.Second); n != 0 {
			t.Errorf("%d parts: Next = %v, want 0", parts, n)
		}
	}
}

func TestCycleDefaultIntervalShowsEveryPartWithinTwoSeconds(t *testing.T) {
	c := Cycle{Parts: 4}
	seen := map[int]bool{}
	for at := time.Duration(0); at < 2*time.Second; at += 10 * time.Millisecond {
		i, _ := c.At(at)
		seen[i] = true
	}
	if len(seen) != 4 {
		t.Fatalf("parts shown in 2 s: %v", seen)
	}
	// A 30 fps webcam must see each part in several frames.
	if DefaultPartInterval < 100*time.Millisecond {
		t.Fatalf("DefaultPartInterval %v is too short for a webcam", DefaultPartInterval)
	}
}
