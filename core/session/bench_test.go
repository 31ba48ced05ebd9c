package session

import (
	"context"
	"testing"
	"time"

	"github.com/mispbump/mispbump-desktop/core/internal/cputime"
)

// BenchmarkPairingTextPath pairs two simulated MISPs (in this process)
// through the frames' text path: the whole engine, both sides, every MISP
// request and both simulators' work. After the first iteration each is a
// re-pairing (reuse, new keys, old keys revoked). cpu-ms/op is the machine
// time of the whole process per pairing.
func BenchmarkPairingTextPath(b *testing.B) {
	sa, sb := startSim(b, "A", false), startSim(b, "B", false)
	var reqs [2]int64
	cpu0 := cputime.Process()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r0, r1 := sa.client.Requests(), sb.client.Requests()
		cfgs := [2]Config{sa.config("pa", nil), sb.config("pb", nil)}
		// From the second pairing on, each MISP knows the other's
		// organisation: the admins' word, given in advance.
		cfgs[0].Choices.ReuseOrgUUID, cfgs[1].Choices.ReuseOrgUUID = sb.login.HostOrg.UUID, sa.login.HostOrg.UUID
		p := startPair(b, pairOptions{cfg: cfgs, rejectOn: -1})
		res := p.wait(testTimeout)
		if !res[0].OK || !res[1].OK {
			b.Fatalf("%v / %v", res[0].Err, res[1].Err)
		}
		p.stop()
		reqs[0] += sa.client.Requests() - r0
		reqs[1] += sb.client.Requests() - r1
	}
	b.StopTimer()
	cputime.Report(b, cpu0)
	b.ReportMetric(float64(reqs[0])/float64(b.N), "requests-a/op")
	b.ReportMetric(float64(reqs[1])/float64(b.N), "requests-b/op")
}

// BenchmarkPairingQRPath is the headless demo's pairing: QR codes drawn,
// filmed through the webcam imitation by virtual cameras at 30 fps and
// decoded, two simulated MISPs, no stores.
func BenchmarkPairingQRPath(b *testing.B) {
	sa, sb := startSim(b, "A", false), startSim(b, "B", false)
	cpu0 := cputime.Process()
	var reqs [2]int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r0, r1 := sa.client.Requests(), sb.client.Requests()
		a := LocalSide{Name: "a", Client: sa.client, Login: sa.login, Choices: DemoChoices()}
		c := LocalSide{Name: "b", Client: sb.client, Login: sb.login, Choices: DemoChoices()}
		a.Choices.ReuseOrgUUID, c.Choices.ReuseOrgUUID = sb.login.HostOrg.UUID, sa.login.HostOrg.UUID // as above
		rep, _ := PairLocally(context.Background(), a, c, LocalOptions{Timeout: time.Minute, Seed: uint64(i), FPS: benchFPS})
		if !rep.OK {
			b.Fatalf("%+v", rep)
		}
		reqs[0] += sa.client.Requests() - r0
		reqs[1] += sb.client.Requests() - r1
	}
	b.StopTimer()
	cputime.Report(b, cpu0)
	b.ReportMetric(float64(reqs[0])/float64(b.N), "requests-a/op")
	b.ReportMetric(float64(reqs[1])/float64(b.N), "requests-b/op")
}

var benchFPS = 15
