package syncsetup

import (
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// BenchmarkLogin measures Client.Login against a simulator on loopback.
func BenchmarkLogin(b *testing.B) {
	sim := mispsim.New(mispsim.Config{HostOrgName: "Org-A"})
	url, err := sim.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	c, _ := misp.New(url, sim.AdminKey(), misp.Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Login(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Requests())/float64(b.N), "requests/op")
}

// BenchmarkRepair measures one side's whole setup when re-pairing (org,
// user and server exist): the steady state of the app, on loopback
// simulators, including the real testConnection between them.
func BenchmarkRepair(b *testing.B) {
	mk := func(name string) *side {
		sim := mispsim.New(mispsim.Config{HostOrgName: name})
		url, err := sim.Start()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = sim.Close() })
		c, _ := misp.New(url, sim.AdminKey(), misp.Options{})
		info, err := c.Login(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return &side{sim: sim, url: url, client: c, login: info, setup: &Setup{Client: c, Login: info, Policy: localPolicy()}}
	}
	a, bb := mk("Org-A"), mk("Org-B")
	rb, err := bb.setup.BeforeCreds(ctx, a.partner())
	if err != nil {
		b.Fatal(err)
	}
	var reqs int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := runSide(a, bb.partner(), Creds{Authkey: rb.User.Authkey})
		if err != nil {
			b.Fatal(err)
		}
		reqs += res.Requests()
		b.StopTimer()
		if _, err := a.setup.RevokeOldKeys(ctx, res); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
}
