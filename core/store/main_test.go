package store

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// TestMain keeps the suite fast with cheapKDF; benchmarks switch to the
// real parameters.
func TestMain(m *testing.M) {
	writeKDF = cheapKDF
	os.Exit(m.Run())
}

// sealForTest makes a store file of the given format from a raw document.
func sealForTest(tb testing.TB, format int, doc []byte, passphrase string, created time.Time) []byte {
	tb.Helper()
	sl, err := newSealer([]byte(passphrase), cheapKDF)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := sealDocument(format, doc, sl, created)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// encodeForTest makes a current-format store file of d.
func encodeForTest(tb testing.TB, d *Data, passphrase string) []byte {
	tb.Helper()
	doc, err := json.Marshal(d)
	if err != nil {
		tb.Fatal(err)
	}
	return sealForTest(tb, FormatVersion, doc, passphrase, time.Now())
}
