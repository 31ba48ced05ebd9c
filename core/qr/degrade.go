package qr

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
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
	for i, c := range [4][2]float64{{-0.5, -0.5}, {0.5, -0.5}, {0.5, 0.5}, {-0.5, 0.5}} {
		px := c[0]*side + (r.Float64()*2-1)*d.Perspective*side
		py := c[1]*side + (r.Float64()*2-1)*d.Perspective*side
		quad[i] = [2]float64{cx + px*cos - py*sin, cy + px*sin + py*cos}
	}
	inv := invert3(squareToQuad(quad))

	black, white := float64(d.Black), float64(d.White)
	out := image.NewGray(image.Rect(0, 0, w, h))
	fx, fy := 0.13+r.Float64()*0.05, 0.02+r.Float64()*0.03   // moiré beat frequencies, cycles per pixel
	gx, gy := r.Float64()*float64(w), r.Float64()*float64(h) // glare centre
	glareR := float64(h) * 0.3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			X, Y := float64(x)+0.5, float64(y)+0.5
			uw := inv[0]*X + inv[1]*Y + inv[2]
			vw := inv[3]*X + inv[4]*Y + inv[5]
			ww := inv[6]*X + inv[7]*Y + inv[8]
			u, v := uw/ww, vw/ww
			var lum float64
			if u >= -0.08 && u <= 1.08 && v >= -0.08 && v <= 1.08 {
				// The screen: the picture, with a margin of window background.
				s := 1.0
				if u >= 0 && u < 1 && v >= 0 && v < 1 {
					s = bilinear(srcPix, sw, sh, u*float64(sw)-0.5, v*float64(sh)-0.5) / 255
				}
				lum = black + s*(white-black)
				lum += d.Moire * math.Sin(2*math.Pi*(fx*X+fy*Y)) * math.Sin(2*math.Pi*(fy*X-fx*Y)*0.5)
				if d.Glare > 0 {
					dx, dy := (X-gx)/glareR, (Y-gy)/glareR
					lum += d.Glare * math.Exp(-(dx*dx + dy*dy))
				}
			} else {
				// The room behind the laptop: dim and flat-ish.
				lum = 70 + 30*math.Sin(X/97)*math.Cos(Y/61)
			}
			lum *= 1 - d.Light*(X/float64(w)*0.7+Y/float64(h)*0.3)
			out.Pix[y*out.Stride+x] = clamp(lum)
		}
	}
	for range 2 {
		boxBlur(out.Pix, w, h, d.Blur)
	}
	if d.Noise > 0 {
		for i, p := range out.Pix {
			out.Pix[i] = clamp(float64(p) + r.NormFloat64()*d.Noise)
		}
	}
	if d.JPEGQuality > 0 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: d.JPEGQuality}); err == nil {
			if img, err := jpeg.Decode(&buf); err == nil {
				pix, _, _ := Gray(img)
				copy(out.Pix, pix)
			}
		}
	}
	return out
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
	x = math.Max(0, math.Min(x, float64(w-1)))
	y = math.Max(0, math.Min(y, float64(h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	ax, ay := x-float64(x0), y-float64(y0)
	top := float64(pix[y0*w+x0])*(1-ax) + float64(pix[y0*w+x1])*ax
	bot := float64(pix[y1*w+x0])*(1-ax) + float64(pix[y1*w+x1])*ax
	return top*(1-ay) + bot*ay
}

// boxBlur blurs pix (w×h) in place with a (2r+1)² box.
func boxBlur(pix []byte, w, h, r int) {
	if r <= 0 {
		return
	}
	line := make([]int, max(w, h))
	pass := func(n, stride, count, step int) {
		for k := 0; k < count; k++ {
			base := k * step
			for i := 0; i < n; i++ {
				line[i] = int(pix[base+i*stride])
			}
			for i := 0; i < n; i++ {
				sum, cnt := 0, 0
				for j := max(0, i-r); j <= min(n-1, i+r); j++ {
					sum += line[j]
					cnt++
				}
				pix[base+i*stride] = uint8(sum / cnt)
			}
		}
	}
	pass(w, 1, h, w) // rows
	pass(h, w, w, 1) // columns
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
