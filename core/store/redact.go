package store

import (
	"fmt"

	"github.com/mispbump/mispbump-desktop/core/internal/redact"
)

// Printing a Profile or PartnerCreds with fmt, with any verb (%v, %+v, %#v,
// %s, %d…), shows "[redacted]" instead of the authkey it holds; the other
// fields print as usual. PendingPairing and Data hold these types, so fmt
// reaches the same methods when it prints them (also through pointers and
// slices). Tests print store documents in failure messages, and a secret in
// test output is a secret leaked. encoding/json does not use these methods:
// the store file still holds every field.

// profileView is Profile without its methods, so that fmt prints its fields.
type profileView Profile

// Format prints the profile with its authkey redacted, for every verb.
func (p Profile) Format(f fmt.State, verb rune) {
	v := profileView(p)
	v.Authkey = redact.Secret(v.Authkey)
	redact.FormatView(f, verb, v, "store.profileView", "store.Profile")
}

// String shows the profile's fields, its authkey redacted.
func (p Profile) String() string { return fmt.Sprintf("%+v", p) }

// GoString is %#v, its authkey redacted.
func (p Profile) GoString() string { return fmt.Sprintf("%#v", p) }

// partnerCredsView is PartnerCreds without its methods.
type partnerCredsView PartnerCreds

// Format prints the credentials with the sync authkey redacted, for every
// verb.
func (c PartnerCreds) Format(f fmt.State, verb rune) {
	v := partnerCredsView(c)
	v.SyncAuthkey = redact.Secret(v.SyncAuthkey)
	redact.FormatView(f, verb, v, "store.partnerCredsView", "store.PartnerCreds")
}

// String shows the credentials, the sync authkey redacted.
func (c PartnerCreds) String() string { return fmt.Sprintf("%+v", c) }

// GoString is %#v, the sync authkey redacted.
func (c PartnerCreds) GoString() string { return fmt.Sprintf("%#v", c) }
