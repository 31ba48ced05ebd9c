package store

import (
	"os"
	"testing"
)

// cheapKDF keeps the suite fast; the format and code paths are the same as
// with desktopKDF (benchmarks use the real parameters).
var cheapKDF = kdfParams{passes: 1, parallelism: 1, memoryKiB: 64}

func TestMain(m *testing.M) {
	writeKDF = cheapKDF
	os.Exit(m.Run())
}
