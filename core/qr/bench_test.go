package qr

import (
	"fmt"
	"image"
	"path/filepath"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/internal/cputime"
)

// benchFrame is a webcam frame of width×height with (or without) a
// version-10 code covering half the frame height.
func benchFrame(width, height int, withCode bool) []byte {
	var src = clutter(0, 9)
	if withCode {
		src = mustRender(testFrame(77, 311), 600)
	}
	d := RealisticDegradation(21)
	d.Width, d.Height, d.OffsetX, d.OffsetY, d.Fill = width, height, 0, 0, 0.6
	return d.Apply(src, 21).Pix
}

func BenchmarkDecode(b *testing.B) {
	for _, size := range [][2]int{{640, 480}, {1280, 720}} {
		for _, withCode := range []bool{true, false} {
			name := fmt.Sprintf("%dx%d/code=%v", size[0], size[1], withCode)
			b.Run(name, func(b *testing.B) {
				frame := benchFrame(size[0], size[1], withCode)
				d := NewDecoder()
				if _, err := d.Decode(frame, size[0], size[1]); (err == nil) != withCode {
					b.Fatalf("decode: %v", err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cputime.Process()
				for b.Loop() {
					d.Decode(frame, size[0], size[1])
				}
				cputime.Report(b, cpu)
			})
		}
	}
}

// BenchmarkDecodeNoCodeWorst decodes 720p frames without a code that look
// promising to the decoder, so that every pass runs: an empty white window
// on a screen (its corners pass for finder patterns) and a fine
// checkerboard (finder look-alikes everywhere).
func BenchmarkDecodeNoCodeWorst(b *testing.B) {
	for name, src := range map[string]image.Image{"white-window": blankPicture(), "checkerboard": checkers(600, 7)} {
		b.Run(name, func(b *testing.B) {
			frame := Degrade(src, 11).Pix
			d := NewDecoder()
			if _, err := d.Decode(frame, 1280, 720); err == nil {
				b.Fatal("a code read in a frame without one")
			}
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				d.Decode(frame, 1280, 720)
			}
			cputime.Report(b, cpu)
		})
	}
}

func blankPicture() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 600, 600))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	return img
}

// BenchmarkCorpus decodes every picture of testdata/qr that holds a code
// and reports the hit rate (realistic and extreme alike).
func BenchmarkCorpus(b *testing.B) {
	cases := loadCorpus(b)
	type picture struct {
		pix  []byte
		w, h int
		text string
	}
	var pics []picture
	for _, c := range cases {
		if c.Text == "" {
			continue
		}
		img, err := loadImage(filepath.Join(corpusDir, c.File))
		if err != nil {
			b.Fatal(err)
		}
		pix, w, h := Gray(img)
		pics = append(pics, picture{pix, w, h, c.Text})
	}
	d := NewDecoder()
	hits := 0
	b.ResetTimer()
	cpu := cputime.Process()
	for b.Loop() {
		hits = 0
		for _, p := range pics {
			if text, err := d.Decode(p.pix, p.w, p.h); err == nil && text == p.text {
				hits++
			}
		}
	}
	b.ReportMetric(float64(hits)/float64(len(pics))*100, "%hit")
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N)/float64(len(pics))/1e6, "cpu-ms/picture")
}

// BenchmarkDegrade makes one 1280×720 webcam view of a version-10 code, as
// the headless demo's virtual cameras do for every view of a code.
func BenchmarkDegrade(b *testing.B) {
	src := mustRender(testFrame(77, 311), 600)
	b.ReportAllocs()
	seed := uint64(0)
	cpu := cputime.Process()
	for b.Loop() {
		seed++
		Degrade(src, seed)
	}
	cputime.Report(b, cpu)
}
