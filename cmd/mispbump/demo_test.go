package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
)

type simCounts struct{ orgs, users, servers, keys int }

func countsOf(s *mispsim.Sim) simCounts {
	return simCounts{len(s.Orgs()), len(s.Users()), len(s.Servers()), len(s.AuthKeys())}
}

// The demo command against two "real" MISPs (simulators started here, reached
// by URL with keys from a file and from the environment): the JSON report; a
// second run without --reuse-existing stops at the pause with nothing minted
// and a report that says why; a run with it creates nothing new and rotates
// the keys, from the same stores and from fresh ones.
func TestDemoCommandTwiceAgainstTheSameMISPs(t *testing.T) {
	storetest.UseCheapKeyDerivation(t)
	var sims [2]*mispsim.Sim
	var urls [2]string
	for i, name := range []string{"A", "B"} {
		sims[i] = mispsim.New(mispsim.Config{Name: name, HostOrgName: "Org " + name})
		u, err := sims[i].Start()
		if err != nil {
			t.Fatal(err)
		}
		urls[i] = u
		t.Cleanup(func() { _ = sims[i].Close() })
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "a.key")
	if err := os.WriteFile(keyFile, []byte(sims[0].AdminKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envBKey, sims[1].AdminKey())
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("demo passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--json", "--a-url", urls[0], "--b-url", urls[1], "--a-key-file", keyFile,
		"--data-dir", filepath.Join(dir, "stores"), "--passphrase-file", passFile}

	runWith := func(wantOK bool, extra ...string) session.LocalReport {
		t.Helper()
		var out, errOut bytes.Buffer
		err := runDemo(context.Background(), append(append([]string(nil), args...), extra...), &out, &errOut)
		var rep session.LocalReport
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("not one JSON report (%v):\n%s", jerr, out.String())
		}
		if wantOK && (err != nil || !rep.OK) {
			t.Fatalf("demo failed: %v\n%s", err, out.String())
		}
		if !wantOK && (err == nil || rep.OK) {
			t.Fatalf("demo succeeded, want it to stop: %v\n%s", err, out.String())
		}
		for _, secret := range []string{sims[0].AdminKey(), sims[1].AdminKey()} {
			if strings.Contains(out.String()+errOut.String(), secret) {
				t.Fatal("an authkey appears in the output")
			}
		}
		return rep
	}
	run := func(extra ...string) session.LocalReport { t.Helper(); return runWith(true, extra...) }
	first := run()
	if first.SAS == "" || first.FramesRead["a"] == 0 || first.FramesRead["b"] == 0 {
		t.Errorf("report %+v", first)
	}
	for _, name := range []string{"a", "b"} {
		s := first.Sides[name]
		if s.PartnerOrgID == "" || s.SyncUserID == "" || s.ServerID == "" || s.Requests == 0 || s.TestConnection == nil || s.TestConnection.Status != 1 {
			t.Errorf("side %s: %+v", name, s)
		}
		if len(s.Created) != 3 {
			t.Errorf("side %s created %v on the first run", name, s.Created)
		}
	}
	before := [2]simCounts{countsOf(sims[0]), countsOf(sims[1])}

	// Without the admin's word a re-pairing pauses and stops there.
	stopped := runWith(false)
	if !stopped.StoppedAtPause || !strings.Contains(stopped.Error, "--reuse-existing") || !strings.Contains(stopped.Error, "already knows") {
		t.Errorf("the stopped run's report: %+v", stopped)
	}
	pausedSides := 0
	for _, name := range []string{"a", "b"} {
		id := stopped.Sides[name].Identity
		if id == nil {
			// The partner's ABORT may arrive before this side checked
			// the INFO at all; the other side must then have paused.
			continue
		}
		if id.PGP == "" || id.URL != "same" {
			t.Errorf("side %s identity %+v", name, id)
			continue
		}
		// The first side to pause cancels; the other may be stopped by
		// that ABORT before it pauses itself.
		if id.Paused {
			pausedSides++
			if id.Reused || id.ExistingOrg == nil || len(id.Pause) == 0 {
				t.Errorf("side %s paused: %+v", name, id)
			}
		}
	}
	if pausedSides == 0 {
		t.Errorf("no side paused: a %+v, b %+v", stopped.Sides["a"].Identity, stopped.Sides["b"].Identity)
	}
	if got := [2]simCounts{countsOf(sims[0]), countsOf(sims[1])}; got != before {
		t.Fatalf("the stopped run changed the MISPs: %+v -> %+v", before, got)
	}

	second := run("--reuse-existing")
	for _, name := range []string{"a", "b"} {
		s1, s2 := first.Sides[name], second.Sides[name]
		if len(s2.Created) != 0 {
			t.Errorf("side %s created %v on the second run", name, s2.Created)
		}
		if s1.PartnerOrgID != s2.PartnerOrgID || s1.SyncUserID != s2.SyncUserID || s1.ServerID != s2.ServerID || s1.SyncUserEmail != s2.SyncUserEmail {
			t.Errorf("side %s: objects differ between runs: %+v / %+v", name, s1, s2)
		}
		if len(s2.KeysRevoked) != 1 {
			t.Errorf("side %s revoked %v, want the first run's key", name, s2.KeysRevoked)
		}
	}
	after := [2]simCounts{countsOf(sims[0]), countsOf(sims[1])}
	if before != after {
		t.Errorf("counts changed: %+v -> %+v", before, after)
	}

	// From fresh stores (other laptops): the word is still needed, and
	// enough.
	args[len(args)-3] = filepath.Join(dir, "fresh-stores")
	third := run("--reuse-existing")
	for _, name := range []string{"a", "b"} {
		if s := third.Sides[name]; len(s.Created) != 0 || len(s.KeysRevoked) != 1 || s.Identity == nil || !s.Identity.Reused {
			t.Errorf("side %s from fresh stores: %+v", name, s)
		}
	}
	if got := [2]simCounts{countsOf(sims[0]), countsOf(sims[1])}; got != after {
		t.Errorf("counts changed: %+v -> %+v", after, got)
	}
}

func TestDemoRefusesKeysOnTheCommandLineAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runDemo(context.Background(), []string{"--headless", "KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}, &out, &errOut); err == nil {
		t.Error("a stray argument was accepted")
	}
	if err := runDemo(context.Background(), []string{"--headless", "--a-url", "http://127.0.0.1:1"}, &out, &errOut); err == nil {
		t.Error("--a-url without --b-url was accepted")
	}
	if err := runDemo(context.Background(), []string{"--headless", "--existing-server", "replace"}, &out, &errOut); err == nil {
		t.Error("a bad policy was accepted")
	}
	t.Setenv(envAKey, "")
	t.Setenv(envBKey, "")
	out.Reset()
	err := runDemo(context.Background(), []string{"--headless", "--json", "--a-url", "http://127.0.0.1:1", "--b-url", "http://127.0.0.1:2"}, &out, &errOut)
	var rep session.LocalReport
	if err == nil || json.Unmarshal(out.Bytes(), &rep) != nil || rep.OK || !strings.Contains(rep.Error, envAKey) {
		t.Errorf("missing key: err %v, report %s", err, out.String())
	}
}

// Without --headless the demo opens the windows: in this build the window
// path is wired (demo_gui.go), it receives both prepared sides, and a build
// without windows says in words how to run the demo instead.
func TestDemoWithoutHeadlessOpensWindowsOrSaysWhatToDo(t *testing.T) {
	if openDemoWindows == nil {
		t.Fatal("the window demo is not wired: demo_gui.go should set openDemoWindows")
	}
	saved := openDemoWindows
	t.Cleanup(func() { openDemoWindows = saved })

	storetest.UseCheapKeyDerivation(t)
	t.Setenv("MISPBUMP_PASSPHRASE", "")
	var opened [2]session.LocalSide
	calls := 0
	openDemoWindows = func(_ context.Context, a, b session.LocalSide) error {
		calls++
		opened = [2]session.LocalSide{a, b}
		return nil
	}
	var out, errOut bytes.Buffer
	if err := runDemo(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatalf("window demo: %v\n%s", err, out.String())
	}
	if calls != 1 {
		t.Fatalf("the window path was taken %d times, want once", calls)
	}
	for i, name := range []string{"a", "b"} {
		s := opened[i]
		if s.Name != name || s.Client == nil || s.Login == nil || s.Store == nil {
			t.Errorf("side %d handed to the windows is not prepared: name %q, client %v, login %v, store %v",
				i, s.Name, s.Client != nil, s.Login != nil, s.Store != nil)
		}
	}
	if strings.Contains(out.String(), "OK in") {
		t.Errorf("the window demo also ran the headless pairing:\n%s", out.String())
	}

	openDemoWindows = nil
	out.Reset()
	errOut.Reset()
	err := runDemo(context.Background(), nil, &out, &errOut)
	if err == nil {
		t.Fatal("a build without windows accepted the demo without --headless")
	}
	for _, want := range []string{"no windows", "mispbump demo --headless"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// The default demo: two embedded simulators, fresh temporary stores.
func TestDemoDefault(t *testing.T) {
	storetest.UseCheapKeyDerivation(t)
	t.Setenv("MISPBUMP_PASSPHRASE", "")
	var out, errOut bytes.Buffer
	if err := runDemo(context.Background(), []string{"--headless"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "OK in") {
		t.Errorf("no verdict in the log:\n%s", out.String())
	}
}
