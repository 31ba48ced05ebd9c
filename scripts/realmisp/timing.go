package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/session"
)

// runTiming pairs A and B once in process, through the counting proxies,
// and splits the wall time into MISP's (any side waiting on its MISP) and
// ours (everything else: the QR exchange through the webcam imitation, the
// protocol, the waits for the other side).
func runTiming(ctx context.Context, r *reporter, e env, data string) error {
	pass, err := readPass(data)
	if err != nil {
		return err
	}
	ch := session.DefaultChoices()
	ch.Push, ch.Pull = true, true
	r.head("login through the proxies")
	lp, err := openLocalPair(ctx, e, filepath.Join(data, "timing"), pass, misp.DefaultTimeout, ch)
	if err != nil {
		return err
	}
	defer lp.close()
	for i, name := range []string{"A", "B"} {
		xs := lp.px[i].exchanges()
		r.ok("login "+name, "%d requests, MISP time %s: %s", len(xs), sumTook(xs).Round(time.Millisecond), describe(xs))
	}
	if err := reEnableSyncUsers(ctx, r, lp); err != nil {
		return err
	}
	lp.px[0].reset(nil)
	lp.px[1].reset(nil)
	r.head("one pairing (a re-pairing when the pair is used)")
	start := time.Now()
	rep, _ := session.PairLocally(ctx, lp.sides[0], lp.sides[1], session.LocalOptions{Timeout: 2 * time.Minute})
	wall := time.Since(start)
	if !rep.OK {
		r.fail("timing pairing", "%s", rep.Error)
		return nil
	}
	var all []exchange
	for i, name := range []string{"A", "B"} {
		xs := lp.px[i].exchanges()
		all = append(all, xs...)
		r.ok("pairing "+name, "%d requests, MISP time %s: %s", len(xs), sumTook(xs).Round(time.Millisecond), describe(xs))
	}
	busy := unionBusy(all)
	r.ok("wall time", "%s in all: MISP busy (either side waiting on its MISP) %s, our work and the QR exchange %s; %s",
		wall.Round(time.Millisecond), busy.Round(time.Millisecond), (wall - busy).Round(time.Millisecond), slowest(all, 3))
	return nil
}

func sumTook(xs []exchange) time.Duration {
	var d time.Duration
	for _, x := range xs {
		d += x.took
	}
	return d
}

func describe(xs []exchange) string {
	parts := make([]string, 0, len(xs))
	for _, x := range xs {
		parts = append(parts, fmt.Sprintf("%s %s %dms", x.method, shortPath(x.path), x.took.Milliseconds()))
	}
	return strings.Join(parts, ", ")
}

func shortPath(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) > 2 {
		segs = segs[:2]
	}
	return "/" + strings.Join(segs, "/")
}

// unionBusy is how long at least one request was in flight.
func unionBusy(xs []exchange) time.Duration {
	sort.Slice(xs, func(i, j int) bool { return xs[i].start.Before(xs[j].start) })
	var total time.Duration
	var curStart, curEnd time.Time
	for _, x := range xs {
		end := x.start.Add(x.took)
		switch {
		case curEnd.IsZero():
			curStart, curEnd = x.start, end
		case x.start.After(curEnd):
			total += curEnd.Sub(curStart)
			curStart, curEnd = x.start, end
		case end.After(curEnd):
			curEnd = end
		}
	}
	if !curEnd.IsZero() {
		total += curEnd.Sub(curStart)
	}
	return total
}

func slowest(xs []exchange, n int) string {
	s := append([]exchange(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i].took > s[j].took })
	if len(s) > n {
		s = s[:n]
	}
	var parts []string
	for _, x := range s {
		parts = append(parts, fmt.Sprintf("%s %s %dms", x.method, shortPath(x.path), x.took.Milliseconds()))
	}
	return "slowest: " + strings.Join(parts, ", ")
}
