package protected

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

type rawRecording struct {
	Response struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
}

func loadRaw(t *testing.T, name string) rawRecording {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	var r rawRecording
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// recording93MISP serves instance A as recordings 93 and 74 show it: the
// index (X-Result-Count 7, six events listed) and events/view, where the
// hidden event 7 is A's protected event carrying only B's key (82–84).
func recording93MISP(t *testing.T) (url string, views *int) {
	t.Helper()
	index := loadRaw(t, "93-events-index-minimal-hides-foreign-protected.json")
	view := loadRaw(t, "74-events-view-protected-on-A.json")
	var tmpl map[string]map[string]any
	if err := json.Unmarshal(view.Response.Body, &tmpl); err != nil {
		t.Fatal(err)
	}
	views = new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/events/index":
			w.Header().Set("X-Result-Count", index.Response.Headers["X-Result-Count"])
			_, _ = w.Write(index.Response.Body)
		case strings.HasPrefix(r.URL.Path, "/events/view/"):
			*views++
			id := strings.TrimPrefix(r.URL.Path, "/events/view/")
			if id < "1" || id > "7" || len(id) != 1 {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"name":"Invalid event","message":"Invalid event","url":"` + r.URL.Path + `"}`))
				return
			}
			ev := map[string]any{}
			for k, v := range tmpl["Event"] {
				ev[k] = v
			}
			ev["id"] = id
			switch id {
			case "6":
			case "7":
				var onlyB []any
				for _, k := range tmpl["Event"]["CryptographicKey"].([]any) {
					if fp, _ := k.(map[string]any)["fingerprint"].(string); SameFingerprint(fp, fingerprintB) {
						onlyB = append(onlyB, k)
					}
				}
				ev["CryptographicKey"], ev["uuid"] = onlyB, "6a1d2a0e-7b7a-4c1f-9d0c-000000000007"
			default:
				ev["protected"], ev["CryptographicKey"] = false, []any{}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"Event": ev})
		default:
			w.WriteHeader(599)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, views
}

// onlyEvents hides the client's EventIndex: a MISP that gives no count.
type onlyEvents struct{ MISP }

// Recording 93: MISP counted 7 events and listed 6, so exactly one is hidden;
// with the count the search stops once event 7 is found (one events/view),
// without it it goes on ProbeBeyond ids past it.
func TestListProtectedEventsStopsAtResultCount(t *testing.T) {
	url, views := recording93MISP(t)
	c, err := misp.New(url, "KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := ListOptions{OrgID: "1", OrgUUID: "8694ac8a-d01d-40bb-bca1-43d7d550a543", OwnFingerprint: fingerprintA}
	l, err := ListProtectedEvents(context.Background(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	if l.HiddenByIndex != 1 || l.Probed != 1 || l.ProbeLimited {
		t.Fatalf("hidden %d, probed %d, limited %v; want 1, 1, false", l.HiddenByIndex, l.Probed, l.ProbeLimited)
	}
	var seven *ProtectedEvent
	for i := range l.Events {
		if l.Events[i].ID == "7" {
			seven = &l.Events[i]
		}
	}
	if seven == nil || !seven.HiddenFromIndex || seven.HasOwnKey || !seven.Carries(fingerprintB) || len(l.Events) != 2 {
		t.Fatalf("events %+v", l.Events)
	}
	if !strings.Contains(l.Note(), "MISP counted 1 event(s) it did not list") {
		t.Errorf("note: %s", l.Note())
	}
	withCount := *views

	*views = 0
	l, err = ListProtectedEvents(context.Background(), onlyEvents{c}, o)
	if err != nil {
		t.Fatal(err)
	}
	if l.HiddenByIndex != -1 || l.Probed != 1+DefaultProbeBeyond || len(l.Events) != 2 {
		t.Fatalf("without the count: hidden %d, probed %d, %d events", l.HiddenByIndex, l.Probed, len(l.Events))
	}
	if *views <= withCount {
		t.Errorf("the count saved nothing: %d views with it, %d without", withCount, *views)
	}
}
