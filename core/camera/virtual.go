package camera

import (
	"context"
	"image"
	"time"
)

// Virtual is a camera that films whatever an image provider returns: the
// headless demo points it at the partner's rendered QR code (through
// qr.Degrade, to look like a real webcam), tests at prepared pictures. It
// produces gray and preview frames exactly like the webcam.
type Virtual struct {
	provider func() image.Image
	interval time.Duration
	next     time.Time
	timer    *time.Timer
}

// NewVirtual returns a virtual camera calling provider for every frame,
// fps times a second (30 if fps ≤ 0). A nil image from provider films a
// dark, empty scene (a covered lens).
func NewVirtual(provider func() image.Image, fps int) *Virtual {
	if fps <= 0 {
		fps = 30
	}
	return &Virtual{provider: provider, interval: time.Second / time.Duration(fps)}
}

// Read waits for the next frame time and films the provider's image.
func (v *Virtual) Read(ctx context.Context, f *Frame, preview bool) error {
	now := time.Now()
	if v.next.IsZero() {
		v.next = now
	}
	if wait := v.next.Sub(now); wait > 0 {
		if v.timer == nil {
			v.timer = time.NewTimer(wait)
		} else {
			v.timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			v.timer.Stop()
			return ctx.Err()
		case <-v.timer.C:
		}
	} else if err := ctx.Err(); err != nil {
		return err
	}
	v.next = v.next.Add(v.interval)
	if v.next.Before(now) {
		v.next = now.Add(v.interval) // fell behind: do not try to catch up
	}

	img := v.provider()
	if img == nil {
		img = darkScene
	}
	f.Gray, f.Width, f.Height = imageToGray(f.Gray, img)
	if preview {
		f.Preview = ensurePreview(f.Preview, f.Width, f.Height)
		if _, ok := img.(*image.Gray); ok {
			grayPreview(f.Preview, f.Gray, f.Width, f.Height)
		} else {
			imagePreview(f.Preview, img)
		}
	}
	return nil
}

// Close does nothing; it exists to satisfy Source.
func (v *Virtual) Close() error { return nil }

var darkScene = func() image.Image {
	g := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range g.Pix {
		g.Pix[i] = 16
	}
	return g
}()

var _ Source = (*Virtual)(nil)
