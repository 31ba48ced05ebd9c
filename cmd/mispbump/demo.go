package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

func init() {
	register("demo", "pair two simulated (or real) MISPs: two windows, or --headless [--json]", func(args []string) error {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return runDemo(ctx, args, os.Stdout, os.Stderr)
	})
}

// openDemoWindows, when set (by the UI, in another file of this package),
// runs the demo in two windows, one per side, each showing its QR code and
// reading the other's through a virtual camera. The sides are logged in and
// have their stores open; the windows own them until it returns.
var openDemoWindows func(ctx context.Context, a, b session.LocalSide) error

// Environment variables the demo reads the MISP keys from when no key file
// is given. Keys are never taken from the command line.
const (
	envAKey = "MISPBUMP_A_KEY"
	envBKey = "MISPBUMP_B_KEY"
)

type demoFlags struct {
	headless, asJSON, tls           bool
	aURL, bURL, aKeyFile, bKeyFile  string
	aCertFile, bCertFile            string
	push, pull, publishWithoutEmail bool
	existingServer                  string
	internal                        bool
	reuseExisting, keepUnverified   bool
	dataDir, passphraseFile         string
	timeout, partInterval           time.Duration
	rules                           demoRules
	pushGiven                       bool
}

func parseDemoFlags(args []string, out io.Writer) (*demoFlags, error) {
	def := session.DefaultChoices()
	f := &demoFlags{}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&f.headless, "headless", false, "run without windows: both sides in this process, no screen needed")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON report instead of the progress log")
	fs.StringVar(&f.aURL, "a-url", "", "base URL of MISP A (default: an embedded simulator on loopback)")
	fs.StringVar(&f.bURL, "b-url", "", "base URL of MISP B (default: an embedded simulator on loopback)")
	fs.StringVar(&f.aKeyFile, "a-key-file", "", "file holding a site-admin authkey of MISP A (else $"+envAKey+")")
	fs.StringVar(&f.bKeyFile, "b-key-file", "", "file holding a site-admin authkey of MISP B (else $"+envBKey+")")
	fs.StringVar(&f.aCertFile, "a-cert-file", "", "PEM certificate that verifies MISP A when it is not publicly trusted (trusted by fingerprint, and sent to B)")
	fs.StringVar(&f.bCertFile, "b-cert-file", "", "PEM certificate that verifies MISP B when it is not publicly trusted")
	fs.BoolVar(&f.tls, "tls", false, "serve the embedded simulators over HTTPS with self-signed certificates (each partner gets the other's certificate in INFO)")
	fs.BoolVar(&f.push, "push", def.Push, "our server entries push to the partner")
	fs.BoolVar(&f.pull, "pull", def.Pull, "our server entries pull from the partner")
	fs.BoolVar(&f.publishWithoutEmail, "publish-without-email", def.PublishWithoutEmail, "pulled events are published without mailing users")
	fs.StringVar(&f.existingServer, "existing-server", "update", "an existing server entry to the partner: update (its key only) or new (add another)")
	fs.BoolVar(&f.internal, "internal", def.Internal, "same-organisation mode (needs MISP.host_org_id set on both)")
	fs.BoolVar(&f.reuseExisting, "reuse-existing", false, "answer \"reuse\" for each admin when a MISP already knows the partner's organisation (a re-pairing); without it such a side stops before minting anything and the report says why")
	fs.BoolVar(&f.keepUnverified, "keep-unverified-entry", false, "keep TLS verification off on an existing server entry with self_signed when the partner sends no certificate (else that side stops there and says so)")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder for the two stores, DIR/a and DIR/b (default: a temporary folder, removed afterwards)")
	fs.StringVar(&f.passphraseFile, "passphrase-file", "", "file holding the stores' passphrase (else $"+store.PassphraseEnv+"; needed with --data-dir)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up after this long")
	fs.DurationVar(&f.partInterval, "part-interval", 150*time.Millisecond, "how long each part of a multi-part code stays on a screen")
	f.rules.register(fs)
	fs.Usage = func() {
		fmt.Fprint(out, `Usage: mispbump demo [--headless [--json]] [flags]

Pairs two MISP instances, A and B, in one process, through the real QR path:
each side's codes are drawn as QR images, passed through a webcam imitation
and read back by the other side's decoder. By default both MISPs are embedded
simulators; with --a-url and --b-url it pairs two real MISPs (keys from
--a-key-file/--b-key-file or $MISPBUMP_A_KEY/$MISPBUMP_B_KEY, never on the
command line). With --headless the program compares the two codes itself and
confirms on both sides only when they are equal; without it two windows open,
one per side, and you confirm the codes in each.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(fl *flag.Flag) { f.pushGiven = f.pushGiven || fl.Name == "push" })
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (keys are read from files or the environment, never from the command line)", fs.Arg(0))
	}
	if (f.aURL == "") != (f.bURL == "") {
		return nil, errors.New("give both --a-url and --b-url, or neither (then two embedded simulators are paired)")
	}
	if f.tls && f.aURL != "" {
		return nil, errors.New("--tls applies to the embedded simulators only; for real MISPs give --a-cert-file/--b-cert-file when needed")
	}
	return f, nil
}

func (f *demoFlags) choices() (session.Choices, error) {
	c := session.DemoChoices()
	c.Push, c.Pull, c.PublishWithoutEmail, c.Internal = f.push, f.pull, f.publishWithoutEmail, f.internal
	c.KeepUnverifiedEntry = f.keepUnverified
	switch f.existingServer {
	case "update", session.ExistingServerUpdateKey:
		c.ExistingServer = session.ExistingServerUpdateKey
	case "new", session.ExistingServerCreateNew:
		c.ExistingServer = session.ExistingServerCreateNew
	default:
		return c, fmt.Errorf("--existing-server must be update or new, not %q", f.existingServer)
	}
	if err := f.rules.apply(&c, f.pushGiven); err != nil {
		return c, err
	}
	return c, nil
}

// runDemo is the demo command. With --json it prints one report, also on
// failure; the returned error makes the exit status non-zero.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseDemoFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	fail := func(err error) error {
		if f.asJSON {
			_ = json.NewEncoder(stdout).Encode(session.LocalReport{Error: err.Error(), FramesRead: map[string]int64{}, Sides: map[string]session.LocalSideReport{}})
		}
		return err
	}
	if !f.headless && openDemoWindows == nil {
		return errors.New("this build has no windows; run: mispbump demo --headless")
	}
	choices, err := f.choices()
	if err != nil {
		return fail(err)
	}
	// Both sides' sessions report from their own goroutines: one lock keeps
	// their lines whole and the writer safe.
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		if !f.asJSON {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(stdout, format+"\n", a...)
		}
	}

	sides, cleanup, err := prepareDemo(ctx, f, choices, logf)
	defer cleanup()
	if err != nil {
		return fail(err)
	}
	if !f.headless {
		return openDemoWindows(ctx, sides[0], sides[1])
	}

	logf("pairing %s (A) with %s (B) through QR codes and the webcam imitation", sides[0].Client.BaseURL(), sides[1].Client.BaseURL())
	opts := session.LocalOptions{
		PartInterval:  f.partInterval,
		Timeout:       f.timeout,
		ReuseExisting: f.reuseExisting,
		OnEvent: func(side string, ev session.Event) {
			switch {
			case ev.Stage == session.StageConfirmPartner && ev.Identity != nil:
				logf("%s: %s", strings.ToUpper(side), ev.Message)
				for _, line := range ev.Identity.Words() {
					logf("%s:   %s", strings.ToUpper(side), line)
				}
			case ev.Problem != nil:
				logf("%s: ignored a code: %v", strings.ToUpper(side), ev.Problem)
			case ev.Stage == session.StageCompareSAS && ev.Part == 0 && strings.HasPrefix(ev.Message, "compare"):
				logf("%s: %s — code %s", strings.ToUpper(side), ev.Stage, ev.SAS)
			case ev.Message != "":
				logf("%s: %s", strings.ToUpper(side), ev.Message)
			}
		},
	}
	report, _ := session.PairLocally(ctx, sides[0], sides[1], opts)
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		printDemoSummary(stdout, report)
	}
	if !report.OK {
		return errors.New("the demo pairing failed: " + report.Error)
	}
	return nil
}

func printDemoSummary(w io.Writer, r *session.LocalReport) {
	fmt.Fprintf(w, "\ncodes compared: %s (equal on both sides)\n", r.SAS)
	for _, name := range []string{"a", "b"} {
		s := r.Sides[name]
		fmt.Fprintf(w, "%s %s: partner org %s (%s), sync user %s %s, server entry %s, %d requests",
			strings.ToUpper(name), s.URL, s.PartnerOrgID, s.PartnerOrgUUID, s.SyncUserID, s.SyncUserEmail, s.ServerID, s.Requests)
		if len(s.Created) > 0 {
			fmt.Fprintf(w, "; created %s", strings.Join(s.Created, ", "))
		} else {
			fmt.Fprint(w, "; nothing new created")
		}
		if len(s.KeysRevoked) > 0 {
			fmt.Fprintf(w, "; revoked earlier key(s) %s", strings.Join(s.KeysRevoked, ", "))
		}
		fmt.Fprintln(w)
		if s.TestConnection != nil {
			fmt.Fprintf(w, "  connection test to the partner: status %d, %s\n", s.TestConnection.Status, s.TestConnection.Message)
		}
		printRules(w, name, s)
		if s.Error != "" {
			fmt.Fprintf(w, "  problem: %s\n", s.Error)
		}
		if s.OwnKeyError != "" {
			fmt.Fprintf(w, "  note: %s\n", s.OwnKeyError)
		}
	}
	verdict := "OK"
	if !r.OK {
		verdict = "FAILED: " + r.Error
	}
	fmt.Fprintf(w, "%s in %d ms; frames read A=%d B=%d\n", verdict, r.ElapsedMS, r.FramesRead["a"], r.FramesRead["b"])
}

// prepareDemo starts the simulators (unless real MISPs are given), logs in to
// both MISPs and opens (or creates) both stores. cleanup is always safe to
// call.
func prepareDemo(ctx context.Context, f *demoFlags, choices session.Choices, logf func(string, ...any)) ([2]session.LocalSide, func(), error) {
	var sides [2]session.LocalSide
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	names := [2]string{"a", "b"}
	urls := [2]string{f.aURL, f.bURL}
	keyFiles := [2]string{f.aKeyFile, f.bKeyFile}
	keyEnvs := [2]string{envAKey, envBKey}
	certFiles := [2]string{f.aCertFile, f.bCertFile}
	var keys, certs [2]string
	// Same-organisation mode pairs two instances of one organisation (an
	// internal one and a DMZ one): the simulators then share it, with
	// MISP.host_org_id set.
	sharedOrg := ""
	if f.internal {
		sharedOrg = randomUUID()
	}

	for i := range 2 {
		if urls[i] == "" {
			sim, err := session.StartDemoMISP(i, session.DemoMISPOptions{TLS: f.tls, SharedOrgUUID: sharedOrg})
			if err != nil {
				return sides, cleanup, err
			}
			closers = append(closers, func() { _ = sim.Close() })
			urls[i], keys[i], certs[i] = sim.URL(), sim.AdminKey(), string(sim.CertificatePEM())
			logf("%s: embedded MISP simulator at %s", strings.ToUpper(names[i]), sim.URL())
			continue
		}
		key, err := readKey(keyFiles[i], keyEnvs[i])
		if err != nil {
			return sides, cleanup, fmt.Errorf("MISP %s: %w", strings.ToUpper(names[i]), err)
		}
		keys[i] = key
		if certFiles[i] != "" {
			b, err := os.ReadFile(certFiles[i])
			if err != nil {
				return sides, cleanup, fmt.Errorf("MISP %s: reading the certificate file: %w", strings.ToUpper(names[i]), err)
			}
			certs[i] = string(b)
		}
	}

	dir := f.dataDir
	var pass []byte
	if dir == "" {
		tmp, err := os.MkdirTemp("", "mispbump-demo-")
		if err != nil {
			return sides, cleanup, err
		}
		closers = append(closers, func() { _ = os.RemoveAll(tmp) })
		dir = tmp
		pass, err = store.PassphraseFromFileOrEnv(f.passphraseFile)
		if err != nil {
			var none *store.NoPassphraseError
			if !errors.As(err, &none) {
				return sides, cleanup, err
			}
			// Throwaway stores: a random passphrase nobody needs to know.
			pass = session.ThrowawayPassphrase()
		}
	} else {
		var err error
		if pass, err = store.PassphraseFromFileOrEnv(f.passphraseFile); err != nil {
			return sides, cleanup, fmt.Errorf("the stores in %s need a passphrase: %w", dir, err)
		}
	}

	for i := range 2 {
		side, closeStore, err := session.OpenLocalSide(ctx, names[i], urls[i], keys[i], certs[i], filepath.Join(dir, names[i]), pass, choices)
		if err != nil {
			return sides, cleanup, fmt.Errorf("MISP %s: %w", strings.ToUpper(names[i]), err)
		}
		closers = append(closers, closeStore)
		logf("%s: logged in to %s as %s (org %q, MISP %s)", strings.ToUpper(names[i]), side.Client.BaseURL(), side.Login.User.Email, side.Login.HostOrg.Name, side.Login.Version)
		sides[i] = side
	}
	return sides, cleanup, nil
}

// readKey reads an authkey from a file, else from an environment variable.
func readKey(file, env string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the key file: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("the key file %s is empty", file)
		}
		return key, nil
	}
	if key := strings.TrimSpace(os.Getenv(env)); key != "" {
		return key, nil
	}
	return "", fmt.Errorf("no authkey: give a key file or set $%s (keys are never taken from the command line)", env)
}

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
