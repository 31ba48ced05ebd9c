package qr

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// testFrame returns a random uppercase alphanumeric string of n characters,
// shaped like a MISPbump frame: the "MB1:" prefix, then Base45 characters.
func testFrame(seed uint64, n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	r := rand.New(rand.NewPCG(seed, 1))
	b := []byte("MB1:")
	for len(b) < n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(b)
}

func TestEncodeStaysAtVersion10(t *testing.T) {
	for _, n := range []int{20, 100, 200, 311} {
		c, err := Encode(testFrame(uint64(n), n))
		if err != nil {
			t.Fatalf("%d characters: %v", n, err)
		}
		if c.Version() > MaxVersion {
			t.Errorf("%d characters: version %d, want ≤ %d", n, c.Version(), MaxVersion)
		}
		if want := 17 + 4*c.Version() + 2*QuietZone; c.Modules() != want {
			t.Errorf("%d characters: %d modules, want %d", n, c.Modules(), want)
		}
	}
	// 311 alphanumeric characters need exactly version 10 at M: proof that
	// go-qrcode chose alphanumeric mode (byte mode would need version 13).
	c, _ := Encode(testFrame(311, 311))
	if c.Version() != 10 {
		t.Errorf("311 characters: version %d, want 10 (alphanumeric mode)", c.Version())
	}
}

func TestEncodeRefusesLongFrames(t *testing.T) {
	_, err := Encode(testFrame(1, 400))
	var tooLong *TooLongError
	if !errors.As(err, &tooLong) || tooLong.Version <= MaxVersion {
		t.Fatalf("400 characters: got %v, want a TooLongError naming a version above %d", err, MaxVersion)
	}
	// Lowercase forces byte mode, which needs a larger version.
	_, err = Encode("mb1" + testFrame(2, 300)[3:] + "abc")
	if !errors.As(err, &tooLong) {
		t.Fatalf("byte-mode text: got %v, want a TooLongError", err)
	}
}

func TestImageIsBlackOnWhiteWithQuietZone(t *testing.T) {
	c, err := Encode(testFrame(3, 150))
	if err != nil {
		t.Fatal(err)
	}
	img, err := c.Image(500)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 500 || b.Dy() != 500 {
		t.Fatalf("image is %v, want 500×500", b)
	}
	scale := 500 / c.Modules()
	offset := (500 - scale*c.Modules()) / 2
	for i, p := range img.Pix {
		if p != 0 && p != 0xff {
			t.Fatalf("pixel %d is %d, want pure black or white", i, p)
		}
	}
	// Quiet zone: the first QuietZone modules are white on every side.
	for y := 0; y < 500; y++ {
		for x := 0; x < 500; x++ {
			inCode := x >= offset+QuietZone*scale && x < offset+(c.Modules()-QuietZone)*scale &&
				y >= offset+QuietZone*scale && y < offset+(c.Modules()-QuietZone)*scale
			if !inCode && img.Pix[y*img.Stride+x] != 0xff {
				t.Fatalf("pixel (%d,%d) in the quiet zone is black", x, y)
			}
		}
	}
	// Integer scaling: every module is a solid scale×scale square.
	for my := 0; my < c.Modules(); my++ {
		for mx := 0; mx < c.Modules(); mx++ {
			want := byte(0xff)
			if c.Black(mx, my) {
				want = 0
			}
			for y := offset + my*scale; y < offset+(my+1)*scale; y++ {
				for x := offset + mx*scale; x < offset+(mx+1)*scale; x++ {
					if img.Pix[y*img.Stride+x] != want {
						t.Fatalf("module (%d,%d) is not a solid square", mx, my)
					}
				}
			}
		}
	}
	if _, err := c.Image(c.Modules() - 1); err == nil {
		t.Error("an image smaller than one pixel per module was drawn")
	}
}

func TestRenderedCodeDecodes(t *testing.T) {
	for _, n := range []int{30, 180, 311} {
		text := testFrame(uint64(n)+7, n)
		img, err := Render(text, 400)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeImage(img)
		if err != nil || got != text {
			t.Errorf("%d characters: decoded %q, %v", n, got, err)
		}
	}
}

func TestPNGDecodes(t *testing.T) {
	text := testFrame(9, 250)
	data, err := PNG(text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeImageBytes(data, "test.png")
	if err != nil || got != text {
		t.Fatalf("decoded %q, %v", got, err)
	}
}
