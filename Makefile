# MISPbump Desktop. On a fresh Debian machine: `make run` opens the app,
# `make test` runs every check. Each installs the Debian packages it needs.

GO        ?= go
BIN       := bin
APP       := $(BIN)/mispbump
STATICCHECK_VERSION := v0.8.2
FYNE_TOOLS_VERSION  := v1.7.4
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin

# Debian packages needed to build the app (cgo + OpenGL + X11/Wayland headers).
BUILD_PKGS := gcc pkg-config libgl-dev libegl-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
# Extra packages for the real-window checks and the Windows cross-build.
SCREENSHOT_PKGS := xvfb xdotool imagemagick
WINDOWS_PKGS := gcc-mingw-w64-x86-64-win32
# Build tags of the app. no_emoji leaves out Fyne's 4 MB colour emoji font,
# which every text style parsed again: 19 MB less resident memory at rest
# (docs/PERFORMANCE-UI.md). The UI has no emoji; one in a partner's name is
# drawn from the system's fonts.
TAGS := no_emoji

.PHONY: run build test vet staticcheck cross-windows package screenshots measure-idle fuzz bench deps clean test-real-misp test-real-misp-faults test-real-misp-timing

run: build
	./$(APP)

build: deps
	@mkdir -p $(BIN)
	$(GO) build -tags $(TAGS) -o $(APP) ./cmd/mispbump

test: deps staticcheck-tool
	$(GO) vet ./...
	$(GOBIN_DIR)/staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	@! $(GO) list -deps ./core/... | grep -q '^fyne.io' || { echo "core/ must not import Fyne"; exit 1; }
	GOOS=windows CGO_ENABLED=0 $(GO) build ./core/...
	GOOS=darwin CGO_ENABLED=0 $(GO) build ./core/...
	$(GO) test -race -timeout 20m ./...

staticcheck-tool:
	@test -x $(GOBIN_DIR)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

cross-windows: deps
	@$(MAKE) --no-print-directory apt PKGS="$(WINDOWS_PKGS)"
	@mkdir -p $(BIN)
	CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 \
		$(GO) build -tags $(TAGS) -ldflags "-H=windowsgui" -o $(BIN)/mispbump.exe ./cmd/mispbump
	@file $(BIN)/mispbump.exe 2>/dev/null || ls -l $(BIN)/mispbump.exe

package: deps
	@test -x $(GOBIN_DIR)/fyne || $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION)
	@mkdir -p $(BIN)
	cd cmd/mispbump && $(GOBIN_DIR)/fyne package --os linux --src . --tags $(TAGS) --icon ../../assets/icon.png \
		--name MISPbump --app-id app.mispbump.desktop --release
	mv cmd/mispbump/MISPbump.tar.xz $(BIN)/
	@echo "package: $(BIN)/MISPbump.tar.xz"

# screenshots runs the real app under Xvfb against simulated MISPs and saves
# every screen into docs/screenshots (see docs/UI.md).
screenshots: deps
	@$(MAKE) --no-print-directory apt PKGS="$(SCREENSHOT_PKGS)"
	./scripts/screenshots.sh

# measure-idle prints the app's resident memory and CPU at rest on the MISP
# tab, the way docs/PERFORMANCE-UI.md reports them (RUNS, SPAN to change).
measure-idle: deps
	@$(MAKE) --no-print-directory apt PKGS="$(SCREENSHOT_PKGS)"
	TAGS=$(TAGS) ./scripts/idle-measure.sh

# test-real-misp pairs two REAL MISPs (MISP_A_URL/KEY, MISP_B_URL/KEY) through
# the headless demo and checks both as an admin would (scripts/realmisp; not
# part of `make test` or CI). Without the variables it says how to get a pair.
# MISP_PAIR_LOCK, when set, is a lock file held for the run (a shared pair).
REALMISP = $(GO) run ./scripts/realmisp -bin $(APP)
LOCKED   = $(if $(MISP_PAIR_LOCK),flock $(MISP_PAIR_LOCK))

test-real-misp: build
	$(LOCKED) $(REALMISP) check

# Faults: B's web server stopped (SIGSTOP, its process group from
# MISP_B_PIDFILE, default /opt/misp-pair/b.pid) at each MISP step in turn.
test-real-misp-faults: build
	$(LOCKED) $(REALMISP) faults

# Timing: one pairing in process, wall time split into ours and MISP's.
test-real-misp-timing: build
	$(LOCKED) $(REALMISP) timing

fuzz:
	./.ci/fuzz

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./core/...

deps:
	@$(MAKE) --no-print-directory apt PKGS="$(BUILD_PKGS)"
	@command -v $(GO) >/dev/null || { echo "Go 1.25 or newer is needed: https://go.dev/dl/ (Debian's golang package is too old)"; exit 1; }

# apt installs PKGS when any is missing; it says plainly what to do when it cannot.
apt:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
			echo "Cannot install$$missing: run as root or install sudo, then try again."; exit 1; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
			|| { echo "apt-get could not install:$$missing. Install them by hand (apt-get install$$missing) and try again."; exit 1; }; \
	fi

clean:
	rm -rf $(BIN)
