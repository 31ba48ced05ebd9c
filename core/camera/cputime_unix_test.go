//go:build unix

package camera

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time this process has used. On a shared machine a
// benchmark's wall time says more about the neighbours than about the
// code; CPU time per operation is the steadier figure.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a "cpu-ms/op" metric covering the benchmark loop.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
