package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/qr"
)

func writeCode(t *testing.T, dir, name, text string) string {
	t.Helper()
	data, err := qr.PNG(text)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	side, err := pairing.New(pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	commit := side.Display()[0]
	ours := writeCode(t, dir, "ours.png", commit)
	badge := writeCode(t, dir, "badge.png", "https://example.org/\x1b[31mred")

	var out bytes.Buffer
	if err := scan([]string{ours, badge}, &out); err != nil {
		t.Fatalf("scan: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out.String())
	}
	if want := ours + ": MISPbump COMMIT frame, part 1 of 1: " + commit; lines[0] != want {
		t.Errorf("line 1:\n got %s\nwant %s", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], badge+": foreign QR code") || strings.Contains(lines[1], "\x1b") {
		t.Errorf("line 2 (escape sequences must be quoted): %q", lines[1])
	}
}

func TestScanFailsOnImageWithoutCode(t *testing.T) {
	dir := t.TempDir()
	ours := writeCode(t, dir, "ours.png", "MB1:ABC")
	blank := filepath.Join(dir, "blank.png")
	f, err := os.Create(blank)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, image.NewGray(image.Rect(0, 0, 100, 100)))
	f.Close()
	missing := filepath.Join(dir, "missing.png")

	var out bytes.Buffer
	err = scan([]string{"--json", ours, blank, missing}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 of 3") {
		t.Fatalf("scan returned %v, want an error about 2 of 3 images", err)
	}
	var kinds []string
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r scanResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, r.Kind)
		if r.Kind == "error" && r.Error == "" {
			t.Errorf("%s: error line without a message", r.Image)
		}
	}
	// "MB1:ABC" is MISPbump-shaped but no valid frame.
	if strings.Join(kinds, ",") != "damaged,error,error" {
		t.Errorf("kinds %v, want damaged,error,error", kinds)
	}
}

func TestScanNeedsAnImage(t *testing.T) {
	var out bytes.Buffer
	if err := scan(nil, &out); err == nil {
		t.Fatal("scan without images succeeded")
	}
}
