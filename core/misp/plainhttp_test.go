package misp

import (
	"strings"
	"testing"
)

func TestPlainHTTPWarning(t *testing.T) {
	for _, tc := range []struct {
		url  string
		warn bool
	}{
		{"https://misp.example.org", false},
		{"http://127.0.0.1:8081", false},
		{"http://localhost", false},
		{"http://[::1]:8080", false},
		{"HTTP://misp.example.org", true},
		{"http://10.0.0.5", true},
		{"http://misp.example.org:8443/", true},
		{"not a url %%", false},
	} {
		got := PlainHTTPWarning(tc.url)
		if (got != "") != tc.warn {
			t.Errorf("%s: warning %q, want a warning: %v", tc.url, got, tc.warn)
		}
		if tc.warn && (!strings.Contains(got, "unencrypted") || !strings.Contains(got, "https://")) {
			t.Errorf("%s: the warning does not say what happens and what to do: %q", tc.url, got)
		}
	}
}
