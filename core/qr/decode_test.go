package qr

import (
	"errors"
	"image"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

func TestDegradeIsDeterministic(t *testing.T) {
	src := mustRender(testFrame(5, 200), 600)
	a, b := Degrade(src, 42), Degrade(src, 42)
	if a.Rect.Dx() != 1280 || a.Rect.Dy() != 720 {
		t.Fatalf("frame is %v, want 1280×720", a.Rect)
	}
	if string(a.Pix) != string(b.Pix) {
		t.Fatal("the same seed gave two different frames")
	}
	if c := Degrade(src, 43); string(a.Pix) == string(c.Pix) {
		t.Fatal("two seeds gave the same frame")
	}
}

func TestDegradeChangesThePicture(t *testing.T) {
	// With no degradation at all but scale, the frame holds pure black and
	// white; with the realistic one it must not (noise, light, JPEG).
	src := mustRender(testFrame(6, 200), 600)
	frame := RealisticDegradation(7).Apply(src, 7)
	levels := map[uint8]bool{}
	for _, p := range frame.Pix {
		levels[p] = true
	}
	if len(levels) < 100 {
		t.Fatalf("only %d gray levels in a degraded frame", len(levels))
	}
}

// TestDecodeRealisticFrames reads full version-10 codes under random
// realistic degradations. gozxing misses about one frame in fifty there
// (mostly the stronger keystones; see docs/QR.md), which a camera loop
// makes up for with the next frame; a wrong text is never allowed.
func TestDecodeRealisticFrames(t *testing.T) {
	d := NewDecoder()
	hits := 0
	for seed := uint64(500); seed < 510; seed++ {
		text := testFrame(seed, 311)
		frame := Degrade(mustRender(text, 600), seed)
		got, err := d.Decode(frame.Pix, frame.Rect.Dx(), frame.Rect.Dy())
		switch {
		case err == nil && got == text:
			hits++
		case err == nil:
			t.Errorf("seed %d: wrong text %q", seed, got)
		default:
			t.Logf("seed %d missed (%+v)", seed, RealisticDegradation(seed))
		}
	}
	if hits < 9 {
		t.Errorf("read %d of 10 realistic frames, want at least 9", hits)
	}
}

func TestDecodeRejectsFramesWithoutCode(t *testing.T) {
	d := NewDecoder()
	flat := make([]byte, 640*480)
	for i := range flat {
		flat[i] = 128
	}
	noisy := Degrade(checkers(600, 40), 9)
	for name, c := range map[string]struct {
		pix  []byte
		w, h int
	}{
		"flat":       {flat, 640, 480},
		"checkers":   {noisy.Pix, 1280, 720},
		"too small":  {flat[:100], 10, 10},
		"short data": {flat[:1000], 640, 480},
	} {
		if _, err := d.Decode(c.pix, c.w, c.h); !errors.Is(err, ErrNoCode) {
			t.Errorf("%s: got %v, want ErrNoCode", name, err)
		}
	}
}

func TestDecodeReusesBuffers(t *testing.T) {
	d := NewDecoder()
	frame := Degrade(checkers(600, 7), 11) // no code, but finder-like: every pass runs
	d.Decode(frame.Pix, 1280, 720)
	half := &d.half[0]
	d.Decode(frame.Pix, 1280, 720)
	if &d.half[0] != half {
		t.Error("the half-size buffer was allocated again")
	}
}

func TestGrayOfSubImage(t *testing.T) {
	img := mustRender(testFrame(12, 50), 300)
	sub := img.SubImage(image.Rect(10, 10, 290, 290))
	pix, w, h := Gray(sub)
	if w != 280 || h != 280 || len(pix) != w*h {
		t.Fatalf("%d×%d, %d bytes", w, h, len(pix))
	}
	if pix[0] != img.Pix[10*img.Stride+10] {
		t.Fatal("sub-image origin not respected")
	}
}

func FuzzDecodeImageBytes(f *testing.F) {
	png, _ := PNG("MB1:FUZZ")
	f.Add(png)
	f.Add(encodeJPEG(mustRender("MB1:FUZZ", 100), 50))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := DecodeImageBytes(data, "fuzz")
		if err == nil && text == "" {
			t.Fatal("a decoded code with no text")
		}
	})
}

func FuzzDecodeGray(f *testing.F) {
	img := mustRender("MB1:FUZZ", 64)
	f.Add(img.Pix, 64)
	// Seeds for the steps after gozxing's: a code at an angle (perspective
	// search), finder look-alikes (other triples, the search bound), and an
	// odd width (the binarizer's edge blocks).
	f.Add(tiltedSeed(), tiltedSeedWidth)
	f.Add(finderTiles(200, 150, 3), 200)
	f.Add(Degrade(mustRender("MB1:FUZZ", 100), 4).Pix[:251*199], 251)
	f.Fuzz(func(t *testing.T, pix []byte, w int) {
		if w <= 0 || w > 1024 || len(pix) > 1<<16 {
			return
		}
		NewDecoder().Decode(pix, w, len(pix)/w)
	})
}

// finderTiles is a picture tiled with finder-pattern look-alikes of scale
// pixels per module: the worst case for gozxing's pattern selection.
func finderTiles(w, h, scale int) []byte {
	pix := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			mx, my := (x/scale)%9, (y/scale)%9 // 7 modules of pattern, 2 of gap
			black := false
			if mx < 7 && my < 7 {
				ring := min(min(mx, my), min(6-mx, 6-my))
				black = ring != 1
			}
			if !black {
				pix[y*w+x] = 255
			}
		}
	}
	return pix
}

// TestDecodeGivesUpOnFinderLookalikes: without the candidate cap, gozxing
// spent minutes on such a frame.
func TestDecodeGivesUpOnFinderLookalikes(t *testing.T) {
	for _, scale := range []int{1, 2} {
		d := NewDecoder()
		if _, err := d.Decode(finderTiles(640, 480, scale), 640, 480); !errors.Is(err, ErrNoCode) {
			t.Errorf("scale %d: got %v, want ErrNoCode", scale, err)
		}
		if d.capped == 0 {
			t.Errorf("scale %d: no pass was cut short", scale)
		}
	}
}

// TestDecodeSurvivesReaderPanic: gozxing panicking on a picture (here made to
// by its point callback, the one hook into it) costs that pass, not the app.
func TestDecodeSurvivesReaderPanic(t *testing.T) {
	d := NewDecoder()
	boom := gozxing.ResultPointCallback(func(gozxing.ResultPoint) {
		var p *gozxing.ResultPoint
		_ = *p // nil pointer dereference, as a bug in the reader would
	})
	d.plain[gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK] = boom
	d.callback = boom
	img := mustRender("MB1:PANIC", 200)
	if _, err := d.Decode(img.Pix, 200, 200); !errors.Is(err, ErrNoCode) {
		t.Fatalf("got %v, want ErrNoCode", err)
	}
	if d.failed == 0 {
		t.Fatal("no pass panicked: the test did not test anything")
	}
	// The picture itself is fine: a reader without the fault reads it.
	if text, err := NewDecoder().Decode(img.Pix, 200, 200); err != nil || text != "MB1:PANIC" {
		t.Fatalf("a normal decode after: %q %v", text, err)
	}
}

const tiltedSeedWidth = 256

// tiltedSeed is a small frame of a code on a screen turned by 25° about both
// axes, which only the perspective search reads (TestTiltedSeedIsReadAtAngle).
func tiltedSeed() []byte {
	img := mustRender(testFrame(9, 60), 200)
	return Degradation{Width: tiltedSeedWidth, Height: 240, Fill: 0.92, TiltX: 25, TiltY: -25, Noise: 1, Black: 20, White: 235}.Apply(img, 3).Pix
}

func TestTiltedSeedIsReadAtAngle(t *testing.T) {
	d := NewDecoder()
	got, err := d.Decode(tiltedSeed(), tiltedSeedWidth, 240)
	if err != nil || got != testFrame(9, 60) {
		t.Fatalf("got %q, %v", got, err)
	}
	if d.readAtAngle != 1 {
		t.Errorf("read by the %q pass, not by the perspective search: the fuzz seed no longer reaches it", d.lastPass)
	}
}
