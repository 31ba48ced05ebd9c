package mispsim

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// FaultKind is what an injected fault does to a request.
type FaultKind int

const (
	// FaultStatus500 answers 500 without doing anything.
	FaultStatus500 FaultKind = iota + 1
	// FaultDrop closes the connection without an answer.
	FaultDrop
	// FaultStatus500AfterSave does the work (a servers/add is saved) and
	// then answers 500, as a MISP whose answer broke after the commit.
	FaultStatus500AfterSave
	// FaultSlow waits Delay before answering normally; if the client gives
	// up first (its context is cancelled), nothing is done.
	FaultSlow
)

// Fault selects requests and says what to do with them.
type Fault struct {
	Kind FaultKind
	// Method selects requests by HTTP method; empty selects any.
	Method string
	// PathPrefix selects requests whose path starts with it; empty selects
	// any.
	PathPrefix string
	// AtRequest, when > 0, fires only on the AtRequest-th selected request
	// (1-based, counted from when the fault was injected); 0 fires on
	// every selected request.
	AtRequest int
	// Delay is how long FaultSlow waits.
	Delay time.Duration
}

type faultState struct {
	Fault
	seen int
}

// InjectFault adds a fault; it returns a function that removes it.
func (s *Sim) InjectFault(f Fault) (remove func()) {
	fs := &faultState{Fault: f}
	s.mu.Lock()
	s.faults = append(s.faults, fs)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == fs {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every injected fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// recordAndMatch logs a request and returns the first fault that fires on
// it, with the request's index in the log.
func (s *Sim) recordAndMatch(r *http.Request) (*faultState, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.requests)
	s.requests = append(s.requests, RequestRecord{Method: r.Method, Path: r.URL.Path})
	var fired *faultState
	for _, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		f.seen++
		if fired == nil && (f.AtRequest == 0 || f.AtRequest == f.seen) {
			fired = f
		}
	}
	if fired == nil {
		return nil, n
	}
	c := *fired
	return &c, n
}

func (s *Sim) setStatus(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < len(s.requests) {
		s.requests[n].Status = status
	}
}

// RequestLog returns every request answered so far, in order.
func (s *Sim) RequestLog() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// RequestCount counts the requests with this method (empty: any) whose path
// starts with pathPrefix (empty: any).
func (s *Sim) RequestCount(method, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (method == "" || strings.EqualFold(method, r.Method)) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// waitOrCancel waits d; it returns false when ctx ended first.
func waitOrCancel(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
