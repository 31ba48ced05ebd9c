package store

import "testing"

func TestRecordHelpers(t *testing.T) {
	d := sampleData()
	p := d.Partners[0]
	p.MISPVersion = "2.5.2"
	d.PutPartner(p)
	if len(d.Partners) != 1 || d.Partners[0].MISPVersion != "2.5.2" {
		t.Fatalf("PutPartner of an existing id did not replace it: %+v", d.Partners)
	}
	d.PutPartner(Partner{ID: "x2", ProfileID: "p2", InstanceUUID: "abc"})
	if len(d.Partners) != 2 {
		t.Fatal("PutPartner of a new id did not add it")
	}
	if got, ok := d.FindPartner("p1", "7D1C3E2F-1111-4222-8333-444455556666"); !ok || got.ID != "x1" {
		t.Fatalf("FindPartner by upper-case instance UUID: %v %v", got, ok)
	}
	if _, ok := d.FindPartner("p2", "7d1c3e2f-1111-4222-8333-444455556666"); ok {
		t.Fatal("FindPartner matched a partner of another profile")
	}
	if _, ok := d.FindPartner("p1", ""); ok {
		t.Fatal("FindPartner matched an empty instance UUID")
	}
	if got := d.PartnersOf("p2"); len(got) != 1 || got[0].ID != "x2" {
		t.Fatalf("PartnersOf: %+v", got)
	}
	if !d.RemovePartner("x2") || d.RemovePartner("x2") || len(d.Partners) != 1 {
		t.Fatal("RemovePartner")
	}
	d.PutPendingPairing(PendingPairing{ID: "r2"})
	if len(d.Pending) != 2 || !d.RemovePendingPairing("r1") || d.Pending[0].ID != "r2" {
		t.Fatalf("pending helpers: %+v", d.Pending)
	}
	d.PutProfile(Profile{ID: "p1", Name: "renamed"})
	if len(d.Profiles) != 1 || d.Profiles[0].Name != "renamed" || !d.RemoveProfile("p1") || len(d.Profiles) != 0 {
		t.Fatalf("profile helpers: %+v", d.Profiles)
	}
	if len(d.Partners) != 1 {
		t.Fatal("removing a profile removed its partner records")
	}
}
