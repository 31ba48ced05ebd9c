package qr

import (
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"

	"github.com/mispbump/mispbump-desktop/core/internal/cputime"
)

// TestHybridMatrixMatchesGozxing: our binarizer must give gozxing's bits
// exactly, on frames of sizes that are and are not multiples of the block,
// with flat and busy blocks.
func TestHybridMatrixMatchesGozxing(t *testing.T) {
	var b binarizer
	frames := []struct {
		pix  []byte
		w, h int
	}{
		{Degrade(mustRender(testFrame(5, 200), 600), 5).Pix, 1280, 720},
		{benchFrame(640, 480, false), 640, 480},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{40, 40}, {41, 57}, {333, 101}, {99, 250}} {
		pix := make([]byte, size[0]*size[1])
		for i := range pix {
			pix[i] = byte(r.IntN(256))
			if (i/size[0]/13+i%size[0]/11)%3 == 0 {
				pix[i] = byte(200 + r.IntN(10)) // flat patches
			}
		}
		frames = append(frames, struct {
			pix  []byte
			w, h int
		}{pix, size[0], size[1]})
	}
	for _, f := range frames {
		src, err := gozxing.NewPlanarYUVLuminanceSource(f.pix, f.w, f.h, 0, 0, f.w, f.h, false)
		if err != nil {
			t.Fatal(err)
		}
		want, err := gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		if err != nil {
			t.Fatal(err)
		}
		got := b.hybridMatrix(f.pix, f.w, f.h)
		for y := 0; y < f.h; y++ {
			for x := 0; x < f.w; x++ {
				if got.Get(x, y) != want.Get(x, y) {
					t.Fatalf("%d×%d: bit (%d, %d) is %v, gozxing says %v", f.w, f.h, x, y, got.Get(x, y), want.Get(x, y))
				}
			}
		}
	}
}

// BenchmarkBinarize compares our hybrid binarizer with gozxing's on one
// 1280×720 frame.
func BenchmarkBinarize(b *testing.B) {
	frame := benchFrame(1280, 720, false)
	b.Run("ours", func(b *testing.B) {
		var bin binarizer
		cpu := cputime.Process()
		for b.Loop() {
			bin.hybridMatrix(frame, 1280, 720)
		}
		cputime.Report(b, cpu)
	})
	b.Run("gozxing", func(b *testing.B) {
		cpu := cputime.Process()
		defer cputime.Report(b, cpu)
		for b.Loop() {
			src, _ := gozxing.NewPlanarYUVLuminanceSource(frame, 1280, 720, 0, 0, 1280, 720, false)
			gozxing.NewHybridBinarizer(src).GetBlackMatrix()
		}
	})
}
