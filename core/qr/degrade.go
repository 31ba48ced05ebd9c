package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"sync"
)

// Degradation describes how a webcam sees a picture shown on the partner's
// screen. The zero value of each field means "not at all"; Width and Height
// default to 1280×720.
type Degradation struct {
	Width, Height int     // camera frame size in pixels
	Fill          float64 // side of the shown picture as a fraction of the frame height (default 0.5)
	OffsetX       float64 // centre offset as a fraction of the frame width, −0.5…0.5
	OffsetY       float64 // centre offset as a fraction of the frame height
	Rotate        float64 // in-plane rotation, degrees
	Perspective   float64 // corner displacement as a fraction of the picture side (screen tilted)
	TiltX, TiltY  float64 // the screen turned about its horizontal and vertical axis, degrees (keystone between two laptops)
	FOV           float64 // the camera's horizontal field of view in degrees, for the tilt (default 65)
	Blur          int     // box-blur radius in pixels, applied twice (out of focus, motion)
	Noise         float64 // standard deviation of sensor noise, in gray levels
	Light         float64 // uneven light: 0 even, 0.5 half as bright on the dark side
	Glare         float64 // brightness added by a reflection on the screen, gray levels
	Black, White  uint8   // gray level of the screen's black and white (default 20 and 235)
	Moire         float64 // amplitude of the screen-grid moiré, gray levels
	JPEGQuality   int     // re-encode as JPEG at this quality (MJPEG webcams); 0 keeps it
}

// Degrade returns what a webcam might see when pointed at a screen that
// shows src: a 1280×720 gray frame with a realistic, seed-chosen mix of
// scale, rotation, perspective, blur, noise, uneven light, moiré and JPEG
// artefacts. The same seed always gives the same frame. It is meant for
// tests and for the headless demo's virtual cameras.
func Degrade(src image.Image, seed uint64) *image.Gray {
	return RealisticDegradation(seed).Apply(src, seed)
}

// RealisticDegradation picks, from seed, a degradation within what a 720p
// webcam at 40–70 cm from a laptop screen produces. A version-10 code stays
// at 3.5 pixels per module or more.
func RealisticDegradation(seed uint64) Degradation {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	between := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	d := Degradation{
		Width:       1280,
		Height:      720,
		Fill:        between(0.36, 0.75),
		Rotate:      between(-10, 10),
		Perspective: between(0, 0.04),
		Blur:        r.IntN(2),
		Noise:       between(1, 8),
		Light:       between(0, 0.45),
		Glare:       between(0, 35),
		Black:       uint8(between(10, 60)),
		White:       uint8(between(170, 245)),
		Moire:       between(0, 10),
		JPEGQuality: 60 + r.IntN(35),
	}
	// Keep the whole picture in view: the person aims the camera.
	sin, cos := math.Sincos(d.Rotate * math.Pi / 180)
	extent := d.Fill * float64(d.Height) * (0.5*(math.Abs(sin)+math.Abs(cos)) + 1.5*d.Perspective)
	room := func(size float64) float64 { return math.Max(0, size/2-extent) / size }
	d.OffsetX = between(-1, 1) * room(float64(d.Width))
	d.OffsetY = between(-1, 1) * room(float64(d.Height))
	return d
}

// FieldDegradation picks, from seed, a degradation from the whole range a
// webcam meets in use, wider than RealisticDegradation: a 1280×720 or
// 640×480 frame, the partner's screen turned by up to 25° (two laptops that
// are not parallel), rotation up to ±12°, the picture filling 35–90 % of
// the frame height, blur, sensor noise, uneven light and glare, a dim or
// washed-out screen (contrast down to 70 gray levels), moiré and MJPEG
// quality 45–90. modules is the side of the shown picture in modules (the
// code with its quiet zone): the fill is raised where needed to keep 3.2
// pixels per module, as a person moves the camera closer until the preview
// shows the code plainly. The whole picture stays in view.
func FieldDegradation(seed uint64, modules int) Degradation {
	r := rand.New(rand.NewPCG(seed, 0xbb67ae8584caa73b))
	between := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	d := Degradation{Width: 1280, Height: 720, FOV: between(55, 75)}
	if r.IntN(2) == 1 {
		d.Width, d.Height = 640, 480
	}
	d.Fill = between(0.35, 0.90)
	tilt, azimuth := between(0, 25), between(0, 2*math.Pi)
	d.TiltX, d.TiltY = tilt*math.Cos(azimuth), tilt*math.Sin(azimuth)
	d.Rotate = between(-12, 12)
	d.Perspective = between(0, 0.01)
	d.Noise = between(1, 10)
	d.Light = between(0, 0.5)
	d.Glare = between(0, 35)
	d.Black = uint8(between(10, 70))
	d.White = uint8(between(float64(d.Black)+70, 245))
	d.Moire = between(0, 8)
	d.JPEGQuality = 45 + r.IntN(46)
	pxPerModule := func() float64 { return d.Fill * float64(d.Height) / float64(modules) }
	if modules > 0 && pxPerModule() < 3.2 {
		d.Fill = 3.2 * float64(modules) / float64(d.Height)
	}
	// Out of focus by up to about a third of a module.
	if modules > 0 {
		d.Blur = r.IntN(1 + int(pxPerModule()/3))
	}
	// Shrink until the screen (picture and margin) fits, then place it.
	for d.Fill > 0.05 {
		lo, hi := d.extent()
		if hi[0]-lo[0] <= float64(d.Width)-4 && hi[1]-lo[1] <= float64(d.Height)-4 {
			d.OffsetX = (between(-1, 1)*(float64(d.Width)-4-(hi[0]-lo[0]))/2 - (hi[0]+lo[0])/2) / float64(d.Width)
			d.OffsetY = (between(-1, 1)*(float64(d.Height)-4-(hi[1]-lo[1]))/2 - (hi[1]+lo[1])/2) / float64(d.Height)
			break
		}
		d.Fill *= 0.97
	}
	return d
}

// extent bounds the screen (the picture with its margin and the largest
// perspective jitter) relative to the centre of the frame, before the
// offset: lowest and highest x and y.
func (d Degradation) extent() (lo, hi [2]float64) {
	side := d.Fill * float64(d.Height)
	sin, cos := math.Sincos(d.Rotate * math.Pi / 180)
	lo, hi = [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, c := range d.tiltedCorners(side * 1.16) {
		for _, j := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			px := c[0] + j[0]*d.Perspective*side
			py := c[1] + j[1]*d.Perspective*side
			x, y := px*cos-py*sin, px*sin+py*cos
			lo[0], hi[0] = math.Min(lo[0], x), math.Max(hi[0], x)
			lo[1], hi[1] = math.Min(lo[1], y), math.Max(hi[1], y)
		}
	}
	return lo, hi
}

// Apply renders src as the camera would see it under d. seed fixes the
// noise and the tilt direction.
func (d Degradation) Apply(src image.Image, seed uint64) *image.Gray {
	if d.Width <= 0 || d.Height <= 0 {
		d.Width, d.Height = 1280, 720
	}
	if d.Fill <= 0 {
		d.Fill = 0.5
	}
	if d.Black == 0 && d.White == 0 {
		d.Black, d.White = 20, 235
	}
	r := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
	srcPix, sw, sh := Gray(src)

	w, h := d.Width, d.Height
	side := d.Fill * float64(h)
	cx := float64(w)/2 + d.OffsetX*float64(w)
	cy := float64(h)/2 + d.OffsetY*float64(h)
	sin, cos := math.Sincos(d.Rotate * math.Pi / 180)
	var quad [4][2]float64
	tilted := d.tiltedCorners(side)
	for i := range quad {
		px := tilted[i][0] + (r.Float64()*2-1)*d.Perspective*side
		py := tilted[i][1] + (r.Float64()*2-1)*d.Perspective*side
		quad[i] = [2]float64{cx + px*cos - py*sin, cy + px*sin + py*cos}
	}
	inv := invert3(squareToQuad(quad))

	black, white := float64(d.Black), float64(d.White)
	out := image.NewGray(image.Rect(0, 0, w, h))
	fx, fy := 0.13+r.Float64()*0.05, 0.02+r.Float64()*0.03   // moiré beat frequencies, cycles per pixel
	gx, gy := r.Float64()*float64(w), r.Float64()*float64(h) // glare centre
	glareR := float64(h) * 0.3

	// Every term but the warp is a product of a function of x and one of
	// y (angle addition for the moiré, exp(a+b) = exp(a)·exp(b) for the
	// glare), so it is tabulated once per column and once per row instead
	// of calling sin, cos and exp for each of the 921,600 pixels.
	t := newTables(w, h)
	for x := range w {
		X := float64(x) + 0.5
		t.roomX[x] = math.Sin(X / 97)
		t.sinAx[x], t.cosAx[x] = math.Sincos(2 * math.Pi * fx * X)
		t.sinBx[x], t.cosBx[x] = math.Sincos(math.Pi * fy * X)
		dx := (X - gx) / glareR
		t.glareX[x] = math.Exp(-dx * dx)
		t.lightX[x] = X / float64(w) * 0.7
	}
	for y := range h {
		Y := float64(y) + 0.5
		t.roomY[y] = math.Cos(Y / 61)
		t.sinAy[y], t.cosAy[y] = math.Sincos(2 * math.Pi * fy * Y)
		t.sinBy[y], t.cosBy[y] = math.Sincos(math.Pi * fx * Y)
		dy := (Y - gy) / glareR
		t.glareY[y] = math.Exp(-dy * dy)
		t.lightY[y] = Y / float64(h) * 0.3
	}

	// Only pixels inside the bounding box of the screen (the picture and
	// its margin) need the warp; the rest is the room.
	screen := screenBounds(squareToQuad(quad), w, h)
	sx, sy := float64(sw), float64(sh)
	for y := range h {
		Y := float64(y) + 0.5
		row := out.Pix[y*out.Stride : y*out.Stride+w]
		inRows := y >= screen.Min.Y && y < screen.Max.Y
		uy, vy, wy := inv[1]*Y+inv[2], inv[4]*Y+inv[5], inv[7]*Y+inv[8]
		sAy, cAy, sBy, cBy, glY, liY, roY := t.sinAy[y], t.cosAy[y], t.sinBy[y], t.cosBy[y], d.Glare*t.glareY[y], t.lightY[y], t.roomY[y]
		for x := range w {
			var lum float64
			screenPixel := false
			if inRows && x >= screen.Min.X && x < screen.Max.X {
				X := float64(x) + 0.5
				q := 1 / (inv[6]*X + wy)
				u, v := (inv[0]*X+uy)*q, (inv[3]*X+vy)*q
				if u >= -0.08 && u <= 1.08 && v >= -0.08 && v <= 1.08 {
					// The screen: the picture, with a margin of window background.
					screenPixel = true
					s := 1.0
					if u >= 0 && u < 1 && v >= 0 && v < 1 {
						s = bilinear(srcPix, sw, sh, u*sx-0.5, v*sy-0.5) / 255
					}
					lum = black + s*(white-black)
					lum += d.Moire * (t.sinAx[x]*cAy + t.cosAx[x]*sAy) * (t.sinBx[x]*cBy - t.cosBx[x]*sBy)
					lum += glY * t.glareX[x]
				}
			}
			if !screenPixel {
				// The room behind the laptop: dim and flat-ish.
				lum = 70 + 30*t.roomX[x]*roY
			}
			lum *= 1 - d.Light*(t.lightX[x]+liY)
			row[x] = clamp(lum)
		}
	}
	// Out of focus is out of focus everywhere, but only the screen's blur
	// matters to a decoder: the room is smooth already.
	blurArea := screen.Inset(-4 * d.Blur).Intersect(out.Rect)
	for range 2 {
		boxBlur(out.Pix, out.Stride, blurArea, d.Blur)
	}
	if d.Noise > 0 {
		addNoise(out.Pix, w, h, d.Noise, r)
	}
	if d.JPEGQuality > 0 {
		jpegRoundTrip(out, screen, d.JPEGQuality)
	}
	return out
}

// tiltedCorners returns the corners of the picture (clockwise from the top
// left, relative to its centre, in pixels) as a pinhole camera sees a
// square of side pixels at the centre of view once the screen is turned by
// TiltX and TiltY: the near edge grows, the far edge shrinks. Without tilt
// it is the plain square.
func (d Degradation) tiltedCorners(side float64) [4][2]float64 {
	corners := [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}}
	for i := range corners {
		corners[i][0] *= side
		corners[i][1] *= side
	}
	if d.TiltX == 0 && d.TiltY == 0 {
		return corners
	}
	fov := d.FOV
	if fov <= 0 {
		fov = 65
	}
	// Focal length in pixels; the screen stands at that distance, so an
	// untilted picture keeps its side.
	f := float64(d.Width) / 2 / math.Tan(fov/2*math.Pi/180)
	sa, ca := math.Sincos(d.TiltX * math.Pi / 180)
	sb, cb := math.Sincos(d.TiltY * math.Pi / 180)
	for i, c := range corners {
		x, y, z := c[0], c[1], 0.0
		y, z = y*ca-z*sa, y*sa+z*ca  // about the horizontal axis
		x, z = x*cb+z*sb, -x*sb+z*cb // about the vertical axis
		corners[i] = [2]float64{f * x / (f + z), f * y / (f + z)}
	}
	return corners
}

// tables holds the per-column and per-row factors of Apply.
type tables struct {
	roomX, sinAx, cosAx, sinBx, cosBx, glareX, lightX []float64
	roomY, sinAy, cosAy, sinBy, cosBy, glareY, lightY []float64
}

func newTables(w, h int) *tables {
	buf := make([]float64, 7*(w+h))
	next := func(n int) []float64 { s := buf[:n:n]; buf = buf[n:]; return s }
	return &tables{
		roomX: next(w), sinAx: next(w), cosAx: next(w), sinBx: next(w), cosBx: next(w), glareX: next(w), lightX: next(w),
		roomY: next(h), sinAy: next(h), cosAy: next(h), sinBy: next(h), cosBy: next(h), glareY: next(h), lightY: next(h),
	}
}

// screenBounds is the pixel rectangle, within w×h, that holds the image of
// the square [-0.08, 1.08]² (the picture and its margin) under the
// projective map m, with a pixel to spare on each side.
func screenBounds(m [9]float64, w, h int) image.Rectangle {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{-0.08, -0.08}, {1.08, -0.08}, {1.08, 1.08}, {-0.08, 1.08}} {
		q := m[6]*c[0] + m[7]*c[1] + m[8]
		x := (m[0]*c[0] + m[1]*c[1] + m[2]) / q
		y := (m[3]*c[0] + m[4]*c[1] + m[5]) / q
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	r := image.Rect(int(math.Floor(minX))-1, int(math.Floor(minY))-1, int(math.Ceil(maxX))+2, int(math.Ceil(maxY))+2)
	return r.Intersect(image.Rect(0, 0, w, h))
}

// noiseTable holds standard normal samples, drawn once: a frame's sensor
// noise reads it from a random offset per row, which costs a table read per
// pixel instead of a NormFloat64.
var noiseTable = sync.OnceValue(func() []float32 {
	r := rand.New(rand.NewPCG(0x5eed, 0xa0761d6478bd642f))
	t := make([]float32, 1<<16)
	for i := range t {
		t[i] = float32(r.NormFloat64())
	}
	return t
})

func addNoise(pix []byte, w, h int, sigma float64, r *rand.Rand) {
	t := noiseTable()
	mask := len(t) - 1
	var lut [256]float64
	for i := range lut {
		lut[i] = float64(i)
	}
	for y := range h {
		off := int(r.Uint32())
		row := pix[y*w : (y+1)*w]
		for x, p := range row {
			row[x] = clamp(lut[p] + float64(t[(off+x)&mask])*sigma)
		}
	}
}

// jpegRoundTrip encodes and decodes the part of out that holds the screen,
// as an MJPEG webcam does. A grey JPEG codes each 8×8 block on its own, so
// the screen's blocks come out as from encoding the whole frame; only the
// room around it is spared the work (and its artefacts, which no decoder
// looks at).
func jpegRoundTrip(out *image.Gray, screen image.Rectangle, quality int) {
	b := out.Bounds()
	area := image.Rect(screen.Min.X&^7, screen.Min.Y&^7, (screen.Max.X+7)&^7, (screen.Max.Y+7)&^7).Intersect(b)
	if area.Empty() {
		return
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out.SubImage(area), &jpeg.Options{Quality: quality}); err != nil {
		return
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		return
	}
	pix, dw, dh := Gray(img)
	if dw != area.Dx() || dh != area.Dy() {
		return
	}
	for y := 0; y < dh; y++ {
		copy(out.Pix[(area.Min.Y+y)*out.Stride+area.Min.X:], pix[y*dw:(y+1)*dw])
	}
}

func clamp(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

func bilinear(pix []byte, w, h int, x, y float64) float64 {
	if x < 0 {
		x = 0
	} else if x > float64(w-1) {
		x = float64(w - 1)
	}
	if y < 0 {
		y = 0
	} else if y > float64(h-1) {
		y = float64(h - 1)
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	ax, ay := x-float64(x0), y-float64(y0)
	r0, r1 := pix[y0*w:], pix[y1*w:]
	top := float64(r0[x0])*(1-ax) + float64(r0[x1])*ax
	bot := float64(r1[x0])*(1-ax) + float64(r1[x1])*ax
	return top*(1-ay) + bot*ay
}

// boxBlur blurs the part area of pix (stride bytes a row) in place with a
// (2r+1)² box: rows with a running sum each, then columns with a running
// sum per column, walked row by row so memory is read in order. Windows are
// cut at the area's edges. Sums are divided by multiplying with a
// reciprocal (exact for these sums).
func boxBlur(pix []byte, stride int, area image.Rectangle, r int) {
	w, h := area.Dx(), area.Dy()
	if r <= 0 || w <= 0 || h <= 0 {
		return
	}
	var recip [64]uint32 // recip[n] = ⌈2²⁴/n⌉: (sum·recip[n])>>24 = sum/n for sum < 2¹⁶
	for n := 1; n < len(recip) && n <= 2*r+1; n++ {
		recip[n] = (1<<24 + uint32(n) - 1) / uint32(n)
	}
	div := func(sum uint32, n int) uint8 {
		if n < len(recip) {
			return uint8(uint64(sum) * uint64(recip[n]) >> 24)
		}
		return uint8(sum / uint32(n))
	}
	at := func(y int) []byte { o := (area.Min.Y+y)*stride + area.Min.X; return pix[o : o+w] }
	line := make([]uint32, w)
	for y := 0; y < h; y++ {
		row := at(y)
		for i, p := range row {
			line[i] = uint32(p)
		}
		var sum uint32
		for j := 0; j <= min(w-1, r); j++ {
			sum += line[j]
		}
		for i := range row {
			row[i] = div(sum, min(w-1, i+r)-max(0, i-r)+1)
			if i+r+1 < w {
				sum += line[i+r+1]
			}
			if i-r >= 0 {
				sum -= line[i-r]
			}
		}
	}
	src := make([]byte, w*h)
	for y := 0; y < h; y++ {
		copy(src[y*w:(y+1)*w], at(y))
	}
	sums := make([]uint32, w)
	for j := 0; j <= min(h-1, r); j++ {
		for x, p := range src[j*w : (j+1)*w] {
			sums[x] += uint32(p)
		}
	}
	for y := 0; y < h; y++ {
		n := min(h-1, y+r) - max(0, y-r) + 1
		row := at(y)
		for x := range row {
			row[x] = div(sums[x], n)
		}
		if y+r+1 < h {
			for x, p := range src[(y+r+1)*w : (y+r+2)*w] {
				sums[x] += uint32(p)
			}
		}
		if y-r >= 0 {
			for x, p := range src[(y-r)*w : (y-r+1)*w] {
				sums[x] -= uint32(p)
			}
		}
	}
}

// squareToQuad maps the unit square onto quad (corners clockwise from the
// top left) as a 3×3 projective matrix, after Heckbert.
func squareToQuad(q [4][2]float64) [9]float64 {
	x0, y0, x1, y1 := q[0][0], q[0][1], q[1][0], q[1][1]
	x2, y2, x3, y3 := q[2][0], q[2][1], q[3][0], q[3][1]
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	den := dx1*dy2 - dx2*dy1
	g := (dx3*dy2 - dx2*dy3) / den
	hh := (dx1*dy3 - dx3*dy1) / den
	return [9]float64{
		x1 - x0 + g*x1, x3 - x0 + hh*x3, x0,
		y1 - y0 + g*y1, y3 - y0 + hh*y3, y0,
		g, hh, 1,
	}
}

func invert3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	return [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}
}
