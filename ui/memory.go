package ui

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// A window spends most of its life idle, and Go keeps what the last burst
// of work (start-up, a tab change, a pairing) left behind until a collection
// that, with nothing allocating, comes minutes later. Handing it back once
// things are quiet keeps the idle window small (docs/PERFORMANCE-UI.md).
const (
	trimInterval = 5 * time.Second
	// trimAfter is how much must have been allocated since the last trim
	// for a quiet tick to collect and hand memory back.
	trimAfter = 4 << 20
	// quietBelow is what a tick may have seen allocated and still call the
	// window quiet: a camera preview or a typing admin is not interrupted
	// by collections, and an idle window (which allocates nothing) is left
	// alone once trimmed.
	quietBelow = 1 << 20
)

// memoryTrimmer hands unused heap memory back to the system after work.
type memoryTrimmer struct {
	sample   []metrics.Sample
	lastTick uint64
	lastTrim uint64
}

func newMemoryTrimmer() *memoryTrimmer {
	t := &memoryTrimmer{sample: []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}}
	t.lastTick = t.allocated()
	t.lastTrim = t.lastTick
	return t
}

// allocated is how many bytes Go has allocated on the heap so far.
func (t *memoryTrimmer) allocated() uint64 {
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0 // the metric is gone from this Go: never trim
	}
	return t.sample[0].Value.Uint64()
}

// tick collects and hands free memory back to the system when the window
// is quiet after at least trimAfter bytes of work; it says whether it did.
func (t *memoryTrimmer) tick() bool {
	now := t.allocated()
	quiet := now-t.lastTick < quietBelow
	t.lastTick = now
	if now == 0 || !quiet || now-t.lastTrim < trimAfter {
		return false
	}
	debug.FreeOSMemory()
	t.lastTrim = t.allocated()
	t.lastTick = t.lastTrim
	return true
}

// trimMemoryWhileRunning ticks for the life of the process.
func trimMemoryWhileRunning() {
	t := newMemoryTrimmer()
	for range time.Tick(trimInterval) {
		t.tick()
	}
}
