package session

import (
	"fmt"
	"strings"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// Exchanges is how many exchanges a whole remote pairing takes: in each,
// both sides send one code and read the other's (first code, key, details,
// keys for the MISPs, results).
const Exchanges = 5

// Turn says in remote mode whose turn it is. It is worked out from what the
// protocol knows (the rounds on screen, the partner's rounds held) and from
// what the admin handed out (MarkSent): the app cannot see a chat, so "sent"
// means copied or saved.
type Turn struct {
	// Send is true when our code holds a round not handed out yet: a new
	// code, to send now.
	Send bool
	// ExchangesLeft counts the exchanges not complete yet (both codes of a
	// round handed out and read), out of Exchanges; 0 once both results
	// went through, or when the pairing stopped.
	ExchangesLeft int
	// Words says whose turn it is and what to do, in one or two sentences.
	Words string
	// Count says ExchangesLeft in words ("" when nothing is left to count).
	Count string
}

// MarkSent records that frames (our code as copied, or as saved PNGs) were
// handed to the partner: the code on screen is no longer new. Frames this
// session did not show since its last Restart are not counted (a code saved
// before a restart is not the new one).
func (s *Session) MarkSent(frames []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range frames {
		if !s.everShown[f] {
			continue
		}
		if info, err := pairing.Inspect(f); err == nil && info.Round > s.sent {
			s.sent = info.Round
		}
	}
}

// ChatTextOf is frames as chat text, one per line ("copy my code").
func ChatTextOf(frames []string) string {
	var out string
	for i, f := range frames {
		if i > 0 {
			out += "\n"
		}
		out += pairing.ChatText(f)
	}
	return out
}

// Turn says whose turn it is now (see Turn). It means something in remote
// mode; face to face the screens exchange everything by themselves.
func (s *Session) Turn() Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return turnOf(s.stage, s.rounds, s.partnerReached, s.sent)
}

// turnOf is Turn from the session's state: the stage, the round of each
// frame shown, the partner's highest round held and our highest round
// handed out.
func turnOf(stage Stage, shown []pairing.Round, partner, sent pairing.Round) Turn {
	newest := pairing.Round(0)
	var unsent []string // what the new code holds, in round order
	for _, r := range shown {
		if r > sent && r > newest {
			newest = r
			unsent = append(unsent, ourRoundWords(r))
		}
	}
	t := Turn{Send: newest != 0}
	if stage != StageAborted && stage != StageFailed {
		for r := pairing.RoundCommit; r <= pairing.RoundDone; r++ {
			if sent < r || partner < r {
				t.ExchangesLeft++
			}
		}
	}
	switch {
	case t.ExchangesLeft == 1:
		t.Count = fmt.Sprintf("Last exchange (of %d).", Exchanges)
	case t.ExchangesLeft > 1:
		t.Count = fmt.Sprintf("Exchanges left: %d of %d.", t.ExchangesLeft, Exchanges)
	}
	switch {
	case t.Send && newest == pairing.RoundAbort:
		t.Words = "The pairing stopped. Send this last code so your partner's window stops too."
	case t.Send:
		t.Words = "New code — send it now: copy it or save it as PNG and send it to your partner. It holds " + strings.Join(unsent, " and ") + "."
	case stage == StageAborted || stage == StageFailed:
		t.Words = "The pairing ended; there is nothing more to exchange."
		if stage == StageFailed && partner < pairing.RoundDone {
			t.Words = "Our side ended. If your partner waits for our result, send our code again."
		}
	case stage == StageCompareSAS:
		t.Words = "Your turn: call your partner and compare the codes below; confirm only if every digit matches."
	case stage == StageCreatingOrg || stage == StageCreatingSyncUser || stage == StageCreatingServer || stage == StageTestingConnection:
		t.Words = "Our MISP is being set up. Nothing to send yet: our next code appears here when it is ready."
	case stage == StageDone && partner >= pairing.RoundDone:
		t.Words = "Both results went through: the pairing is complete. If your partner's window still waits for our result, send our code again."
	case stage == StagePartnerRestarted:
		t.Words = "Your partner started again with a new code: start again too, then send our new code."
	default:
		t.Words = "Sent. Your partner's turn: paste or open " + partnerRoundWords(partner+1) + " when it arrives."
	}
	return t
}

// ourRoundWords names what a round of ours carries.
func ourRoundWords(r pairing.Round) string {
	switch r {
	case pairing.RoundCommit:
		return "our first code"
	case pairing.RoundKey:
		return "our key for the codes you compare"
	case pairing.RoundInfo:
		return "our details (they go out because you confirmed)"
	case pairing.RoundCreds:
		return "the key our MISP made for your partner"
	case pairing.RoundDone:
		return "our result"
	}
	return "our code"
}

// partnerRoundWords names the partner's code we wait for.
func partnerRoundWords(r pairing.Round) string {
	switch r {
	case pairing.RoundCommit:
		return "their first code"
	case pairing.RoundKey:
		return "their next code (their key)"
	case pairing.RoundInfo:
		return "their details (they send them once they confirmed)"
	case pairing.RoundCreds:
		return "the key their MISP made for us"
	case pairing.RoundDone:
		return "their result"
	}
	return "their code"
}
