package camera

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"sync"
)

// YUYVToGray copies the luminance of a packed YUYV 4:2:2 frame (Y0 U Y1 V
// for every two pixels) of width×height into gray, which must hold
// width×height bytes.
func YUYVToGray(gray, yuyv []byte, width, height int) error {
	if width <= 0 || height <= 0 || width%2 != 0 {
		return fmt.Errorf("a YUYV frame of %d×%d pixels is impossible (the width must be even)", width, height)
	}
	n := width * height
	if len(yuyv) < 2*n {
		return fmt.Errorf("the YUYV frame is %d bytes, too short for %d×%d pixels", len(yuyv), width, height)
	}
	if len(gray) < n {
		return fmt.Errorf("the gray buffer is %d bytes, too short for %d×%d pixels", len(gray), width, height)
	}
	yuyv = yuyv[:2*n]
	gray = gray[:n]
	for i := range gray {
		gray[i] = yuyv[2*i]
	}
	return nil
}

// previewSize is the size of the preview of a width×height frame.
func previewSize(width, height int) (int, int) {
	return PreviewWidth, max(1, PreviewWidth*height/width)
}

func ensurePreview(p *image.RGBA, width, height int) *image.RGBA {
	pw, ph := previewSize(width, height)
	if p == nil || p.Rect.Dx() != pw || p.Rect.Dy() != ph {
		return image.NewRGBA(image.Rect(0, 0, pw, ph))
	}
	return p
}

// yuyvPreview draws a mirrored, downscaled colour preview of a YUYV frame.
func yuyvPreview(dst *image.RGBA, yuyv []byte, width, height int) {
	pw, ph := dst.Rect.Dx(), dst.Rect.Dy()
	for py := 0; py < ph; py++ {
		sy := py * height / ph
		row := yuyv[sy*width*2 : (sy+1)*width*2]
		out := dst.Pix[py*dst.Stride : py*dst.Stride+pw*4]
		for px := 0; px < pw; px++ {
			sx := (pw - 1 - px) * width / pw
			pair := (sx &^ 1) * 2
			y := row[sx*2]
			r, g, b := ycbcrToRGB(y, row[pair+1], row[pair+3])
			o := out[px*4 : px*4+4]
			o[0], o[1], o[2], o[3] = r, g, b, 0xff
		}
	}
}

// grayPreview draws a mirrored, downscaled preview of a gray frame.
func grayPreview(dst *image.RGBA, gray []byte, width, height int) {
	pw, ph := dst.Rect.Dx(), dst.Rect.Dy()
	for py := 0; py < ph; py++ {
		sy := py * height / ph
		row := gray[sy*width : (sy+1)*width]
		out := dst.Pix[py*dst.Stride : py*dst.Stride+pw*4]
		for px := 0; px < pw; px++ {
			v := row[(pw-1-px)*width/pw]
			o := out[px*4 : px*4+4]
			o[0], o[1], o[2], o[3] = v, v, v, 0xff
		}
	}
}

// imagePreview draws a mirrored, downscaled preview of any image.
func imagePreview(dst *image.RGBA, img image.Image) {
	b := img.Bounds()
	pw, ph := dst.Rect.Dx(), dst.Rect.Dy()
	if yc, ok := img.(*image.YCbCr); ok {
		for py := 0; py < ph; py++ {
			sy := b.Min.Y + py*b.Dy()/ph
			for px := 0; px < pw; px++ {
				sx := b.Min.X + (pw-1-px)*b.Dx()/pw
				r, g, bl := ycbcrToRGB(yc.Y[yc.YOffset(sx, sy)], yc.Cb[yc.COffset(sx, sy)], yc.Cr[yc.COffset(sx, sy)])
				o := dst.Pix[py*dst.Stride+px*4 : py*dst.Stride+px*4+4]
				o[0], o[1], o[2], o[3] = r, g, bl, 0xff
			}
		}
		return
	}
	// Screen captures (the demo's virtual cameras) come as RGBA or Gray;
	// img.At would box one colour per preview pixel, so read Pix directly.
	switch m := img.(type) {
	case *image.RGBA:
		for py := 0; py < ph; py++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+py*b.Dy()/ph):]
			out := dst.Pix[py*dst.Stride : py*dst.Stride+pw*4]
			for px := 0; px < pw; px++ {
				s := row[(pw-1-px)*b.Dx()/pw*4:]
				o := out[px*4 : px*4+4]
				o[0], o[1], o[2], o[3] = s[0], s[1], s[2], 0xff
			}
		}
		return
	case *image.Gray:
		for py := 0; py < ph; py++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+py*b.Dy()/ph):]
			out := dst.Pix[py*dst.Stride : py*dst.Stride+pw*4]
			for px := 0; px < pw; px++ {
				v := row[(pw-1-px)*b.Dx()/pw]
				o := out[px*4 : px*4+4]
				o[0], o[1], o[2], o[3] = v, v, v, 0xff
			}
		}
		return
	}
	genericPreview(dst, img)
}

// genericPreview draws a mirrored, downscaled preview of any image through
// img.At (one allocation per preview pixel for most image types).
func genericPreview(dst *image.RGBA, img image.Image) {
	b := img.Bounds()
	pw, ph := dst.Rect.Dx(), dst.Rect.Dy()
	for py := 0; py < ph; py++ {
		sy := b.Min.Y + py*b.Dy()/ph
		for px := 0; px < pw; px++ {
			sx := b.Min.X + (pw-1-px)*b.Dx()/pw
			r, g, bl, _ := img.At(sx, sy).RGBA()
			o := dst.Pix[py*dst.Stride+px*4 : py*dst.Stride+px*4+4]
			o[0], o[1], o[2], o[3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), 0xff
		}
	}
}

func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	// BT.601 full range in 16.16 fixed point, as image/color does it.
	yy := int32(y) * 0x10101
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	r := yy + 91881*cr1
	g := yy - 22554*cb1 - 46802*cr1
	b := yy + 116130*cb1
	return clip16(r), clip16(g), clip16(b)
}

func clip16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 0xff
}

// maxMJPEGPixels bounds the frame size a JPEG header may claim (4K), so a
// corrupt frame cannot make us allocate gigabytes.
const maxMJPEGPixels = 3840 * 2160

// DecodeMJPEG decodes one MJPEG frame from a webcam. Many webcams leave out
// the Huffman tables (they are the standard ones, per the MJPEG/AVI
// convention); DecodeMJPEG inserts them when missing.
func DecodeMJPEG(data []byte) (image.Image, error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return nil, errors.New("the camera sent a broken MJPEG frame (no JPEG start marker)")
	}
	open := func() io.Reader { return bytes.NewReader(data) }
	if !bytes.Contains(data, []byte{0xff, 0xc4}) {
		if at := huffmanInsertionPoint(data); at > 0 {
			open = func() io.Reader {
				return io.MultiReader(bytes.NewReader(data[:at]), bytes.NewReader(standardDHT()), bytes.NewReader(data[at:]))
			}
		}
	}
	cfg, err := jpeg.DecodeConfig(open())
	if err != nil {
		return nil, fmt.Errorf("the camera sent a broken MJPEG frame: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxMJPEGPixels {
		return nil, fmt.Errorf("the camera sent an MJPEG frame of %d×%d pixels, more than we handle", cfg.Width, cfg.Height)
	}
	img, err := jpeg.Decode(open())
	if err != nil {
		return nil, fmt.Errorf("the camera sent a broken MJPEG frame: %w", err)
	}
	return img, nil
}

// MJPEGToGray decodes an MJPEG frame and writes its luminance into gray,
// growing it when needed; it returns the gray plane and the decoded image
// (for the preview).
func MJPEGToGray(gray []byte, data []byte) ([]byte, image.Image, int, int, error) {
	img, err := DecodeMJPEG(data)
	if err != nil {
		return gray, nil, 0, 0, err
	}
	gray, w, h := imageToGray(gray, img)
	return gray, img, w, h, nil
}

// imageToGray writes the luminance of img into gray (grown when needed).
func imageToGray(gray []byte, img image.Image) ([]byte, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if cap(gray) < w*h {
		gray = make([]byte, w*h)
	}
	gray = gray[:w*h]
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(gray[y*w:(y+1)*w], m.Y[off:off+w])
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(gray[y*w:(y+1)*w], m.Pix[off:off+w])
		}
	case *image.RGBA:
		// Screen captures (the demo's virtual cameras) come as RGBA.
		rgbaToGray(gray, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h)
	case *image.NRGBA:
		rgbaToGray(gray, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h)
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Rec. 601 luma, as image/color.GrayModel.
				gray[y*w+x] = uint8((19595*r + 38470*g + 7471*bl + 1<<15) >> 24)
			}
		}
	}
	return gray, w, h
}

// rgbaToGray writes the Rec. 601 luma of 8-bit RGBA pixels (alpha
// ignored: a camera films colours, not transparency) into gray.
func rgbaToGray(gray, pix []byte, stride, offset, w, h int) {
	for y := 0; y < h; y++ {
		row := pix[offset+y*stride : offset+y*stride+4*w]
		out := gray[y*w : (y+1)*w]
		for x := range out {
			r, g, b := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2])
			out[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		}
	}
}

var (
	huffmanOnce   sync.Once
	huffmanTables []byte // a DHT segment with the standard tables
)

// standardDHT returns the DHT segment holding the JPEG standard (Annex K)
// Huffman tables. Go's JPEG encoder writes exactly those, so we take the
// segment from a tiny image it encodes instead of copying the tables.
func standardDHT() []byte {
	huffmanOnce.Do(func() {
		var buf bytes.Buffer
		img := image.NewYCbCr(image.Rect(0, 0, 8, 8), image.YCbCrSubsampleRatio420)
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			return
		}
		b := buf.Bytes()
		for i := 2; i+4 <= len(b); {
			if b[i] != 0xff {
				return
			}
			length := int(b[i+2])<<8 | int(b[i+3])
			if b[i+1] == 0xc4 {
				huffmanTables = append([]byte(nil), b[i:i+2+length]...)
				return
			}
			i += 2 + length
		}
	})
	return huffmanTables
}

// huffmanInsertionPoint is the offset of the first start-of-frame or
// start-of-scan marker, where the standard tables go; 0 if there is none.
func huffmanInsertionPoint(data []byte) int {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return 0
		}
		marker := data[i+1]
		if marker == 0xc0 || marker == 0xc1 || marker == 0xda {
			return i
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return 0
}
