package camera

import (
	"errors"
	"strings"
	"unicode"

	"github.com/mispbump/mispbump-desktop/core/qr"
)

// The fallbacks below work on every operating system, with or without a
// webcam: each turns what the user gave into the text of a frame, for the
// session engine to take like a text the Reader decoded.

// TextFromFile reads the QR code in a PNG or JPEG file ("open image").
func TextFromFile(path string) (string, error) {
	return qr.DecodeFile(path)
}

// TextFromImage reads the QR code in image bytes from the clipboard
// (PNG or JPEG).
func TextFromImage(data []byte) (string, error) {
	return qr.DecodeImageBytes(data, "the pasted image")
}

// ErrNothingPasted says the pasted text was empty.
var ErrNothingPasted = errors.New("nothing was pasted: copy the partner's whole code from the chat or e-mail and paste it again")

// TextFromPaste takes pasted text ("paste code") as it is, without the
// spaces and line breaks that mail and chat programs add.
func TextFromPaste(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", ErrNothingPasted
	}
	return s, nil
}
