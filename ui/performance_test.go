package ui

import (
	"context"
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/mispbump/mispbump-desktop/core/camera"
)

// webcamScene is a 1280×720 RGBA picture with some structure, as a 720p
// webcam delivers after decoding.
func webcamScene() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	for y := 0; y < 720; y++ {
		for x := 0; x < 1280; x++ {
			img.SetRGBA(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: uint8(x ^ y), A: 0xff})
		}
	}
	return img
}

// BenchmarkPreviewFrame is the per-frame work of the wizard's camera preview
// for a 720p camera, on the goroutines that see every frame: the source
// films the frame (gray plane for the decoder plus the 320-pixel mirrored
// RGBA preview, camera.Virtual doing what the webcam source does), the
// Reader copies the preview for the UI, and the preview's canvas.Image
// (ImageScaleFastest) takes it and is refreshed. It does not cover the QR
// decoder (it runs on the newest frame only, dropping the others) nor the
// GL texture upload of the real driver. CPU at 30 fps ≈ ns/op × 30 / 1e9.
func BenchmarkPreviewFrame(b *testing.B) {
	test.NewTempApp(b)
	scene := webcamScene()
	src := camera.NewVirtual(func() image.Image { return scene }, 1_000_000) // no pacing
	preview := &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleFastest}
	preview.SetMinSize(fyne.NewSize(256, 144))
	w := test.NewTempWindow(b, preview)
	w.Resize(fyne.NewSize(320, 200))
	var f camera.Frame
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := src.Read(ctx, &f, true); err != nil {
			b.Fatal(err)
		}
		p := f.Preview
		preview.Image = &image.RGBA{Pix: append([]byte(nil), p.Pix...), Stride: p.Stride, Rect: p.Rect}
		preview.Refresh()
	}
}
