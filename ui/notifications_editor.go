package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/notify"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// notificationsEditor edits how our organisation wants to be notified
// (IntelMQ IEP005): it travels in INFO to every partner. Validation is
// core/notify's; this screen only shows each message next to its field.
type notificationsEditor struct {
	// onSave receives the normalised, valid settings, or nil when every
	// field is empty (nothing to send). An error it returns is shown.
	onSave func(*pairing.NotificationSettings) error

	rows     []*notificationEmailRow
	rowsBox  *fyne.Container
	formats  *widget.CheckGroup
	endpoint *widget.Entry
	tokenRef *widget.Entry
	interval *widget.SelectEntry
	save     *widget.Button
	status   *widget.Label

	// fieldErrors are the labels next to the fixed fields, by notify field name.
	fieldErrors map[string]*widget.Label
}

// notificationEmailRow is one address with its optional PGP fingerprint,
// S/MIME certificate reference and Cc flag.
type notificationEmailRow struct {
	address, fingerprint, smime                *widget.Entry
	cc                                         *widget.Check
	addressError, fingerprintError, smimeError *widget.Label
	box                                        *fyne.Container
}

// newNotificationsEditor builds the editor filled with initial (nil: empty).
func newNotificationsEditor(initial *pairing.NotificationSettings, onSave func(*pairing.NotificationSettings) error) *notificationsEditor {
	e := &notificationsEditor{onSave: onSave, fieldErrors: map[string]*widget.Label{}}
	var s pairing.NotificationSettings
	if initial != nil {
		s = *initial
	}
	e.rowsBox = container.NewVBox()
	for _, em := range s.Emails {
		e.addRow(em)
	}
	if len(e.rows) == 0 {
		e.addRow(pairing.NotificationEmail{})
	}
	e.formats = &widget.CheckGroup{Options: pairing.NotificationFormats, Horizontal: true, Selected: append([]string(nil), s.Formats...)}
	e.endpoint = &widget.Entry{Text: s.HTTPEndpoint, PlaceHolder: "https://notify.example.org/misp (optional)"}
	e.tokenRef = &widget.Entry{Text: s.HTTPAuthTokenRef, PlaceHolder: "where the token is kept, e.g. vault:secret/misp-notify — never the token"}
	e.interval = widget.NewSelectEntry(notify.Intervals)
	e.interval.SetText(s.Interval)
	e.interval.PlaceHolder = "daily, hourly, immediate, weekly or e.g. PT4H"
	for _, f := range []string{notify.FieldEmails, notify.FieldFormats, notify.FieldHTTPEndpoint, notify.FieldHTTPAuthTokenRef, notify.FieldInterval, notify.FieldVersion} {
		e.fieldErrors[f] = newFieldErrorLabel()
	}
	e.save = &widget.Button{Text: "Save notification settings", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: e.onSaveTapped}
	e.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	return e
}

func newFieldErrorLabel() *widget.Label {
	l := &widget.Label{Importance: widget.DangerImportance, Wrapping: fyne.TextWrapWord}
	l.Hide()
	return l
}

func (e *notificationsEditor) addRow(em pairing.NotificationEmail) {
	r := &notificationEmailRow{
		address:          &widget.Entry{Text: em.Address, PlaceHolder: "soc@example.org"},
		fingerprint:      &widget.Entry{Text: em.PGPFingerprint, PlaceHolder: "PGP fingerprint (optional, 40 hex digits)", TextStyle: fyne.TextStyle{Monospace: true}},
		smime:            &widget.Entry{Text: em.SMIMECertRef, PlaceHolder: "S/MIME certificate reference (optional)"},
		cc:               &widget.Check{Text: "Cc", Checked: em.Cc},
		addressError:     newFieldErrorLabel(),
		fingerprintError: newFieldErrorLabel(),
		smimeError:       newFieldErrorLabel(),
	}
	remove := &widget.Button{Icon: theme.ContentRemoveIcon(), Importance: widget.LowImportance}
	r.box = container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(r.cc, remove), r.address),
		r.addressError,
		// The fingerprint spans the row in monospace so all 40 digits (50
		// characters when grouped) show and can be compared with the key.
		r.fingerprint,
		r.fingerprintError,
		r.smime,
		r.smimeError,
		&widget.Separator{},
	)
	remove.OnTapped = func() { e.removeRow(r) }
	e.rows = append(e.rows, r)
	e.rowsBox.Add(r.box)
}

func (e *notificationsEditor) removeRow(r *notificationEmailRow) {
	for i, x := range e.rows {
		if x == r {
			e.rows = append(e.rows[:i], e.rows[i+1:]...)
			break
		}
	}
	e.rowsBox.Remove(r.box)
}

// content lays the editor out; it scrolls inside whatever holds it.
func (e *notificationsEditor) content() fyne.CanvasObject {
	addAddress := &widget.Button{Text: "Add an address", Icon: theme.ContentAddIcon(), OnTapped: func() { e.addRow(pairing.NotificationEmail{}) }}
	intro := &widget.Label{Wrapping: fyne.TextWrapWord, Text: "How your organisation wants to be notified by partners (IntelMQ IEP005). " +
		"It is sent to every partner you pair with from now on; MISP itself has no field for it."}
	return container.NewVScroll(container.NewVBox(
		intro,
		&widget.Card{Subtitle: "E-mail addresses", Content: container.NewVBox(e.rowsBox, e.fieldErrors[notify.FieldEmails], container.NewHBox(addAddress))},
		&widget.Card{Subtitle: "Preferred data formats", Content: container.NewVBox(e.formats, e.fieldErrors[notify.FieldFormats])},
		&widget.Card{Subtitle: "HTTP endpoint (optional)", Content: container.NewVBox(
			e.endpoint, e.fieldErrors[notify.FieldHTTPEndpoint],
			e.tokenRef, e.fieldErrors[notify.FieldHTTPAuthTokenRef],
		)},
		&widget.Card{Subtitle: "How often", Content: container.NewVBox(e.interval, e.fieldErrors[notify.FieldInterval])},
		e.fieldErrors[notify.FieldVersion],
		container.NewHBox(e.save),
		e.status,
	))
}

// settings reads the fields as core/notify normalises them. Rows left
// completely empty are dropped from the screen first, so the row numbers in
// notify's field names are the rows shown.
func (e *notificationsEditor) settings() pairing.NotificationSettings {
	for _, r := range append([]*notificationEmailRow(nil), e.rows...) {
		if strings.TrimSpace(r.address.Text+r.fingerprint.Text+r.smime.Text) == "" && len(e.rows) > 1 {
			e.removeRow(r)
		}
	}
	var s pairing.NotificationSettings
	for _, r := range e.rows {
		s.Emails = append(s.Emails, pairing.NotificationEmail{Address: r.address.Text, PGPFingerprint: r.fingerprint.Text, SMIMECertRef: r.smime.Text, Cc: r.cc.Checked})
	}
	// Keep the formats in the order of the list (the preference order).
	for _, f := range pairing.NotificationFormats {
		for _, sel := range e.formats.Selected {
			if sel == f {
				s.Formats = append(s.Formats, f)
			}
		}
	}
	s.HTTPEndpoint, s.HTTPAuthTokenRef, s.Interval = e.endpoint.Text, e.tokenRef.Text, e.interval.Text
	return notify.Normalize(s)
}

// validate shows notify's message next to every field with a problem and
// clears the others. It returns the settings and whether they are valid.
func (e *notificationsEditor) validate() (pairing.NotificationSettings, bool) {
	s := e.settings()
	var ve *notify.ValidationError
	errors.As(notify.Validate(s), &ve)
	show := func(l *widget.Label, msg string) {
		l.SetText(msg)
		if msg == "" {
			l.Hide()
		} else {
			l.Show()
		}
	}
	for field, l := range e.fieldErrors {
		show(l, ve.For(field))
	}
	for i, r := range e.rows {
		show(r.addressError, ve.For(notify.EmailField(i, notify.PartAddress)))
		show(r.fingerprintError, ve.For(notify.EmailField(i, notify.PartPGPFingerprint)))
		show(r.smimeError, ve.For(notify.EmailField(i, notify.PartSMIMECertRef)))
	}
	return s, ve == nil
}

func (e *notificationsEditor) onSaveTapped() {
	s, ok := e.validate()
	if !ok {
		e.status.Importance = widget.DangerImportance
		e.status.SetText("Not saved: correct the fields marked in red.")
		return
	}
	var out *pairing.NotificationSettings
	if !notify.Empty(s) {
		out = &s
	}
	if e.onSave != nil {
		if err := e.onSave(out); err != nil {
			e.status.Importance = widget.DangerImportance
			e.status.SetText(err.Error())
			return
		}
	}
	e.status.Importance = widget.SuccessImportance
	if out == nil {
		e.status.SetText("Saved: no notification settings will be sent.")
	} else {
		e.status.SetText("Saved: partners you pair with from now on receive these settings.")
	}
}

// showNotificationsEditor opens the editor in a dialog over w, for the
// profile screen ("How we want to be notified…").
func showNotificationsEditor(w fyne.Window, initial *pairing.NotificationSettings, onSave func(*pairing.NotificationSettings) error) *notificationsEditor {
	e := newNotificationsEditor(initial, onSave)
	d := dialog.NewCustom("Notification settings", "Close", e.content(), w)
	d.Resize(fyne.NewSize(720, 600))
	d.Show()
	return e
}

// newNotificationsView is the read-only view of a partner's notification
// settings for the partner's details: every part in words, "not provided"
// when the partner sent none, and any rule the settings break (they come
// from outside) as a note.
func newNotificationsView(s *pairing.NotificationSettings) fyne.CanvasObject {
	form := &widget.Form{}
	for _, row := range notify.Describe(s) {
		form.Append(row.Label, &widget.Label{Text: row.Value, Wrapping: fyne.TextWrapWord, Selectable: true})
	}
	box := container.NewVBox(form)
	if s != nil {
		if err := notify.Validate(*s); err != nil {
			box.Add(&widget.Label{Text: "Note: " + err.Error(), Importance: widget.WarningImportance, Wrapping: fyne.TextWrapWord})
		}
	}
	return &widget.Card{Subtitle: "Notification settings (IEP005)", Content: box}
}
