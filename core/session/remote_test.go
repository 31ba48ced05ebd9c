package session

import (
	"context"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Remote mode: no camera, the admins copy their codes as chat text and paste
// the partner's ("copy my code" / "paste code"), several frames at once.
func TestRemoteModeByChatText(t *testing.T) {
	fakes, cfgs := fakeConfigs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sessions [2]*Session
	var mu sync.Mutex
	var sas [2]string
	for i := range 2 {
		cfg := cfgs[i]
		cfg.Choices.Remote = true
		cfg.Sink = SinkFunc(func([]string) {})
		cfg.TickInterval = 10 * time.Millisecond
		cfg.OnEvent = func(ev Event) {
			if ev.Stage != StageCompareSAS {
				return
			}
			mu.Lock()
			sas[i] = ev.SAS
			mu.Unlock()
		}
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	confirmed := false
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if sessions[0].Result() != nil && sessions[1].Result() != nil {
			break
		}
		for i := range 2 {
			text := sessions[i].ChatText()
			if strings.Contains(text, "MB1:") || (text != "" && !strings.HasPrefix(text, "mispbump1.")) {
				t.Fatalf("chat text is not chat-safe: %q", text)
			}
			if text != "" {
				sessions[1-i].Paste("Here is my code:\n" + text + "\n")
			}
		}
		mu.Lock()
		ready := sas[0] != "" && sas[0] == sas[1]
		mu.Unlock()
		if ready && !confirmed {
			sessions[0].Confirm()
			sessions[1].Confirm()
			confirmed = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i, s := range sessions {
		r := s.Result()
		if r == nil || !r.OK {
			t.Fatalf("side %d: %+v", i, r)
		}
		if fakes[i].liveKeys() != 1 {
			t.Errorf("side %d keys %d", i, fakes[i].liveKeys())
		}
	}
}

// Remote mode says whose turn it is from what was handed out and what the
// partner's codes acknowledged: here each side hands its code over only when
// its Turn says there is a new one to send, so the pairing finishes only if
// Turn never misses a code the partner needs. The count of exchanges left
// only goes down, to 0 once both results went through, and no message says
// our key "went out" before the admin sent it.
func TestRemoteTurnSaysWhenToSend(t *testing.T) {
	_, cfgs := fakeConfigs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sessions [2]*Session
	var mu sync.Mutex
	var sas [2]string
	var messages []string
	for i := range 2 {
		cfg := cfgs[i]
		cfg.Choices.Remote = true
		cfg.Sink = SinkFunc(func([]string) {})
		cfg.TickInterval = 10 * time.Millisecond
		cfg.OnEvent = func(ev Event) {
			mu.Lock()
			defer mu.Unlock()
			messages = append(messages, ev.Message)
			if ev.Stage == StageCompareSAS {
				sas[i] = ev.SAS
			}
		}
		s, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	for len(sessions[0].Frames()) == 0 {
		time.Sleep(time.Millisecond)
	}
	if turn := sessions[0].Turn(); !turn.Send || turn.ExchangesLeft != Exchanges || !strings.Contains(turn.Words, "send it now") || !strings.Contains(turn.Words, "first code") {
		t.Fatalf("at the start: %+v", turn)
	}
	left := [2]int{Exchanges, Exchanges}
	confirmed := false
	sends := 0
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		r0, r1 := sessions[0].Result(), sessions[1].Result()
		if r0 != nil && r1 != nil && r0.PartnerDone != nil && r1.PartnerDone != nil {
			break
		}
		for i := range 2 {
			turn := sessions[i].Turn()
			if turn.ExchangesLeft > left[i] {
				t.Fatalf("side %d: exchanges left went up from %d to %d", i, left[i], turn.ExchangesLeft)
			}
			left[i] = turn.ExchangesLeft
			if !turn.Send {
				continue
			}
			frames := sessions[i].Frames()
			sessions[i].MarkSent(frames)
			if after := sessions[i].Turn(); after.Send && slices.Equal(frames, sessions[i].Frames()) {
				t.Fatalf("side %d: still says send after its code was handed out: %+v", i, after)
			} else if !after.Send && !strings.Contains(after.Words, "partner") && !strings.Contains(after.Words, "MISP") && !strings.Contains(after.Words, "compare") {
				t.Errorf("side %d: after sending, the turn does not say what comes next: %q", i, after.Words)
			}
			sends++
			sessions[1-i].Paste(ChatTextOf(frames))
		}
		mu.Lock()
		ready := sas[0] != "" && sas[0] == sas[1]
		mu.Unlock()
		if ready && !confirmed {
			for i := range 2 {
				if turn := sessions[i].Turn(); !turn.Send && !strings.Contains(turn.Words, "compare the codes") {
					t.Errorf("side %d at the codes: %+v", i, turn)
				}
			}
			sessions[0].Confirm()
			sessions[1].Confirm()
			confirmed = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i, s := range sessions {
		r := s.Result()
		if r == nil || !r.OK || r.PartnerDone == nil {
			t.Fatalf("side %d did not finish with both results: %+v", i, r)
		}
		turn := s.Turn()
		if turn.Send || turn.ExchangesLeft != 0 || !strings.Contains(turn.Words, "complete") {
			t.Errorf("side %d at the end: %+v", i, turn)
		}
	}
	// Each side sends each of its five rounds once at most (a first code
	// and key may go together).
	if sends > 2*Exchanges {
		t.Errorf("%d codes sent, want at most %d", sends, 2*Exchanges)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		if strings.Contains(m, "went out") || strings.Contains(m, "camera") {
			t.Errorf("remote mode says %q", m)
		}
	}
}

func TestTurnWords(t *testing.T) {
	const (
		commit = pairing.RoundCommit
		key    = pairing.RoundKey
		info   = pairing.RoundInfo
		creds  = pairing.RoundCreds
		done   = pairing.RoundDone
		abort  = pairing.RoundAbort
	)
	for _, c := range []struct {
		name          string
		stage         Stage
		shown         []pairing.Round
		partner, sent pairing.Round
		send          bool
		left          int
		want          string
	}{
		{"first code, not sent", StageWaitingForPartner, []pairing.Round{commit}, 0, 0, true, 5, "New code — send it now"},
		{"first code sent", StageWaitingForPartner, []pairing.Round{commit}, 0, commit, false, 5, "Your partner's turn: paste or open their first code"},
		{"key appears", StageWaitingForPartner, []pairing.Round{commit, key}, commit, commit, true, 4, "our key"},
		{"compare", StageCompareSAS, []pairing.Round{key}, key, key, false, 3, "compare the codes"},
		{"details after confirming", StageWaitingForPartnerConfirm, []pairing.Round{key, info}, key, key, true, 3, "our details"},
		{"MISP at work", StageCreatingSyncUser, []pairing.Round{info}, info, info, false, 2, "Nothing to send yet"},
		{"our key for the partner", StageWaitingForPartnerKey, []pairing.Round{info, creds}, info, info, true, 2, "the key our MISP made for your partner"},
		{"details never sent, and our key", StageWaitingForPartnerKey, []pairing.Round{info, creds}, info, key, true, 3, "It holds our details (they go out because you confirmed) and the key our MISP made for your partner."},
		{"waiting for theirs", StageWaitingForPartnerKey, []pairing.Round{info, creds}, info, creds, false, 2, "the key their MISP made for us"},
		{"our result", StageDone, []pairing.Round{creds, done}, creds, creds, true, 1, "our result"},
		{"their result awaited", StageDone, []pairing.Round{creds, done}, creds, done, false, 1, "their result"},
		{"both results", StageDone, []pairing.Round{done}, done, done, false, 0, "complete"},
		{"our abort", StageAborted, []pairing.Round{key, abort}, key, key, true, 0, "Send this last code"},
	} {
		got := turnOf(c.stage, c.shown, c.partner, c.sent)
		if got.Send != c.send || got.ExchangesLeft != c.left || !strings.Contains(got.Words, c.want) {
			t.Errorf("%s: %+v, want send %v, %d left, words with %q", c.name, got, c.send, c.left, c.want)
		}
		if (got.ExchangesLeft > 0) != (got.Count != "") {
			t.Errorf("%s: count %q for %d left", c.name, got.Count, got.ExchangesLeft)
		}
	}
}
