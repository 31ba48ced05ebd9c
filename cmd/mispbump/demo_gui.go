package main

import (
	"context"

	"fyne.io/fyne/v2/app"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/ui"
)

// (Not demo_windows.go: that suffix would build the file for Windows only.)
// The demo without --headless: two windows, one per side, each the real
// pairing wizard whose virtual camera films the other window's code.
func init() {
	openDemoWindows = func(ctx context.Context, a, b session.LocalSide) error {
		ui.RunDemo(ctx, app.NewWithID(ui.AppID), a, b)
		return nil
	}
}
