package mispsim_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// Two simulated instances on loopback: B gets a sync user for A's org, A a
// server entry holding that user's key; A's testConnection then really
// calls B.
func Example() {
	a := mispsim.New(mispsim.Config{Name: "A", HostOrgName: "Org-A"})
	b := mispsim.New(mispsim.Config{Name: "B", HostOrgName: "Org-B"})
	aURL, _ := a.Start()
	bURL, _ := b.Start()
	defer a.Close()
	defer b.Close()

	orgAOnB := b.AddOrg(mispsim.Org{Name: "Org-A", UUID: a.HostOrg().UUID, Local: true})
	_, syncKey := b.SeedSyncUser("sync-a@org-a.test", orgAOnB.ID, false)
	orgBOnA := a.SeedExternalOrg("Org-B", b.HostOrg().UUID)
	entry := a.AddServer(mispsim.Server{Name: "B", URL: bURL, Authkey: syncKey, RemoteOrgID: orgBOnA.ID, Pull: true})

	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/servers/testConnection/%d", aURL, entry.ID), nil)
	req.Header.Set("Authorization", a.AdminKey())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "PyMISP example") // compact JSON
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body[:11]))
	fmt.Println(b.RequestCount("GET", "/servers/getVersion"), b.RequestCount("POST", "/servers/postTest"))
	// Output:
	// 200 {"status":1
	// 1 1
}
