package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// newPageScroll is a vertical scroll for a page of fields (the wizard's
// Prepare step) that the mouse wheel scrolls wherever the pointer is.
// Fyne gives a wheel turn to the deepest scrollable object under the
// pointer, and every text field holds one (its own text's scroller), so
// over a field the page did not move. A transparent layer over the whole
// page takes the wheel (it is walked last, so it is the deepest) and hands
// it to the page; it takes nothing else, so clicks, typing, selection and
// hover still reach the fields under it.
func newPageScroll(content fyne.CanvasObject) *container.Scroll {
	page := container.NewVScroll(nil)
	page.Content = container.NewStack(content, newWheelToPage(page))
	return page
}

type wheelToPage struct {
	widget.BaseWidget
	page *container.Scroll
}

func newWheelToPage(page *container.Scroll) *wheelToPage {
	w := &wheelToPage{page: page}
	w.ExtendBaseWidget(w)
	return w
}

func (w *wheelToPage) Scrolled(ev *fyne.ScrollEvent) { w.page.Scrolled(ev) }

func (w *wheelToPage) MinSize() fyne.Size { return fyne.Size{} }

func (w *wheelToPage) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
