package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // open JPEG files and pasted JPEG images
	_ "image/png"  // open PNG files and pasted PNG images
	"os"
)

// maxImagePixels bounds the images we open, so a hostile file cannot make
// us allocate gigabytes (50 megapixels is more than any phone photo).
const maxImagePixels = 50 << 20

// ImageError says an image file or pasted image could not be read as a
// picture at all (as opposed to a picture without a code: ErrNoCode).
type ImageError struct {
	Source string // file name, or "the pasted image"
	Err    error
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("%s is not a PNG or JPEG image we can read (%v); save the code as PNG and try again", e.Source, e.Err)
}

func (e *ImageError) Unwrap() error { return e.Err }

// Gray returns the luminance of img as packed gray bytes (stride = width),
// ready for Decoder.Decode. It converts through image/draw, which has fast
// paths for the common image types.
func Gray(img image.Image) (pix []byte, width, height int) {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok && g.Stride == b.Dx() {
		return g.Pix[:b.Dx()*b.Dy()], b.Dx(), b.Dy()
	}
	if yc, ok := img.(*image.YCbCr); ok {
		// The Y plane is the luminance already.
		w, h := b.Dx(), b.Dy()
		pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			off := yc.YOffset(b.Min.X, b.Min.Y+y)
			copy(pix[y*w:(y+1)*w], yc.Y[off:off+w])
		}
		return pix, w, h
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	return g.Pix, b.Dx(), b.Dy()
}

// DecodeImage reads the QR code in an image.
func DecodeImage(img image.Image) (string, error) {
	pix, w, h := Gray(img)
	return NewDecoder().Decode(pix, w, h)
}

// DecodeImageBytes reads the QR code in a PNG or JPEG image held in memory
// (a pasted image from the clipboard, a received file). source names it in
// errors.
func DecodeImageBytes(data []byte, source string) (string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", &ImageError{Source: source, Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return "", &ImageError{Source: source, Err: fmt.Errorf("%d×%d pixels is too large", cfg.Width, cfg.Height)}
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", &ImageError{Source: source, Err: err}
	}
	return DecodeImage(img)
}

// loadImage decodes a PNG or JPEG file.
func loadImage(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	return img, err
}

// DecodeFile reads the QR code in a PNG or JPEG file.
func DecodeFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("could not open the image: %w", err)
	}
	return DecodeImageBytes(data, path)
}
