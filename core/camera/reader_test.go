package camera

import (
	"context"
	"errors"
	"image"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

func codeImage(t testing.TB, text string) image.Image {
	t.Helper()
	img, err := qr.Render(text, 400)
	if err != nil {
		t.Fatal(err)
	}
	// Put the code in a camera-sized frame, as a webcam would see it.
	frame := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range frame.Pix {
		frame.Pix[i] = 200
	}
	for y := 0; y < 400; y++ {
		copy(frame.Pix[(y+40)*640+120:], img.Pix[y*400:(y+1)*400])
	}
	return frame
}

// collect runs r until want texts arrived (or 10 s passed) and returns
// texts and foreign codes seen.
func collect(t *testing.T, r *Reader, want int) ([]string, []Foreign) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var texts []string
	var foreign []Foreign
	for texts, foreign = nil, nil; ; {
		select {
		case s, ok := <-r.Texts():
			if !ok {
				goto out
			}
			texts = append(texts, s)
			if len(texts) >= want {
				cancel()
			}
		case f, ok := <-r.Foreign():
			if ok {
				foreign = append(foreign, f)
			}
		case <-r.Previews():
		}
	}
out:
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	return texts, foreign
}

func TestReaderDeliversEachTextOnceInARow(t *testing.T) {
	a, b := "MB1AAAA"+strings.Repeat("7", 100), "MB1BBBB"+strings.Repeat("8", 100)
	imgA, imgB := codeImage(t, a), codeImage(t, b)
	var n atomic.Int64
	// Each code stays in view for many frames, as a cycling screen does.
	src := NewVirtual(func() image.Image {
		if (n.Add(1)/20)%2 == 0 {
			return imgA
		}
		return imgB
	}, 200)
	everythingOurs := func(string) error { return nil }
	texts, _ := collect(t, NewReader(src, ReaderConfig{Classify: everythingOurs}), 4)
	if len(texts) < 4 {
		t.Fatalf("got %d texts, want 4", len(texts))
	}
	for i := 1; i < len(texts); i++ {
		if texts[i] == texts[i-1] {
			t.Fatalf("text %d repeats the one before: %v", i, texts)
		}
	}
	for _, s := range texts {
		if s != a && s != b {
			t.Fatalf("unexpected text %q", s)
		}
	}
}

func TestReaderReportsForeignCodeOnce(t *testing.T) {
	badge, ours := "HTTPS://EXAMPLE.ORG/BADGE/42", "MB1"+strings.Repeat("Z", 120)
	imgBadge, imgOurs, empty := codeImage(t, badge), codeImage(t, ours), image.NewGray(image.Rect(0, 0, 640, 480))
	var n atomic.Int64
	// badge, nothing, badge, nothing, … then ours: the badge comes and goes
	// in view, and must still be reported only once.
	src := NewVirtual(func() image.Image {
		i := n.Add(1)
		switch {
		case i > 120:
			return imgOurs
		case (i/10)%2 == 0:
			return imgBadge
		default:
			return empty
		}
	}, 200)
	classify := func(s string) error {
		if strings.HasPrefix(s, "MB1") {
			return nil
		}
		return errors.New("not a MISPbump code")
	}
	texts, foreign := collect(t, NewReader(src, ReaderConfig{Classify: classify}), 1)
	if len(foreign) != 1 || foreign[0].Text != badge || foreign[0].Err == nil {
		t.Fatalf("foreign codes reported: %+v, want the badge once", foreign)
	}
	if len(texts) != 1 || texts[0] != ours {
		t.Fatalf("texts: %q, want ours only", texts)
	}
}

func TestReaderDefaultClassifierUsesPairing(t *testing.T) {
	side, err := pairing.New(pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := side.Display()
	if len(frames) == 0 {
		t.Fatal("a new pairing side shows no frame")
	}
	commit, poster := frames[0], "HTTPS://EXAMPLE.ORG/POSTER"
	imgCommit, imgPoster := codeImage(t, commit), codeImage(t, poster)
	var n atomic.Int64
	src := NewVirtual(func() image.Image {
		if n.Add(1) < 30 {
			return imgPoster
		}
		return imgCommit
	}, 200)
	texts, foreign := collect(t, NewReader(src, ReaderConfig{}), 1)
	if len(texts) != 1 || texts[0] != commit {
		t.Fatalf("texts %q, want the COMMIT frame", texts)
	}
	if len(foreign) != 1 || foreign[0].Text != poster || !errors.Is(foreign[0].Err, pairing.ErrNotMISPbump) {
		t.Fatalf("foreign %+v, want the poster once", foreign)
	}
}

func TestReaderDropsFramesWhileDecoding(t *testing.T) {
	// A 720p degraded frame takes milliseconds to decode; the source
	// delivers far faster, so the reader must drop, not queue.
	frame := qr.Degrade(mustRender(t, "MB1"+strings.Repeat("Q", 200)), 3)
	src := NewVirtual(func() image.Image { return frame }, 2000)
	r := NewReader(src, ReaderConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	go func() {
		for range r.Texts() {
		}
	}()
	go func() {
		for range r.Previews() {
		}
	}()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.Stats()
	if s.Dropped == 0 || s.Frames <= s.Decoded {
		t.Fatalf("stats %+v: expected dropped frames", s)
	}
}

func mustRender(t testing.TB, text string) image.Image {
	img, err := qr.Render(text, 600)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestReaderPreviewsAtSteadyPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := NewVirtual(func() image.Image { return codeImage(t, "MB1PACE") }, 30)
		r := NewReader(src, ReaderConfig{PreviewInterval: 100 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		go func() {
			for range r.Texts() {
			}
		}()
		start := time.Now()
		var previews int
		for time.Since(start) < time.Second {
			p := <-r.Previews()
			if p.Rect.Dx() != PreviewWidth {
				t.Fatalf("preview %v wide", p.Rect)
			}
			previews++
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// 10 a second, give or take the frame boundaries.
		if previews < 8 || previews > 11 {
			t.Errorf("%d previews in one second at 100 ms intervals", previews)
		}
	})
}

// TestReaderStopsWithoutLeaks relies on synctest: the test fails if any
// goroutine started by Run is still around when the bubble ends.
func TestReaderStopsWithoutLeaks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := NewVirtual(func() image.Image { return codeImage(t, "MB1LEAK") }, 30)
		r := NewReader(src, ReaderConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		// Nobody reads Texts: the decoder blocks on delivery and must
		// still stop when ctx is cancelled.
		time.Sleep(2 * time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		for range r.Texts() { // closed by Run; buffered texts drain
		}
	})
}

func TestReaderGoroutineCountReturns(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		r := NewReader(NewVirtual(func() image.Image { return nil }, 100), ReaderConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after, %d before", n, before)
	}
}

type failingSource struct{ closed bool }

func (s *failingSource) Read(ctx context.Context, f *Frame, preview bool) error {
	return &Error{Kind: Failed, Device: "/dev/video9", Err: errors.New("unplugged")}
}
func (s *failingSource) Close() error { s.closed = true; return nil }

func TestReaderReturnsSourceErrorAndCloses(t *testing.T) {
	src := &failingSource{}
	err := NewReader(src, ReaderConfig{}).Run(context.Background())
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("got %v, want the source's failure", err)
	}
	if !src.closed {
		t.Error("Run did not close the source")
	}
}

func TestVirtualFramesMatchImage(t *testing.T) {
	img := codeImage(t, "MB1VIRTUAL")
	v := NewVirtual(func() image.Image { return img }, 1000)
	var f Frame
	if err := v.Read(context.Background(), &f, true); err != nil {
		t.Fatal(err)
	}
	if f.Width != 640 || f.Height != 480 || f.Preview == nil {
		t.Fatalf("frame %d×%d, preview %v", f.Width, f.Height, f.Preview != nil)
	}
	text, err := qr.NewDecoder().Decode(f.Gray, f.Width, f.Height)
	if err != nil || text != "MB1VIRTUAL" {
		t.Fatalf("decoded %q, %v", text, err)
	}
	gray := &f.Gray[0]
	if err := v.Read(context.Background(), &f, false); err != nil {
		t.Fatal(err)
	}
	if &f.Gray[0] != gray {
		t.Error("the second frame did not reuse the gray buffer")
	}
}

// A classifier that panics on a code someone shows the camera (a bug in the
// parser it calls) must not end the reader, nor the app with it: the text is
// handed on, and the session's own guard refuses it in words.
func TestReaderSurvivesPanickingClassifier(t *testing.T) {
	poison, ours := "MB1"+strings.Repeat("P", 110), "MB1"+strings.Repeat("Z", 120)
	imgPoison, imgOurs := codeImage(t, poison), codeImage(t, ours)
	var n atomic.Int64
	src := NewVirtual(func() image.Image {
		if n.Add(1) > 20 {
			return imgOurs
		}
		return imgPoison
	}, 200)
	classify := func(s string) error {
		if s == poison {
			var parts []string
			_ = parts[len(s)] // index out of range, as a parser bug would
		}
		return nil
	}
	texts, _ := collect(t, NewReader(src, ReaderConfig{Classify: classify}), 2)
	if len(texts) != 2 || texts[0] != poison || texts[1] != ours {
		t.Fatalf("texts: %q, want the poison handed on, then ours", texts)
	}
}
