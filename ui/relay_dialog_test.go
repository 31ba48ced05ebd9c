package ui

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
	"github.com/mispbump/mispbump-desktop/core/protected"
	"github.com/mispbump/mispbump-desktop/core/store"
)

const (
	relayTestFPA = "5626761B7DA78C7B046F18F41C6D20BD9F5DF798" // instance A, recording 60
	relayTestFPB = "57364AC7E87BB89CF3C6D4132AF5D030D2FF1116" // instance B, recording 61
)

func relayTestKey(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile("../testdata/misp-recordings/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Response struct {
			Body string `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.Response.Body
}

func checksOf(d *relayDialog) map[string]*widget.Check {
	m := map[string]*widget.Check{}
	for i, c := range d.checks {
		m[string(d.events[i].ID)] = c
	}
	return m
}

func TestRelayDialogFlow(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("test")
	t.Cleanup(w.Close)
	events := []protected.ProtectedEvent{
		{ID: "6", Info: "keys A and B", HasOwnKey: true, Fingerprints: []string{relayTestFPA, relayTestFPB}},
		{ID: "8", Info: "key A only", HasOwnKey: true, Fingerprints: []string{relayTestFPA}},
		{ID: "7", Info: "key B only", HiddenFromIndex: true, Fingerprints: []string{relayTestFPB}},
	}
	var relayed []misp.ID
	calls := relayCalls{
		list: func(context.Context) (*protected.Listing, error) {
			return &protected.Listing{Events: events, Probed: 3}, nil
		},
		relay: func(_ context.Context, ids []misp.ID, progress func(protected.EventResult)) ([]protected.EventResult, error) {
			relayed = ids
			var out []protected.EventResult
			for _, id := range ids {
				r := protected.EventResult{EventID: id, PartnerKey: protected.KeyAdded, OwnKey: protected.KeyAlreadyThere, Bumped: true, Published: true}
				if id == "7" {
					r = protected.EventResult{EventID: id, PartnerKey: protected.KeyAlreadyThere, Err: &protected.RelayError{EventID: id, Step: protected.StepOwnKey, Err: errors.New("MISP said no")}}
				}
				progress(r)
				out = append(out, r)
			}
			return out, nil
		},
	}
	d := showRelayDialog(w, "Org-B", relayTestFPB, calls, inline)
	text := overlayText(w)
	for _, c := range d.checks {
		text += c.Text + "\n"
	}
	for _, want := range []string{"Allow Org-B to relay my protected events", "5736 4AC7", "#6 keys A and B — already carries the partner's key",
		"#7 key B only — already carries the partner's key; lacks our own instance key", "hidden from MISP's event list", "3 protected event(s)"} {
		if !strings.Contains(text, want) {
			t.Errorf("dialog lacks %q:\n%s", want, text)
		}
	}
	if !d.relayButton.Disabled() {
		t.Error("relay possible with nothing chosen")
	}
	tapButton(t, d.root, "Choose all without the partner's key")
	checks := checksOf(d)
	if checks["6"].Checked || !checks["8"].Checked || !checks["7"].Checked {
		t.Fatalf("choose all: 6=%v 8=%v 7=%v", checks["6"].Checked, checks["8"].Checked, checks["7"].Checked)
	}
	tapButton(t, d.root, "Add the partner's key, bump and republish")
	if len(relayed) != 2 || relayed[0] != "8" || relayed[1] != "7" {
		t.Fatalf("relayed %v", relayed)
	}
	text = overlayText(w)
	for _, want := range []string{"Event #8: partner's key added", "published again", "Event #7", "MISP said no",
		"Done: 1 event(s) published again", "1 event(s) failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("after relay, dialog lacks %q:\n%s", want, text)
		}
	}
}

func TestRelayDialogListingFails(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("test")
	t.Cleanup(w.Close)
	calls := relayCalls{list: func(context.Context) (*protected.Listing, error) {
		return nil, errors.New("our MISP is not reachable")
	}}
	d := showRelayDialog(w, "Org-B", relayTestFPB, calls, inline)
	if d.status.Importance != widget.DangerImportance || !strings.Contains(d.status.Text, "could not be listed: our MISP is not reachable") {
		t.Fatalf("status %q", d.status.Text)
	}
	calls.list = func(context.Context) (*protected.Listing, error) { return &protected.Listing{}, nil }
	d = showRelayDialog(w, "Org-B", relayTestFPB, calls, inline)
	if !strings.Contains(d.status.Text, "no protected events") || !d.relayButton.Disabled() {
		t.Fatalf("empty: %q", d.status.Text)
	}
}

// TestRelayDialogAgainstSimulator wires the dialog to core/protected and a
// simulated MISP A holding an event with only B's key (recordings 82–84,
// hidden from the index as in 93).
func TestRelayDialogAgainstSimulator(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("test")
	t.Cleanup(w.Close)
	armoredA, armoredB := relayTestKey(t, "60-gpg-asc-A.json"), relayTestKey(t, "61-gpg-asc-B.json")
	sim := mispsim.New(mispsim.Config{Name: "A", HostOrgName: "Org-A", GPGKeyArmored: armoredA})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	on := true
	ev := sim.AddEvent(mispsim.Event{Info: "key B only", Protected: &on, CryptographicKeys: []mispsim.CryptoKey{{Type: "pgp", KeyData: armoredB, Fingerprint: relayTestFPB}}})
	c, err := misp.New(url, sim.AdminKey(), misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	login, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	own, err := protected.FetchOwnKey(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	partner, err := partnerKeyOf(store.Partner{PGPKey: &store.PGPKey{Armored: armoredB, Fingerprint: relayTestFPB}})
	if err != nil {
		t.Fatal(err)
	}
	d := showRelayDialog(w, "Org-B", partner.Fingerprint, newRelayCalls(c, login, own, partner), inline)
	if len(d.checks) != 1 || !d.events[0].HiddenFromIndex {
		t.Fatalf("events %+v", d.events)
	}
	d.checks[0].SetChecked(true)
	tapButton(t, d.root, "Add the partner's key, bump and republish")
	if !strings.Contains(overlayText(w), "our own instance key was missing and was added") {
		t.Fatalf("dialog:\n%s", overlayText(w))
	}
	for _, e := range sim.Events() {
		if e.ID == ev.ID && (len(e.CryptographicKeys) != 2 || !e.Published) {
			t.Fatalf("event after relay: %+v", e)
		}
	}
}

func TestPartnerKeyOfRefusesWrongFingerprint(t *testing.T) {
	_, err := partnerKeyOf(store.Partner{PGPKey: &store.PGPKey{Armored: relayTestKey(t, "61-gpg-asc-B.json"), Fingerprint: relayTestFPA}})
	var me *protected.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v", err)
	}
	if k, err := partnerKeyOf(store.Partner{}); k != nil || err != nil {
		t.Fatalf("no key: %v %v", k, err)
	}
}

func TestPGPKeysCard(t *testing.T) {
	test.NewTempApp(t)
	partner := &store.PGPKey{Fingerprint: relayTestFPB}
	mismatch := &protected.CrossCheck{Verdict: protected.VerdictMismatch, URL: "https://misp.b.example", Announced: relayTestFPB, Published: relayTestFPA}
	text := textsOf(newPGPKeysCard(relayTestFPA, nil, partner, mismatch))
	if !strings.Contains(text, "ALARM") || strings.Index(text, "ALARM") > strings.Index(text, "Our instance key") {
		t.Errorf("the alarm is not shown first:\n%s", text)
	}
	for _, want := range []string{"5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798", "5736 4AC7 E87B B89C F3C6  D413 2AF5 D030 D2FF 1116"} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
	notChecked := &protected.CrossCheck{Verdict: protected.VerdictNotChecked, Reason: "the partner's MISP is not reachable from this laptop"}
	text = textsOf(newPGPKeysCard("", &protected.NoKeyError{Host: "misp.a.example"}, nil, notChecked))
	for _, want := range []string{"GnuPG", "Could not cross-check", "none: the partner's MISP has no instance key"} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ALARM") {
		t.Error("a neutral result shown as an alarm")
	}
}
