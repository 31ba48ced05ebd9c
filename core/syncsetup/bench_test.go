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

// BenchmarkPreviewPush measures the push preview on a simulator holding
// 5000 published events: one metadata-only search whatever the number of
// events, and only one event's metadata in the answer (the count comes from
// X-Result-Count).
func BenchmarkPreviewPush(b *testing.B) {
	sim := mispsim.New(mispsim.Config{HostOrgName: "Org-A"})
	for i := 0; i < 5000; i++ {
		tag := "tlp:green"
		if i%5 == 0 {
			tag = "tlp:red"
		}
		sim.AddEvent(mispsim.Event{Info: "e", Published: true, Distribution: 2, Tags: []string{tag}})
	}
	url, err := sim.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	c, _ := misp.New(url, sim.AdminKey(), misp.Options{})
	tlp, _, _ := PresetRules(PresetTLPClearGreen)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p := PreviewPush(ctx, c, tlp.Push); p.Count != 4000 {
			b.Fatalf("preview %+v", p)
		}
	}
	b.ReportMetric(float64(c.Requests())/float64(b.N), "requests/op")
}
