#!/bin/sh
# Takes the pairing wizard's and the demo's screenshots (docs/screenshots/
# wizard-*.png and demo-*.png): runs `mispbump demo` (two windows, two
# embedded simulated MISPs) under a private Xvfb, places the windows side by
# side, drives them with xdotool and saves each screen with ImageMagick's
# import. Needs xvfb, xdotool and imagemagick. scripts/screenshots.sh takes
# the other screens.
#
# The clicks are screen coordinates of the 672x660 demo windows placed at
# x=0 (Org A) and x=684 (Org B) on a 1366x768 screen, the smallest they are
# sized for; after a layout change, run this and look at every PNG. Nothing secret can appear: the simulators' keys are random and
# never shown, the stores' passphrase is random and never shown.
set -eu
cd "$(dirname "$0")/.."
. scripts/screenshots-common.sh
start_xvfb 95 1366x768
build_app

AX=0
BX=684
W=672
H=660
start_demo() { # theme
	FYNE_THEME="$1" "$TMP/mispbump" demo >"$TMP/demo.log" 2>&1 &
	APP=$!
	PIDS="$PIDS $APP"
	i=0
	until [ "$(xdotool search --name ' — DEMO$' 2>/dev/null | wc -l)" -ge 2 ]; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || { echo "the demo did not open two windows:"; cat "$TMP/demo.log"; exit 1; }
		sleep 0.5
	done
	WA=$(xdotool search --name '^Org A — DEMO$' | head -1)
	WB=$(xdotool search --name '^Org B — DEMO$' | head -1)
	xdotool windowmove "$WA" $AX 0
	xdotool windowmove "$WB" $BX 0
	sleep 2
}
stop_demo() {
	kill "$APP" 2>/dev/null || true
	wait "$APP" 2>/dev/null || true
}
click() { # x y [seconds to wait]
	xdotool mousemove "$1" "$2" click 1
	sleep "${3:-0.8}"
}
shot_a() { # name: window A alone
	import -window root -crop "${W}x${H}+${AX}+0" +repage "$OUT/$1.png"
	echo "  $OUT/$1.png"
}
shot_both() { # name: both windows
	import -window root -crop "$((BX + W))x${H}+0+0" +repage "$OUT/$1.png"
	echo "  $OUT/$1.png"
}

echo "the demo, face to face (dark theme)"
start_demo dark
shot_both demo-prepare
shot_a wizard-prepare
click $((AX + 577)) 633 3 # A: Start the exchange
shot_a wizard-exchange    # A's code up, B not started yet
click $((BX + 577)) 633 10 # B: Start the exchange; the cameras read both codes
shot_both demo-sas
shot_a wizard-sas
# Both admins press Enter (the laptop need not be turned round).
xdotool windowfocus "$WA" 2>/dev/null || true
xdotool key --window "$WA" Return
sleep 0.5
shot_a wizard-confirmed
xdotool windowfocus "$WB" 2>/dev/null || true
xdotool key --window "$WB" Return
sleep 15
shot_both demo-result
shot_a wizard-result
stop_demo

echo "the app's own wizard, without a webcam"
start_seed "$TMP/data"
start_mispbump "$TMP/data" "$PASS"
WM=$MAIN_WIN
sleep 6 # unlock and log in
xdotool windowmove "$WM" 0 0
sleep 0.5
click 348 213 3 # Partners tab: Resume on the first unfinished pairing (seeded: it can finish alone)
WR=$(xdotool search --name '^Resume pairing' | head -1)
if [ -n "$WR" ]; then
	xdotool windowmove "$WR" 0 0
	sleep 1
	eval "$(xdotool getwindowgeometry --shell "$WR")"
	import -window root -crop "${WIDTH}x${HEIGHT}+0+0" +repage "$OUT/wizard-resume.png"
	echo "  $OUT/wizard-resume.png"
fi
xdotool key --window "$WM" ctrl+n
sleep 3
WN=$(xdotool search --name '^New pairing' | head -1)
xdotool windowmove "$WN" 0 0
sleep 1
eval "$(xdotool getwindowgeometry --shell "$WN")"
click 1005 693 4 # Start the exchange
import -window root -crop "${WIDTH}x${HEIGHT}+0+0" +repage "$OUT/wizard-no-camera.png"
echo "  $OUT/wizard-no-camera.png"
stop_demo

echo "remote mode (light theme)"
start_demo light
click $((AX + 30)) 185 0.5 # A: Partner elsewhere
click $((AX + 577)) 633 3  # A: Start the exchange
shot_a wizard-remote-light
click $((AX + 450)) 533 1 # A: Paste code…
shot_a wizard-paste-light
stop_demo
