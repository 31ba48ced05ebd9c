package qr

import (
	"fmt"
	"time"
)

// DefaultPartInterval is how long each part of a multi-part message stays
// on screen: long enough for a 30 fps webcam to catch it in several frames,
// short enough that four parts go round in about two seconds.
const DefaultPartInterval = 500 * time.Millisecond

// Cycle says which part of a multi-part message to show at a moment. It is
// pure: the UI asks it with the time since the message was first shown.
type Cycle struct {
	Parts    int           // number of parts, at least 1
	Interval time.Duration // time each part is shown; DefaultPartInterval if zero
}

// At returns the index (0-based) of the part to show after elapsed, and
// its label: "part 2 of 4", or "" for a single-part message.
func (c Cycle) At(elapsed time.Duration) (index int, label string) {
	if c.Parts <= 1 {
		return 0, ""
	}
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultPartInterval
	}
	if elapsed < 0 {
		elapsed = 0
	}
	index = int((elapsed / interval) % time.Duration(c.Parts))
	return index, PartLabel(index, c.Parts)
}

// Next returns how long after elapsed the shown part changes, so the UI can
// sleep exactly that long; zero for a single-part message (nothing changes).
func (c Cycle) Next(elapsed time.Duration) time.Duration {
	if c.Parts <= 1 {
		return 0
	}
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultPartInterval
	}
	if elapsed < 0 {
		return -elapsed
	}
	return interval - elapsed%interval
}

// PartLabel is the caption under a part: "part 2 of 4" for index 1 of 4.
func PartLabel(index, parts int) string {
	return fmt.Sprintf("part %d of %d", index+1, parts)
}
