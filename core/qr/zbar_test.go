package qr

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/internal/cputime"
)

var zbar = flag.Bool("zbar", false, "compare the decoder with zbarimg on the corpus (docs/QR.md, Performance)")

// TestCompareWithZbar reads the corpus with our decoder and with zbarimg
// (Debian zbar-tools) and logs hit rates and CPU time. Run with
// go test ./core/qr -run TestCompareWithZbar -v -args -zbar
func TestCompareWithZbar(t *testing.T) {
	if !*zbar {
		t.Skip("run with -zbar")
	}
	zbarimg, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg is not installed (apt install zbar-tools)")
	}
	var files, texts, kinds []string
	for _, c := range loadCorpus(t) {
		if c.Text == "" {
			continue
		}
		files = append(files, filepath.Join(corpusDir, c.File))
		texts = append(texts, c.Text)
		kinds = append(kinds, c.Kind)
	}

	ourHits, ourRealistic := 0, 0
	start := cputime.Process()
	for i, f := range files {
		if got, err := DecodeFile(f); err == nil && got == texts[i] {
			ourHits++
			if kinds[i] != "extreme" {
				ourRealistic++
			}
		}
	}
	ourCPU := cputime.Process() - start

	zbarHits, zbarRealistic := 0, 0
	var zbarCPU time.Duration
	var zbarMissed, ourMissed []string
	for i, f := range files {
		cmd := exec.Command(zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f)
		var out bytes.Buffer
		cmd.Stdout = &out
		_ = cmd.Run() // exit status 4 means "no code found"
		zbarCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if strings.TrimSuffix(out.String(), "\n") == texts[i] {
			zbarHits++
			if kinds[i] != "extreme" {
				zbarRealistic++
			}
		} else {
			zbarMissed = append(zbarMissed, filepath.Base(f))
		}
		if got, err := DecodeFile(f); err != nil || got != texts[i] {
			ourMissed = append(ourMissed, filepath.Base(f))
		}
	}
	// One process for all pictures, to take zbarimg's start-up out.
	all := exec.Command(zbarimg, append([]string{"--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"}, files...)...)
	_ = all.Run()
	zbarOnce := all.ProcessState.UserTime() + all.ProcessState.SystemTime()
	n := len(files)
	t.Logf("pictures with a code: %d (%d extreme)", n, strings.Count(strings.Join(kinds, ","), "extreme"))
	t.Logf("ours:  %d/%d read (%d realistic+foreign), CPU %v total, %.1f ms per picture (image decoding included)",
		ourHits, n, ourRealistic, ourCPU.Round(time.Millisecond), float64(ourCPU.Microseconds())/float64(n)/1000)
	t.Logf("zbar:  %d/%d read (%d realistic+foreign), CPU %v total, %.1f ms per picture (one process per picture)",
		zbarHits, n, zbarRealistic, zbarCPU.Round(time.Millisecond), float64(zbarCPU.Microseconds())/float64(n)/1000)
	t.Logf("missed by ours: %v", ourMissed)
	t.Logf("missed by zbar: %v", zbarMissed)
	t.Logf("zbar, one process for all: CPU %v total, %.1f ms per picture",
		zbarOnce.Round(time.Millisecond), float64(zbarOnce.Microseconds())/float64(n)/1000)
	if ourCPU > 0 {
		t.Logf("CPU ratio zbar/ours: %.2f per process per picture, %.2f with one zbar process",
			float64(zbarCPU)/float64(ourCPU), float64(zbarOnce)/float64(ourCPU))
	}
}

// TestFieldCompareWithZbar reads both draws of the field corpus with our
// decoder and with zbarimg and logs hit rates and CPU time. Both start
// from the JPEG files (image decoding included on both sides); zbarimg
// runs once per draw over all its files, so its start-up counts once.
// Run with go test ./core/qr -run TestFieldCompareWithZbar -v -args -zbar
func TestFieldCompareWithZbar(t *testing.T) {
	if !*zbar {
		t.Skip("run with -zbar")
	}
	zbarimg, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg is not installed (apt install zbar-tools)")
	}
	cases := loadFieldCorpus(t)
	for _, draw := range fieldDraws {
		dir := t.TempDir()
		var files, texts []string
		var frames [][]byte
		for _, c := range cases {
			if c.Draw != draw.Name {
				continue
			}
			_, _, data := fieldFrame(c.Seed)
			f := filepath.Join(dir, fmt.Sprintf("%d.jpg", c.Seed))
			if err := os.WriteFile(f, data, 0o644); err != nil {
				t.Fatal(err)
			}
			files, texts, frames = append(files, f), append(texts, c.Text), append(frames, data)
		}
		ours := 0
		start := cputime.Process()
		for i, data := range frames {
			if got, err := DecodeImageBytes(data, "frame"); err == nil && got == texts[i] {
				ours++
			}
		}
		ourCPU := cputime.Process() - start

		cmd := exec.Command(zbarimg, append([]string{"--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"}, files...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		_ = cmd.Run() // exit status 4 when some picture held no code
		zbarCPU := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		read := map[string]bool{}
		for _, line := range strings.Split(out.String(), "\n") {
			read[line] = true
		}
		zbarHits := 0
		for _, text := range texts {
			if read[text] {
				zbarHits++
			}
		}
		n := len(files)
		t.Logf("%s draw, %d frames: ours %d read (%.1f %%), CPU %.1f ms per frame; zbarimg %d read (%.1f %%), CPU %.1f ms per frame; CPU ratio zbar/ours %.1f",
			draw.Name, n, ours, 100*float64(ours)/float64(n), float64(ourCPU.Microseconds())/float64(n)/1000,
			zbarHits, 100*float64(zbarHits)/float64(n), float64(zbarCPU.Microseconds())/float64(n)/1000,
			float64(zbarCPU)/float64(ourCPU))
	}
}
