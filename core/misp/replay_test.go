package misp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/internal/recordings"
)

// recording is one file of testdata/misp-recordings.
type recording = recordings.Recording

// adminKey is the placeholder for instance A's site-admin key in the
// recordings; the tests use it as the client's key.
const adminKey = "KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

func loadRecording(t testing.TB, num string) recording {
	t.Helper()
	r, err := recordings.Read(num)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// replay is an httptest server that answers requests with recorded
// responses, matched by method and path, and remembers what it was sent.
type replay struct {
	*httptest.Server
	t      testing.TB
	mu     sync.Mutex
	byReq  map[string]recording
	seen   []*http.Request
	bodies []string
	extra  map[string]string // response headers added to every answer
}

// newReplay serves the given recordings. A request that matches none fails
// the test with a 599 so the mistake is visible.
func newReplay(t testing.TB, nums ...string) *replay {
	t.Helper()
	rp := &replay{t: t, byReq: map[string]recording{}, extra: map[string]string{}}
	for _, n := range nums {
		r := loadRecording(t, n)
		rp.byReq[r.Request.Method+" "+r.Request.Path] = r
	}
	rp.Server = httptest.NewServer(http.HandlerFunc(rp.serve))
	t.Cleanup(rp.Close)
	return rp
}

// add serves a hand-made answer for a request that has no recording (e.g. a
// setting with another value); its shape copies a recorded one.
func (rp *replay) add(method, path string, status int, body string) {
	var r recording
	r.Request.Method, r.Request.Path = method, path
	r.Response.Status = status
	r.Response.Headers = map[string]string{"Content-Type": "application/json; charset=UTF-8"}
	r.Response.Body = json.RawMessage(body)
	rp.mu.Lock()
	rp.byReq[method+" "+path] = r
	rp.mu.Unlock()
}

func (rp *replay) serve(w http.ResponseWriter, req *http.Request) {
	b := make([]byte, 1<<16)
	n, _ := req.Body.Read(b)
	rp.mu.Lock()
	rp.seen = append(rp.seen, req)
	rp.bodies = append(rp.bodies, string(b[:n]))
	r, ok := rp.byReq[req.Method+" "+req.URL.EscapedPath()]
	if !ok {
		r, ok = rp.byReq[req.Method+" "+req.URL.Path]
	}
	rp.mu.Unlock()
	// Every authenticated call must look like an API call to MISP
	// (recordings 03 and 06 show what happens otherwise).
	if req.URL.Path != "/gpg.asc" && (req.Header.Get("Accept") != "application/json" ||
		req.Header.Get("Content-Type") != "application/json" || req.Header.Get("Authorization") == "") {
		rp.t.Errorf("replay: %s %s sent without Accept/Content-Type application/json or without the key", req.Method, req.URL.Path)
	}
	if !ok {
		rp.t.Errorf("replay: no recording for %s %s", req.Method, req.URL.Path)
		w.WriteHeader(599)
		return
	}
	for k, v := range r.Response.Headers {
		if k == "Content-Length" {
			continue
		}
		w.Header().Set(k, v)
	}
	for k, v := range rp.extra {
		w.Header().Set(k, v)
	}
	w.WriteHeader(r.Response.Status)
	var s string
	if json.Unmarshal(r.Response.Body, &s) == nil {
		_, _ = w.Write([]byte(s)) // raw body: "" for HEAD/302, armored text for gpg.asc
		return
	}
	_, _ = w.Write(r.Response.Body)
}

// lastBody returns the body of the last request.
func (rp *replay) lastBody() map[string]any {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var m map[string]any
	if len(rp.bodies) > 0 && rp.bodies[len(rp.bodies)-1] != "" {
		if err := json.Unmarshal([]byte(rp.bodies[len(rp.bodies)-1]), &m); err != nil {
			rp.t.Fatalf("request body is not JSON: %v", err)
		}
	}
	return m
}

func (rp *replay) requests() []*http.Request {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]*http.Request(nil), rp.seen...)
}

func newTestClient(t testing.TB, url string) *Client {
	t.Helper()
	c, err := New(url, adminKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkNoKey fails when an error's message contains the key.
func checkNoKey(t testing.TB, err error, key string) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), key) {
		t.Errorf("error message contains the authkey: %v", err)
	}
}
