#!/bin/sh
# Measures the app at rest the way docs/PERFORMANCE-UI.md reports it: the
# real app under a private Xvfb (software GL) on a seeded store, unlocked by
# MISPBUMP_PASSPHRASE; 8 s after its window appears a click on the MISP tab
# and the pointer moved off the window; 10 s later VmRSS, then the process's
# CPU time (utime+stime from /proc/PID/stat) over SPAN seconds. It prints one
# line per run and asserts nothing: machines are noisy, the numbers go into
# the docs. Needs xvfb and xdotool (make screenshots installs them).
#
#   RUNS=3 SPAN=60 scripts/idle-measure.sh
#   TAGS= scripts/idle-measure.sh     # other build tags (default: the Makefile's)
#   BIN=/tmp/old/mispbump scripts/idle-measure.sh   # a binary built elsewhere
#   FLOOR=1 scripts/idle-measure.sh   # scripts/fynefloor instead: Fyne's own cost
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
TAGS=${TAGS-no_emoji}
SPAN=${SPAN:-60}
OUT=$(mktemp -d) # screenshots-common.sh wants a folder; nothing is written
. scripts/screenshots-common.sh
start_xvfb 120 1400x900
# Every binary is copied into place before it runs, built here or not: the
# same file just written by the linker is mapped with about 2.7 MB more of it
# resident (24.5 against 21.8 MB, the page cache's doing, not the app's), and
# the modes must measure the same thing.
if [ -n "${FLOOR:-}" ]; then
	echo "building scripts/fynefloor${TAGS:+ with tags $TAGS}"
	go build ${TAGS:+-tags "$TAGS"} -o "$TMP/built" ./scripts/fynefloor
	TAB_X=110 TAB_Y=18 # its tab bar is the window's top row, MISP the second tab
elif [ -n "${BIN:-}" ]; then
	cp "$BIN" "$TMP/built" # a binary built elsewhere, e.g. an older tree
else
	echo "building the app${TAGS:+ with tags $TAGS}"
	go build ${TAGS:+-tags "$TAGS"} -o "$TMP/built" ./cmd/mispbump
fi
cp "$TMP/built" "$TMP/mispbump"
[ -n "${FLOOR:-}" ] || start_seed "$TMP/data"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run=0
while [ "$run" -lt "$RUNS" ]; do
	run=$((run + 1))
	start_mispbump "$TMP/data" "$PASS"
	sleep 8
	eval "$(xdotool getwindowgeometry --shell "$MAIN_WIN")"
	xdotool mousemove $((X + ${TAB_X:-147})) $((Y + ${TAB_Y:-69})) click 1 # the MISP tab
	xdotool mousemove 0 0
	sleep 10
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$APP/status")
	t0=$(ticks "$APP")
	sleep "$SPAN"
	t1=$(ticks "$APP")
	rss2=$(awk '/^VmRSS/ {print $2}' "/proc/$APP/status")
	load=$(cut -d' ' -f1 /proc/loadavg)
	awk -v r="$run" -v rss="$rss" -v d=$((t1 - t0)) -v hz="$hz" -v s="$SPAN" -v l="$load" -v rss2="$rss2" 'BEGIN {
		printf "run %d: VmRSS %d kB (%.0f MB), %d kB (%.0f MB) after  CPU %.2f %% of one core over %d s (%d ticks)  load %s\n",
			r, rss, rss / 1024, rss2, rss2 / 1024, 100 * d / hz / s, s, d, l }'
	kill "$APP" 2>/dev/null || true
	wait "$APP" 2>/dev/null || true
done
rm -rf "$OUT"
