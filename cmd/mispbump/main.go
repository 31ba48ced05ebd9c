// Command mispbump pairs two MISP instances face to face.
package main

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2/app"

	"github.com/mispbump/mispbump-desktop/ui"
)

func main() {
	if len(os.Args) > 1 {
		if err := runCommand(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "mispbump:", err)
			os.Exit(1)
		}
		return
	}
	a := app.NewWithID(ui.AppID)
	ui.Run(a)
}
