package camera

import (
	"context"
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

// DefaultPreviewInterval paces preview images: 15 a second look fluid and
// leave the CPU to decoding.
const DefaultPreviewInterval = time.Second / 15

// ReaderConfig tunes a Reader; the zero value is ready to use.
type ReaderConfig struct {
	// Classify tells a MISPbump frame (nil) from a foreign QR code, such
	// as a conference badge or a poster (an error saying what it is).
	// When nil, pairing.Inspect decides: only a code it calls "not a
	// MISPbump code" is foreign; a damaged or newer-version MISPbump code
	// goes to Texts, for the session engine to explain.
	Classify func(text string) error
	// PreviewInterval is the time between preview images;
	// DefaultPreviewInterval if zero, no previews if negative.
	PreviewInterval time.Duration
}

// A Foreign is a QR code in view that is not a MISPbump frame.
type Foreign struct {
	Text string
	Err  error // from Classify: why it is not ours
}

// ReaderStats counts what a Reader did, for the demo and for tests.
type ReaderStats struct {
	Frames  int64 // frames read from the source
	Dropped int64 // frames skipped because the decoder was busy
	Decoded int64 // frames in which a code was read
}

// A Reader reads QR codes from a Source without ever blocking its
// consumer: one goroutine takes frames from the source and hands out
// previews at a steady pace, another decodes the newest frame; frames that
// arrive while the decoder is busy are dropped. Decoded texts come out
// once per change (the same code seen in frame after frame is sent once);
// foreign codes come out once per distinct text for the life of the
// Reader.
type Reader struct {
	src      Source
	cfg      ReaderConfig
	texts    chan string
	foreign  chan Foreign
	previews chan *image.RGBA

	frames, dropped, decoded atomic.Int64
}

// NewReader returns a Reader over src; call Run to start it. The Reader
// owns src from then on and closes it when Run returns.
func NewReader(src Source, cfg ReaderConfig) *Reader {
	if cfg.Classify == nil {
		cfg.Classify = notMISPbump
	}
	if cfg.PreviewInterval == 0 {
		cfg.PreviewInterval = DefaultPreviewInterval
	}
	return &Reader{
		src:      src,
		cfg:      cfg,
		texts:    make(chan string, 8),
		foreign:  make(chan Foreign, 4),
		previews: make(chan *image.RGBA, 1),
	}
}

// Texts delivers the MISPbump frames read, deduplicated back to back. It
// is closed when Run returns.
func (r *Reader) Texts() <-chan string { return r.texts }

// Foreign delivers each foreign QR code once. It is closed when Run
// returns.
func (r *Reader) Foreign() <-chan Foreign { return r.foreign }

// Previews delivers mirrored preview images at the configured pace. Each
// image is new and belongs to the receiver. A preview not taken before the
// next one is replaced by it. The channel is closed when Run returns.
func (r *Reader) Previews() <-chan *image.RGBA { return r.previews }

// Stats returns the counters so far; safe to call at any time.
func (r *Reader) Stats() ReaderStats {
	return ReaderStats{Frames: r.frames.Load(), Dropped: r.dropped.Load(), Decoded: r.decoded.Load()}
}

// Run reads until ctx is cancelled or the source fails, then stops both
// goroutines, closes the source and the channels, and returns the source's
// error (nil after a cancellation). Deliveries on Texts and Foreign wait
// for the consumer (or for ctx); previews never wait.
func (r *Reader) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	const buffers = 3 // one being read, one waiting, one being decoded
	free := make(chan *Frame, buffers)
	for range buffers - 1 {
		free <- &Frame{}
	}
	work := make(chan *Frame, 1)

	var wg sync.WaitGroup
	var srcErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer cancel()
		srcErr = r.capture(ctx, work, free)
	}()
	go func() {
		defer wg.Done()
		r.decode(ctx, work, free)
	}()
	wg.Wait()

	closeErr := r.src.Close()
	close(r.texts)
	close(r.foreign)
	close(r.previews)
	if srcErr == nil && closeErr != nil {
		srcErr = &Error{Kind: Failed, Err: closeErr}
	}
	return srcErr
}

// capture reads frames and offers each to the decoder, dropping it when
// the decoder still has one waiting.
func (r *Reader) capture(ctx context.Context, work chan<- *Frame, free <-chan *Frame) error {
	cur := &Frame{}
	var lastPreview time.Time
	for {
		now := time.Now()
		wantPreview := r.cfg.PreviewInterval > 0 && now.Sub(lastPreview) >= r.cfg.PreviewInterval
		if err := r.src.Read(ctx, cur, wantPreview); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.frames.Add(1)
		if wantPreview && cur.Preview != nil {
			lastPreview = now
			r.sendPreview(cur.Preview)
		}
		select {
		case work <- cur:
			cur = <-free // never waits: with work full, at most two frames are out
		default:
			r.dropped.Add(1)
		}
	}
}

func (r *Reader) sendPreview(p *image.RGBA) {
	cp := &image.RGBA{Pix: append([]byte(nil), p.Pix...), Stride: p.Stride, Rect: p.Rect}
	for {
		select {
		case r.previews <- cp:
			return
		default:
		}
		select {
		case <-r.previews: // replace the stale one
		default:
		}
	}
}

func (r *Reader) decode(ctx context.Context, work <-chan *Frame, free chan<- *Frame) {
	dec := qr.NewDecoder()
	var last string
	reported := map[string]bool{}
	for {
		var f *Frame
		select {
		case <-ctx.Done():
			return
		case f = <-work:
		}
		text, err := dec.Decode(f.Gray, f.Width, f.Height)
		free <- f
		if err != nil {
			continue
		}
		r.decoded.Add(1)
		if text == last {
			continue
		}
		last = text
		if r.cfg.Classify != nil {
			if why := r.classify(text); why != nil {
				if reported[text] {
					continue
				}
				if len(reported) >= maxReportedForeign {
					clear(reported)
				}
				reported[text] = true
				select {
				case r.foreign <- Foreign{Text: text, Err: why}:
				case <-ctx.Done():
					return
				}
				continue
			}
		}
		select {
		case r.texts <- text:
		case <-ctx.Done():
			return
		}
	}
}

// classify runs the classifier on a text someone showed the camera. A panic
// in it (a bug in the parser it calls, triggered by that code) must not end
// the reader's goroutine and the app with it: the text is then handed on
// as ours, and the session, which guards its own reading, refuses it in words.
func (r *Reader) classify(text string) (why error) {
	defer func() {
		if recover() != nil {
			why = nil
		}
	}()
	return r.cfg.Classify(text)
}

// notMISPbump is the default classifier: foreign is what pairing.Inspect
// calls not a MISPbump code.
func notMISPbump(text string) error {
	if _, err := pairing.Inspect(text); errors.Is(err, pairing.ErrNotMISPbump) {
		return err
	}
	return nil
}

// maxReportedForeign bounds the memory of reported foreign codes; a wall
// of posters would otherwise grow it without end.
const maxReportedForeign = 256
