package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// A status message that grows from one line to several is shown whole.
func TestSetMessageShowsALongerMessageWhole(t *testing.T) {
	test.NewTempApp(t)
	label := &widget.Label{Text: "Testing the connection…", Wrapping: fyne.TextWrapWord}
	column := container.NewVScroll(container.NewVBox(label, &widget.Button{Text: "below"}))
	w := test.NewWindow(column)
	defer w.Close()
	w.Resize(fyne.NewSize(360, 400))

	long := strings.Repeat("The partner's MISP could not be reached: check its URL and firewall. ", 4)
	setMessage(label, widget.DangerImportance, long, column)
	if got, need := label.Size().Height, label.MinSize().Height; got < need {
		t.Errorf("the message is cut off: %v high, its text needs %v", got, need)
	}
	if label.Importance != widget.DangerImportance || label.Text != long {
		t.Errorf("label not updated: %v %q", label.Importance, label.Text)
	}
}
