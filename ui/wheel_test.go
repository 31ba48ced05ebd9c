package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The wheel scrolls a page of fields also with the pointer over a field
// (single- and multi-line), and clicks still reach what is under it.
func TestWheelScrollsThePageOverAField(t *testing.T) {
	test.NewTempApp(t)
	single := &widget.Entry{Text: "https://misp.example.org"}
	multi := &widget.Entry{MultiLine: true, Wrapping: fyne.TextWrapWord, Text: "line 1\nline 2"}
	tapped := false
	button := &widget.Button{Text: "Start", OnTapped: func() { tapped = true }}
	items := []fyne.CanvasObject{single, multi, button}
	for i := 0; i < 40; i++ {
		items = append(items, &widget.Label{Text: "a line of the page"})
	}
	page := newPageScroll(container.NewVBox(items...))
	w := test.NewTempWindow(t, page)
	w.Resize(fyne.NewSize(400, 300))

	for _, field := range []*widget.Entry{single, multi} {
		page.Offset = fyne.NewPos(0, 0)
		page.Refresh()
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(field).Add(fyne.NewPos(10, 10))
		test.Scroll(w.Canvas(), pos, 0, -60)
		if page.Offset.Y <= 0 {
			t.Errorf("the wheel over the %v field did not scroll the page (offset %v)", field.MultiLine, page.Offset)
		}
	}

	page.Offset = fyne.NewPos(0, 0)
	page.Refresh()
	test.TapCanvas(w.Canvas(), fyne.CurrentApp().Driver().AbsolutePositionForObject(button).Add(fyne.NewPos(5, 5)))
	if !tapped {
		t.Error("a click under the wheel layer did not reach the button")
	}
}
