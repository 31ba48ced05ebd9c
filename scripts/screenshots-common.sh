# Set-up shared by scripts/screenshots.sh and scripts/screenshots-demo.sh,
# sourced from the top of the tree: a temporary folder removed on exit with
# every process started, a private Xvfb display, the app built into it, and
# the seeded simulated MISPs. OUT may be set to write the PNGs elsewhere.
OUT=${OUT:-docs/screenshots}
PASS="screenshot passphrase" # the seeded throw-away store's; not a secret
mkdir -p "$OUT"
TMP=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# start_xvfb FIRST-DISPLAY-NUMBER WIDTHxHEIGHT: a display of our own, so a
# running desktop is never touched, and a fresh folder for Fyne's
# preferences.
start_xvfb() {
	N=$1
	while [ -e "/tmp/.X$N-lock" ]; do N=$((N + 1)); done
	export DISPLAY=":$N"
	Xvfb "$DISPLAY" -screen 0 "${2}x24" -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
	PIDS="$PIDS $!"
	sleep 1
	export XDG_CONFIG_HOME="$TMP/config"
}

# build_app builds the app into $TMP/mispbump.
build_app() {
	echo "building the app"
	go build -tags no_emoji -o "$TMP/mispbump" ./cmd/mispbump # as the Makefile builds it
}

# start_seed DATA-DIR: starts the simulated MISPs and seeds a store in
# DATA-DIR (scripts/screenshots/seed.go), and waits until they are ready.
start_seed() {
	echo "seeding simulated MISPs and a store"
	go build -o "$TMP/seed" ./scripts/screenshots
	MISPBUMP_PASSPHRASE="$PASS" "$TMP/seed" -data-dir "$1" >"$TMP/seed.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until grep -q ready "$TMP/seed.log"; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || { cat "$TMP/seed.log"; exit 1; }
		sleep 0.5
	done
}

# start_mispbump DATA-DIR [PASSPHRASE]: starts the app on DATA-DIR (unlocked
# with PASSPHRASE when given, else it asks) and waits for its window, whose
# id it leaves in MAIN_WIN; APP is its process.
start_mispbump() {
	if [ $# -ge 2 ]; then
		MISPBUMP_PASSPHRASE="$2" "$TMP/mispbump" --data-dir "$1" >"$TMP/app.log" 2>&1 &
	else
		"$TMP/mispbump" --data-dir "$1" >"$TMP/app.log" 2>&1 &
	fi
	APP=$!
	PIDS="$PIDS $APP"
	i=0
	until MAIN_WIN=$(xdotool search --name '^MISPbump( — .*)?$' 2>/dev/null | head -1) && [ -n "$MAIN_WIN" ]; do
		i=$((i + 1))
		[ "$i" -lt 60 ] || { echo "the app did not open a window:"; cat "$TMP/app.log"; exit 1; }
		sleep 0.5
	done
}
