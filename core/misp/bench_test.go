package misp

import (
	"encoding/json"
	"testing"
)

// BenchmarkDecodeServerIndex measures decoding recording 34 (servers/index),
// the largest answer the setup reads on every run.
func BenchmarkDecodeServerIndex(b *testing.B) {
	body := []byte(loadRecording(b, "34").Response.Body)
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		var v []ServerEntry
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
