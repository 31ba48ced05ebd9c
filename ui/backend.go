package ui

import (
	"context"
	"errors"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// This file is the seam between the screens and core: the few calls the
// screens make that are not a store read or write. Each runs off the UI
// goroutine; none touches a widget.

// mispClient is a logged-in MISP.
type mispClient = *misp.Client

// loginToMISP makes a client for one profile and logs in with it. pin is the
// SHA-256 of a certificate the admin chose to trust, or "".
func loginToMISP(ctx context.Context, baseURL, authkey, pin string) (*misp.Client, *misp.LoginInfo, error) {
	c, err := misp.New(baseURL, authkey, misp.Options{PinnedSHA256: pin})
	if err != nil {
		return nil, nil, err
	}
	info, err := c.Login(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, info, nil
}

// afterLogin is the work that follows a successful login: reading our
// instance's PGP signing key (it travels in INFO and protects relayed
// events; a MISP without one is a *protected.NoKeyError) and revoking the
// keys an aborted pairing left behind (core/session). Neither failure
// undoes the login.
func afterLogin(ctx context.Context, c *misp.Client, v *vault, profileID string) (own *protected.Key, ownErr error, revoked []string, revokeErr error) {
	own, ownErr = protected.FetchOwnKey(ctx, c)
	snap := v.Snapshot()
	if p, ok := snap.Profile(profileID); ok && len(p.KeysPendingRevocation) > 0 {
		revoked, revokeErr = session.RevokeAbandonedKeys(ctx, c, v.store, profileID)
	}
	return own, ownErr, revoked, revokeErr
}

// testPartnerConnection runs servers/testConnection on our server entry to
// the partner and records the result in the store (core/session).
func testPartnerConnection(ctx context.Context, c *misp.Client, v *vault, partnerID string) error {
	_, err := session.TestConnection(ctx, c, v.store, partnerID)
	return err
}

// removePartner undoes on our MISP what the pairing set up, as the brief
// says (the server entry only if the app created it, the sync user disabled
// unless deleteUser, the organisation never), then forgets the record, and
// says what it did. A record with nothing of ours on MISP needs no client.
func removePartner(ctx context.Context, c *misp.Client, v *vault, p store.Partner, deleteUser bool) ([]string, error) {
	if c == nil {
		return nil, v.DeletePartner(p.ID)
	}
	done, err := session.RemovePartner(ctx, c, v.store, p.ID, deleteUser)
	return done.Done, err
}

// isNotThePartners says whether err is core/session's refusal to act on an
// object that is no longer the partner's (nothing was done).
func isNotThePartners(err error) bool { return errors.As(err, new(*session.NotOursError)) }

// revokePendingKeys revokes the keys a partner record marks pending
// revocation and clears them from the record (core/session).
func revokePendingKeys(ctx context.Context, c *misp.Client, v *vault, partnerID string) ([]string, error) {
	return session.RevokePendingKeys(ctx, c, v.store, partnerID)
}

// listCameras gives the webcams that can be chosen in Settings, as device
// path (stored) and name (shown). No camera at all is an empty list, not an
// error: the screen says what to do instead.
func listCameras() ([]choice, error) {
	devices, err := camera.Devices()
	if errors.Is(err, camera.ErrNoCamera) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	choices := make([]choice, len(devices))
	for i, d := range devices {
		choices[i] = choice{value: d.Path, label: d.String()}
	}
	return choices, nil
}
