package session

import (
	"context"
	"image"
	"sync"
	"sync/atomic"
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
	// through; 1 when zero (each view costs tens of milliseconds to make).
	// Seed picks them.
	Variants int
	Seed     uint64
	// Clean skips qr.Degrade (the camera sees the code as drawn).
	Clean bool

	mu     sync.Mutex
	frames []string
	since  time.Time
	cache  map[string][]image.Image
	shot   atomic.Int64
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

func (s *Screen) render(text string) ([]image.Image, error) {
	size := s.Size
	if size <= 0 {
		size = 480
	}
	img, err := qr.Render(text, size)
	if err != nil {
		return nil, err
	}
	if s.Clean {
		return []image.Image{img}, nil
	}
	n := s.Variants
	if n <= 0 {
		n = 1
	}
	views := make([]image.Image, n)
	for i := range views {
		views[i] = qr.Degrade(img, s.Seed+uint64(i)*7919+uint64(len(text)))
	}
	return views, nil
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
	views, ok := s.cache[text]
	s.mu.Unlock()
	if !ok {
		var err error
		if views, err = s.render(text); err != nil {
			s.mu.Lock()
			s.errs = append(s.errs, err)
			s.mu.Unlock()
		}
		s.mu.Lock()
		if s.cache == nil {
			s.cache = map[string][]image.Image{}
		}
		s.cache[text] = views
		s.mu.Unlock()
	}
	if len(views) == 0 {
		return nil
	}
	n := s.shot.Add(1)
	return views[int(n)%len(views)]
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
