package ui

import (
	"context"
	"errors"
	"time"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/misp"
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

// testPartnerConnection runs servers/testConnection on our server entry to
// the partner and returns the result to record.
func testPartnerConnection(ctx context.Context, c *misp.Client, p store.Partner) (store.ConnectionTest, error) {
	res, err := c.TestConnection(ctx, misp.ID(p.OnOurMISP.Server.ID))
	if err != nil {
		return store.ConnectionTest{}, err
	}
	status, msg := res.Status, misp.ConnectionStatusText(res.Status)
	if problem := res.Problem(p.InstanceUUID); problem != nil {
		msg = problem.Error()
		if status == misp.ConnOK {
			status = 0 // reached, but not the partner or not fully working
		}
	}
	return store.ConnectionTest{Status: status, Message: msg, At: time.Now().UTC()}, nil
}

// removePartnerFromMISP undoes on our MISP what the pairing with p set up, as
// the brief says: the server entry only if the app created it, the sync user
// disabled (deleted only on request), the organisation never.
func removePartnerFromMISP(ctx context.Context, c *misp.Client, p store.Partner, deleteUser bool) error {
	if s := p.OnOurMISP.Server; s.ID != "" && s.Outcome == store.Created {
		if err := c.DeleteServer(ctx, misp.ID(s.ID)); err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return err
		}
	}
	if u := p.OnOurMISP.SyncUser; u.ID != "" {
		var err error
		if deleteUser {
			err = c.DeleteUser(ctx, misp.ID(u.ID))
		} else {
			_, err = c.SetUserDisabled(ctx, misp.ID(u.ID), true)
		}
		if err != nil && !misp.IsKind(err, misp.KindNotFound) {
			return err
		}
	}
	return nil
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
