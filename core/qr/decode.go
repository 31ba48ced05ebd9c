package qr

import (
	"errors"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// ErrNoCode says a picture holds no QR code that could be read.
var ErrNoCode = errors.New("no readable QR code in the picture: hold the other screen steady, fully in view, at about arm's length")

// minContrast is the smallest spread of luminance (0–255) between the
// darkest and the lightest sampled pixel for which decoding is tried: a QR
// code on a screen always spans far more, a covered lens or a white wall
// does not.
const minContrast = 40

// minPromisingCandidates is how many finder-pattern candidates the full- or
// the half-size pass must have seen, when it could not pick three, for the
// dearer blurred pass to run.
const minPromisingCandidates = 2

// minHalfFirstWidth is the frame width from which decoding starts at half
// size (720p and up).
const minHalfFirstWidth = 1000

// A Decoder reads QR codes from gray frames. It keeps its buffers between
// calls, so a camera loop can use one Decoder for every frame without
// allocating per frame beyond what gozxing itself needs. A Decoder is not
// safe for use by several goroutines at once; give each its own.
type Decoder struct {
	qrDecoder   *decoder.Decoder
	callback    gozxing.ResultPointCallback
	bin         binarizer
	patterns    map[int][]templateModule // fixedPatterns by dimension
	readAtAngle int                      // codes read by the perspective search; for tests
	// searchesLeft is what remains of maxSearches in the current pass.
	searchesLeft int
	blurred      []byte
	half         []byte
	plain        map[gozxing.DecodeHintType]interface{}
	candidates   int    // finder-pattern candidates in the current pass
	capped       int    // passes given up for too many candidates; for tests
	lastPass     string // which attempt succeeded last; for tests and tuning
	failed       int    // passes in which gozxing panicked; for tests
}

// maxCandidates caps the finder-pattern candidates gozxing may collect in
// one pass. Its selection of the best three is cubic in their number, so a
// picture tiled with finder-like squares (a fuzzer found one; a patterned
// poster could be one) would take minutes. A real frame has three finder
// patterns and a handful of look-alikes.
const maxCandidates = 48

// tooManyCandidates is the panic value that ends a pass early.
type tooManyCandidates struct{}

// NewDecoder returns a Decoder ready for frames of any size.
func NewDecoder() *Decoder {
	d := &Decoder{qrDecoder: decoder.NewDecoder()}
	// gozxing reports every new candidate to this callback: the only hook
	// that lets us stop a pass that has gone pathological.
	count := gozxing.ResultPointCallback(func(gozxing.ResultPoint) {
		d.candidates++
		if d.candidates > maxCandidates {
			panic(tooManyCandidates{})
		}
	})
	d.callback = count
	d.plain = map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK: count,
	}
	return d
}

// Decode reads the QR code in a gray frame of width×height pixels, one byte
// per pixel, rows packed without padding (the Y plane of a YUV frame). It
// returns the text of the code or ErrNoCode. gray is only read, and not
// kept after Decode returns.
//
// Decoding goes from cheap to dear and stops at the first success: a
// nearly uniform frame (a covered lens, a wall) is rejected after sampling
// a few hundred pixels; then the frame at full size and at half size (2×2
// averaging, against sensor noise and a screen's moiré), half size first
// for 720p and larger. Each pass binarizes (hybrid, local threshold), finds
// the finder patterns and samples the grid as gozxing does; when that fails
// it searches the projective map of a code seen at an angle and tries other
// triples of finder patterns (perspective.go). Only when a code seems to be
// there (finder patterns found, or two finder-like squares at full size)
// comes one dearer pass on a light 3×3 blur. A frame without a code so
// costs about one and a quarter passes.
func (d *Decoder) Decode(gray []byte, width, height int) (string, error) {
	if width < 21 || height < 21 || len(gray) < width*height {
		return "", ErrNoCode
	}
	gray = gray[:width*height]
	if !hasContrast(gray, width, height) {
		return "", ErrNoCode
	}

	// The frame at full and at half size (2×2 averaging, which removes
	// sensor noise and moiré). Large frames start at half size: a code
	// that fills a good part of a 720p frame reads there at a quarter of
	// the cost.
	hw, hh := width/2, height/2
	canHalve := hw >= 21 && hh >= 21
	if canHalve {
		d.half = grow(d.half, hw*hh)
		halve(d.half, gray, width, height)
	}
	promising := false
	passes := []string{"full", "half"}
	if width >= minHalfFirstWidth {
		passes = []string{"half", "full"}
	}
	for _, pass := range passes {
		var text string
		var err error
		switch {
		case pass == "full":
			text, err = d.try(gray, width, height)
		case canHalve:
			text, err = d.try(d.half, hw, hh)
		default:
			continue
		}
		if err == nil {
			d.lastPass = pass
			return text, nil
		}
		// Two finder-like squares and no third: noise or blur may have
		// broken the third, which the blurred pass mends.
		promising = promising || !isNotFound(err) || d.candidates >= minPromisingCandidates
	}
	if !promising {
		return "", ErrNoCode
	}
	// A code seems to be there but could not be read: once more on a
	// light 3×3 blur, which mends finder patterns broken by sensor noise
	// and JPEG blocks. (TRY_HARDER, the global-histogram binarizer and a
	// look at half size with every row scanned were tried here before the
	// perspective search existed; on the 282 frames of both corpora they
	// no longer read a single one, and cost a frame that merely looks
	// promising, such as an empty white window, tens of milliseconds.)
	d.blurred = grow(d.blurred, width*height)
	blur3(d.blurred, gray, width, height)
	if text, err := d.try(d.blurred, width, height); err == nil {
		d.lastPass = "blur"
		return text, nil
	}
	return "", ErrNoCode
}

// try is one pass: binarize, find the finder patterns, read the code —
// as gozxing does, then at an angle, then with other finder patterns.
func (d *Decoder) try(gray []byte, width, height int) (text string, err error) {
	hints := d.plain
	d.candidates = 0
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(tooManyCandidates); ok {
				d.capped++
				text, err = "", gozxing.NewNotFoundException("too many finder-pattern candidates")
				return
			}
			// Any other panic is gozxing tripping over a picture someone
			// else made (a webcam frame, an opened or pasted image): that
			// pass found no code, and the app stays up. The value is not
			// kept; it could only hold pixels.
			d.failed++
			text, err = "", gozxing.NewNotFoundException("the QR reader failed on this picture")
		}
	}()
	d.searchesLeft = maxSearches
	matrix, err := d.binarize(gray, width, height)
	if err != nil {
		return "", err
	}
	// What gozxing's QRCodeReader does, in steps, so that the finder
	// patterns it found are at hand when its affine guess fails.
	finder := detector.NewFinderPatternFinder(matrix, d.callback)
	info, err := finder.Find(hints)
	if err == nil {
		found, err := detector.NewDetector(matrix).ProcessFinderPatternInfo(info)
		if err == nil {
			res, err := d.qrDecoder.Decode(found.GetBits(), hints)
			if err == nil {
				return res.GetText(), nil
			}
		}
		if text, err := d.searchPerspective(matrix, info, hints); err == nil {
			return text, nil
		}
	}
	// gozxing's choice of three finder patterns was wrong, or it found
	// none that it accepts (it wants module sizes within 40 % of each
	// other; a screen turned by 25° makes the near pattern larger than
	// that): other triples of the candidates.
	for _, other := range finderTriples(finder.GetPossibleCenters(), info) {
		if text, err := d.searchPerspective(matrix, other, hints); err == nil {
			return text, nil
		}
	}
	// One pattern was not found at all: look where the others say it is.
	for _, other := range d.findThirdFinder(matrix, finder.GetPossibleCenters()) {
		if text, err := d.searchPerspective(matrix, other, hints); err == nil {
			return text, nil
		}
	}
	if err == nil {
		err = gozxing.NewFormatException("no triple of finder patterns gave a readable code")
	}
	return "", err
}

// binarize turns the frame into black and white with the hybrid (local
// threshold) binarizer: ours where the frame is large enough for its 5×5
// blocks, else gozxing's (which falls back to a global histogram).
func (d *Decoder) binarize(gray []byte, width, height int) (*gozxing.BitMatrix, error) {
	if width >= 5*hybridBlock && height >= 5*hybridBlock {
		return d.bin.hybridMatrix(gray, width, height), nil
	}
	src, err := gozxing.NewPlanarYUVLuminanceSource(gray, width, height, 0, 0, width, height, false)
	if err != nil {
		return nil, err
	}
	return gozxing.NewHybridBinarizer(src).GetBlackMatrix()
}

func isNotFound(err error) bool {
	_, ok := err.(gozxing.NotFoundException)
	return ok
}

// hasContrast samples a sparse grid and reports whether the frame spans
// enough luminance to hold a code.
func hasContrast(gray []byte, width, height int) bool {
	lo, hi := byte(255), byte(0)
	for y := height / 16; y < height; y += 8 {
		row := gray[y*width : y*width+width]
		for x := 0; x < width; x += 8 {
			v := row[x]
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
		if int(hi)-int(lo) >= minContrast {
			return true
		}
	}
	return false
}

func grow(buf []byte, n int) []byte {
	if cap(buf) < n {
		return make([]byte, n)
	}
	return buf[:n]
}

// halve writes the 2×2 average of src (w×h) into dst ((w/2)×(h/2)).
func halve(dst, src []byte, w, h int) {
	hw, hh := w/2, h/2
	for y := 0; y < hh; y++ {
		r0 := src[2*y*w : 2*y*w+w]
		r1 := src[(2*y+1)*w : (2*y+1)*w+w]
		out := dst[y*hw : y*hw+hw]
		for x := range out {
			out[x] = byte((int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1]) + 2) >> 2)
		}
	}
}

// blur3 writes a 3×3 box blur of src into dst (both w×h); edge pixels are
// copied. It is light enough to keep the edges of 3-pixel modules.
func blur3(dst, src []byte, w, h int) {
	copy(dst[:w], src[:w])
	copy(dst[(h-1)*w:], src[(h-1)*w:h*w])
	for y := 1; y < h-1; y++ {
		a := src[(y-1)*w : y*w]
		b := src[y*w : (y+1)*w]
		c := src[(y+1)*w : (y+2)*w]
		out := dst[y*w : (y+1)*w]
		out[0], out[w-1] = b[0], b[w-1]
		s0 := int(a[0]) + int(b[0]) + int(c[0])
		s1 := int(a[1]) + int(b[1]) + int(c[1])
		for x := 1; x < w-1; x++ {
			s2 := int(a[x+1]) + int(b[x+1]) + int(c[x+1])
			out[x] = byte((s0 + s1 + s2) * 57 >> 9) // ≈ /9
			s0, s1 = s1, s2
		}
	}
}
