package session

import (
	"context"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// mispSteps does the steps on our MISP.
type mispSteps struct {
	c     *misp.Client
	login *misp.LoginInfo
}

func newMISPSteps(c *misp.Client, login *misp.LoginInfo) steps {
	return &mispSteps{c: c, login: login}
}

func (m *mispSteps) Requests() int64 { return m.c.Requests() }

func (m *mispSteps) Org(ctx context.Context, partner pairing.Info, ch Choices) (orgResult, error) {
	panic("TODO")
}
func (m *mispSteps) SyncUser(ctx context.Context, partner pairing.Info, org orgResult) (userResult, error) {
	panic("TODO")
}
func (m *mispSteps) Server(ctx context.Context, partner pairing.Info, creds pairing.Creds, org orgResult, ch Choices) (serverResult, error) {
	panic("TODO")
}
func (m *mispSteps) Test(ctx context.Context, serverID string, partner pairing.Info) (pairing.TestResult, error) {
	panic("TODO")
}
func (m *mispSteps) OldKeys(ctx context.Context, userID, keepID string) ([]store.MintedKey, error) {
	panic("TODO")
}
func (m *mispSteps) Revoke(ctx context.Context, keys []store.MintedKey) error { panic("TODO") }
