package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

func init() {
	register("scan", "read the QR code in image files: mispbump scan [--json] IMAGE...", func(args []string) error {
		return scan(args, os.Stdout)
	})
}

// scanResult is one line of `mispbump scan --json`.
type scanResult struct {
	Image string `json:"image"`
	// Kind is "mispbump" (a MISPbump frame), "damaged" (a MISPbump code
	// that cannot be used, see Error), "foreign" (some other QR code) or
	// "error" (no readable code).
	Kind   string `json:"kind"`
	Text   string `json:"text,omitempty"`
	Round  string `json:"round,omitempty"`
	Part   int    `json:"part,omitempty"`
	Parts  int    `json:"parts,omitempty"`
	Sealed bool   `json:"sealed,omitempty"`
	Error  string `json:"error,omitempty"`
}

func scan(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("scan", flag.ContinueOnError)
	flags.SetOutput(out)
	asJSON := flags.Bool("json", false, "print one JSON object per image")
	flags.Usage = func() {
		fmt.Fprintln(out, "Usage: mispbump scan [--json] IMAGE...\n\nPrints the text of the QR code in each PNG or JPEG image, one line per image,\nand whether it is a MISPbump frame (which round and part) or a foreign code.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return errors.New("scan needs at least one image file")
	}

	failed := 0
	enc := json.NewEncoder(out)
	for _, path := range flags.Args() {
		r := scanImage(path)
		if r.Kind == "error" {
			failed++
		}
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(out, r.line())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images held no readable QR code", failed, flags.NArg())
	}
	return nil
}

func scanImage(path string) scanResult {
	r := scanResult{Image: path}
	text, err := qr.DecodeFile(path)
	if err != nil {
		r.Kind, r.Error = "error", err.Error()
		return r
	}
	r.Text = text
	info, err := pairing.Inspect(text)
	switch {
	case err == nil:
		r.Kind, r.Round, r.Part, r.Parts, r.Sealed = "mispbump", info.Round.String(), info.Part, info.Parts, info.Sealed
	case errors.Is(err, pairing.ErrNotMISPbump):
		r.Kind = "foreign"
	default:
		r.Kind, r.Error = "damaged", err.Error()
	}
	return r
}

// line is the human-readable form. Foreign texts are quoted: a QR code can
// hold terminal escape sequences.
func (r scanResult) line() string {
	switch r.Kind {
	case "mispbump":
		return fmt.Sprintf("%s: MISPbump %s frame, part %d of %d: %s", r.Image, r.Round, r.Part, r.Parts, r.Text)
	case "damaged":
		return fmt.Sprintf("%s: MISPbump code that cannot be used (%s): %s", r.Image, r.Error, strconv.Quote(r.Text))
	case "foreign":
		return fmt.Sprintf("%s: foreign QR code (not MISPbump): %s", r.Image, strconv.Quote(r.Text))
	default:
		return fmt.Sprintf("%s: error: %s", r.Image, r.Error)
	}
}
