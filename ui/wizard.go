package ui

import (
	"context"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/assets"
	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// The pairing wizard is one window with three steps, named at its top:
// Prepare (every choice, before the laptops face each other), Exchange (our
// QR code, the camera, the SAS and the MISP steps) and Result. It drives one
// core/session Session; it holds no protocol, crypto or HTTP logic.
//
// Files: wizard.go (the window and its lifecycle), wizard_prepare.go,
// wizard_exchange.go (with wizard_qr.go, the code on screen, and
// wizard_camera.go), wizard_result.go; demo.go opens two wizards that film
// each other.

// wizardLogin is the MISP a wizard pairs: logged in with a site-admin key,
// and the store profile it belongs to.
type wizardLogin struct {
	client    *misp.Client
	login     *misp.LoginInfo
	profileID string
	// name is the profile's name, for the window title.
	name string
	// certificatePEM verifies our announced URL when it is not publicly
	// trusted (the certificate pinned at login); it travels to the partner.
	certificatePEM string
	// notifications are our organisation's IEP005 settings from the
	// profile; they travel in INFO.
	notifications *pairing.NotificationSettings
	// knownOwnKey, when set, gives our instance's PGP key as the login
	// already read it (nil while it has not, or when the MISP had none), so
	// Start needs no second request; nil: Start reads /gpg.asc itself.
	// Called on the UI goroutine.
	knownOwnKey func() *protected.Key
}

// wizardLoginFor gathers what a wizard needs about a logged-in profile: its
// name and the certificate pinned for it, from the store.
func wizardLoginFor(v *vault, profileID string, client *misp.Client, login *misp.LoginInfo) wizardLogin {
	l := wizardLogin{client: client, login: login, profileID: profileID}
	snap := v.Snapshot()
	if p, ok := snap.Profile(profileID); ok {
		l.name = p.Name
		if p.Certificate != nil {
			l.certificatePEM = p.Certificate.PEM
		}
		l.notifications = p.Notifications
	}
	return l
}

// wizardOptions are what differs between the app's wizard, the demo's and
// the tests'. The zero value is the app's.
type wizardOptions struct {
	// title replaces the window title.
	title string
	// demo shows the demo banner.
	demo bool
	// choices, when set, are the Prepare step's starting values instead of
	// the store's Prepare defaults.
	choices *session.Choices
	// camera, when set, is the only camera (the demo's virtual camera
	// looking at the other window); cameraName says what it films.
	camera     func() camera.Source
	cameraName string
	// onFrames is also told the frames we show (the demo's screen for the
	// other window's camera). Called from the session's goroutine.
	onFrames func([]string)
	// listCameras and openCamera find and open webcams; listCameras
	// (backend.go) and camera.Open when nil. Tests fake them.
	listCameras func() ([]choice, error)
	openCamera  func(path string) (camera.Source, error)
	// ui runs f on the UI goroutine; fyne.Do when nil. Tests queue instead.
	ui func(f func())
	// now is the clock (the one-second wait before Enter confirms the
	// codes); time.Now when nil.
	now func() time.Time
	// pairAgainWith is the partner of "Pair again with <org>": the
	// admin's word, given in advance, for exactly its organisation UUID.
	pairAgainWith *store.Partner
	// background runs slow work off the UI goroutine; a goroutine when nil.
	background func(f func())
	// onClosed runs after the window closed and the session stopped, off
	// the UI goroutine.
	onClosed func()
	// onResult runs on the UI goroutine when the Result step shows a result
	// (again for a late partner result), e.g. to refresh the partner list.
	onResult func(*session.Result)
}

// wizard is one pairing wizard window.
type wizard struct {
	app    fyne.App
	window fyne.Window
	vault  *vault
	login  wizardLogin
	opts   wizardOptions
	resume *store.PendingPairing

	// ctx ends when the window closes: the session and the camera stop.
	ctx    context.Context
	cancel context.CancelFunc

	stepLabels [3]*widget.Label
	body       *fyne.Container

	prepare  *prepareStep
	exchange *exchangeStep
	result   *resultStep
	// confirmPartner is the pause before minting while it is shown.
	confirmPartner *confirmPartnerStep
	// exchangeContent is the exchange step's screen, shown again after
	// the pause.
	exchangeContent fyne.CanvasObject

	choices session.Choices
	session *session.Session
	// closed is set once the window closed.
	closed bool
	// texts is the session's Source: what the cameras and the image files read.
	texts chan string
}

// openWizard opens the pairing wizard in a window of its own for a
// logged-in MISP (see wizardLoginFor). resume, when not nil, is an
// unfinished pairing: the wizard says which case applies and finishes it
// alone or starts the new face-to-face exchange it needs. opts carry "Pair
// again with <org>", the demo's settings and the tests' hooks.
func openWizard(a fyne.App, v *vault, login wizardLogin, resume *store.PendingPairing, opts wizardOptions) *wizard {
	if opts.ui == nil {
		opts.ui = fyne.Do
	}
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.background == nil {
		opts.background = func(f func()) { go f() }
	}
	if opts.listCameras == nil {
		opts.listCameras = listCameras
	}
	if opts.openCamera == nil {
		opts.openCamera = func(path string) (camera.Source, error) {
			cam, err := camera.Open(path)
			if err != nil {
				return nil, err
			}
			return cam, nil
		}
	}
	title := opts.title
	if title == "" {
		title = "New pairing"
		if resume != nil {
			title = "Resume pairing"
		}
		if login.name != "" {
			title += " — " + login.name
		}
		title += " — " + version.Name
	}
	w := &wizard{app: a, vault: v, login: login, opts: opts, resume: resume, texts: make(chan string, 16)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.window = a.NewWindow(title)
	w.window.SetIcon(assets.Icon)
	w.window.Resize(fyne.NewSize(1100, 720))

	for i, name := range []string{"1  Prepare", "2  Exchange", "3  Result"} {
		w.stepLabels[i] = &widget.Label{Text: name}
	}
	steps := container.NewHBox(w.stepLabels[0], chevron(), w.stepLabels[1], chevron(), w.stepLabels[2])
	top := container.NewVBox()
	if opts.demo {
		top.Add(demoBanner())
	}
	top.Add(container.NewPadded(steps))
	top.Add(widget.NewSeparator())
	w.body = container.NewStack()
	w.window.SetContent(container.NewBorder(top, nil, nil, nil, w.body))

	w.window.SetOnClosed(func() {
		w.closed = true
		w.cancel()
		if w.opts.onClosed != nil {
			done := w.sessionDone()
			w.opts.background(func() {
				<-done
				w.opts.onClosed()
			})
		}
	})
	w.window.SetCloseIntercept(w.onCloseRequest)
	w.window.Canvas().SetOnTypedKey(w.onKey)

	w.showPrepare()
	w.window.Show()
	return w
}

// sessionDone is closed once the session (if any) has stopped.
func (w *wizard) sessionDone() <-chan struct{} {
	if w.session != nil {
		return w.session.Done()
	}
	done := make(chan struct{})
	close(done)
	return done
}

// setStep names the current step at the top and shows its content.
func (w *wizard) setStep(i int, content fyne.CanvasObject) {
	for j, l := range w.stepLabels {
		l.TextStyle = fyne.TextStyle{Bold: j == i}
		l.Importance = widget.LowImportance
		if j == i {
			l.Importance = widget.HighImportance
		}
		l.Refresh()
	}
	w.body.Objects = []fyne.CanvasObject{content}
	w.body.Refresh()
	w.window.Canvas().Unfocus()
}

// onKey is Enter for the SAS (the laptop need not be turned round to find
// the button).
func (w *wizard) onKey(ev *fyne.KeyEvent) {
	if (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && w.exchange != nil {
		w.exchange.onEnter()
	}
}

// onCloseRequest asks before a window close stops a pairing whose MISP
// steps may have begun; otherwise it closes at once.
func (w *wizard) onCloseRequest() {
	ex := w.exchange
	if w.session == nil || ex == nil || ex.stage.Final() || !ex.confirmed {
		w.close()
		return
	}
	d := dialog.NewConfirm("Stop the pairing?",
		"Closing this window stops the pairing. What was already set up on our MISP stays, and the unfinished pairing is kept so it can be resumed from the Partners tab.",
		func(ok bool) {
			if ok {
				w.close()
			}
		}, w.window)
	showWithEscape(d, w.window)
}

// close closes the window (which stops the session and the camera).
func (w *wizard) close() {
	if !w.closed {
		w.window.Close()
	}
}

func chevron() fyne.CanvasObject {
	return &widget.Icon{Resource: theme.NewColoredResource(theme.NavigateNextIcon(), theme.ColorNameDisabled)}
}

// demoColor is the demo banner's colour: the same in the light and the dark
// theme, with white text, so a demo window can never pass for a real one.
var demoColor = color.NRGBA{R: 0xC2, G: 0x41, B: 0x0C, A: 0xFF}

func demoBanner() fyne.CanvasObject {
	text := canvas.NewText("DEMO — two simulated MISPs on this computer; nothing real is changed", color.White)
	text.TextStyle = fyne.TextStyle{Bold: true}
	text.Alignment = fyne.TextAlignCenter
	text.TextSize = theme.TextSize() * 1.15
	return container.NewStack(canvas.NewRectangle(demoColor), container.NewPadded(text))
}

// onEvent handles one session event on the UI goroutine.
func (w *wizard) onEvent(ev session.Event) {
	if w.exchange == nil {
		return
	}
	w.exchange.event(ev)
	switch {
	case ev.Stage == session.StageConfirmPartner && ev.Identity != nil && ev.Identity.Known != nil:
		w.showConfirmPartner(ev.Identity)
	case w.confirmPartner != nil && ev.Stage != session.StageConfirmPartner:
		w.confirmPartner = nil
		w.setStep(1, w.exchangeContent)
	}
	if ev.Stage.Final() && ev.Result != nil {
		w.showResult(ev.Result, ev.Stage)
	}
}
