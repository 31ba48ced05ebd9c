package mispsim

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkViewMe measures one authenticated users/view/me answer, the
// simulator's most frequent request (handler only, no network).
func BenchmarkViewMe(b *testing.B) {
	s := New(Config{})
	key := s.AdminKey()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/users/view/me", nil)
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkUsersAdd measures admin/users/add with key minting.
func BenchmarkUsersAdd(b *testing.B) {
	s := New(Config{})
	key := s.AdminKey()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := `{"email":"u` + strconv.Itoa(i) + `@x.test","org_id":1,"role_id":5}`
		req := httptest.NewRequest(http.MethodPost, "/admin/users/add", strings.NewReader(body))
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkTestConnection measures a full servers/testConnection between
// two simulators on loopback (getVersion + gzip postTest).
func BenchmarkTestConnection(b *testing.B) {
	a := New(Config{Name: "A"})
	remote := New(Config{Name: "B"})
	bURL, err := remote.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer remote.Close()
	orgOnB := remote.AddOrg(Org{Name: "Org-A", Local: true})
	_, syncKey := remote.SeedSyncUser("sync@a.test", orgOnB.ID, false)
	orgOnA := a.AddOrg(Org{Name: "Org-B"})
	sv := a.AddServer(Server{Name: "B", URL: bURL, Authkey: syncKey, RemoteOrgID: orgOnA.ID})
	key := a.AdminKey()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/servers/testConnection/"+strconv.Itoa(sv.ID), nil)
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), `"status": 1`) {
			b.Fatal(rec.Body.String())
		}
	}
}
