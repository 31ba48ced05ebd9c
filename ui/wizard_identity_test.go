package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Enter confirms the codes only after they were on screen for a second: a
// key press meant for something else cannot confirm them. The button is
// aimed at and works at once.
func TestEnterConfirmsOnlyAfterTheCodesWereShownASecond(t *testing.T) {
	r := newRig(t)
	clock := &fakeClock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	r.openRemoteWith(func(o *wizardOptions) { o.now = clock.now })
	r.start()
	r.waitForSAS()
	enter := func() { r.wizards[0].window.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

	enter()
	clock.add(sasReadTime - time.Millisecond)
	enter()
	r.q.pump()
	if r.wizards[0].exchange.confirmed {
		t.Fatal("Enter confirmed codes that were on screen for less than a second")
	}
	if !strings.Contains(r.text(0), "Enter confirms a second after they appear") {
		t.Errorf("the early Enter is not explained:\n%s", r.text(0))
	}
	clock.add(time.Millisecond)
	enter()
	if !r.wizards[0].exchange.confirmed {
		t.Fatal("Enter a second after the codes appeared did not confirm")
	}
	tapButton(t, r.wizards[1].window.Content(), "Codes match — Confirm (Enter)")
	r.waitForResults()
	r.checkPaired()
}

// A second pairing of the same two MISPs pauses on each side before
// anything is minted, on a screen of its own that says what the MISP knows
// and what the partner claims, with the focus on Cancel; "reuse" on both
// sides finishes the pairing, and the result says what was checked.
func TestWizardPausesBeforeReusingAKnownOrganisation(t *testing.T) {
	r := newRig(t)
	r.openRemote()
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.waitForResults()
	r.checkPaired()
	for _, w := range r.wizards {
		w.close()
		<-w.sessionDone()
	}
	r.q.pump()
	keys := [2]int{len(r.sims[0].AuthKeys()), len(r.sims[1].AuthKeys())}

	r.openRemote()
	r.start()
	r.waitForSAS()
	r.confirmBoth()
	r.until("both pauses", func() bool { return r.wizards[0].confirmPartner != nil && r.wizards[1].confirmPartner != nil })
	for i, w := range r.wizards {
		other := r.sides[1-i].Login.HostOrg.Name
		text := r.text(i)
		for _, want := range []string{"Is the person across the table really " + other + "?", "What your MISP knows", "What the partner claims",
			"Compared with your record", "What they would get", "fresh key for the existing sync user", "[Yes, this is " + other + ": reuse]"} {
			if !strings.Contains(text, want) {
				t.Errorf("side %d's pause does not show %q:\n%s", i, want, text)
			}
		}
		if f, ok := w.window.Canvas().Focused().(*widget.Button); !ok || f != w.confirmPartner.cancel {
			t.Errorf("side %d: the focus is on %v, want the Cancel button", i, w.window.Canvas().Focused())
		}
		if n := len(r.sims[i].AuthKeys()); n != keys[i] {
			t.Errorf("side %d minted a key before the admin's word: %d -> %d keys", i, keys[i], n)
		}
	}
	for i := range r.wizards {
		tapButton(t, r.wizards[i].window.Content(), "Yes, this is "+r.sides[1-i].Login.HostOrg.Name+": reuse")
	}
	r.waitForResults()
	for i := range r.wizards {
		if text := r.text(i); !strings.Contains(text, "Paired with "+r.sides[1-i].Login.HostOrg.Name) || !strings.Contains(text, "What was checked of the partner's claims") || !strings.Contains(text, "You confirmed that the partner is") {
			t.Errorf("side %d's result does not say what was checked:\n%s", i, text)
		}
	}
}

// Partner details offer "Pair again with <org>", which vouches in advance
// for exactly that organisation.
func TestPairAgainIsOfferedAndVouchesForThatOrganisation(t *testing.T) {
	p := samplePartners()[0]
	p.ProfileID = "dmz"
	p.Org.UUID = "2C88FF02-B2BF-4DBF-B0DF-31C80A9ABE86"
	dir := t.TempDir()
	seedStore(t, dir, []store.Profile{{ID: "dmz", Name: "DMZ", URL: "https://misp.dmz.example"}}, []store.Partner{p})
	sh := newTestShell(t, dir, testPassphrase)
	d := newPartnerDetails(sh, p)
	if text := buttonsOf(d.content()); !strings.Contains(text, "|Pair again with "+p.Org.Name+"|") {
		t.Fatalf("buttons: %s", text)
	}
	w := &wizard{vault: sh.vault, opts: wizardOptions{pairAgainWith: &p}}
	if got := w.startingChoices().ReuseOrgUUID; got != "2c88ff02-b2bf-4dbf-b0df-31c80a9abe86" {
		t.Errorf("ReuseOrgUUID %q", got)
	}
}
