package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// The demo (headless or in two windows) pairs two simulated MISPs. The
// functions here are its set-up, shared by `mispbump demo` and the app's
// "Try the demo", so both show the same thing.

// DemoMISPOptions shapes the simulated MISPs of a demo.
type DemoMISPOptions struct {
	// TLS serves the simulator over HTTPS with a self-signed certificate;
	// the partner then needs the certificate that travels in INFO.
	TLS bool
	// SharedOrgUUID, when set, makes both simulators instances of one
	// organisation (same-organisation "internal" mode), with
	// MISP.host_org_id set as MISP requires for it.
	SharedOrgUUID string
}

// StartDemoMISP starts the simulated MISP of demo side i (0 is Org A, 1 is
// Org B) on loopback. Each publishes a real instance key at /gpg.asc (the
// recorded keys of instances A and B), so the demo shows the partner's
// fingerprint and the protected-mode cross-check. Close the simulator when
// done.
func StartDemoMISP(i int, opts DemoMISPOptions) (*mispsim.Sim, error) {
	if i != 0 && i != 1 {
		return nil, fmt.Errorf("a demo has sides 0 and 1, not %d", i)
	}
	name := []string{"A", "B"}[i]
	cfg := mispsim.Config{Name: name, HostOrgName: "Demo Org " + name, GPGKeyArmored: protected.DemoKey(i)}
	if opts.SharedOrgUUID != "" {
		cfg.HostOrgName, cfg.HostOrgUUID, cfg.HostOrgIDSet = "Demo Org", opts.SharedOrgUUID, true
	}
	sim := mispsim.New(cfg)
	start := sim.Start
	if opts.TLS {
		start = sim.StartTLS
	}
	if _, err := start(); err != nil {
		return nil, fmt.Errorf("starting the simulated MISP of Org %s: %w", name, err)
	}
	return sim, nil
}

// OpenLocalSide logs in to the MISP at url with key (pinning certPEM when
// given: a self-signed MISP) and opens the store in dir, or creates it, with
// a profile for that MISP (never its key), so that PairLocally or the demo
// windows can run this side. The returned function closes the store.
func OpenLocalSide(ctx context.Context, name, url, key, certPEM, dir string, passphrase []byte, choices Choices) (LocalSide, func(), error) {
	opts := misp.Options{}
	if certPEM != "" {
		fp, err := pemFingerprint(certPEM)
		if err != nil {
			return LocalSide{}, nil, err
		}
		opts.PinnedSHA256 = fp
	}
	c, err := misp.New(url, key, opts)
	if err != nil {
		return LocalSide{}, nil, err
	}
	login, err := c.Login(ctx)
	if err != nil {
		return LocalSide{}, nil, fmt.Errorf("logging in to %s: %w", c.BaseURL(), err)
	}
	st, profileID, err := openProfileStore(dir, passphrase, c.BaseURL(), "demo "+strings.ToUpper(name))
	if err != nil {
		return LocalSide{}, nil, fmt.Errorf("the store in %s: %w", dir, err)
	}
	side := LocalSide{Name: name, Client: c, Login: login, Store: st, ProfileID: profileID, CertificatePEM: certPEM, Choices: choices}
	return side, st.Close, nil
}

// openProfileStore opens or creates the store in dir and finds or adds the
// profile of the MISP at url.
func openProfileStore(dir string, passphrase []byte, url, profileName string) (*store.Store, string, error) {
	exists, err := store.Exists(dir)
	if err != nil {
		return nil, "", err
	}
	var st *store.Store
	if exists {
		st, err = store.Open(dir, passphrase)
	} else if err = os.MkdirAll(dir, 0o700); err == nil {
		st, err = store.Create(dir, passphrase)
	}
	if err != nil {
		return nil, "", err
	}
	var id string
	err = st.Update(func(d *store.Data) error {
		for _, p := range d.Profiles {
			if misp.NormalizeURL(p.URL) == misp.NormalizeURL(url) {
				id = p.ID
				return nil
			}
		}
		id = store.NewID()
		d.Profiles = append(d.Profiles, store.Profile{ID: id, Name: profileName, URL: url})
		return nil
	})
	if err != nil {
		st.Close()
		return nil, "", err
	}
	return st, id, nil
}

// pemFingerprint is the SHA-256 of the first certificate in pemText, as the
// MISP client pins it.
func pemFingerprint(pemText string) (string, error) {
	blk, _ := pem.Decode([]byte(pemText))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return "", errors.New("the certificate file holds no PEM certificate")
	}
	sum := sha256.Sum256(blk.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

// DemoChoices are DefaultChoices with local partner addresses allowed: the
// demo's two MISPs (simulated, or the real pair on 127.0.0.1) are on this
// machine, where a real partner never is.
func DemoChoices() Choices {
	c := DefaultChoices()
	c.AllowLocalAddresses = true
	return c
}

// StartDemo is the app's "Try the demo": both simulated MISPs, logged in,
// each side with a throwaway store in a temporary folder. cleanup stops the
// simulators and removes the stores.
func StartDemo(ctx context.Context) (sides [2]LocalSide, cleanup func(), err error) {
	var closers []func()
	cleanup = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	dir, err := os.MkdirTemp("", "mispbump-demo-")
	if err != nil {
		return sides, cleanup, err
	}
	closers = append(closers, func() { _ = os.RemoveAll(dir) })
	passphrase := ThrowawayPassphrase()
	for i, name := range []string{"a", "b"} {
		sim, err := StartDemoMISP(i, DemoMISPOptions{})
		if err != nil {
			return sides, cleanup, err
		}
		closers = append(closers, func() { _ = sim.Close() })
		side, closeStore, err := OpenLocalSide(ctx, name, sim.URL(), sim.AdminKey(), "", filepath.Join(dir, name), passphrase, DemoChoices())
		if err != nil {
			return sides, cleanup, fmt.Errorf("the simulated MISP %s: %w", strings.ToUpper(name), err)
		}
		closers = append(closers, closeStore)
		sides[i] = side
	}
	return sides, cleanup, nil
}

// ThrowawayPassphrase is a random passphrase for stores nobody opens again
// (a demo's): 24 random bytes, hex-encoded.
func ThrowawayPassphrase() []byte {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported systems
	return []byte(hex.EncodeToString(b))
}
