package camera

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/internal/cputime"
)

// syntheticYUYV builds a YUYV frame whose luminance is a known pattern and
// whose left half is red and right half blue.
func syntheticYUYV(w, h int) (yuyv, wantGray []byte) {
	yuyv = make([]byte, w*h*2)
	wantGray = make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			lum := byte((x*7 + y*13) % 256)
			wantGray[y*w+x] = lum
			i := (y*w + x) * 2
			yuyv[i] = lum
			if x%2 == 0 {
				if x < w/2 {
					yuyv[i+1], yuyv[i+3] = 90, 240 // red: low Cb, high Cr
				} else {
					yuyv[i+1], yuyv[i+3] = 240, 110 // blue: high Cb
				}
			}
		}
	}
	return yuyv, wantGray
}

func TestYUYVToGray(t *testing.T) {
	yuyv, want := syntheticYUYV(64, 48)
	gray := make([]byte, 64*48)
	if err := YUYVToGray(gray, yuyv, 64, 48); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gray, want) {
		t.Fatal("the gray plane differs from the Y samples")
	}
}

func TestYUYVToGrayRejectsBadSizes(t *testing.T) {
	gray := make([]byte, 64*48)
	for _, c := range []struct {
		name string
		yuyv []byte
		gray []byte
		w, h int
	}{
		{"odd width", make([]byte, 63*48*2), gray, 63, 48},
		{"short frame", make([]byte, 64*48*2-1), gray, 64, 48},
		{"short gray buffer", make([]byte, 64*48*2), gray[:100], 64, 48},
		{"zero size", nil, gray, 0, 0},
	} {
		if err := YUYVToGray(c.gray, c.yuyv, c.w, c.h); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestYUYVPreviewIsMirroredColour(t *testing.T) {
	w, h := 640, 480
	yuyv := make([]byte, w*h*2)
	for i := 0; i < len(yuyv); i += 4 {
		x := (i / 2) % w
		yuyv[i], yuyv[i+2] = 128, 128
		if x < w/2 {
			yuyv[i+1], yuyv[i+3] = 90, 240 // red on the left of the camera image
		} else {
			yuyv[i+1], yuyv[i+3] = 240, 110 // blue on the right
		}
	}
	p := ensurePreview(nil, w, h)
	if p.Rect.Dx() != PreviewWidth || p.Rect.Dy() != PreviewWidth*h/w {
		t.Fatalf("preview is %v", p.Rect)
	}
	yuyvPreview(p, yuyv, w, h)
	left := p.RGBAAt(10, 10)
	right := p.RGBAAt(PreviewWidth-10, 10)
	// Mirrored: the camera's right (blue) shows on the left.
	if !(left.B > left.R && right.R > right.B) {
		t.Fatalf("preview not mirrored: left %v, right %v", left, right)
	}
}

// stripHuffmanTables removes every DHT segment from a JPEG, as many
// webcams send MJPEG frames.
func stripHuffmanTables(t *testing.T, data []byte) []byte {
	t.Helper()
	out := append([]byte(nil), data[:2]...)
	i := 2
	for i+4 <= len(data) {
		marker := data[i+1]
		length := int(data[i+2])<<8 | int(data[i+3])
		if marker == 0xda { // start of scan: the rest is entropy-coded data
			return append(out, data[i:]...)
		}
		if marker != 0xc4 {
			out = append(out, data[i:i+2+length]...)
		}
		i += 2 + length
	}
	t.Fatal("no start of scan in the JPEG")
	return nil
}

func syntheticJPEG(t testing.TB, w, h int) ([]byte, *image.Gray) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	want := image.NewGray(img.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(40)
			if (x/16+y/16)%2 == 0 {
				v = 220
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
			want.Pix[y*w+x] = v
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), want
}

func TestMJPEGToGray(t *testing.T) {
	data, want := syntheticJPEG(t, 160, 96)
	for name, frame := range map[string][]byte{
		"with Huffman tables":    data,
		"without Huffman tables": stripHuffmanTables(t, data),
	} {
		gray, img, w, h, err := MJPEGToGray(nil, frame)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w != 160 || h != 96 || img == nil || len(gray) != w*h {
			t.Fatalf("%s: got %d×%d, %d bytes", name, w, h, len(gray))
		}
		for i := range gray {
			if d := int(gray[i]) - int(want.Pix[i]); d > 12 || d < -12 {
				t.Fatalf("%s: pixel %d is %d, want about %d", name, i, gray[i], want.Pix[i])
			}
		}
	}
	// The stripped frame really needs the inserted tables.
	if _, err := jpeg.Decode(bytes.NewReader(stripHuffmanTables(t, data))); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables: the test proves nothing")
	}
}

func TestMJPEGToGrayReusesBuffer(t *testing.T) {
	data, _ := syntheticJPEG(t, 64, 64)
	buf := make([]byte, 0, 64*64)
	gray, _, _, _, err := MJPEGToGray(buf, data)
	if err != nil {
		t.Fatal(err)
	}
	if &gray[0] != &buf[:1][0] {
		t.Error("MJPEGToGray allocated although the buffer was large enough")
	}
}

func TestMJPEGToGrayRejectsBrokenFrames(t *testing.T) {
	data, _ := syntheticJPEG(t, 64, 64)
	for name, frame := range map[string][]byte{
		"empty":       nil,
		"not a JPEG":  []byte("\x89PNG\r\n\x1a\n"),
		"truncated":   data[:len(data)/3],
		"header only": data[:20],
	} {
		if _, _, _, _, err := MJPEGToGray(nil, frame); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzYUYVToGray(f *testing.F) {
	yuyv, _ := syntheticYUYV(8, 4)
	f.Add(yuyv, 8, 4)
	f.Add([]byte{1, 2, 3}, 2, 1)
	f.Fuzz(func(t *testing.T, yuyv []byte, w, h int) {
		if w < 0 || h < 0 || w > 4096 || h > 4096 {
			return
		}
		gray := make([]byte, w*h)
		if err := YUYVToGray(gray, yuyv, w, h); err != nil {
			return
		}
		for i := range gray {
			if gray[i] != yuyv[2*i] {
				t.Fatalf("pixel %d: %d, want %d", i, gray[i], yuyv[2*i])
			}
		}
		p := ensurePreview(nil, w, h)
		yuyvPreview(p, yuyv, w, h)
	})
}

func FuzzMJPEGToGray(f *testing.F) {
	data, _ := syntheticJPEG(f, 32, 16)
	f.Add(data)
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		gray, img, w, h, err := MJPEGToGray(nil, data)
		if err != nil {
			return
		}
		if len(gray) != w*h || img == nil {
			t.Fatalf("%d bytes for %d×%d", len(gray), w, h)
		}
		p := ensurePreview(nil, w, h)
		imagePreview(p, img)
	})
}

func BenchmarkYUYVToGray(b *testing.B) {
	for _, size := range [][2]int{{640, 480}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			yuyv, _ := syntheticYUYV(size[0], size[1])
			gray := make([]byte, size[0]*size[1])
			b.SetBytes(int64(len(yuyv)))
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				YUYVToGray(gray, yuyv, size[0], size[1])
			}
			cputime.Report(b, cpu)
		})
	}
}

func BenchmarkMJPEGToGray(b *testing.B) {
	for _, size := range [][2]int{{640, 480}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			data, _ := syntheticJPEG(b, size[0], size[1])
			gray := make([]byte, size[0]*size[1])
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				gray, _, _, _, _ = MJPEGToGray(gray, data)
			}
			cputime.Report(b, cpu)
		})
	}
}

func BenchmarkYUYVPreview(b *testing.B) {
	yuyv, _ := syntheticYUYV(1280, 720)
	p := ensurePreview(nil, 1280, 720)
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		yuyvPreview(p, yuyv, 1280, 720)
	}
	cputime.Report(b, cpu)
}

func TestImageToGrayMatchesGrayModel(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 97)
	}
	for i := 3; i < len(rgba.Pix); i += 4 {
		rgba.Pix[i] = 0xff // opaque, so RGBA and NRGBA agree
	}
	nrgba := &image.NRGBA{Pix: rgba.Pix, Stride: rgba.Stride, Rect: rgba.Rect}
	sub := rgba.SubImage(image.Rect(5, 3, 30, 20))
	for name, img := range map[string]image.Image{"RGBA": rgba, "NRGBA": nrgba, "sub-image": sub} {
		gray, w, h := imageToGray(nil, img)
		b := img.Bounds()
		if w != b.Dx() || h != b.Dy() {
			t.Fatalf("%s: %d×%d", name, w, h)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				want := color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
				if d := int(gray[y*w+x]) - int(want); d > 1 || d < -1 {
					t.Fatalf("%s (%d,%d): %d, want %d", name, x, y, gray[y*w+x], want)
				}
			}
		}
	}
}

// TestImagePreviewFastPathsMatchGeneric checks the allocation-free paths for
// RGBA and Gray against the img.At path, on whole images and on sub-images
// (whose bounds do not start at 0,0), and that the preview is mirrored.
func TestImagePreviewFastPathsMatchGeneric(t *testing.T) {
	const w, h = 1280, 720
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rgba.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 0xff})
			gray.SetGray(x, y, color.Gray{uint8(3*x + y)})
		}
	}
	images := map[string]image.Image{
		"rgba":     rgba,
		"gray":     gray,
		"rgba-sub": rgba.SubImage(image.Rect(37, 11, 37+640, 11+360)),
		"gray-sub": gray.SubImage(image.Rect(101, 7, 101+400, 7+300)),
	}
	for name, img := range images {
		b := img.Bounds()
		fast := ensurePreview(nil, b.Dx(), b.Dy())
		want := ensurePreview(nil, b.Dx(), b.Dy())
		imagePreview(fast, img)
		genericPreview(want, img)
		if !bytes.Equal(fast.Pix, want.Pix) {
			t.Errorf("%s: the fast preview differs from the generic one", name)
		}
		// Mirrored: the preview's left edge shows the image's right edge.
		gotR, gotG := fast.Pix[0], fast.Pix[1]
		srcX := b.Min.X + (fast.Rect.Dx()-1)*b.Dx()/fast.Rect.Dx()
		if srcX < b.Max.X-1-(b.Dx()+fast.Rect.Dx()-1)/fast.Rect.Dx() {
			t.Fatalf("%s: column %d is not at the right edge", name, srcX)
		}
		r, g, _, _ := img.At(srcX, b.Min.Y).RGBA()
		if gotR != uint8(r>>8) || gotG != uint8(g>>8) {
			t.Errorf("%s: top-left preview pixel is %d,%d, want the image's right edge %d,%d", name, gotR, gotG, r>>8, g>>8)
		}
	}
}

func TestImagePreviewRGBADoesNotAllocate(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	p := ensurePreview(nil, 1280, 720)
	if n := testing.AllocsPerRun(5, func() { imagePreview(p, img) }); n != 0 {
		t.Errorf("imagePreview of an RGBA frame allocates %v times, want 0", n)
	}
}
