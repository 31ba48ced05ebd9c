package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// visibleErrors lists the texts of the visible red labels under the editor.
func visibleErrors(e *notificationsEditor) []string {
	var out []string
	for _, l := range e.fieldErrors {
		if l.Visible() && l.Text != "" {
			out = append(out, l.Text)
		}
	}
	for _, r := range e.rows {
		for _, l := range []*widget.Label{r.addressError, r.fingerprintError, r.smimeError} {
			if l.Visible() && l.Text != "" {
				out = append(out, l.Text)
			}
		}
	}
	return out
}

func TestNotificationsEditorShowsErrorsNextToFields(t *testing.T) {
	test.NewTempApp(t)
	var saved []*pairing.NotificationSettings
	e := newNotificationsEditor(nil, func(s *pairing.NotificationSettings) error { saved = append(saved, s); return nil })
	w := test.NewTempWindow(t, e.content())
	_ = w

	test.Type(e.rows[0].address, "soc at example")
	test.Type(e.rows[0].fingerprint, "1234")
	test.Type(e.endpoint, "http://notify.example.org")
	tapButton(t, e.content(), "Save notification settings")

	if len(saved) != 0 {
		t.Fatal("invalid settings were saved")
	}
	if got := e.rows[0].addressError.Text; !e.rows[0].addressError.Visible() || !strings.Contains(got, "not an e-mail address") && !strings.Contains(got, "one plain address") {
		t.Errorf("address error %q (visible %v)", got, e.rows[0].addressError.Visible())
	}
	if got := e.rows[0].fingerprintError.Text; !strings.Contains(got, "40 hex digits") {
		t.Errorf("fingerprint error %q", got)
	}
	if got := e.fieldErrors["http_endpoint"].Text; !strings.Contains(got, "https://") {
		t.Errorf("endpoint error %q", got)
	}
	if e.rows[0].smimeError.Visible() || e.fieldErrors["interval"].Visible() {
		t.Error("a field without a problem shows an error")
	}
	if !strings.Contains(e.status.Text, "Not saved") {
		t.Errorf("status %q", e.status.Text)
	}

	// Corrected: the errors go away and the normalised settings are saved.
	e.rows[0].address.SetText("soc@example.org")
	e.rows[0].fingerprint.SetText("5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798")
	e.endpoint.SetText("https://notify.example.org/misp")
	e.tokenRef.SetText("vault:secret/misp-notify")
	e.formats.SetSelected([]string{"STIX", "MISP"})
	e.interval.SetText("daily")
	tapButton(t, e.content(), "Save notification settings")
	if errs := visibleErrors(e); len(errs) != 0 {
		t.Fatalf("errors still shown: %q", errs)
	}
	if len(saved) != 1 || saved[0] == nil {
		t.Fatalf("saved %v", saved)
	}
	s := saved[0]
	if s.Emails[0].PGPFingerprint != "5626761B7DA78C7B046F18F41C6D20BD9F5DF798" || s.Version != pairing.NotificationVersion {
		t.Errorf("not normalised: %+v", s)
	}
	if strings.Join(s.Formats, ",") != "STIX,MISP" {
		t.Errorf("formats %v, want the list's order", s.Formats)
	}
	if !strings.Contains(e.status.Text, "Saved") {
		t.Errorf("status %q", e.status.Text)
	}
}

func TestNotificationsEditorRowsAndEmpty(t *testing.T) {
	test.NewTempApp(t)
	initial := &pairing.NotificationSettings{Version: "1.0", Emails: []pairing.NotificationEmail{
		{Address: "a@example.org"}, {Address: "b@example.org", Cc: true},
	}}
	var saved []*pairing.NotificationSettings
	e := newNotificationsEditor(initial, func(s *pairing.NotificationSettings) error { saved = append(saved, s); return nil })
	test.NewTempWindow(t, e.content())
	if len(e.rows) != 2 || e.rows[1].address.Text != "b@example.org" || !e.rows[1].cc.Checked {
		t.Fatalf("rows not filled from the settings")
	}
	tapButton(t, e.content(), "Add an address")
	if len(e.rows) != 3 {
		t.Fatalf("%d rows after adding", len(e.rows))
	}
	// The empty third row is dropped on save; the second row's error keeps
	// its place: here both addresses are Cc, which is a list-level error.
	e.rows[0].cc.SetChecked(true)
	tapButton(t, e.content(), "Save notification settings")
	if len(e.rows) != 2 {
		t.Errorf("empty row kept: %d rows", len(e.rows))
	}
	if got := e.fieldErrors["emails"].Text; !strings.Contains(got, "main recipient") {
		t.Errorf("list error %q", got)
	}
	// Clearing everything saves "none".
	for len(e.rows) > 0 {
		e.removeRow(e.rows[0])
	}
	tapButton(t, e.content(), "Save notification settings")
	if len(saved) != 1 || saved[0] != nil || !strings.Contains(e.status.Text, "no notification settings") {
		t.Fatalf("saved %v, status %q", saved, e.status.Text)
	}
}

func TestNotificationsViewNotProvided(t *testing.T) {
	test.NewTempApp(t)
	if text := textsOf(newNotificationsView(nil)); !strings.Contains(text, "not provided") {
		t.Fatalf("view of none:\n%s", text)
	}
	s := &pairing.NotificationSettings{Version: "1.0",
		Emails:       []pairing.NotificationEmail{{Address: "cert@partner.example", PGPFingerprint: "57364AC7E87BB89CF3C6D4132AF5D030D2FF1116"}},
		Formats:      []string{"MISP"},
		HTTPEndpoint: "http://partner.example/hook", // breaks a rule: shown as a note
	}
	text := textsOf(newNotificationsView(s))
	for _, want := range []string{"cert@partner.example — PGP 5736 4AC7", "MISP", "Note:", "use https://"} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}
}

func TestShowNotificationsEditorDialog(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("test")
	t.Cleanup(w.Close)
	var saved *pairing.NotificationSettings
	e := showNotificationsEditor(w, &pairing.NotificationSettings{Version: "1.0", Emails: []pairing.NotificationEmail{{Address: "soc@example.org"}}},
		func(s *pairing.NotificationSettings) error { saved = s; return nil })
	if text := overlayText(w); !strings.Contains(text, "Notification settings") || !strings.Contains(text, "E-mail addresses") {
		t.Fatalf("dialog:\n%s", text)
	}
	test.Tap(e.save)
	if saved == nil || saved.Emails[0].Address != "soc@example.org" {
		t.Fatalf("saved %+v", saved)
	}
}

// TestNotificationsEditorShowsTheWholeFingerprint lays the editor out at the
// dialog's size and checks the fingerprint field is wide enough for a
// 40-digit fingerprint in its grouped, 50-character form.
func TestNotificationsEditorShowsTheWholeFingerprint(t *testing.T) {
	test.NewTempApp(t)
	const grouped = "5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798"
	e := newNotificationsEditor(&pairing.NotificationSettings{Emails: []pairing.NotificationEmail{{Address: "cert@cert.example", PGPFingerprint: grouped}}}, func(*pairing.NotificationSettings) error { return nil })
	w := test.NewTempWindow(t, e.content())
	w.Resize(fyne.NewSize(680, 500)) // the dialog is 720 wide, less its padding
	f := e.rows[0].fingerprint
	need := fyne.MeasureText(grouped, theme.TextSize(), f.TextStyle).Width + 2*theme.InnerPadding()
	if got := f.Size().Width; got < need {
		t.Errorf("the fingerprint field is %v wide, the fingerprint needs %v", got, need)
	}
}
