package ui

import (
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// The partner's connection test is the partner's: its own message says "our
// MISP reached the partner's MISP" from its side, which on our screen read
// as if it were about ours. The result words it from our side.
func TestPartnerTestWordedAsThePartners(t *testing.T) {
	theirs := "Connection OK: our MISP reached the partner's MISP and logged in as a sync user."
	for _, d := range []*pairing.Done{
		{Status: 1, Message: theirs, TestConnection: &pairing.TestResult{Status: 1, Message: theirs}},
		{Status: 1, Message: theirs},
	} {
		got := partnerDoneText(d)
		if strings.Contains(got, "our MISP reached the partner's") || !strings.Contains(got, "the partner's MISP reached ours") {
			t.Errorf("partner's OK test shown as %q", got)
		}
	}
	if got := partnerDoneText(&pairing.Done{Status: misp.ConnAuthFailed, TestConnection: &pairing.TestResult{Status: misp.ConnAuthFailed}}); !strings.Contains(got, "Our MISP refused the key the partner's MISP used") {
		t.Errorf("partner's refused key shown as %q", got)
	}
	if got := partnerDoneText(&pairing.Done{Status: 1, TestConnection: &pairing.TestResult{Status: 1, Post: 8}}); !strings.Contains(got, "in front of our MISP") {
		t.Errorf("partner's failed POST shown as %q", got)
	}
	hostile := "stopped\n\x1b[31m" + strings.Repeat("x", 1000)
	got := partnerDoneText(&pairing.Done{Status: 0, Message: hostile})
	if !strings.Contains(got, "The partner's side stopped") || strings.ContainsAny(got, "\n\x1b") || len(got) > 500 {
		t.Errorf("a partner's free-text message is shown raw: %q", got)
	}
}
