package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/session"
)

// The demo pairs two simulated MISPs on one computer, in two windows, "Org A
// — DEMO" and "Org B — DEMO". Each window is the real pairing wizard; its
// camera is a virtual one filming the other window's code as a webcam would
// see it (session.Screen: the code as drawn, then qr.Degrade). Everything
// else is real: the protocol, the MISP calls (to core/mispsim), the stores.
// The admin still compares the codes and confirms in each window: that is
// what the demo shows, so nothing skips it.

// demoCameraFPS is the virtual cameras' frame rate: enough to catch every
// part of a cycling code, light enough for a laptop running both windows.
const demoCameraFPS = 15

// RunDemo opens the two demo windows for sides a and b (logged in, stores
// open; from cmd/mispbump's demo command) and runs the app until both are
// closed or ctx ends.
func RunDemo(ctx context.Context, app fyne.App, a, b session.LocalSide) {
	// The app's readable colours (ui/theme.go), in the variant Fyne's
	// settings give (FYNE_THEME or the system's); the app's own windows
	// get them from the stored choice.
	app.Settings().SetTheme(newAppTheme())
	openDemoWindows(app, [2]session.LocalSide{a, b}, nil)
	go func() {
		<-ctx.Done()
		fyne.Do(app.Quit)
	}()
	app.Run()
}

// startDemo starts two simulated MISPs and two throw-away stores off the UI
// goroutine, then opens the two demo windows; everything is removed when
// both windows are closed. parent shows the progress and any failure.
func startDemo(a fyne.App, parent fyne.Window) {
	progress := dialog.NewCustomWithoutButtons("Starting the demo",
		&widget.Label{Text: "Starting two simulated MISPs and their stores…"}, parent)
	progress.Show()
	go func() {
		sides, cleanup, err := session.StartDemo(context.Background())
		fyne.Do(func() {
			progress.Hide()
			if err != nil {
				cleanup()
				dialog.ShowError(fmt.Errorf("the demo could not start: %w", err), parent)
				return
			}
			openDemoWindows(a, sides, cleanup)
		})
	}()
}

// openDemoWindows opens one wizard per side, each filming the other's code;
// onBothClosed runs (off the UI goroutine) once both windows are closed and
// their sessions have stopped.
func openDemoWindows(a fyne.App, sides [2]session.LocalSide, onBothClosed func()) [2]*wizard {
	return openDemoWindowsWith(a, sides, onBothClosed, wizardOptions{})
}

// openDemoWindowsWith is openDemoWindows with options for both windows (tests).
func openDemoWindowsWith(a fyne.App, sides [2]session.LocalSide, onBothClosed func(), base wizardOptions) [2]*wizard {
	screens := [2]*session.Screen{
		{Interval: partInterval, Seed: 1},
		{Interval: partInterval, Seed: 2},
	}
	var mu sync.Mutex
	open := 2
	closed := func() {
		mu.Lock()
		open--
		last := open == 0
		mu.Unlock()
		if last && onBothClosed != nil {
			onBothClosed()
		}
	}
	var wizards [2]*wizard
	for i, side := range sides {
		other := sides[1-i]
		name, otherName := demoName(side), demoName(other)
		choices := side.Choices
		otherScreen := screens[1-i]
		opts := base
		opts.title = name + " — DEMO"
		opts.demo = true
		opts.choices = &choices
		opts.camera = func() camera.Source { return camera.NewVirtual(otherScreen.Image, demoCameraFPS) }
		opts.cameraName = "it looks at " + otherName + "'s window, as a webcam would"
		opts.onFrames = screens[i].ShowFrames
		opts.onClosed = closed
		v := &vault{store: side.Store}
		if side.Store != nil {
			v.dir = filepath.Dir(filepath.Dir(side.Store.File()))
		}
		login := wizardLogin{client: side.Client, login: side.Login, profileID: side.ProfileID, name: name, certificatePEM: side.CertificatePEM}
		wizards[i] = openWizard(a, v, login, nil, opts)
		wizards[i].window.Resize(demoWindowSize)
	}
	return wizards
}

// demoWindowSize lets the two demo windows stand side by side on a
// 1366×768 laptop screen (the smallest common one): two of them and their
// frames within 1366 pixels, and the height within 768 less a title bar
// and a panel. TestDemoWindowsFitSideBySideOn1366x768 holds every step's
// content to it.
var demoWindowSize = fyne.NewSize(672, 660)

// demoName is "Org A" for side "a".
func demoName(s session.LocalSide) string {
	if s.Name == "" {
		return "Org"
	}
	return "Org " + strings.ToUpper(s.Name)
}
