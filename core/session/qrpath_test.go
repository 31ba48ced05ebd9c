package session

import (
	"context"
	"testing"
	"time"
)

// The whole QR path: frames drawn as QR codes, filmed through the webcam
// imitation (qr.Degrade) by virtual cameras, decoded by camera.Readers, two
// simulated MISPs, both stores.
func TestEndToEndQRPath(t *testing.T) {
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	sa := LocalSide{Name: "a", Client: a.client, Login: a.login, Store: newStore(t), ProfileID: "pa", Choices: DemoChoices()}
	sb := LocalSide{Name: "b", Client: b.client, Login: b.login, Store: newStore(t), ProfileID: "pb", Choices: DemoChoices()}
	rep, res := PairLocally(context.Background(), sa, sb, LocalOptions{Timeout: 60 * time.Second})
	if !rep.OK {
		t.Fatalf("report %+v; results %+v / %+v", rep, res[0], res[1])
	}
	if rep.FramesRead["a"] < 5 || rep.FramesRead["b"] < 5 {
		t.Errorf("frames read %v: the QR path was not used", rep.FramesRead)
	}
	checkPaired(t, a, b)
	checkPaired(t, b, a)
	for name, sr := range rep.Sides {
		if sr.TestConnection == nil || sr.TestConnection.Status != 1 || sr.PartnerResult == nil || sr.PartnerResult.Status != 1 {
			t.Errorf("side %s: %+v", name, sr)
		}
	}
	t.Logf("QR path: %d ms, frames read %v, requests a=%d b=%d", rep.ElapsedMS, rep.FramesRead, rep.Sides["a"].Requests, rep.Sides["b"].Requests)
}
