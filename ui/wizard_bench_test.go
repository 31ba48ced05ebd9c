package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// BenchmarkQRViewPartChange measures the UI goroutine's work when a
// multi-part code moves to its next part: drawing a version-10 code (the
// largest the protocol sends) at 900×900 device pixels.
func BenchmarkQRViewPartChange(b *testing.B) {
	test.NewTempApp(b)
	q := newQRView(time.Millisecond)
	now := time.Unix(0, 0)
	q.now = func() time.Time { return now }
	w := test.NewWindow(q)
	defer w.Close()
	w.Resize(fyne.NewSize(900, 960))
	text := "MB1:" + strings.Repeat("0123456789ABCDEF$%*+-./: ", 13)[:300]
	q.setFrames([]string{text + "1", text + "2", text + "3"}, "")
	b.ResetTimer()
	for range b.N {
		now = now.Add(time.Millisecond)
		q.tick()
	}
	b.ReportMetric(float64(q.drawnPx), "px")
}
