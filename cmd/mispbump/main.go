// Command mispbump pairs two MISP instances face to face.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2/app"

	"github.com/mispbump/mispbump-desktop/ui"
)

func main() {
	if len(os.Args) > 1 && !isWindowFlag(os.Args[1]) {
		if err := runCommand(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "mispbump:", err)
			os.Exit(1)
		}
		return
	}

	flags := flag.NewFlagSet("mispbump", flag.ExitOnError)
	dataDir := flags.String("data-dir", "", "folder of the encrypted store (default: the user's configuration folder)")
	_ = flags.Parse(os.Args[1:]) // ExitOnError: Parse exits itself on a bad flag.

	a := app.NewWithID(ui.AppID)
	ui.Run(a, ui.Options{DataDir: *dataDir, Passphrase: os.Getenv("MISPBUMP_PASSPHRASE")})
}

// isWindowFlag reports whether arg is a flag of the window mode rather than a
// subcommand (or help/version, which the subcommands handle).
func isWindowFlag(arg string) bool {
	switch arg {
	case "-h", "--help", "-help", "--version":
		return false
	}
	return strings.HasPrefix(arg, "-")
}
