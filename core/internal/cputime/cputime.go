// Package cputime measures the process's CPU time for benchmarks. On a shared
// machine a benchmark's wall time says more about the neighbours than about
// the code; CPU time per operation is the steadier figure.
package cputime

import (
	"testing"
	"time"
)

// Report adds a "cpu-ms/op" metric covering the benchmark loop that began
// when Process returned start.
func Report(b *testing.B, start time.Duration) {
	if now := Process(); now > 0 {
		b.ReportMetric(float64(now-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}
