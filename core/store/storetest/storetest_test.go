package storetest

import (
	"testing"

	"github.com/mispbump/mispbump-desktop/core/store"
)

func TestNewStoreOpensAgain(t *testing.T) {
	s, dir := New(t)
	if err := s.Update(func(d *store.Data) error {
		d.Partners = append(d.Partners, store.Partner{ID: store.NewID()})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	again, err := store.Open(dir, []byte(Passphrase))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Snapshot().Partners) != 1 {
		t.Fatal("the partner was not saved")
	}
}

// BenchmarkCreateCheap shows what the helper saves other packages' tests.
func BenchmarkCreateCheap(b *testing.B) {
	UseCheapKeyDerivation(b)
	for b.Loop() {
		if _, err := store.Create(b.TempDir(), []byte(Passphrase)); err != nil {
			b.Fatal(err)
		}
	}
}
