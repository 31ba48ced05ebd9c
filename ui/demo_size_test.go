package ui

import (
	"testing"
)

// The two demo windows fit side by side on a 1366×768 screen: they open at
// demoWindowSize, and no step's content asks for more (a window cannot be
// smaller than its content).
func TestDemoWindowsFitSideBySideOn1366x768(t *testing.T) {
	const screenW, screenH, frame, panel = 1366, 768, 8, 100 // window frame; title bar and a desktop panel
	if 2*(demoWindowSize.Width+frame) > screenW || demoWindowSize.Height+panel > screenH {
		t.Fatalf("demo windows of %v do not fit twice on %dx%d", demoWindowSize, screenW, screenH)
	}
	r := newRig(t)
	r.wizards = openDemoWindowsWith(r.app, r.sides, nil, wizardOptions{ui: r.q.do})
	check := func(step string) {
		t.Helper()
		for i, w := range r.wizards {
			if got := w.window.Canvas().Size(); got.Width > demoWindowSize.Width+0.5 || got.Height > demoWindowSize.Height+0.5 {
				t.Errorf("%s: window %d is %v, larger than %v", step, i, got, demoWindowSize)
			}
			if min := w.window.Content().MinSize(); min.Width > demoWindowSize.Width || min.Height > demoWindowSize.Height {
				t.Errorf("%s: window %d's content needs %v, more than %v", step, i, min, demoWindowSize)
			}
		}
	}
	check("Prepare")
	r.start()
	check("Exchange")
	r.waitForSAS()
	check("Exchange, codes to compare")
	r.confirmBoth()
	r.waitForResults()
	check("Result")
}
