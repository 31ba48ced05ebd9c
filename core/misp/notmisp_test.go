package misp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Web servers that are not MISP, each answering users/view/me its own way:
// Login says "this does not look like a MISP — check the URL" and what came
// back, not "bad key" or "not a site admin".
func TestLoginToAServerThatIsNotMISP(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		ctype  string
		body   string
		want   string
	}{
		{"HTML welcome page", 200, "text/html", "<!DOCTYPE html><html><body>It works!</body></html>", "an HTML page"},
		{"HTML 404", 404, "text/html", "<html><body><h1>404 Not Found</h1></body></html>", "HTTP 404"},
		{"plain 404", 404, "text/plain", "404 page not found", "HTTP 404"},
		{"MISP-style JSON 404 (wrong path under a MISP)", 404, "application/json", `{"name":"Not Found","message":"Not Found","url":"/misp/users/view/me"}`, "HTTP 404"},
		{"nginx forbidden page", 403, "text/html", "<html><head><title>403 Forbidden</title></head></html>", "HTTP 403 without MISP's error message"},
		{"basic auth in front", 401, "text/html", "<html>Unauthorized</html>", "HTTP 401 without MISP's error message"},
		{"another JSON API", 200, "application/json", `{"status":"ok","version":"1.2"}`, "JSON that holds no MISP user"},
		{"plain text", 200, "text/plain", "hello", "something that is not MISP's JSON"},
		{"empty answer", 200, "text/plain", "", "an empty answer"},
		{"405 from another app", 405, "text/plain", "method not allowed", "HTTP 405 without MISP's error message"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.ctype)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL).Login(ctx)
			if !IsKind(err, KindNotMISP) {
				t.Fatalf("got %v (%v), want KindNotMISP", err, kindOf(err))
			}
			msg := err.Error()
			if !strings.Contains(msg, "does not look like a MISP") || !strings.Contains(msg, "check the URL") || !strings.Contains(msg, c.want) {
				t.Errorf("message %q should say it is not a MISP, to check the URL, and %q", msg, c.want)
			}
			if strings.Contains(msg, adminKey) {
				t.Errorf("the key leaked into %q", msg)
			}
		})
	}
}

// MISP's own answers keep their meaning: a refused key is still a bad key,
// a redirect to a login page still says so, a 500 is MISP's internal error.
func TestLoginMISPErrorsAreNotCalledNotMISP(t *testing.T) {
	if _, err := newTestClient(t, newReplay(t, "02").URL).Login(ctx); !IsKind(err, KindBadKey) {
		t.Errorf("bad key (recording 02): %v", err)
	}
	for _, c := range []struct {
		status int
		body   string
		want   Kind
	}{
		{302, "", KindRedirectToLogin},
		{500, "<html>Internal Error</html>", KindServerError},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.status == 302 {
				w.Header().Set("Location", "/users/login")
			}
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
		}))
		_, err := newTestClient(t, srv.URL).Login(ctx)
		srv.Close()
		if !IsKind(err, c.want) {
			t.Errorf("HTTP %d: %v, want %v", c.status, err, c.want)
		}
	}
}

// A server that accepts the connection and never answers: the caller's
// cancellation reaches the HTTP request at once.
func TestLoginCanceledWhileTheServerNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	cctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		_, err := newTestClient(t, srv.URL).Login(cctx)
		result <- err
	}()
	time.Sleep(50 * time.Millisecond) // the request is out and waiting
	cancel()
	select {
	case err := <-result:
		if !IsKind(err, KindCanceled) || !strings.Contains(err.Error(), "canceled") {
			t.Fatalf("got %v, want KindCanceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the login did not end after its context was canceled")
	}
}

func TestParseBaseURLSaysWhatIsWrongInWords(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"htp://misp.example.org", `starts with "htp", not "https" or "http"`},
		{"ftp://misp.example.org", `starts with "ftp", not "https" or "http"`},
		{"misp.example.org", "starts with https://"},
		{"misp.example.org:8443", "starts with https://"},
		{"https://", "has no host name"},
		{"https:/misp.example.org", "has no host name"},
		{"", "Enter the MISP's address"},
	} {
		_, err := ParseBaseURL(c.raw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseBaseURL(%q) = %v, want it to say %q", c.raw, err, c.want)
		}
	}
	if _, err := ParseBaseURL("HTTPS://MISP.example.org/"); err != nil {
		t.Errorf("an upper-case scheme is refused: %v", err)
	}
	// What may be a secret is refused without being repeated: a key typed
	// in the address field, a password in the address.
	for _, secret := range []string{"Qh7TnW2xK9vLc4RmP8sYd3FgJ6bZa1UeN5oVi0Xr", "s3cret-Pass", "zq8Kx0pLmN3vB7cR2tY6uI9oP1aS4dF5gH"} {
		for _, raw := range []string{secret, "https://admin:" + secret + "@misp.example.org", "admin:" + secret + "@misp.example.org", "x@" + secret} {
			if secret == "s3cret-Pass" && !strings.Contains(raw, "@") {
				continue // short and plain: an ordinary mistyped address
			}
			_, err := ParseBaseURL(raw)
			if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "authkey field") {
				t.Errorf("ParseBaseURL(%q) = %v: refused without repeating the secret?", raw, err)
			}
		}
	}
}

// A readable answer about the wrong object says which, not the advice for
// an unreadable one.
func TestBadResponseSaysWhatWasWrong(t *testing.T) {
	err := &Error{Kind: KindBadResponse, Op: "GET /tags/view/7", Host: "misp.example.org", Status: 200, Message: "the answer is about another tag"}
	if s := err.Error(); !strings.Contains(s, "the answer is about another tag") || strings.Contains(s, "version 2.4") || !strings.Contains(s, "try again") {
		t.Errorf("bad response words: %s", s)
	}
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Every status has words of its own for the partner's test of our MISP,
// never the partner-side wording of ConnectionStatusText.
func TestPartnerConnectionTextIsWordedFromOurSide(t *testing.T) {
	for s := ConnOK; s <= ConnSightingsOnly+1; s++ {
		got := PartnerConnectionText(s, 0)
		if got == "" || got == ConnectionStatusText(s) || strings.Contains(got, "our MISP reached the partner's") {
			t.Errorf("status %d: %q", s, got)
		}
	}
	if got := PartnerConnectionText(ConnOK, 9); !strings.Contains(got, "code 9") {
		t.Errorf("a failed POST: %q", got)
	}
}
