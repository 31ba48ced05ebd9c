package camera

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/qr"
)

func TestFallbacks(t *testing.T) {
	text := "MB1FALLBACK0123456789"
	png, err := qr.PNG(text)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := TextFromFile(path); err != nil || got != text {
		t.Errorf("file: %q, %v", got, err)
	}
	if got, err := TextFromImage(png); err != nil || got != text {
		t.Errorf("clipboard image: %q, %v", got, err)
	}
	var imgErr *qr.ImageError
	if _, err := TextFromImage([]byte("plain text, not an image")); !errors.As(err, &imgErr) {
		t.Errorf("text as image: got %v, want an ImageError", err)
	}
	if got, err := TextFromPaste("  MB1ABC\r\nDEF\t \n"); err != nil || got != "MB1ABCDEF" {
		t.Errorf("paste: %q, %v", got, err)
	}
	if _, err := TextFromPaste(" \n "); !errors.Is(err, ErrNothingPasted) {
		t.Errorf("empty paste: %v", err)
	}
}
