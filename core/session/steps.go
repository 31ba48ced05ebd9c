package session

import (
	"context"

	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// steps is what a session does on our MISP, one idempotent step at a time.
// The real implementation (mispSteps) goes through core/syncsetup; tests of
// the round flow may use a fake.
type steps interface {
	// Org finds the partner's organisation by UUID or creates it.
	Org(ctx context.Context, partner pairing.Info, ch Choices) (orgResult, error)
	// SyncUser finds or creates the partner's sync user in org and mints a
	// fresh key for it.
	SyncUser(ctx context.Context, partner pairing.Info, org orgResult) (userResult, error)
	// Server adds or updates our server entry to the partner.
	Server(ctx context.Context, partner pairing.Info, creds pairing.Creds, org orgResult, ch Choices) (serverResult, error)
	// Test runs servers/testConnection (and getRemoteUser) on the entry.
	Test(ctx context.Context, serverID string, partner pairing.Info) (pairing.TestResult, error)
	// OldKeys lists the keys this app minted earlier for the user, except
	// keepID: they are revoked once the partner confirms the new key works.
	OldKeys(ctx context.Context, userID, keepID string) ([]store.MintedKey, error)
	// Revoke deletes the keys; keys already gone are not an error.
	Revoke(ctx context.Context, keys []store.MintedKey) error
	// RevokeOld revokes, once the partner confirmed the new key, the keys
	// OldKeys listed (with syncsetup's rule); it returns the ids now gone.
	RevokeOld(ctx context.Context, keys []store.MintedKey) ([]string, error)
	// Requests counts the HTTP requests sent so far.
	Requests() int64
}

type orgResult struct {
	ID      string
	Created bool
	// Name is the name the org has on our MISP ("Name (uuid8)" after a clash).
	Name string
	// Note says what was special, e.g. the renaming after a name clash.
	Note string
}

type userResult struct {
	ID      string
	Email   string
	Created bool
	// Key is the raw sync key just minted for the partner. Secret: it goes
	// into CREDS and nowhere else.
	Key string
	// Minted describes the key (id and comment, never the key).
	Minted store.MintedKey
}

type serverResult struct {
	ID      string
	Created bool
	// PushRules and PullRules are the entry's rules as MISP holds them.
	PushRules, PullRules string
	// SharingGroup is the bilateral group (nil when none was asked for or
	// it could not be made: SharingGroupProblem says why).
	SharingGroup        *sharingGroupResult
	SharingGroupProblem string
	// Settings is the entry as read back from MISP (nil: not read).
	Settings *store.ServerSettings
}

type sharingGroupResult struct {
	ID, UUID, Name string
	Created        bool
}
