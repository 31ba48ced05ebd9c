package qr

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "regenerate the QR corpus in testdata/qr")

const corpusDir = "../../testdata/qr"

// A corpusCase is one picture of the corpus, as listed in corpus.json.
type corpusCase struct {
	File string `json:"file"`
	// Text is what the picture's code holds; empty for pictures without one.
	Text string `json:"text,omitempty"`
	// Kind: "realistic" (must be read), "foreign" (another app's code,
	// must be read), "nocode" (must be rejected) or "extreme" (beyond what
	// a webcam sees in use; may be missed, Note says why).
	Kind string `json:"kind"`
	Note string `json:"note"`
}

// corpusPicture renders one case; the same name always gives the same bytes.
type corpusPicture struct {
	corpusCase
	render func() []byte
}

func encodeJPEG(img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// webcamJPEG degrades src under d and stores the frame as the webcam's
// MJPEG encoder would: the JPEG step of the degradation is the file itself.
// Quality is capped at 80 (typical of webcams) to keep the corpus small.
func webcamJPEG(src image.Image, d Degradation, seed uint64) []byte {
	q := min(d.JPEGQuality, 80)
	if q == 0 {
		q = 80
	}
	d.JPEGQuality = 0
	return encodeJPEG(d.Apply(src, seed), q)
}

func mustRender(text string, size int) *image.Gray {
	img, err := Render(text, size)
	if err != nil {
		panic(err)
	}
	return img
}

func corpusPictures() []corpusPicture {
	var pics []corpusPicture
	add := func(c corpusCase, render func() []byte) {
		pics = append(pics, corpusPicture{c, render})
	}
	// Realistic 720p webcam frames of a laptop screen, lengths from a
	// short COMMIT to a full version-10 part.
	for i := range 20 {
		seed := uint64(i + 1)
		text := testFrame(1000+seed, 100+i*211/19)
		d := RealisticDegradation(seed)
		c, _ := Encode(text)
		add(corpusCase{
			File: fmt.Sprintf("webcam720-%02d.jpg", i+1), Text: text, Kind: "realistic",
			Note: fmt.Sprintf("v%d, %.1f px/module, %.1f° rotation, %.0f%% keystone, blur %d, noise %.1f, JPEG q%d",
				c.Version(), d.Fill*720/float64(c.Modules()), d.Rotate, d.Perspective*100, d.Blur, d.Noise, d.JPEGQuality),
		}, func() []byte { return webcamJPEG(mustRender(text, 600), d, seed) })
	}
	// 640×480 webcams: the code must fill more of the frame.
	for i := range 8 {
		seed := uint64(100 + i)
		text := testFrame(2000+seed, 100+i*211/7)
		d := RealisticDegradation(seed)
		d.Width, d.Height, d.OffsetX, d.OffsetY = 640, 480, 0, 0
		d.Fill = 0.62 + float64(i)*0.04
		c, _ := Encode(text)
		add(corpusCase{
			File: fmt.Sprintf("webcam480-%02d.jpg", i+1), Text: text, Kind: "realistic",
			Note: fmt.Sprintf("v%d, %.1f px/module at 640×480", c.Version(), d.Fill*480/float64(c.Modules())),
		}, func() []byte { return webcamJPEG(mustRender(text, 600), d, seed) })
	}
	// Saved and pasted images (remote mode): the PNG we write, and a
	// screenshot of it on a window with other things around.
	savedText := testFrame(3001, 311)
	add(corpusCase{File: "saved.png", Text: savedText, Kind: "realistic", Note: "PNG as written by \"save my code as PNG\""},
		func() []byte { b, _ := PNG(savedText); return b })
	shotText := testFrame(3002, 240)
	add(corpusCase{File: "screenshot.png", Text: shotText, Kind: "realistic", Note: "screenshot: the code on a window with clutter"},
		func() []byte { return encodePNG(screenshot(mustRender(shotText, 390))) })

	// Foreign codes: a badge URL (byte mode), a contact card, a number.
	for i, text := range []string{"https://www.misp-project.org/", "BEGIN:VCARD\nFN:Jane Analyst\nEND:VCARD", "0123456789012345"} {
		seed := uint64(200 + i)
		d := RealisticDegradation(seed)
		add(corpusCase{File: fmt.Sprintf("foreign-%d.jpg", i+1), Text: text, Kind: "foreign", Note: "another application's QR code"},
			func() []byte { return webcamJPEG(mustRender(text, 600), d, seed) })
	}
	// Frames with no code in them.
	blank := image.NewGray(image.Rect(0, 0, 600, 600))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	add(corpusCase{File: "nocode-blank.jpg", Kind: "nocode", Note: "an empty white window"},
		func() []byte { return webcamJPEG(blank, RealisticDegradation(300), 300) })
	add(corpusCase{File: "nocode-clutter.jpg", Kind: "nocode", Note: "a window full of text-like blocks"},
		func() []byte { return webcamJPEG(clutter(600, 301), RealisticDegradation(301), 301) })
	add(corpusCase{File: "nocode-checkers.jpg", Kind: "nocode", Note: "a checkerboard (finder-like squares everywhere)"},
		func() []byte { return webcamJPEG(checkers(600, 40), RealisticDegradation(302), 302) })
	add(corpusCase{File: "nocode-dark.jpg", Kind: "nocode", Note: "a covered lens"},
		func() []byte {
			d := Degradation{Fill: 0.01, Black: 5, White: 10, Noise: 3, Light: 0.9, JPEGQuality: 70}
			return webcamJPEG(blank, d, 303)
		})

	// Extreme frames: each pushes one degradation past what happens in
	// use. The decoder may miss them; they show where the limits are.
	ext := func(name, note string, seed uint64, mod func(*Degradation)) {
		text := testFrame(4000+seed, 250)
		d := RealisticDegradation(seed)
		d.OffsetX, d.OffsetY = 0, 0
		mod(&d)
		add(corpusCase{File: "extreme-" + name + ".jpg", Text: text, Kind: "extreme", Note: note},
			func() []byte { return webcamJPEG(mustRender(text, 600), d, seed) })
	}
	ext("small", "2.4 px/module: the code far away", 400, func(d *Degradation) { d.Fill = 0.22 })
	ext("rotated", "35° rotation", 401, func(d *Degradation) { d.Rotate = 35; d.Fill = 0.5 })
	ext("keystone", "12% keystone: the screen strongly tilted", 402, func(d *Degradation) { d.Perspective = 0.12; d.Fill = 0.5 })
	ext("blur", "heavy blur (box radius 3, twice): out of focus", 403, func(d *Degradation) { d.Blur = 3 })
	ext("noise", "sensor noise σ 25: a dark room", 404, func(d *Degradation) { d.Noise = 25 })
	ext("contrast", "black 100, white 150: screen at low brightness in sunlight", 405, func(d *Degradation) { d.Black, d.White = 100, 150 })
	ext("jpeg", "JPEG quality 12", 406, func(d *Degradation) { d.JPEGQuality = 12 })
	ext("moire", "moiré amplitude 40 gray levels", 407, func(d *Degradation) { d.Moire = 40 })
	ext("light", "light falling to 20% across the frame, strong glare", 408, func(d *Degradation) { d.Light = 0.8; d.Glare = 80 })
	return pics
}

// screenshot puts code on a 1024×640 "desktop" with window clutter.
func screenshot(code *image.Gray) *image.Gray {
	img := clutter(0, 77)
	big := image.NewGray(image.Rect(0, 0, 1024, 640))
	for y := 0; y < 640; y++ {
		for x := 0; x < 1024; x++ {
			big.Pix[y*1024+x] = img.Pix[(y%600)*600+x%600]
		}
	}
	for y := 0; y < code.Rect.Dy(); y++ {
		copy(big.Pix[(y+120)*1024+560:], code.Pix[y*code.Stride:y*code.Stride+code.Rect.Dx()])
	}
	return big
}

// clutter draws dark text-like blocks on a light background.
func clutter(_ int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 5))
	img := image.NewGray(image.Rect(0, 0, 600, 600))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	for line := 0; line < 40; line++ {
		y := 10 + line*14
		for x := 10; x < 580; {
			w := 3 + r.IntN(30)
			for yy := y; yy < y+8 && yy < 600; yy++ {
				for xx := x; xx < x+w && xx < 600; xx++ {
					img.Pix[yy*600+xx] = uint8(30 + r.IntN(40))
				}
			}
			x += w + 3 + r.IntN(8)
		}
	}
	return img
}

func checkers(size, cell int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if (x/cell+y/cell)%2 == 0 {
				img.Pix[y*size+x] = 0xff
			}
		}
	}
	return img
}

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, "corpus.json"))
	if err != nil {
		tb.Fatalf("%v (run go test ./core/qr -run TestCorpus -update)", err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(data, &cases); err != nil {
		tb.Fatal(err)
	}
	return cases
}

func TestCorpusUpToDate(t *testing.T) {
	pics := corpusPictures()
	if *update {
		var cases []corpusCase
		for _, p := range pics {
			if err := os.WriteFile(filepath.Join(corpusDir, p.File), p.render(), 0o644); err != nil {
				t.Fatal(err)
			}
			cases = append(cases, p.corpusCase)
		}
		data, _ := json.MarshalIndent(cases, "", "  ")
		if err := os.WriteFile(filepath.Join(corpusDir, "corpus.json"), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := loadCorpus(t)
	if len(cases) != len(pics) {
		t.Fatalf("corpus.json lists %d pictures, the generator %d: run with -update", len(cases), len(pics))
	}
	// Generation is deterministic: spot-check a few files byte for byte.
	for _, i := range []int{0, len(pics) / 2, len(pics) - 1} {
		got, err := os.ReadFile(filepath.Join(corpusDir, pics[i].File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pics[i].render()) {
			t.Errorf("%s differs from what the generator makes now: run with -update", pics[i].File)
		}
	}
}

// TestCorpus is the proof that the decoder reads what a webcam sees: every
// realistic and foreign picture must decode to its text, every picture
// without a code must be rejected. Extreme pictures are logged.
func TestCorpus(t *testing.T) {
	var missedExtreme []string
	for _, c := range loadCorpus(t) {
		got, err := DecodeFile(filepath.Join(corpusDir, c.File))
		switch c.Kind {
		case "realistic", "foreign":
			if err != nil || got != c.Text {
				t.Errorf("%s (%s): got %q, %v", c.File, c.Note, got, err)
			}
		case "nocode":
			if !errors.Is(err, ErrNoCode) {
				t.Errorf("%s (%s): got %q, %v; want ErrNoCode", c.File, c.Note, got, err)
			}
		case "extreme":
			if err != nil || got != c.Text {
				missedExtreme = append(missedExtreme, c.File)
				if got != "" && got != c.Text {
					t.Errorf("%s: decoded a wrong text %q", c.File, got)
				}
			}
		default:
			t.Errorf("%s: unknown kind %q", c.File, c.Kind)
		}
	}
	t.Logf("extreme pictures missed (allowed): %v", missedExtreme)
}
