package store

import "fmt"

// WrongPassphraseError means the passphrase does not open the store. Nothing
// was changed.
type WrongPassphraseError struct{}

func (*WrongPassphraseError) Error() string {
	return "the passphrase is wrong: the store was not opened and nothing was changed; type it again"
}

// CorruptError means the store file is damaged (changed on disk, cut short,
// or not a MISPbump store). Nothing of it was used.
type CorruptError struct {
	Path   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the store file %s is damaged (%s): nothing was read from it; restore it from a backup or move it away to start a new store", e.Path, e.Reason)
}

// NewerVersionError means the store was written by a newer MISPbump whose
// format this version cannot read.
type NewerVersionError struct {
	Path       string
	Format     int
	WrittenBy  string
	Understood int
}

func (e *NewerVersionError) Error() string {
	by := e.WrittenBy
	if by == "" {
		by = "a newer MISPbump"
	}
	return fmt.Sprintf("the store %s was written by a newer MISPbump (%s, store format %d; this version reads up to %d); update the app", e.Path, by, e.Format, e.Understood)
}

// NotFoundError means there is no store in the data folder yet: first run,
// the admin sets a passphrase and Create makes the store.
type NotFoundError struct{ Dir string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("there is no MISPbump store in %s yet: set a passphrase to create one", e.Dir)
}

// ExistsError means Create was asked to make a store where one already exists.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("a MISPbump store already exists at %s: open it with its passphrase instead of creating a new one", e.Path)
}

// PassphraseTooShortError means a new passphrase is shorter than MinPassphraseLength.
type PassphraseTooShortError struct{ Min int }

func (e *PassphraseTooShortError) Error() string {
	return fmt.Sprintf("the passphrase is too short: choose one of at least %d characters", e.Min)
}

// NoPassphraseError means neither a passphrase file nor MISPBUMP_PASSPHRASE was given.
type NoPassphraseError struct{}

func (*NoPassphraseError) Error() string {
	return "no store passphrase given: pass --passphrase-file FILE or set MISPBUMP_PASSPHRASE"
}

// PassphraseFileError means the passphrase file could not be read.
type PassphraseFileError struct {
	Path string
	Err  error
}

func (e *PassphraseFileError) Error() string {
	return fmt.Sprintf("cannot read the passphrase file %s: %v; check the path and its permissions", e.Path, e.Err)
}

func (e *PassphraseFileError) Unwrap() error { return e.Err }

// SaveError means the store could not be written; the previous version on
// disk is intact and the change was not applied.
type SaveError struct {
	Path string
	Err  error
}

func (e *SaveError) Error() string {
	return fmt.Sprintf("cannot save the store %s: %v; the previous version is intact and the change was not kept; check free disk space and permissions", e.Path, e.Err)
}

func (e *SaveError) Unwrap() error { return e.Err }

// ConflictError means another MISPbump (a second window, the command line)
// saved the store since this one opened it. The change was not saved, so the
// other one's work is not overwritten.
type ConflictError struct{ Path string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the store %s was changed by another MISPbump (another window or the command line) since it was opened: this change was not saved; close the other one, then open the store again here", e.Path)
}
