// Package qr turns MISPbump frames into QR images for the screen and reads
// them back from camera frames and image files.
//
// Rendering uses go-qrcode; the frames are uppercase alphanumeric text, so
// the code is in QR alphanumeric mode and stays at version 10 or below with
// error correction M, which a 720p webcam can read from arm's length. The
// image is always pure black on white with a quiet zone, whatever the theme.
//
// Reading uses gozxing directly on gray (luminance) bytes, the Y plane that
// webcams deliver, with a few cheap retries that make real, noisy frames
// readable. Degrade simulates a webcam looking at a screen, for tests and
// the headless demo.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxVersion is the largest QR version we show: beyond it a 720p webcam at
// arm's length gets fewer than about 4 pixels per module.
const MaxVersion = 10

// QuietZone is the white border, in modules, around every rendered code.
const QuietZone = 4

// TooLongError says a frame does not fit in a QR code of MaxVersion; the
// sender has to split it into more parts.
type TooLongError struct {
	Length  int // characters in the frame
	Version int // version it would need, 0 if even version 40 is too small
}

func (e *TooLongError) Error() string {
	if e.Version == 0 {
		return fmt.Sprintf("the frame (%d characters) is too long for any QR code; split it into more parts", e.Length)
	}
	return fmt.Sprintf("the frame (%d characters) needs QR version %d, more than the %d a webcam reads reliably; split it into more parts", e.Length, e.Version, MaxVersion)
}

// TooSmallError says the requested image cannot hold one pixel per module.
type TooSmallError struct {
	Size, Needed int // pixels asked for, pixels needed
}

func (e *TooSmallError) Error() string {
	return fmt.Sprintf("a %d pixel image is too small for this QR code (it needs at least %d pixels); make the window larger", e.Size, e.Needed)
}

// Code is a frame encoded as a QR symbol, ready to be drawn at any size.
type Code struct {
	modules [][]bool // true is black; includes the quiet zone
	version int
}

// Encode encodes text (a MISPbump frame or any short text) as a QR code
// with error correction M, refusing anything above MaxVersion.
func Encode(text string) (*Code, error) {
	if text == "" {
		return nil, errors.New("there is no text to put in the QR code")
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, &TooLongError{Length: len(text)}
	}
	if q.VersionNumber > MaxVersion {
		return nil, &TooLongError{Length: len(text), Version: q.VersionNumber}
	}
	q.DisableBorder = true
	inner := q.Bitmap()
	n := len(inner) + 2*QuietZone
	modules := make([][]bool, n)
	for y := range modules {
		modules[y] = make([]bool, n)
		if y >= QuietZone && y < n-QuietZone {
			copy(modules[y][QuietZone:], inner[y-QuietZone])
		}
	}
	return &Code{modules: modules, version: q.VersionNumber}, nil
}

// Version is the QR version (1–40) of the code; it is at most MaxVersion.
func (c *Code) Version() int { return c.version }

// Modules is the width of the code in modules, quiet zone included.
func (c *Code) Modules() int { return len(c.modules) }

// Black reports whether the module at (x, y) is black; the quiet zone
// counts, so x and y run from 0 to Modules()-1.
func (c *Code) Black(x, y int) bool { return c.modules[y][x] }

// Image draws the code in a size×size gray image, black on white. Modules
// are scaled by the largest whole number that fits, so every module has the
// same width on screen (no blurred edges), and the code is centred.
func (c *Code) Image(size int) (*image.Gray, error) {
	n := len(c.modules)
	if size < n {
		return nil, &TooSmallError{Size: size, Needed: n}
	}
	scale := size / n
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	offset := (size - scale*n) / 2
	for my, row := range c.modules {
		for mx, black := range row {
			if !black {
				continue
			}
			x0, y0 := offset+mx*scale, offset+my*scale
			for y := y0; y < y0+scale; y++ {
				line := img.Pix[y*img.Stride+x0 : y*img.Stride+x0+scale]
				for i := range line {
					line[i] = 0
				}
			}
		}
	}
	return img, nil
}

// Render encodes text and draws it in a size×size image; see Encode and
// Code.Image. This is what the screen shows: pass the largest square the
// window allows.
func Render(text string, size int) (*image.Gray, error) {
	c, err := Encode(text)
	if err != nil {
		return nil, err
	}
	return c.Image(size)
}

// PNGSize is the side in pixels of the images PNG produces: large enough to
// print or show on another screen, small enough to mail.
const PNGSize = 600

// PNG encodes text as a QR code and returns a PNG file of it, PNGSize
// pixels square ("save my code as PNG").
func PNG(text string) ([]byte, error) {
	img, err := Render(text, PNGSize)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("could not write the PNG image: %w", err)
	}
	return buf.Bytes(), nil
}
