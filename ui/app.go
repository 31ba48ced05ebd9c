// Package ui is the MISPbump desktop user interface: one file per screen,
// all protocol, crypto and HTTP work delegated to core.
package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/assets"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// AppID is the reverse-DNS application identifier (FyneApp.toml carries it too).
const AppID = "app.mispbump.desktop"

// Options are the start-up choices made on the command line.
type Options struct {
	// DataDir is the folder of the encrypted store; empty means the default
	// folder under the user's configuration directory.
	DataDir string
	// Passphrase, when set (from MISPBUMP_PASSPHRASE), unlocks or creates the
	// store without asking; meant for scripted runs such as screenshots.
	Passphrase string
}

// Run opens the main window and blocks until the app quits.
func Run(a fyne.App, opts Options) {
	newShell(a, opts).window.ShowAndRun()
}

// shell is the main window and what every screen shares: the open store, the
// settings and the MISP session of the active profile.
type shell struct {
	app    fyne.App
	window fyne.Window
	opts   Options
	vault  *vault

	tabs     *container.AppTabs
	partners *partnersTab
	profiles *profilesTab
	settings *settingsTab
	status   *widget.Label

	// background runs slow work (network, devices) off the UI goroutine;
	// the work hands its results back with fyne.Do. Tests run it inline.
	background func(func())
}

func newShell(a fyne.App, opts Options) *shell {
	return newShellWith(a, opts, func(f func()) { go f() })
}

// newShellWith is newShell with a chosen way to run background work.
func newShellWith(a fyne.App, opts Options, background func(func())) *shell {
	dir := opts.DataDir
	if dir == "" {
		dir = a.Storage().RootURI().Path()
	}
	v := newVault(dir)
	a.SetIcon(assets.Icon)
	applyTheme(a, a.Preferences().StringWithFallback(prefTheme, themeSystem))
	w := a.NewWindow(version.Name)
	w.SetIcon(assets.Icon)
	w.Resize(fyne.NewSize(960, 640))
	w.CenterOnScreen()
	w.SetMaster()

	s := &shell{app: a, window: w, opts: opts, vault: v, background: background}
	s.showUnlock()
	return s
}

// showUnlock shows the passphrase screen, or skips it when the passphrase
// came from the environment and fits.
func (s *shell) showUnlock() {
	if s.opts.Passphrase != "" {
		var err error
		if s.vault.Exists() {
			err = s.vault.Unlock(s.opts.Passphrase)
		} else {
			err = s.vault.Create(s.opts.Passphrase)
		}
		if err == nil {
			s.showMain()
			return
		}
	}
	screen := newPassphraseScreen(s.window, s.vault, s.showMain)
	s.window.SetContent(screen.content())
	s.window.Canvas().Focus(screen.passphrase)
}

// showMain builds the tabs once the store is open.
func (s *shell) showMain() {
	// The store holds the theme; Fyne's preferences only cache it for the
	// passphrase screen.
	choice := themeFromStore(s.vault.Snapshot().Preferences.Theme)
	s.app.Preferences().SetString(prefTheme, choice)
	applyTheme(s.app, choice)

	s.status = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	s.partners = newPartnersTab(s)
	s.profiles = newProfilesTab(s)
	s.settings = newSettingsTab(s)
	s.tabs = &container.AppTabs{Items: []*container.TabItem{
		s.partners.tabItem(),
		s.profiles.tabItem(),
		s.settings.tabItem(),
		newAboutTab(),
	}}
	s.refreshStatus()

	top := container.NewBorder(nil, nil, &widget.Icon{Resource: theme.ComputerIcon()}, nil, s.status)
	s.window.SetContent(container.NewBorder(container.NewPadded(top), nil, nil, nil, s.tabs))

	s.window.Canvas().AddShortcut(shortcutFind, s.focusSearch)

	if s.profiles.activeNeedsLogin() {
		s.tabs.Select(s.tabs.Items[1])
	}
	s.profiles.autoLogin()
}

// focusSearch is Ctrl+F: the partner list, with the cursor in the search box.
func (s *shell) focusSearch(fyne.Shortcut) {
	s.tabs.SelectIndex(0)
	s.window.Canvas().Focus(s.partners.search)
}

// refreshStatus writes the active MISP login into the bar above the tabs.
func (s *shell) refreshStatus() {
	s.status.SetText(s.profiles.statusText())
}
