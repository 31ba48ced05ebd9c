package store

import (
	"fmt"
	"testing"
)

// The benchmarks use the real desktop Argon2 parameters (desktopKDF), unlike
// the tests.
func withDesktopKDF(b *testing.B) {
	writeKDF = desktopKDF
	b.Cleanup(func() { writeKDF = cheapKDF })
}

func benchData(partners int) Data {
	d := sampleData()
	base := d.Partners[0]
	d.Partners = nil
	for i := range partners {
		p := base
		p.ID = fmt.Sprintf("partner-%d", i)
		d.Partners = append(d.Partners, p)
	}
	return d
}

func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("partners=%d", n), func(b *testing.B) {
			withDesktopKDF(b)
			dir := b.TempDir()
			s, err := Create(dir, []byte(testPassphrase))
			if err != nil {
				b.Fatal(err)
			}
			d := benchData(n)
			if err := s.Update(func(x *Data) error { *x = d; return nil }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := Open(dir, []byte(testPassphrase)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSave(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("partners=%d", n), func(b *testing.B) {
			withDesktopKDF(b)
			s, err := Create(b.TempDir(), []byte(testPassphrase))
			if err != nil {
				b.Fatal(err)
			}
			d := benchData(n)
			if err := s.Update(func(x *Data) error { *x = d; return nil }); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := s.Update(func(x *Data) error { x.Preferences.Theme = "dark"; return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSnapshot is the cost of reading the store from the UI.
func BenchmarkSnapshot(b *testing.B) {
	s, err := Create(b.TempDir(), []byte(testPassphrase))
	if err != nil {
		b.Fatal(err)
	}
	d := benchData(100)
	if err := s.Update(func(x *Data) error { *x = d; return nil }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = s.Snapshot()
	}
}
