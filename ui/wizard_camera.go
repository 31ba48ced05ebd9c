package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/camera"
	"github.com/mispbump/mispbump-desktop/core/qr"
	"github.com/mispbump/mispbump-desktop/core/session"
	"github.com/mispbump/mispbump-desktop/core/store"
)

// cameraPanel is the Exchange step's reading side: the small mirrored
// preview of the webcam, the camera picker, and the fallbacks that work
// without a webcam (copy or save our code, paste or open the partner's).
type cameraPanel struct {
	w  *wizard
	ex *exchangeStep

	preview  *canvas.Image
	hint     *widget.Label
	picker   *widget.Select
	message  *widget.Label
	fallback *widget.Label
	cameras  []choice
	// readNote tells that fallback says "Read the pasted code." (or the
	// opened image's) and the session has not answered it yet.
	readNote bool

	// buttons are the fallbacks (copy, save, paste, open). They stay on
	// screen from the Exchange step to the end of the Result step: the
	// partner may still need our last codes and we theirs.
	buttons *fyne.Container
	// turn and count say in remote mode whose turn it is and how many
	// exchanges are left (session.Turn).
	turn  *widget.Label
	count *widget.Label
	// sentNote: the fallback note says our code was copied or saved; it
	// goes when the code changes.
	sentNote bool

	// stop ends the running camera's goroutines.
	stop context.CancelFunc
}

func newCameraPanel(w *wizard, ex *exchangeStep) *cameraPanel {
	p := &cameraPanel{w: w, ex: ex}
	p.preview = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleFastest}
	p.preview.SetMinSize(fyne.NewSize(256, 144))
	p.hint = &widget.Label{Text: "Hold the screens 50–60 cm apart, facing each other.", Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	p.picker = &widget.Select{PlaceHolder: "Choose a camera", OnChanged: p.onPick}
	p.message = &widget.Label{Wrapping: fyne.TextWrapWord}
	p.message.Hide()
	p.fallback = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	p.fallback.Hide()
	copyButton := &widget.Button{Text: "Copy my code", Icon: theme.ContentCopyIcon(), OnTapped: p.onCopy}
	saveButton := &widget.Button{Text: "Save as PNG…", Icon: theme.DocumentSaveIcon(), OnTapped: p.onSave}
	pasteButton := &widget.Button{Text: "Paste code…", Icon: theme.ContentPasteIcon(), OnTapped: p.onPaste}
	openButton := &widget.Button{Text: "Open image…", Icon: theme.FolderOpenIcon(), OnTapped: p.onOpen}
	p.buttons = container.NewGridWithColumns(2, copyButton, saveButton, pasteButton, openButton)
	p.turn = &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	p.count = &widget.Label{Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText}
	p.count.Hide()
	return p
}

func (p *cameraPanel) content() fyne.CanvasObject {
	if p.w.choices.Remote {
		return &widget.Card{Subtitle: "Exchange the codes by chat or e-mail", Content: container.NewVBox(
			wrapped("Send your code with \"Copy my code\" (chat-safe text) or as PNG images; paste or open your partner's. "+
				"The codes change as the pairing goes on: send yours again whenever this window says there is a new one. "+
				"Call each other to compare the codes."),
			p.turn, p.count, p.buttons, p.fallback)}
	}
	cam := container.NewVBox(p.preview, p.hint)
	if p.w.opts.camera != nil {
		cam.Add(&widget.Label{Text: "Virtual camera: " + p.w.opts.cameraName, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameCaptionText})
	} else {
		cam.Add(p.picker)
	}
	cam.Add(p.message)
	return container.NewVBox(
		&widget.Card{Subtitle: "Our camera", Content: cam},
		&widget.Card{Subtitle: "No webcam? Partner elsewhere?", Content: container.NewVBox(p.buttons, p.fallback)},
	)
}

// controls are the fallback buttons (and in remote mode whose turn it is)
// for the Result step, where the exchange's side panel is gone but the
// codes may still have to travel: our last codes to the partner, the
// partner's result to us.
func (p *cameraPanel) controls() fyne.CanvasObject {
	if p.w.choices.Remote {
		return &widget.Card{Subtitle: "Exchange the codes by chat or e-mail", Content: container.NewVBox(p.turn, p.count, p.buttons, p.fallback)}
	}
	return &widget.Card{Subtitle: "No webcam? Partner elsewhere?", Content: container.NewVBox(p.buttons, p.fallback)}
}

// updateTurn says in remote mode whose turn it is, from the session.
func (p *cameraPanel) updateTurn() {
	s := p.w.session
	if !p.w.choices.Remote || s == nil {
		p.turn.Hide()
		p.count.Hide()
		return
	}
	t := s.Turn()
	p.turn.Importance = widget.MediumImportance
	if t.Send {
		p.turn.Importance = widget.HighImportance
	}
	p.turn.SetText(t.Words)
	p.turn.Show()
	p.count.SetText(t.Count)
	p.count.Hidden = t.Count == ""
	p.count.Refresh()
	p.ex.setStatus()
}

// codeChanged forgets a "copied" or "saved" note: it was about the code
// shown before.
func (p *cameraPanel) codeChanged() {
	if p.sentNote {
		p.sentNote = false
		p.fallback.Hide()
	}
	p.updateTurn()
}

// start starts the demo's virtual camera, or lists the webcams and opens
// the remembered one (or the first). Remote mode starts no camera.
func (p *cameraPanel) start() {
	if p.w.choices.Remote {
		return
	}
	if p.w.opts.camera != nil {
		p.run(p.w.opts.camera())
		return
	}
	p.say("Looking for cameras…", widget.MediumImportance)
	ctx := p.w.ctx
	p.w.opts.background(func() {
		cams, err := p.w.opts.listCameras()
		p.w.opts.ui(func() {
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				p.noCamera()
				p.say(cameraErrorText(err), widget.DangerImportance)
				return
			}
			if len(cams) == 0 {
				p.noCamera()
				p.say("No camera found on this computer. Open an image of your partner's code or paste it as text instead.", widget.WarningImportance)
				return
			}
			p.cameras = cams
			p.picker.Options = choiceLabels(cams)
			chosen := p.w.vault.Snapshot().Preferences.CameraDevice
			label := cams[0].label
			for _, c := range cams {
				if c.value == chosen {
					label = c.label
				}
			}
			p.picker.SetSelected(label) // opens it (onPick)
		})
	})
}

// onPick opens the chosen webcam and remembers the choice.
func (p *cameraPanel) onPick(label string) {
	path := choiceValue(p.cameras, label)
	if path == "" {
		return
	}
	p.stopCamera()
	p.say("Starting the camera…", widget.MediumImportance)
	ctx := p.w.ctx
	v := p.w.vault
	p.w.opts.background(func() {
		if v.store != nil && v.Snapshot().Preferences.CameraDevice != path {
			// Not worth a failure message: the choice works for this pairing.
			_ = v.Update(func(d *store.Data) error { d.Preferences.CameraDevice = path; return nil })
		}
	})
	p.w.opts.background(func() {
		cam, err := p.w.opts.openCamera(path)
		p.w.opts.ui(func() {
			if err != nil {
				if ctx.Err() == nil {
					p.say(cameraErrorText(err), widget.DangerImportance)
				}
				return
			}
			if ctx.Err() != nil || p.picker.Selected != label {
				_ = cam.Close()
				return
			}
			p.message.Hide()
			p.run(cam)
		})
	})
}

// run reads codes from src until the window closes, the session ends or
// another camera is chosen: texts go to the session, foreign codes and
// previews to the screen.
func (p *cameraPanel) run(src camera.Source) {
	ctx, stop := context.WithCancel(p.w.ctx)
	p.stop = stop
	r := camera.NewReader(src, camera.ReaderConfig{})
	ui := p.w.opts.ui
	go func() {
		err := r.Run(ctx)
		if err != nil && ctx.Err() == nil {
			ui(func() { p.say(cameraErrorText(err), widget.DangerImportance) })
		}
	}()
	if s := p.w.session; s != nil {
		go func() {
			select {
			case <-s.Done(): // nothing more to read for
				stop()
			case <-ctx.Done():
			}
		}()
	}
	go func() {
		for t := range r.Texts() {
			select {
			case p.w.texts <- t:
			case <-ctx.Done():
			}
		}
	}()
	go func() {
		for f := range r.Foreign() {
			ui(func() {
				p.ex.problem.SetText("A QR code that is not from MISPbump is in view (" + f.Err.Error() + "): keep only your partner's screen in view.")
				p.ex.problem.Show()
			})
		}
	}()
	mirror := true
	if p.w.vault != nil && p.w.vault.store != nil {
		mirror = p.w.vault.Snapshot().Preferences.MirrorPreview
	}
	// Previews arrive faster than a slow machine may paint them: only the
	// newest waits for the UI goroutine, so its queue never grows.
	var newest atomic.Pointer[image.RGBA]
	var queued atomic.Bool
	go func() {
		for img := range r.Previews() {
			if !mirror {
				unmirror(img)
			}
			newest.Store(img)
			if queued.Swap(true) {
				continue
			}
			ui(func() {
				queued.Store(false)
				p.preview.Image = newest.Load()
				p.preview.Refresh()
			})
		}
	}()
}

// noCamera hides the preview and the picker, which would only be blank.
func (p *cameraPanel) noCamera() {
	p.preview.Hide()
	p.hint.Hide()
	p.picker.Hide()
}

func (p *cameraPanel) stopCamera() {
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
}

func (p *cameraPanel) say(msg string, imp widget.Importance) {
	p.message.Importance = imp
	p.message.SetText(msg)
	p.message.Show()
}

func (p *cameraPanel) note(msg string, imp widget.Importance) {
	p.readNote = false
	p.sentNote = false
	p.fallback.Importance = imp
	p.fallback.SetText(msg)
	p.fallback.Show()
}

// replaceReadNote puts the session's refusal of a pasted or opened code in
// place of the "Read the pasted code." note that announced it, and tells
// whether there was such a note.
func (p *cameraPanel) replaceReadNote(problem string) bool {
	if !p.readNote {
		return false
	}
	p.note(problem, widget.DangerImportance)
	return true
}

// cameraErrorText says in words what is wrong with the camera and that the
// fallbacks still work.
func cameraErrorText(err error) string {
	msg := sentence(err.Error())
	var ce *camera.Error
	if errors.As(err, &ce) && ce.Kind == camera.PermissionDenied && !strings.Contains(msg, "video group") {
		msg += " Add your user to the video group (sudo usermod -aG video $USER), then log out and in again."
	}
	return msg + " You can still open an image of your partner's code or paste it as text."
}

// onCopy puts our current codes on the clipboard as chat-safe text.
func (p *cameraPanel) onCopy() {
	s := p.w.session
	if s == nil || len(p.ex.frames) == 0 {
		p.note("There is no code to send right now: your partner has everything for now.", widget.MediumImportance)
		return
	}
	frames := s.Frames()
	p.w.app.Clipboard().SetContent(session.ChatTextOf(frames))
	s.MarkSent(frames)
	p.note(fmt.Sprintf("Copied our code (%d line(s)). Paste it into the chat with your partner; send it again when this window says there is a new code.", len(frames)), widget.SuccessImportance)
	p.sentNote = true
	p.updateTurn()
}

// onSave saves our current codes as PNG files, one per part.
func (p *cameraPanel) onSave() {
	frames := append([]string(nil), p.ex.frames...)
	if len(frames) == 0 {
		p.note("There is no code to save right now: your partner has everything for now.", widget.MediumImportance)
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		_ = wc.Close()
		rememberImageFolder(p.w.app, path)
		p.saveTo(path, frames)
	}, p.w.window)
	d.SetFileName("mispbump-code.png")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png"}))
	showFileDialog(p.w.app, p.w.window, d)
}

// saveTo writes frames (our code when Save was pressed) as PNG files off
// the UI goroutine and says which; the code counts as sent once written.
func (p *cameraPanel) saveTo(path string, frames []string) {
	p.w.opts.background(func() {
		names, err := saveCodePNGs(path, frames)
		p.w.opts.ui(func() {
			if err != nil {
				p.note(sentence(err.Error()), widget.DangerImportance)
				return
			}
			note := "Saved " + strings.Join(names, ", ") + ". Send the image(s) to your partner."
			if s := p.w.session; s != nil {
				s.MarkSent(frames)
				if !slices.Equal(frames, p.ex.frames) {
					// The code changed while the files were written.
					note += " Our code has changed since: save or copy the new one too."
				}
			}
			p.note(note, widget.SuccessImportance)
			p.sentNote = slices.Equal(frames, p.ex.frames)
			p.updateTurn()
		})
	})
}

// saveCodePNGs writes one PNG per frame: path itself for a single frame,
// path with "-part-2-of-4" before the extension for several.
func saveCodePNGs(path string, frames []string) ([]string, error) {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	if ext == "" {
		ext = ".png"
	}
	var names []string
	for i, f := range frames {
		name := base + ext
		if len(frames) > 1 {
			name = fmt.Sprintf("%s-part-%d-of-%d%s", base, i+1, len(frames), ext)
		}
		png, err := qr.PNG(f)
		if err != nil {
			return names, err
		}
		if err := os.WriteFile(name, png, 0o644); err != nil {
			return names, fmt.Errorf("saving %s: %w", filepath.Base(name), err)
		}
		names = append(names, filepath.Base(name))
	}
	return names, nil
}

// onPaste asks for the partner's code as text (from chat or e-mail).
func (p *cameraPanel) onPaste() {
	entry := newEscEntry(false, "Paste your partner's code here (all its lines)")
	entry.MultiLine = true
	entry.Wrapping = fyne.TextWrapBreak
	entry.SetMinRowsVisible(6)
	d := dialog.NewCustomConfirm("Paste your partner's code", "Read it (Ctrl+Enter)", "Cancel", entry, func(ok bool) {
		if ok {
			p.paste(entry.Text)
		}
	}, p.w.window)
	entry.onCtrlEnter = d.Confirm // Enter itself starts a new line
	d.Resize(fyne.NewSize(560, 0))
	showWithEscape(d, p.w.window, entry)
}

// paste hands pasted text to the session.
func (p *cameraPanel) paste(text string) {
	if _, err := camera.TextFromPaste(text); err != nil {
		p.note(sentence(err.Error()), widget.DangerImportance)
		return
	}
	if p.w.session != nil {
		p.w.session.Paste(text)
		p.note("Read the pasted code.", widget.MediumImportance)
		p.readNote = true
	}
}

// onOpen reads the partner's code from an image file.
func (p *cameraPanel) onOpen() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		_ = rc.Close()
		rememberImageFolder(p.w.app, path)
		p.openImage(path)
	}, p.w.window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg"}))
	showFileDialog(p.w.app, p.w.window, d)
}

// openImage decodes an image file off the UI goroutine and feeds the code
// to the session.
func (p *cameraPanel) openImage(path string) {
	p.w.opts.background(func() {
		text, err := camera.TextFromFile(path)
		p.w.opts.ui(func() {
			if err != nil {
				p.note(sentence(err.Error()), widget.DangerImportance)
				return
			}
			if p.w.session != nil {
				p.w.session.Paste(text)
				p.note("Read the code in "+filepath.Base(path)+".", widget.MediumImportance)
				p.readNote = true
			}
		})
	})
}

// unmirror flips a preview left to right: previews come mirrored (people
// expect to see themselves as in a mirror), and Settings can turn that off.
// It flips in place: each preview is new and ours (camera.Reader.Previews),
// so a copy would only be 230 kB of garbage per preview.
func unmirror(img *image.RGBA) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for l, r := 0, len(row)-4; l < r; l, r = l+4, r-4 {
			for i := range 4 {
				row[l+i], row[r+i] = row[r+i], row[l+i]
			}
		}
	}
}

// wrapped is a label that wraps, for sentences in narrow columns.
func wrapped(text string) *widget.Label {
	return &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}
}
