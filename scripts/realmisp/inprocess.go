package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// The fault and timing runs pair in this process (session.PairLocally, the
// engine behind `mispbump demo --headless`) with each side's MISP client
// talking through a loopback proxy. The proxy counts and times every
// request and, for faults, can stop B's web server before a given one. The
// MISPs still call each other directly (the server entries hold the URLs the
// MISPs announce), so a stopped B also hangs A's connection test to B.

// exchange is one request through a proxy.
type exchange struct {
	method, path string
	status       int
	start        time.Time
	took         time.Duration
}

// proxy forwards to one MISP.
type proxy struct {
	srv    *httptest.Server
	mu     sync.Mutex
	log    []exchange
	before func(n int, r *http.Request) // called before request n (1-based) is forwarded
}

func newProxy(target string) (*proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &proxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, ResponseHeaderTimeout: 10 * time.Minute}
	rp.ErrorLog = log.New(io.Discard, "", 0) // a canceled request is the fault run's doing
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		n := len(p.log) + 1
		p.log = append(p.log, exchange{method: r.Method, path: r.URL.Path, start: time.Now()})
		hook := p.before
		p.mu.Unlock()
		if hook != nil {
			hook(n, r)
		}
		rec := &statusWriter{ResponseWriter: w, status: 200}
		start := time.Now()
		rp.ServeHTTP(rec, r)
		p.mu.Lock()
		p.log[n-1].status, p.log[n-1].took = rec.status, time.Since(start)
		p.mu.Unlock()
	}))
	return p, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func (p *proxy) URL() string { return p.srv.URL }
func (p *proxy) Close()      { p.srv.Close() }

func (p *proxy) exchanges() []exchange {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]exchange(nil), p.log...)
}

func (p *proxy) reset(before func(int, *http.Request)) {
	p.mu.Lock()
	p.log, p.before = nil, before
	p.mu.Unlock()
}

// localPair is A and B logged in through their proxies, with stores in dir.
type localPair struct {
	px    [2]*proxy
	sides [2]session.LocalSide
	close func()
}

// openLocalPair logs in to both MISPs through proxies (client timeout
// timeout) and opens the stores dir/a and dir/b (made when missing) with a
// profile each. The profile's URL is the proxy's; the URL announced to the
// partner is the one MISP announces (MISP.baseurl), as for any pairing.
func openLocalPair(ctx context.Context, e env, dir string, pass []byte, timeout time.Duration, ch session.Choices) (*localPair, error) {
	lp := &localPair{}
	var closers []func()
	lp.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	urls := [2]string{e.aURL, e.bURL}
	keys := [2]string{e.aKey, e.bKey}
	names := [2]string{"a", "b"}
	for i := range 2 {
		px, err := newProxy(urls[i])
		if err != nil {
			lp.close()
			return nil, err
		}
		closers = append(closers, px.Close)
		lp.px[i] = px
		c, err := misp.New(px.URL(), keys[i], misp.Options{Timeout: timeout})
		if err != nil {
			lp.close()
			return nil, err
		}
		login, err := c.Login(ctx)
		if err != nil {
			lp.close()
			return nil, fmt.Errorf("MISP %s: %w", strings.ToUpper(names[i]), err)
		}
		st, profileID, err := openStore(filepath.Join(dir, names[i]), pass, px.URL(), "real "+strings.ToUpper(names[i]))
		if err != nil {
			lp.close()
			return nil, err
		}
		closers = append(closers, st.Close)
		lp.sides[i] = session.LocalSide{Name: names[i], Client: c, Login: login, Store: st, ProfileID: profileID}
	}
	for i := range 2 {
		lp.sides[i].Choices = sideChoices(ch, lp.sides[1-i].Login.HostOrg.UUID)
	}
	return lp, nil
}

func openStore(dir string, pass []byte, url, name string) (*store.Store, string, error) {
	exists, err := store.Exists(dir)
	if err != nil {
		return nil, "", err
	}
	var st *store.Store
	if exists {
		st, err = store.Open(dir, pass)
	} else if err = os.MkdirAll(dir, 0o700); err == nil {
		st, err = store.Create(dir, pass)
	}
	if err != nil {
		return nil, "", err
	}
	var id string
	err = st.Update(func(d *store.Data) error {
		for i := range d.Profiles {
			if d.Profiles[i].Name == name {
				// The proxy's port changes from run to run.
				id, d.Profiles[i].URL = d.Profiles[i].ID, url
				return nil
			}
		}
		id = store.NewID()
		d.Profiles = append(d.Profiles, store.Profile{ID: id, Name: name, URL: url})
		return nil
	})
	if err != nil {
		st.Close()
		return nil, "", err
	}
	return st, id, nil
}

func readPass(data string) ([]byte, error) {
	p, err := passphraseFile(data)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	return bytes.TrimSpace(b), err
}

// sideChoices are the choices of one side pairing in process. Two issues
// merged after this harness add choices a pairing of two MISPs on loopback
// with an organisation they already know needs (issue 11: AllowLocalAddresses
// and ReuseOrgUUID, the admin's word that the partner is that organisation).
// They are set by name when this build has them, so the harness runs on
// branches with and without them.
func sideChoices(base session.Choices, partnerOrgUUID string) session.Choices {
	v := reflect.ValueOf(&base).Elem()
	if f := v.FieldByName("AllowLocalAddresses"); f.IsValid() && f.Kind() == reflect.Bool {
		f.SetBool(true)
	}
	if f := v.FieldByName("ReuseOrgUUID"); f.IsValid() && f.Kind() == reflect.String {
		f.SetString(partnerOrgUUID)
	}
	return base
}

// reEnableSyncUsers re-enables, as the admin, sync users an earlier removal
// (by another store: the check run's) left disabled, which the app rightly
// will not re-enable for a store that did not disable them.
func reEnableSyncUsers(ctx context.Context, r *reporter, lp *localPair) error {
	a := &instance{name: "A", c: lp.sides[0].Client, login: lp.sides[0].Login}
	b := &instance{name: "B", c: lp.sides[1].Client, login: lp.sides[1].Login}
	for _, p := range [][2]*instance{{a, b}, {b, a}} {
		st, err := snapshot(ctx, p[0], p[1])
		if err != nil {
			return err
		}
		if u := st.user(); u != nil && bool(u.User.Disabled) {
			if _, err := p[0].c.SetUserDisabled(ctx, u.User.ID, false); err != nil {
				return err
			}
			r.ok("set-up "+p[0].name, "re-enabled the sync user %s (id %s) an earlier removal disabled", u.User.Email, u.User.ID)
		}
	}
	return nil
}
