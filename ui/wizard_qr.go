package ui

import (
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

// qrView shows our frames as large as the space allows, cycling through the
// parts of a multi-part message. The code is drawn at the widget's size in
// device pixels and shown pixel for pixel (canvas.ImageScalePixels), so every
// module has sharp edges; it is pure black on white whatever the theme.
type qrView struct {
	widget.BaseWidget

	interval time.Duration
	// remote: the code is sent by chat or file, not filmed (captions).
	remote bool
	frames []string
	since  time.Time
	index  int

	image   *canvas.Image
	white   *canvas.Rectangle
	caption *widget.Label
	empty   *widget.Label

	// drawnFor is the text and pixel size of the image on screen.
	drawnText string
	drawnPx   int
	// side is the square the code is drawn in, in Fyne units (from layout).
	side float32
	// now is the clock (tests).
	now func() time.Time
}

func newQRView(interval time.Duration) *qrView {
	if interval <= 0 {
		interval = qr.DefaultPartInterval
	}
	q := &qrView{
		interval: interval,
		image:    &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScalePixels},
		white:    canvas.NewRectangle(color.White),
		caption:  &widget.Label{Alignment: fyne.TextAlignCenter, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		empty:    &widget.Label{Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord},
		now:      time.Now,
	}
	q.empty.SetText("Preparing our code…")
	q.ExtendBaseWidget(q)
	return q
}

func (q *qrView) CreateRenderer() fyne.WidgetRenderer {
	code := container.New(&squareLayout{q: q}, q.white, q.image)
	return widget.NewSimpleRenderer(container.NewBorder(nil, q.caption, nil, nil, container.NewStack(code, container.NewVBox(layout.NewSpacer(), q.empty, layout.NewSpacer()))))
}

func (q *qrView) MinSize() fyne.Size {
	return fyne.NewSize(240, 240+q.caption.MinSize().Height)
}

// setFrames shows a new list of frames (the session's Display); an empty list
// shows emptyText instead of a blank area.
func (q *qrView) setFrames(frames []string, emptyText string) {
	q.frames, q.since, q.index = frames, q.now(), 0
	q.empty.SetText(emptyText)
	q.redraw()
}

// tick moves to the part that should be on screen now.
func (q *qrView) tick() {
	if len(q.frames) < 2 {
		return
	}
	i, _ := qr.Cycle{Parts: len(q.frames), Interval: q.interval}.At(q.now().Sub(q.since))
	if i != q.index {
		q.index = i
		q.redraw()
	}
}

// only says whether every frame shown is of round r: our DONE (the result
// that lingers once the partner has everything else) or our ABORT.
func (q *qrView) only(r pairing.Round) bool {
	for _, f := range q.frames {
		if info, err := pairing.Inspect(f); err != nil || info.Round != r {
			return false
		}
	}
	return len(q.frames) > 0
}

// shown is the frame on screen now ("" when none).
func (q *qrView) shown() string {
	if len(q.frames) == 0 {
		return ""
	}
	return q.frames[q.index%len(q.frames)]
}

// redraw draws the current part at the current size in device pixels.
func (q *qrView) redraw() {
	text := q.shown()
	q.empty.Hidden = text != ""
	q.white.Hidden = text == ""
	q.image.Hidden = text == ""
	q.empty.Refresh()
	if text == "" {
		q.caption.SetText("")
		q.drawnText = ""
		q.image.Image = nil
		q.Refresh()
		return
	}
	_, label := qr.Cycle{Parts: len(q.frames), Interval: q.interval}.At(q.now().Sub(q.since))
	if len(q.frames) > 1 {
		label = qr.PartLabel(q.index, len(q.frames))
	}
	if label != "" && (q.only(pairing.RoundDone) || q.only(pairing.RoundAbort)) {
		label = " (" + label + ")"
	}
	switch {
	case q.only(pairing.RoundDone) && q.remote:
		label = "Our result" + label + ": send it to your partner"
	case q.only(pairing.RoundDone):
		label = "Our result" + label + ": leave it up until your partner's window shows theirs"
	case q.only(pairing.RoundAbort) && q.remote:
		label = "Tells your partner that the pairing stopped" + label
	case q.only(pairing.RoundAbort):
		label = "Tells your partner's camera that the pairing stopped" + label
	}
	q.caption.SetText(label)

	px := int(q.side * q.scale())
	if px < 1 {
		return
	}
	if text == q.drawnText && px == q.drawnPx {
		return
	}
	img, err := qr.Render(text, px)
	if err != nil {
		q.empty.SetText("This code cannot be shown: " + err.Error())
		q.empty.Show()
		q.image.Image = nil
		q.image.Refresh()
		return
	}
	q.drawnText, q.drawnPx = text, px
	q.image.Image = img
	q.image.Refresh()
}

func (q *qrView) scale() float32 {
	if c := fyne.CurrentApp().Driver().CanvasForObject(q); c != nil && c.Scale() > 0 {
		return c.Scale()
	}
	return 1
}

// image returns the code on screen now (for tests).
func (q *qrView) drawn() image.Image {
	if q.image.Hidden {
		return nil
	}
	return q.image.Image
}

// squareLayout centres the code in the largest square that fits.
type squareLayout struct{ q *qrView }

func (l *squareLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	side := size.Width
	if size.Height < side {
		side = size.Height
	}
	// Whole device pixels, so the image is shown pixel for pixel.
	scale := l.q.scale()
	side = float32(int(side*scale)) / scale
	pos := fyne.NewPos(float32(int((size.Width-side)/2*scale))/scale, float32(int((size.Height-side)/2*scale))/scale)
	for _, o := range objs {
		o.Resize(fyne.NewSquareSize(side))
		o.Move(pos)
	}
	if side != l.q.side {
		// Drawn again at the new size in device pixels.
		l.q.side = side
		l.q.redraw()
	}
}

func (l *squareLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSquareSize(200) }
