package ui

import "testing"

var sink [][]byte

func work(mib int) {
	for range mib * 8 {
		sink = append(sink, make([]byte, 128<<10))
	}
	sink = nil
}

func TestMemoryTrimmerActsOnceTheWorkIsOver(t *testing.T) {
	tr := newMemoryTrimmer()
	if tr.allocated() == 0 {
		t.Fatal("/gc/heap/allocs:bytes is not read: the trimmer would never act")
	}
	work(8)
	if tr.tick() {
		t.Error("the tick trimmed while 8 MiB were being allocated: busy, not quiet")
	}
	if !tr.tick() {
		t.Error("quiet after 8 MiB of work, and the tick did not trim")
	}
	if tr.tick() {
		t.Error("nothing allocated since the last trim, and the tick trimmed again")
	}
	work(2)
	tr.tick()
	if tr.tick() {
		t.Error("trimmed after only 2 MiB of work")
	}
}
