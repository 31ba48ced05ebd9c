package ui

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sort"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// vault is the encrypted store as the screens use it: closed until the
// passphrase screen opens it, then every read is a snapshot and every
// change one store.Update.
type vault struct {
	dir   string
	store *store.Store
}

func newVault(dataDir string) *vault { return &vault{dir: dataDir} }

// Exists reports whether a store was created before (so the passphrase
// screen unlocks instead of asking for a new passphrase). An unreadable data
// folder counts as existing: unlocking then says what is wrong.
func (v *vault) Exists() bool {
	ok, err := store.Exists(v.dir)
	return ok || err != nil
}

// Create makes the store on the first run.
func (v *vault) Create(passphrase string) error {
	s, err := store.Create(v.dir, []byte(passphrase))
	releaseKDFMemory()
	if err != nil {
		return err
	}
	v.store = s
	return nil
}

// Unlock opens the existing store.
func (v *vault) Unlock(passphrase string) error {
	s, err := store.Open(v.dir, []byte(passphrase))
	releaseKDFMemory()
	if err != nil {
		return err
	}
	v.store = s
	return nil
}

// ChangePassphrase re-encrypts the open store.
func (v *vault) ChangePassphrase(old, next string) error {
	defer releaseKDFMemory()
	return v.store.ChangePassphrase([]byte(old), []byte(next))
}

// releaseKDFMemory hands the store's key-derivation memory (Argon2id takes
// 64 MiB at every open and save) back to the system at once. Without it an
// idle window kept it for minutes, until Go's periodic collection: 260 MB
// resident instead of about 100 (docs/PERFORMANCE-UI.md). It costs one
// collection, nothing beside a derivation that takes a second or more.
func releaseKDFMemory() { debug.FreeOSMemory() }

// IsWrongPassphrase tells a wrong passphrase apart from other failures.
func (v *vault) IsWrongPassphrase(err error) bool {
	var wrong *store.WrongPassphraseError
	return errors.As(err, &wrong)
}

// Location is the data folder, shown read-only in Settings.
func (v *vault) Location() string {
	if v.store != nil {
		return v.store.File()
	}
	return store.Path(v.dir)
}

// Snapshot is a copy of everything in the store.
func (v *vault) Snapshot() store.Data { return v.store.Snapshot() }

// Update changes the store; see store.Store.Update.
func (v *vault) Update(change func(*store.Data) error) error {
	defer releaseKDFMemory()
	return v.store.Update(change)
}

// Partners are the saved partners, most recently paired first.
func (v *vault) Partners() []store.Partner {
	ps := v.store.Snapshot().Partners
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].PairedAt.After(ps[j].PairedAt) })
	return ps
}

// SetLastTest records the result of a connection test.
func (v *vault) SetLastTest(partnerID string, t store.ConnectionTest) error {
	return v.Update(func(d *store.Data) error {
		p, ok := d.Partner(partnerID)
		if !ok {
			return fmt.Errorf("the partner was removed meanwhile; nothing was recorded")
		}
		p.LastTest = &t
		return nil
	})
}

// DeletePartner forgets a partner's record.
func (v *vault) DeletePartner(partnerID string) error {
	return v.Update(func(d *store.Data) error {
		for i := range d.Partners {
			if d.Partners[i].ID == partnerID {
				d.Partners = append(d.Partners[:i], d.Partners[i+1:]...)
				return nil
			}
		}
		return nil
	})
}
