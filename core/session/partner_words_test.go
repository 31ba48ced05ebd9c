package session

import (
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// The partner's connection test is the partner's: its own message says "our
// MISP reached the partner's MISP" from its side, which on our screen read
// as if it were about ours. The result words it from our side.
func TestPartnerTestWordedFromOurSide(t *testing.T) {
	theirs := "Connection OK: our MISP reached the partner's MISP and logged in as a sync user."
	for _, d := range []*pairing.Done{
		{Status: 1, Message: theirs, TestConnection: &pairing.TestResult{Status: 1, Message: theirs}},
		{Status: 1, Message: theirs},
	} {
		got := PartnerTestWords(*d)
		if strings.Contains(got, "our MISP reached the partner's") || !strings.Contains(got, "the partner's MISP reached ours") {
			t.Errorf("partner's OK test shown as %q", got)
		}
	}
	if got := PartnerTestWords(pairing.Done{Status: misp.ConnAuthFailed, TestConnection: &pairing.TestResult{Status: misp.ConnAuthFailed}}); !strings.Contains(got, "Our MISP refused the key the partner's MISP used") {
		t.Errorf("partner's refused key shown as %q", got)
	}
	if got := PartnerTestWords(pairing.Done{Status: 1, TestConnection: &pairing.TestResult{Status: 1, Post: 8}}); !strings.Contains(got, "in front of our MISP") {
		t.Errorf("partner's failed POST shown as %q", got)
	}
	hostile := "stopped\n\x1b[31m" + strings.Repeat("x", 1000)
	got := PartnerTestWords(pairing.Done{Status: 0, Message: hostile})
	if !strings.Contains(got, "The partner's side stopped") || strings.ContainsAny(got, "\n\x1b") || len(got) > 500 {
		t.Errorf("a partner's free-text message is shown raw: %q", got)
	}
}

// The demo's report says a failed partner test in the same words as the
// wizard, not in the partner's.
func TestReportSaysThePartnersFailedTestInOurWords(t *testing.T) {
	theirs := "Connection failed: our MISP could not log in to the partner's MISP."
	d := pairing.Done{Status: misp.ConnAuthFailed, Message: theirs, TestConnection: &pairing.TestResult{Status: misp.ConnAuthFailed, Message: theirs}}
	got := PartnerTestWords(d)
	if strings.Contains(got, "our MISP could not log in to the partner's") {
		t.Errorf("the partner's wording shown as ours: %q", got)
	}
	// Without a test result, a failing status is still worded by us.
	got = PartnerTestWords(pairing.Done{Status: misp.ConnAuthFailed, Message: theirs})
	if strings.Contains(got, theirs) || got == "" {
		t.Errorf("status %d without a test result: %q", misp.ConnAuthFailed, got)
	}
}
