// Package ui is the MISPbump desktop user interface: one file per screen,
// all protocol, crypto and HTTP work delegated to core.
package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/assets"
	"github.com/mispbump/mispbump-desktop/core/store"
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
	go trimMemoryWhileRunning() // start-up's garbage too goes back at its first quiet tick
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

	// background runs slow work (network, devices, the store's key
	// derivation) off the UI goroutine; the work hands its results back with
	// fyne.Do. inOrder does the same for store writes, one after the other in
	// the order asked. Tests run both inline.
	background, inOrder func(func())
	// wizards counts the wizard windows whose closing has not yet reloaded
	// the partners (tests wait for it).
	wizards sync.WaitGroup
}

func newShell(a fyne.App, opts Options) *shell {
	writes := make(chan func(), 64)
	go func() {
		for f := range writes {
			f()
		}
	}()
	return newShellWith(a, opts, func(f func()) { go f() }, func(f func()) { writes <- f })
}

// newShellWith is newShell with chosen ways to run background work and writes.
func newShellWith(a fyne.App, opts Options, background, inOrder func(func())) *shell {
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

	s := &shell{app: a, window: w, opts: opts, vault: v, background: background, inOrder: inOrder}
	s.showUnlock()
	return s
}

// showUnlock shows the passphrase screen, and submits it at once when the
// passphrase came from the environment.
func (s *shell) showUnlock() {
	screen := newPassphraseScreen(s.window, s.vault, s.background, s.showMain)
	s.window.SetContent(screen.content())
	s.window.Canvas().Focus(screen.passphrase)
	if s.opts.Passphrase != "" {
		screen.open(s.opts.Passphrase)
	}
}

// showMain builds the tabs once the store is open.
func (s *shell) showMain() {
	// The store holds the theme; Fyne's preferences only cache it for the
	// passphrase screen.
	// Set again only when it differs: every SetTheme makes Fyne drop its
	// parsed fonts and rasterised icons and redo them (a few MB of garbage
	// and a visible pause right after the passphrase).
	choice := themeFromStore(s.vault.Snapshot().Preferences.Theme)
	if choice != s.app.Preferences().StringWithFallback(prefTheme, themeSystem) {
		s.app.Preferences().SetString(prefTheme, choice)
		applyTheme(s.app, choice)
	}

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
	// Settings and About are built the first time they are shown.
	// AppTabs measures every tab's content, so a built tab costs its
	// widgets, their renderers and their text even if it is never opened.
	lazy := map[*container.TabItem]func() fyne.CanvasObject{
		s.tabs.Items[2]: s.settings.content,
		s.tabs.Items[3]: aboutContent,
	}
	s.refreshStatus()

	top := container.NewBorder(nil, nil, &widget.Icon{Resource: theme.ComputerIcon()}, nil, s.status)
	main := container.NewBorder(container.NewPadded(top), nil, nil, nil, s.tabs)
	// The passphrase field had the focus. SetContent replaces the canvas's
	// focus manager without telling the field, which then kept its cursor
	// blinking out of sight: an animation that repainted the whole window
	// at 60 frames a second, 5–9 % of a core on software GL while the app
	// sat idle (docs/PERFORMANCE-UI.md). Unfocusing first ends it.
	s.window.Canvas().Unfocus()
	s.window.SetContent(container.New(minSize{fyne.NewSize(720, 480)}, main))
	// A field of a tab that is not shown would blink out of sight too.
	s.tabs.OnSelected = func(item *container.TabItem) {
		s.window.Canvas().Unfocus()
		if build := lazy[item]; build != nil {
			delete(lazy, item)
			item.Content = build()
			s.tabs.Refresh()
		}
	}

	c := s.window.Canvas()
	addWindowShortcut(c, shortcutFind, s.focusSearch)
	addWindowShortcut(c, shortcutNewPairing, func(fyne.Shortcut) { s.newPairing() })
	for _, sc := range shortcutNextTab {
		addWindowShortcut(c, sc, func(fyne.Shortcut) { s.switchTab(+1) })
	}
	for _, sc := range shortcutPreviousTab {
		addWindowShortcut(c, sc, func(fyne.Shortcut) { s.switchTab(-1) })
	}

	if s.profiles.activeNeedsLogin() {
		s.tabs.Select(s.tabs.Items[1])
	}
	s.profiles.autoLogin()
}

// save changes the store off the UI goroutine (every save re-encrypts it),
// in the order asked, then calls done with the outcome on the UI goroutine.
// A nil done shows a failure in a dialog.
func (s *shell) save(change func(*store.Data) error, done func(error)) {
	s.inOrder(func() {
		err := s.vault.Update(change)
		fyne.Do(func() {
			switch {
			case done != nil:
				done(err)
			case err != nil:
				dialog.ShowError(err, s.window)
			}
		})
	})
}

// newPairing (Ctrl+N, the New pairing button) opens the pairing wizard for
// the active profile, or says to log in first.
func (s *shell) newPairing() {
	id, sess, err := s.profiles.activeSession()
	if err != nil {
		dialog.ShowError(err, s.window)
		s.tabs.SelectIndex(1)
		return
	}
	s.openPairingWizard(id, sess, nil, wizardOptions{})
}

// focusSearch is Ctrl+F: the partner list, with the cursor in the search box.
func (s *shell) focusSearch(fyne.Shortcut) {
	s.tabs.SelectIndex(0)
	s.window.Canvas().Focus(s.partners.search)
}

// switchTab (Ctrl+Tab, Ctrl+Page Down; with Shift or Page Up backwards)
// selects the next or previous tab, round the end.
func (s *shell) switchTab(step int) {
	n := len(s.tabs.Items)
	s.tabs.SelectIndex((s.tabs.SelectedIndex() + step + n) % n)
}

// refreshStatus writes the active MISP login into the bar above the tabs,
// and into the window's title, so that the window list and the taskbar say
// which MISP this window works on.
func (s *shell) refreshStatus() {
	s.status.SetText(s.profiles.statusText())
	s.window.SetTitle(mainWindowTitle(s.profiles))
}

// mainWindowTitle is "MISPbump — profile (organisation)" once logged in,
// else "MISPbump".
func mainWindowTitle(t *profilesTab) string {
	sess := t.sessions[t.active]
	if sess == nil {
		return version.Name
	}
	name, org := profileName(t.profiles, t.active), sess.login.HostOrg.Name
	switch {
	case name == "" || name == org:
		name = org
	case org != "":
		name += " (" + org + ")"
	}
	if name == "" {
		return version.Name
	}
	return version.Name + " — " + name
}

// minSize lays out one object over the whole space but never asks for less
// than its size: the window cannot be shrunk until the list and the details
// pane become unusable.
type minSize struct{ size fyne.Size }

func (m minSize) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (m minSize) MinSize(objects []fyne.CanvasObject) fyne.Size {
	min := m.size
	for _, o := range objects {
		min = min.Max(o.MinSize())
	}
	return min
}
