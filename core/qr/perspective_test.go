package qr

import (
	"math"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
	qrcode "github.com/skip2/go-qrcode"
)

// TestDecodeReadsCodesAtAngle: a sharp, clean 720p frame of a version-11
// code on a screen turned by up to 25° about either axis is plainly
// readable. gozxing alone misses most of them (its fourth corner is an
// affine guess); the decoder must read every one, most through the
// perspective search.
func TestDecodeReadsCodesAtAngle(t *testing.T) {
	text := fieldText(48)
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	code := codeOf(q)
	img, err := code.Image(code.Modules() * 8)
	if err != nil {
		t.Fatal(err)
	}
	frames, gozxingRead, atAngle := 0, 0, 0
	for _, tiltX := range []float64{0, 10, 18, 25} {
		for _, tiltY := range []float64{-25, -18, 0, 18, 25} {
			frames++
			pix := Degradation{Width: 1280, Height: 720, Fill: 0.8, TiltX: tiltX, TiltY: tiltY, Rotate: 5, Noise: 2}.Apply(img, 1).Pix
			src, _ := gozxing.NewPlanarYUVLuminanceSource(pix, 1280, 720, 0, 0, 1280, 720, false)
			bmp, _ := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
			if res, err := zxqr.NewQRCodeReader().Decode(bmp, nil); err == nil && res.GetText() == text {
				gozxingRead++
			}
			d := NewDecoder()
			if got, err := d.Decode(pix, 1280, 720); err != nil || got != text {
				t.Errorf("tilt %v° × %v°: got %q, %v", tiltX, tiltY, got, err)
			}
			atAngle += d.readAtAngle
		}
	}
	t.Logf("%d frames: gozxing alone read %d, the perspective search %d", frames, gozxingRead, atAngle)
	if gozxingRead > frames/2 || atAngle < frames/4 {
		t.Errorf("gozxing alone read %d of %d, the perspective search %d: the frames no longer test it", gozxingRead, frames, atAngle)
	}
}

func TestFixedPatterns(t *testing.T) {
	for _, c := range []struct{ dimension, want int }{
		{21, 2 * 5},          // version 1: timing only
		{25, 2*9 + 25},       // version 2: one alignment pattern
		{45, 2*29 + 6*25},    // version 7: six
		{69, 2*53 + 6*25},    // version 13
		{177, 2*161 + 46*25}, // version 40
	} {
		m := fixedModules(c.dimension)
		if len(m) != c.want {
			t.Errorf("dimension %d: %d fixed modules, want %d", c.dimension, len(m), c.want)
		}
		for _, x := range m {
			if x.x < 0 || x.y < 0 || x.x > float64(c.dimension) || x.y > float64(c.dimension) {
				t.Fatalf("dimension %d: module at (%v, %v) is off the code", c.dimension, x.x, x.y)
			}
		}
	}
}

func TestKeepBest(t *testing.T) {
	var best []corner
	for _, c := range []corner{{0, 0, 5}, {1, 0, 7}, {10, 10, 6}, {20, 0, 1}, {-10, 4, 9}, {30, 30, 2}} {
		best = keepBest(best, c, 2)
	}
	want := []corner{{-10, 4, 9}, {1, 0, 7}, {10, 10, 6}}
	if len(best) != len(want) {
		t.Fatalf("got %v, want %v", best, want)
	}
	for i := range want {
		if best[i] != want[i] {
			t.Fatalf("got %v, want %v", best, want)
		}
	}
}

// TestFindThirdFinder: given two of a code's finder patterns, the third is
// found where they say it must be.
func TestFindThirdFinder(t *testing.T) {
	pix := Degradation{Width: 640, Height: 480, Fill: 0.8, TiltY: 10, Noise: 2}.Apply(mustRender(testFrame(3, 200), 400), 2).Pix
	d := NewDecoder()
	matrix := d.bin.hybridMatrix(pix, 640, 480)
	info, err := detector.NewFinderPatternFinder(matrix, nil).Find(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, missing := range []*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()} {
		var two []*detector.FinderPattern
		for _, p := range []*detector.FinderPattern{info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()} {
			if p != missing {
				two = append(two, p)
			}
		}
		found := false
		for _, triple := range d.findThirdFinder(matrix, two) {
			for _, p := range []*detector.FinderPattern{triple.GetTopLeft(), triple.GetTopRight(), triple.GetBottomLeft()} {
				if math.Hypot(p.GetX()-missing.GetX(), p.GetY()-missing.GetY()) < 2*missing.GetEstimatedModuleSize() {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("the pattern at (%.0f, %.0f) was not found again", missing.GetX(), missing.GetY())
		}
	}
	if got := d.findThirdFinder(matrix, []*detector.FinderPattern{info.GetTopLeft()}); got != nil {
		t.Errorf("one pattern alone gave triples: %v", got)
	}
}

func TestCandidateDimensions(t *testing.T) {
	at := func(x, y, module float64) *detector.FinderPattern { return detector.NewFinderPattern1(x, y, module) }
	// A version-7 code (45 modules) at 4 px per module, finder centres 38
	// modules apart.
	got := candidateDimensions(at(100, 100, 4), at(252, 100, 4), at(100, 252, 4))
	if len(got) != 3 || got[0] != 45 {
		t.Errorf("got %v, want 45 first", got)
	}
	// Perspective: the top-right pattern is smaller; the mean of the two
	// patterns' sizes still gives 45.
	if got := candidateDimensions(at(100, 100, 4.4), at(252, 100, 3.6), at(100, 252, 4)); len(got) == 0 || got[0] != 45 {
		t.Errorf("tilted: got %v, want 45 first", got)
	}
	for _, module := range []float64{0, math.NaN(), 1e-9, 1e9} {
		if got := candidateDimensions(at(100, 100, module), at(252, 100, module), at(100, 252, module)); len(got) != 0 {
			t.Errorf("module size %v: got %v, want none", module, got)
		}
	}
}
