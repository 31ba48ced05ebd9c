// Command realmisp holds MISPbump to two real MISP instances (issue 14). It is
// not part of `make test` or CI, which have no MISP: run it with
// `make test-real-misp` against a pair such as ../shared/misp-pair/ brings up.
//
//	realmisp [-bin bin/mispbump] [-data DIR] check    pair A and B through the headless demo, check both MISPs as an admin would
//	realmisp faults                                   stop B's web server at each MISP step of a pairing, then re-run
//	realmisp timing                                   one pairing in process: wall time split into our work and MISP's, requests per side
//
// It reads MISP_A_URL, MISP_A_KEY, MISP_B_URL and MISP_B_KEY. Keys go to the
// demo through its environment, never its command line, and are never
// printed. Every check prints one line (PASS, FAIL or SKIP); the run ends
// with a summary and exits 1 when any check failed (2 when it could not run).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

const howToGetAPair = `realmisp needs two real MISP instances it may change (it creates organisations,
users, keys, server entries and events on them):

  export MISP_A_URL=http://127.0.0.1:8081 MISP_A_KEY=<site-admin key of A>
  export MISP_B_URL=http://127.0.0.1:8082 MISP_B_KEY=<site-admin key of B>

A throwaway pair on loopback: bash ../shared/misp-pair/up.sh MISP_GIT_DIR CAKEPHP_GIT_DIR
(about a minute once its Debian packages are in; its README says what it needs), then
. /tmp/misp-pair.env, which sets the four variables. Never point it at a production MISP.`

// env is the pair as the environment gives it.
type env struct {
	aURL, aKey, bURL, bKey string
}

func readEnv() (env, []string) {
	e := env{aURL: os.Getenv("MISP_A_URL"), aKey: os.Getenv("MISP_A_KEY"), bURL: os.Getenv("MISP_B_URL"), bKey: os.Getenv("MISP_B_KEY")}
	var missing []string
	for name, v := range map[string]string{"MISP_A_URL": e.aURL, "MISP_A_KEY": e.aKey, "MISP_B_URL": e.bURL, "MISP_B_KEY": e.bKey} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return e, missing
}

func main() {
	bin := flag.String("bin", "bin/mispbump", "the mispbump binary whose headless demo pairs the MISPs")
	data := flag.String("data", filepath.Join(os.TempDir(), "mispbump-real-misp"), "folder kept between runs for the demo's stores (a used pair is paired again from the same store)")
	stopFor := flag.Duration("stop-for", 8*time.Second, "faults: how long B's web server stays stopped (longer than -client-timeout)")
	clientTimeout := flag.Duration("client-timeout", 4*time.Second, "faults: the MISP client's timeout per request")
	first := flag.Int("first", 0, "faults: start at this fault of the list the baseline prints (1-based), to split a long run")
	last := flag.Int("last", 0, "faults: stop after this fault (0: run to the end)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: realmisp [flags] check|faults|timing")
		flag.PrintDefaults()
		fmt.Fprintln(os.Stderr)
		fmt.Fprintln(os.Stderr, howToGetAPair)
	}
	flag.Parse()
	mode := "check"
	if flag.NArg() > 0 {
		mode = flag.Arg(0)
	}
	e, missing := readEnv()
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "realmisp: %s not set.\n\n%s\n", strings.Join(missing, ", "), howToGetAPair)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	r := &reporter{start: time.Now()}
	var err error
	switch mode {
	case "check":
		err = runChecks(ctx, r, e, *bin, *data)
	case "faults":
		err = runFaults(ctx, r, e, *data, faultOptions{stopFor: *stopFor, clientTimeout: *clientTimeout, first: *first, last: *last})
	case "timing":
		err = runTiming(ctx, r, e, *data)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		r.fail("run", "could not go on: %v", err)
	}
	os.Exit(r.summary())
}

// reporter prints one line per check and counts them.
type reporter struct {
	start                 time.Time
	pass, failed, skipped int
	failures              []string
	section               string
}

func (r *reporter) head(title string) {
	r.section = title
	fmt.Printf("\n== %s\n", title)
}

func (r *reporter) ok(name, format string, a ...any) {
	r.pass++
	fmt.Printf("PASS %s: %s\n", name, fmt.Sprintf(format, a...))
}

func (r *reporter) fail(name, format string, a ...any) {
	r.failed++
	line := fmt.Sprintf("%s: %s", name, fmt.Sprintf(format, a...))
	r.failures = append(r.failures, line)
	fmt.Printf("FAIL %s\n", line)
}

func (r *reporter) skip(name, format string, a ...any) {
	r.skipped++
	fmt.Printf("SKIP %s: %s\n", name, fmt.Sprintf(format, a...))
}

// check passes when cond holds.
func (r *reporter) check(cond bool, name, format string, a ...any) bool {
	if cond {
		r.ok(name, format, a...)
	} else {
		r.fail(name, format, a...)
	}
	return cond
}

func (r *reporter) summary() int {
	fmt.Printf("\n%d passed, %d failed, %d skipped in %s\n", r.pass, r.failed, r.skipped, time.Since(r.start).Round(time.Second))
	if r.failed > 0 {
		fmt.Println("failed:")
		for _, f := range r.failures {
			fmt.Println("  " + f)
		}
		return 1
	}
	return 0
}

// instance is one MISP as its admin sees it.
type instance struct {
	name  string // "A" or "B"
	c     *misp.Client
	login *misp.LoginInfo
}

func loginBoth(ctx context.Context, e env, opts misp.Options) (a, b *instance, err error) {
	mk := func(name, url, key string) (*instance, error) {
		c, err := misp.New(url, key, opts)
		if err != nil {
			return nil, fmt.Errorf("MISP %s: %w", name, err)
		}
		info, err := c.Login(ctx)
		if err != nil {
			return nil, fmt.Errorf("MISP %s: %w", name, err)
		}
		return &instance{name: name, c: c, login: info}, nil
	}
	if a, err = mk("A", e.aURL, e.aKey); err != nil {
		return nil, nil, err
	}
	if b, err = mk("B", e.bURL, e.bKey); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}
