package main

import (
	"strings"
	"testing"
)

// The window mode's only flag and the passphrase variable are in the help,
// not only in "mispbump --help" of the flag package.
func TestHelpMentionsDataDir(t *testing.T) {
	text := usage()
	for _, want := range []string{"--data-dir DIR", "encrypted store", "MISPBUMP_PASSPHRASE", "mispbump demo", "mispbump help"} {
		if !strings.Contains(text, want) {
			t.Errorf("help lacks %q:\n%s", want, text)
		}
	}
}
