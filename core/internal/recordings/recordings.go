// Package recordings reads the real MISP 2.5.1 request/response recordings
// kept in testdata/misp-recordings, for the tests that hold the client and the
// simulator to them. The format is described in that folder's source README
// (../shared/misp-recordings/README.md).
package recordings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Recording is one recorded exchange.
type Recording struct {
	File    string `json:"-"` // file name, e.g. "01-users-view-me.json"
	Num     string `json:"-"` // its number, e.g. "01"
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
	Note string `json:"note"`
}

// Dir finds testdata/misp-recordings from a package folder by walking up to
// the module root, so tests in any package can call it.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "misp-recordings"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working folder")
		}
		dir = parent
	}
}

// Read reads one recording by its number ("01", "34", "101").
func Read(num string) (Recording, error) {
	dir, err := Dir()
	if err != nil {
		return Recording{}, err
	}
	m, err := filepath.Glob(filepath.Join(dir, num+"-*.json"))
	if err != nil || len(m) != 1 {
		return Recording{}, fmt.Errorf("recording %s: found %d files in %s", num, len(m), dir)
	}
	return readFile(m[0])
}

// All reads every recording, sorted by number.
func All() ([]Recording, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no recordings in %s: %v", dir, err)
	}
	recs := make([]Recording, 0, len(files))
	for _, f := range files {
		r, err := readFile(f)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool {
		a, _ := strconv.Atoi(recs[i].Num)
		b, _ := strconv.Atoi(recs[j].Num)
		return a < b
	})
	return recs, nil
}

func readFile(path string) (Recording, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Recording{}, err
	}
	var r Recording
	if err := json.Unmarshal(raw, &r); err != nil {
		return Recording{}, fmt.Errorf("%s: %v", filepath.Base(path), err)
	}
	r.File = filepath.Base(path)
	r.Num = strings.SplitN(r.File, "-", 2)[0]
	return r, nil
}
