package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/store/storetest"
)

const testPassphrase = "correct horse battery staple"

// inline runs background work on the test goroutine, so tests need no waiting.
func inline(f func()) { f() }

// newTestShell opens the app on dir with the test driver.
func newTestShell(t *testing.T, dir, passphrase string) *shell {
	t.Helper()
	storetest.UseCheapKeyDerivation(t) // stores created or re-keyed here
	a := test.NewTempApp(t)
	s := newShellWith(a, Options{DataDir: dir, Passphrase: passphrase}, inline, inline)
	t.Cleanup(func() { s.window.Close() })
	return s
}

// seedStore creates a store in dir holding the given profiles and partners.
// Its key derivation is cheap: the tests are about the screens.
func seedStore(t *testing.T, dir string, profiles []store.Profile, partners []store.Partner) {
	t.Helper()
	seedStoreWith(t, dir, func(d *store.Data) {
		d.Profiles = append(d.Profiles, profiles...)
		d.Partners = append(d.Partners, partners...)
	})
}

// seedStoreWith creates a store in dir and fills it with fill.
func seedStoreWith(t *testing.T, dir string, fill func(*store.Data)) {
	t.Helper()
	storetest.UseCheapKeyDerivation(t)
	st, err := store.Create(dir, []byte(testPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(func(d *store.Data) error {
		fill(d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// textsOf collects every text shown under o (labels, entries' text, canvas texts).
func textsOf(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, obj := range test.LaidOutObjects(o) {
		switch v := obj.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *canvas.Text:
			b.WriteString(v.Text + "\n")
		}
	}
	return b.String()
}

// overlayText is the text of the top dialog, or "" when none is shown.
func overlayText(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return textsOf(top)
}

func samplePartners() []store.Partner {
	day := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	return []store.Partner{
		{
			ID: "p1", Org: store.PartnerOrg{Name: "ACME CERT", UUID: "5f6e7d8c-aaaa-4bbb-8ccc-000000000001"},
			AdminEmail: "soc@acme.example", AnnouncedURL: "https://misp.acme.example", InstanceUUID: "11111111-2222-4333-8444-555555555555",
			PairedAt: day, LastTest: &store.ConnectionTest{Status: 1, Message: "Connection OK", At: day},
		},
		{
			ID: "p2", Org: store.PartnerOrg{Name: "Northwind CSIRT", UUID: "0a1b2c3d-bbbb-4ccc-8ddd-000000000002"},
			AdminEmail: "csirt@northwind.test", AnnouncedURL: "https://sharing.northwind.test:8443",
			EgressAddresses: []string{"198.51.100.7"}, PairedAt: day.Add(24 * time.Hour),
			LastTest: &store.ConnectionTest{Status: 2, Message: "unreachable", At: day},
		},
		{
			ID: "p3", Org: store.PartnerOrg{Name: "Contoso SOC", UUID: "9e8d7c6b-cccc-4ddd-8eee-000000000003"},
			AdminEmail: "admin@contoso.example", AnnouncedURL: "https://misp.contoso.example", PairedAt: day.Add(48 * time.Hour),
		},
	}
}

// findEntries lists the entries under o in layout order.
func findEntries(o fyne.CanvasObject) []*widget.Entry {
	var es []*widget.Entry
	for _, obj := range test.LaidOutObjects(o) {
		if e, ok := obj.(*widget.Entry); ok {
			es = append(es, e)
		}
	}
	return es
}

// tapButton taps the button labelled text under o.
func tapButton(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no button %q; the screen shows:\n%s", text, textsOf(o))
}
