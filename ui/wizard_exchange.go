package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// exchangeStep is step 2: our code as large as possible, the camera, the
// SAS, then the MISP steps as the session reports them.
type exchangeStep struct {
	w  *wizard
	qr *qrView
	// sideScroll holds the status, warnings, SAS and steps; it is laid out
	// again after each event, whose messages may wrap to more lines than
	// the ones they replace (they would be cut off otherwise).
	sideScroll *container.Scroll

	status  *widget.Label
	reading *widget.Label
	problem *widget.Label

	sasCard *widget.Card
	sasText [2]*canvas.Text
	sasHint *widget.Label
	confirm *widget.Button
	reject  *widget.Button

	restart *fyne.Container

	stepRows []*stepRow
	stepCard *widget.Card

	cam *cameraPanel

	cancelButton *widget.Button

	ownKey    *protected.Key
	ownKeyErr error

	stage session.Stage
	sas   string
	// sasShownAt is when the codes appeared: Enter confirms only a second
	// later, so a key press meant for something else cannot confirm them.
	sasShownAt time.Time
	confirmed  bool
	// partnerConfirmed: the partner's INFO arrived, which it sends only
	// after its admin confirmed.
	partnerConfirmed bool
	frames           []string
	messages         []string
	result           *session.Result
	// partner is the latest summary of the partner and of what was done on
	// our MISP, from the events (a cancelled session's result may lack it).
	partner *session.PartnerSummary
}

// stepRow is one line of the MISP steps' progress.
type stepRow struct {
	icon  *widget.Icon
	label *widget.Label
	name  string
	state stepState
}

type stepState int

const (
	stepPending stepState = iota
	stepRunning
	stepDone
	stepFailed
)

func (r *stepRow) set(state stepState, detail string) {
	r.state = state
	switch state {
	case stepPending:
		r.icon.SetResource(theme.NewColoredResource(theme.RadioButtonIcon(), theme.ColorNameDisabled))
	case stepRunning:
		r.icon.SetResource(theme.NewPrimaryThemedResource(theme.MoreHorizontalIcon()))
	case stepDone:
		r.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	case stepFailed:
		r.icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
	}
	text := r.name
	if detail != "" {
		text += " — " + detail
	}
	r.label.SetText(text)
}

// The rows of the progress list, in order; stageRow maps a stage to its row.
const (
	rowPartnerConfirmed = iota
	rowOrg
	rowSyncUser
	rowPartnerKey
	rowServer
	rowTest
	rowPartnerTest
)

var stepNames = []string{
	"Your partner confirmed the codes",
	"The partner's organisation on our MISP",
	"A sync user for the partner, and its key",
	"The key the partner's MISP made for us",
	"Our server entry to the partner",
	"Our connection test",
	"The partner's connection test",
}

func stageRow(s session.Stage) int {
	switch s {
	case session.StageCreatingOrg:
		return rowOrg
	case session.StageCreatingSyncUser:
		return rowSyncUser
	case session.StageWaitingForPartnerKey:
		return rowPartnerKey
	case session.StageCreatingServer:
		return rowServer
	case session.StageTestingConnection:
		return rowTest
	}
	return -1
}

// partInterval is how long each part of a multi-part code stays up.
const partInterval = 400 * time.Millisecond

func newExchangeStep(w *wizard, ownKey *protected.Key, ownKeyErr error) *exchangeStep {
	ex := &exchangeStep{w: w, ownKey: ownKey, ownKeyErr: ownKeyErr, stage: session.StageWaitingForPartner}
	ex.qr = newQRView(partInterval)
	ex.qr.remote = w.choices.Remote
	ex.status = &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	ex.reading = &widget.Label{Wrapping: fyne.TextWrapWord}
	ex.reading.Hide()
	ex.problem = &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance}
	ex.problem.Hide()

	// Two lines of two groups: large, yet narrow enough to leave the code
	// most of the window.
	for i := range ex.sasText {
		ex.sasText[i] = &canvas.Text{TextSize: 40, TextStyle: fyne.TextStyle{Monospace: true}, Alignment: fyne.TextAlignCenter}
	}
	ex.sasHint = &widget.Label{Wrapping: fyne.TextWrapWord}
	ex.confirm = &widget.Button{Text: "Codes match — Confirm (Enter)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: ex.onConfirm}
	ex.reject = &widget.Button{Text: "Codes differ", Icon: theme.CancelIcon(), Importance: widget.DangerImportance, OnTapped: ex.onReject}
	ex.sasCard = &widget.Card{Subtitle: "Compare the codes", Content: container.NewVBox(
		ex.sasText[0], ex.sasText[1], ex.sasHint, ex.confirm, ex.reject)}
	ex.sasCard.Hide()

	ex.restart = container.NewVBox(
		&widget.Label{Text: "Your partner started again with a new code. Start again too: you get new codes to compare.", Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance},
		&widget.Button{Text: "Start again with a new code", Icon: theme.ViewRefreshIcon(), OnTapped: func() { w.session.Restart() }},
	)
	ex.restart.Hide()

	rows := container.NewVBox()
	for _, name := range stepNames {
		r := &stepRow{icon: &widget.Icon{}, label: &widget.Label{Wrapping: fyne.TextWrapWord}, name: name}
		r.set(stepPending, "")
		ex.stepRows = append(ex.stepRows, r)
		rows.Add(container.NewBorder(nil, nil, r.icon, nil, r.label))
	}
	ex.stepCard = &widget.Card{Subtitle: "After both confirmed", Content: rows}
	ex.stepCard.Hide()

	ex.cam = newCameraPanel(w, ex)
	ex.cancelButton = &widget.Button{Text: "Cancel pairing", Icon: theme.CancelIcon(), OnTapped: ex.onCancel}
	ex.setStatus()
	ex.startTicker()
	return ex
}

func (ex *exchangeStep) content() fyne.CanvasObject {
	side := container.NewVBox(ex.status, ex.reading, ex.problem, ex.restart, ex.sasCard, ex.stepCard, ex.cam.content())
	ex.sideScroll = container.NewVScroll(side)
	split := container.NewHSplit(container.NewPadded(ex.qr), container.NewBorder(nil, container.NewPadded(ex.cancelButton), nil, nil, ex.sideScroll))
	split.Offset = 0.62
	return split
}

// startTicker moves multi-part codes along until the window closes.
func (ex *exchangeStep) startTicker() {
	ctx := ex.w.ctx
	var queued atomic.Bool // at most one tick waits for the UI goroutine
	go func() {
		t := time.NewTicker(partInterval / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !queued.Swap(true) {
					ex.w.opts.ui(func() {
						queued.Store(false)
						ex.qr.tick()
					})
				}
			}
		}
	}()
}

func (ex *exchangeStep) startCamera() { ex.cam.start() }

// showFrames is the session's sink, on the UI goroutine.
func (ex *exchangeStep) showFrames(frames []string) {
	changed := !slices.Equal(frames, ex.frames)
	ex.frames = frames
	ex.qr.setFrames(frames, ex.emptyText())
	if changed {
		ex.cam.codeChanged()
	}
}

// emptyText is shown instead of a blank area when there is no code to show:
// the partner already has everything (the pairing's Display is empty).
func (ex *exchangeStep) emptyText() string {
	if ex.w.choices.Remote {
		switch {
		case ex.stage == session.StageDone:
			return "Nothing left to send: your partner has everything of ours."
		case ex.stage.Final():
			return "No code to send: the pairing stopped."
		}
		return "Nothing to send right now: your partner has everything of ours so far. Our next code appears here by itself."
	}
	switch {
	case ex.stage == session.StageDone:
		return "Nothing left to show: your partner has read everything from this screen."
	case ex.stage.Final():
		return "No code to show: the pairing stopped."
	case ex.stage == session.StageCompareSAS && !ex.confirmed:
		return "Your partner's camera has read our code. Compare the codes; once you confirm, our next code appears here."
	case ex.stage >= session.StageCompareSAS:
		return "Your partner has read everything this screen had to show for now. The next code appears here by itself — keep the screens facing each other."
	}
	return "Preparing our code…"
}

// event handles one session event on the UI goroutine.
func (ex *exchangeStep) event(ev session.Event) {
	prev := ex.stage
	ex.stage = ev.Stage
	if ev.Message != "" {
		ex.messages = append(ex.messages, ev.Message)
	}
	if ev.Partner != nil {
		seen := *ev.Partner
		if ev.Stage != prev {
			ex.w.addStoredProgress(&seen)
		}
		if ex.partner != nil {
			// Keep what earlier events told (a cancel drops the pending
			// pairing the IDs were read from).
			seen = withProgress(&session.Result{Partner: seen}, ex.partner).Partner
		}
		ex.partner = &seen
	}
	if ev.Stage != prev {
		ex.problem.Hide() // a warning about the previous stage's input
	}
	switch {
	case ev.Problem != nil && ex.cam.replaceReadNote(sentence(ev.Problem.Error())):
		// The pasted or opened code was refused: said where "Read the
		// pasted code." stood, not beside it.
	case ev.Problem != nil:
		ex.problem.SetText(sentence(ev.Problem.Error()))
		ex.problem.Show()
	default:
		ex.cam.readNote = false
	}
	if ev.Parts > 1 {
		ex.reading.SetText(fmt.Sprintf("Read part %d of %d of the partner's code.", ev.Part, ev.Parts))
		ex.reading.Show()
	}
	if ev.SAS != "" && ev.SAS != ex.sas {
		ex.sas = ev.SAS
		ex.sasShownAt = ex.w.opts.now()
		first, second := splitSAS(ev.SAS)
		for i, t := range []string{first, second} {
			ex.sasText[i].Text = t
			ex.sasText[i].Color = theme.Color(theme.ColorNameForeground)
			ex.sasText[i].Refresh()
		}
		ex.sasCard.Show()
	}
	if ev.PartnerConfirmed {
		ex.partnerConfirmed = true
		ex.stepCard.Show()
		ex.stepRows[rowPartnerConfirmed].set(stepDone, "")
	}
	ex.restart.Hidden = ev.Stage != session.StagePartnerRestarted
	ex.restart.Refresh()
	if ev.Stage == session.StagePartnerRestarted {
		ex.sas, ex.confirmed = "", false
		ex.sasCard.Hide()
	}

	if r := stageRow(ev.Stage); r >= 0 {
		ex.stepCard.Show()
		for i := rowOrg; i < r; i++ {
			if ex.stepRows[i].state != stepDone {
				ex.stepRows[i].set(stepDone, "")
			}
		}
		ex.stepRows[r].set(stepRunning, ev.Message)
	}
	if ev.Stage.Final() {
		ex.finish(ev, prev)
	}
	ex.updateSAS()
	ex.setStatus()
	ex.cam.updateTurn()
	if len(ex.frames) == 0 {
		ex.qr.setFrames(nil, ex.emptyText())
	}
	if ex.sideScroll != nil {
		ex.sideScroll.Refresh()
	}
}

// finish marks the steps with the final result.
func (ex *exchangeStep) finish(ev session.Event, prev session.Stage) {
	ex.result = ev.Result
	ex.cancelButton.SetText("Close")
	ex.cancelButton.SetIcon(theme.WindowCloseIcon())
	res := ev.Result
	if res == nil {
		return
	}
	switch ev.Stage {
	case session.StageDone:
		for i := rowOrg; i <= rowServer; i++ {
			ex.stepRows[i].set(stepDone, "")
		}
		if res.Test != nil {
			ex.stepRows[rowTest].set(stepDone, testText(res.Test.Status, res.Test.Message))
		}
	case session.StageFailed:
		if r := stageRow(prev); r >= 0 {
			ex.stepRows[r].set(stepFailed, errText(res.Err))
		}
	}
	if res.PartnerDone != nil {
		state := stepDone
		if res.PartnerDone.Status != 1 {
			state = stepFailed
		}
		ex.stepRows[rowPartnerTest].set(state, session.PartnerTestWords(*res.PartnerDone))
	} else if ev.Stage == session.StageDone {
		ex.stepRows[rowPartnerTest].set(stepRunning, "not received yet")
	}
}

func (ex *exchangeStep) updateSAS() {
	compare := ex.stage == session.StageCompareSAS && !ex.confirmed
	if compare {
		ex.confirm.Enable()
		ex.reject.Enable()
	} else {
		ex.confirm.Disable()
		ex.reject.Disable()
	}
	hint := "Read your code aloud; your partner checks it against theirs. Confirm only if every digit matches."
	if ex.w.choices.Remote {
		hint = "Read your code to your partner over the phone; they check it against theirs. Confirm only if every digit matches."
	}
	switch {
	case ex.confirmed && ex.partnerConfirmed:
		hint = "Both of you confirmed these codes."
	case ex.confirmed:
		hint = "You confirmed. Waiting for your partner to confirm on their side…"
	case ex.partnerConfirmed:
		hint = "Your partner confirmed. " + hint
	}
	ex.sasHint.SetText(hint)
}

// setStatus says in one line where the pairing stands.
func (ex *exchangeStep) setStatus() {
	s := statusLine(ex.stage, ex.w.choices.Remote)
	if ex.w.choices.Remote && ex.w.session != nil && ex.w.session.Turn().Send && !ex.stage.Final() {
		// Said at the top too: the buttons may be below the fold (under
		// the codes to compare).
		s = "New code — send it now with the buttons below. " + s
	}
	ex.status.SetText(s)
}

// sasReadTime is how long the codes must have been on screen before Enter
// confirms them (the button works at once: it is aimed at).
const sasReadTime = time.Second

// statusLine says where the exchange stands. Face to face, the screens must
// keep facing each other while codes still travel; remote, no screens face
// each other and whose turn it is is said beside the buttons (session.Turn).
func statusLine(stage session.Stage, remote bool) string {
	facing := " — keep the screens facing each other."
	if remote {
		facing = "."
	}
	switch stage {
	case session.StageWaitingForPartner:
		if remote {
			return "Exchange the codes with your partner by chat or e-mail."
		}
		return "Point the screens at each other. Waiting for your partner's code…"
	case session.StageCompareSAS:
		if remote {
			return "Both keys exchanged. Compare the code below with your partner's by phone."
		}
		return "Both codes read. Compare the code below with your partner's."
	case session.StagePartnerRestarted:
		return "Your partner started again."
	case session.StageWaitingForPartnerConfirm:
		return "Waiting for your partner to confirm…"
	case session.StageConfirmPartner:
		return "Waiting for you to say whether the partner is the organisation your MISP knows."
	case session.StageCreatingOrg, session.StageCreatingSyncUser, session.StageCreatingServer, session.StageTestingConnection:
		return "Setting up our MISP" + facing
	case session.StageWaitingForPartnerKey:
		return "Waiting for the key the partner's MISP made for us" + facing
	case session.StageDone:
		return "Our side is finished."
	case session.StageAborted:
		return "The pairing stopped."
	case session.StageFailed:
		return "The pairing failed."
	}
	return ""
}

func (ex *exchangeStep) onEnter() {
	if ex.stage != session.StageCompareSAS || ex.confirmed {
		return
	}
	if ex.w.opts.now().Sub(ex.sasShownAt) < sasReadTime {
		ex.sasHint.SetText("Read the codes first: Enter confirms a second after they appear. Confirm only if every digit matches.")
		return
	}
	ex.onConfirm()
}

func (ex *exchangeStep) onConfirm() {
	if ex.confirmed || ex.w.session == nil {
		return
	}
	ex.confirmed = true
	ex.w.session.Confirm()
	ex.updateSAS()
	if len(ex.frames) == 0 {
		ex.qr.setFrames(nil, ex.emptyText())
	}
}

func (ex *exchangeStep) onReject() {
	if ex.w.session == nil {
		return
	}
	ex.w.session.Reject()
	ex.confirm.Disable()
	ex.reject.Disable()
	ex.sasHint.SetText("You found the codes different. Stopping; nothing is written to either MISP.")
}

// onCancel stops the pairing (the result then says what was already
// written), or closes the window once it is over.
func (ex *exchangeStep) onCancel() {
	if ex.w.session == nil || ex.stage.Final() {
		ex.w.close()
		return
	}
	ex.w.session.Cancel()
	ex.cancelButton.Disable()
	ex.status.SetText("Cancelling…")
}

// splitSAS cuts "0482 9131 5520 7764" into "0482 9131" and "5520 7764".
func splitSAS(sas string) (string, string) {
	groups := strings.Fields(sas)
	if len(groups) < 2 {
		return sas, ""
	}
	half := (len(groups) + 1) / 2
	return strings.Join(groups[:half], " "), strings.Join(groups[half:], " ")
}

// addStoredProgress fills in, from the pending pairing the session keeps in
// the store, what was done on our MISP that the event's summary does not
// carry yet (the organisation and sync user made before the partner's key
// arrived), so a cancel can say everything that was written.
func (w *wizard) addStoredProgress(p *session.PartnerSummary) {
	if w.vault == nil || w.vault.store == nil || p.InstanceUUID == "" {
		return
	}
	for _, pp := range w.vault.Snapshot().Pending {
		if pp.ProfileID != w.login.profileID || !strings.EqualFold(pp.Partner.InstanceUUID, p.InstanceUUID) {
			continue
		}
		on := pp.Partner.OnOurMISP
		if p.OrgID == "" && on.Org.ID != "" {
			p.OrgID, p.OrgCreated = on.Org.ID, on.Org.Outcome == store.Created
		}
		if p.SyncUserID == "" && on.SyncUser.ID != "" {
			p.SyncUserID, p.UserCreated, p.SyncUserEmail = on.SyncUser.ID, on.SyncUser.Outcome == store.Created, on.SyncUserEmail
		}
		if p.ServerID == "" && on.Server.ID != "" {
			p.ServerID, p.ServerCreated = on.Server.ID, on.Server.Outcome == store.Created
		}
	}
}
