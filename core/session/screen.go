package session

import (
	"context"
	"image"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

// Screen is a Sink that draws our frames as QR codes and cycles through
// them the way the app's window does (qr.Cycle), for a virtual camera to film
// (the headless demo and the end-to-end tests). What the camera sees passes
// through qr.Degrade: a webcam looking at a screen, a few seconds' worth of
// seed-chosen variants per code.
type Screen struct {
	// Size is the side of a rendered code in pixels; 480 when zero.
	Size int
	// Interval is how long each part stays up; qr.DefaultPartInterval when zero.
	Interval time.Duration
	// Variants is how many degraded views of each code the camera cycles
	// through; 3 when zero. Each is made when first filmed (it costs tens of
	// milliseconds); a few make sure one unlucky, unreadable view cannot
	// hide a code for good. Seed picks them.
	Variants int
	Seed     uint64
	// Clean skips qr.Degrade (the camera sees the code as drawn).
	Clean bool

	mu     sync.Mutex
	frames []string
	since  time.Time
	cache  map[string]*view
	errs   []error
}

// ShowFrames implements Sink.
func (s *Screen) ShowFrames(frames []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames, s.since = frames, time.Now()
	// Codes are drawn lazily by Image, on the camera's goroutine, so the
	// session's goroutine never waits for the webcam imitation.
	// Forget codes no longer shown.
	for f := range s.cache {
		keep := false
		for _, g := range frames {
			keep = keep || f == g
		}
		if !keep {
			delete(s.cache, f)
		}
	}
}

// view is one code as drawn and the degraded views of it made so far.
type view struct {
	drawn    image.Image
	degraded []image.Image
	shots    int
}

// shotsPerView is how many camera frames film one degraded view of a code
// before the next view is used: a readable view is read within a few, and
// most codes are replaced before a second view is ever needed.
const shotsPerView = 10

func (s *Screen) variants() int {
	if s.Clean {
		return 1
	}
	if s.Variants <= 0 {
		return 3
	}
	return s.Variants
}

// Image is what the camera sees now: the part on screen, degraded; nil (a
// dark scene) when nothing is shown.
func (s *Screen) Image() image.Image {
	s.mu.Lock()
	if len(s.frames) == 0 {
		s.mu.Unlock()
		return nil
	}
	i, _ := qr.Cycle{Parts: len(s.frames), Interval: s.Interval}.At(time.Since(s.since))
	text := s.frames[i]
	v := s.cache[text]
	s.mu.Unlock()
	if v == nil {
		size := s.Size
		if size <= 0 {
			size = 480
		}
		img, err := qr.Render(text, size)
		s.mu.Lock()
		if err != nil {
			s.errs = append(s.errs, err)
			s.mu.Unlock()
			return nil
		}
		if s.cache == nil {
			s.cache = map[string]*view{}
		}
		v = &view{drawn: img}
		s.cache[text] = v
		s.mu.Unlock()
	}
	if s.Clean {
		return v.drawn
	}
	s.mu.Lock()
	k := (v.shots / shotsPerView) % s.variants()
	v.shots++
	var img image.Image
	if k < len(v.degraded) {
		img = v.degraded[k]
	} else {
		k = len(v.degraded) // make the views in order
	}
	s.mu.Unlock()
	if img != nil {
		return img
	}
	// Only the camera's goroutine films, so no two make the same view.
	img = qr.Degrade(v.drawn, s.Seed+uint64(k)*7919+uint64(len(text)))
	s.mu.Lock()
	if k == len(v.degraded) {
		v.degraded = append(v.degraded, img)
	}
	s.mu.Unlock()
	return img
}

// Errors returns the frames that could not be drawn (too long for a QR code
// of qr.MaxVersion), which a camera can never read.
func (s *Screen) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Shown returns the frames on screen now.
func (s *Screen) Shown() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...)
}

// Film points a virtual camera at screen and reads it with a camera.Reader in
// goroutines that stop when ctx ends; the returned channel is the texts read
// (a Config.Source) and stats reports the reader's counters. wait returns
// once both goroutines have stopped.
func Film(ctx context.Context, screen *Screen, fps int) (texts <-chan string, stats func() camera.ReaderStats, wait func()) {
	cam := camera.NewVirtual(screen.Image, fps)
	r := camera.NewReader(cam, camera.ReaderConfig{PreviewInterval: -1})
	done := make(chan struct{})
	foreignDone := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	go func() {
		// Foreign codes are reported by the session itself when they reach
		// it as texts; here nothing foreign is in view, drain anyway.
		defer close(foreignDone)
		for range r.Foreign() {
		}
	}()
	return r.Texts(), r.Stats, func() { <-done; <-foreignDone }
}
