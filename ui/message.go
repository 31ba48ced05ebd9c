package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// setMessage puts msg in a wrapped status label and lays the column that
// holds it out again. A message may wrap to more lines than the one it
// replaces (a short "Testing…" becomes an error that says what to check);
// without the new layout its extra lines are cut off.
func setMessage(l *widget.Label, imp widget.Importance, msg string, column fyne.CanvasObject) {
	l.Importance = imp
	l.SetText(msg)
	if column != nil {
		column.Refresh()
	}
}
