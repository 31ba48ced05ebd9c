package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// tempPrefix names the temporary files of an atomic save; leftovers from a
// crash carry only ciphertext and are removed at the next open.
const tempPrefix = ".mispbump-store-"

// wrapTempWriter lets tests interrupt a save half-way. Nil outside tests.
var wrapTempWriter func(io.Writer) io.Writer

// writeFileAtomic replaces path with data so that a crash at any moment
// leaves either the old or the new file, never a mix: write a temporary file
// in the same folder, fsync it, rename it over the old one, fsync the folder.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*.tmp")
	if err != nil {
		return fmt.Errorf("create a temporary file: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	// CreateTemp already uses 0600; say it so a changed default cannot widen it.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("restrict the temporary file: %w", err)
	}
	var w io.Writer = tmp
	if wrapTempWriter != nil {
		w = wrapTempWriter(tmp)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write the temporary file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("flush the temporary file to disk: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close the temporary file: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace the store file: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes the rename durable. Windows cannot fsync a folder; its
// rename (MoveFileEx) is durable on its own.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open the store folder to flush it: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("flush the store folder to disk: %w", err)
	}
	return nil
}

// removeLeftoverTemps deletes temporary files an interrupted save left behind.
func removeLeftoverTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) && strings.HasSuffix(e.Name(), ".tmp") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// ensureDir makes the store folder with mode 0700, and narrows an existing
// one that others could read.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the store folder %s: %w", dir, err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("check the store folder %s: %w", dir, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict the store folder %s to its owner: %w", dir, err)
		}
	}
	return nil
}
