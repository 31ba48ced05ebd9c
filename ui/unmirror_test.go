package ui

import (
	"image"
	"image/color"
	"testing"
)

// With Settings' mirror off, the preview is flipped back: pixel x goes to
// width-1-x on every row, odd and even widths alike, in place.
func TestUnmirrorFlipsEachRowInPlace(t *testing.T) {
	for _, w := range []int{1, 2, 5, 320} {
		img := image.NewRGBA(image.Rect(0, 0, w, 3))
		for y := range 3 {
			for x := range w {
				img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(x >> 8), uint8(y), 255})
			}
		}
		unmirror(img)
		for y := range 3 {
			for x := range w {
				want := color.RGBA{uint8(w - 1 - x), uint8((w - 1 - x) >> 8), uint8(y), 255}
				if got := img.RGBAAt(x, y); got != want {
					t.Fatalf("width %d: pixel (%d,%d) is %v, want %v", w, x, y, got, want)
				}
			}
		}
	}
	// A sub-image flips only its own columns.
	big := image.NewRGBA(image.Rect(0, 0, 4, 1))
	for x := range 4 {
		big.SetRGBA(x, 0, color.RGBA{uint8(x), 0, 0, 255})
	}
	unmirror(big.SubImage(image.Rect(1, 0, 3, 1)).(*image.RGBA))
	for x, want := range []uint8{0, 2, 1, 3} {
		if got := big.RGBAAt(x, 0).R; got != want {
			t.Errorf("sub-image flip: pixel %d is %d, want %d", x, got, want)
		}
	}
	preview := image.NewRGBA(image.Rect(0, 0, 320, 180))
	if n := testing.AllocsPerRun(10, func() { unmirror(preview) }); n != 0 {
		t.Errorf("unmirror allocates %v times a preview", n)
	}
}
