package ui

import (
	"context"
	"image"
	"syscall"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/camera"
)

// BenchmarkPreviewPipeline720p30fps runs the whole camera path of the
// wizard for 20 s — a virtual camera at 30 fps filming a 1280×720 scene,
// camera.Reader (preview at its steady pace, QR decoder on the newest
// frame) and a consumer that takes every preview as the wizard does — and
// reports the process's CPU use over that time (user+system, getrusage)
// as a percentage of one core. Run it alone: -bench PreviewPipeline -benchtime 1x.
func BenchmarkPreviewPipeline720p30fps(b *testing.B) {
	scene := webcamScene()
	const span = 20 * time.Second
	for b.Loop() {
		r := camera.NewReader(camera.NewVirtual(func() image.Image { return scene }, 30), camera.ReaderConfig{})
		ctx, cancel := context.WithTimeout(context.Background(), span)
		var previews int
		done := make(chan struct{})
		go func() {
			defer close(done)
			for img := range r.Previews() {
				_ = img.Pix[0]
				previews++
			}
		}()
		before, start := cpuTime(b), time.Now()
		_ = r.Run(ctx)
		<-done
		elapsed := time.Since(start)
		used := cpuTime(b) - before
		cancel()
		st := r.Stats()
		b.ReportMetric(100*used.Seconds()/elapsed.Seconds(), "cpu%")
		b.ReportMetric(float64(st.Frames)/elapsed.Seconds(), "frames/s")
		b.ReportMetric(float64(st.Frames-st.Dropped)/elapsed.Seconds(), "to-decoder/s")
		b.ReportMetric(float64(previews)/elapsed.Seconds(), "previews/s")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
