package mispsim

import (
	"fmt"
	"strings"
	"testing"
)

// Every fmt verb that prints a Server or a *Sim leaves the keys out, but the
// other fields still show.
func TestPrintingRedactsKeys(t *testing.T) {
	s := New(Config{Name: "A", HostOrgName: "Org A"})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	remoteKey := NewKey()
	sv := Server{ID: 7, Name: "to B", URL: "https://b.test", Authkey: remoteKey, RemoteOrgID: 3, Pull: true}
	type holder struct {
		Entries []Server
		Ptr     *Server
	}
	secrets := []string{remoteKey, s.AdminKey(), s.ReadOnlyKey()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		for name, x := range map[string]any{"Server": sv, "*Server": &sv, "nested": holder{[]Server{sv}, &sv}, "*Sim": s} {
			out := fmt.Sprintf(verb, x)
			for _, secret := range secrets {
				if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
					t.Errorf("%s of %s shows a key: %s", verb, name, out)
				}
			}
		}
	}
	for verb, want := range map[string][]string{
		"%v":  {"https://b.test", "[redacted]", "to B"},
		"%+v": {"URL:https://b.test", "Authkey:[redacted]", "RemoteOrgID:3", "Pull:true"},
		"%#v": {"mispsim.Server{", `Authkey:"[redacted]"`, `URL:"https://b.test"`},
	} {
		out := fmt.Sprintf(verb, sv)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s of a Server is %s, want it to show %s", verb, out, w)
			}
		}
	}
	if got := sv.String(); !strings.Contains(got, "Authkey:[redacted]") || strings.Contains(got, remoteKey) {
		t.Errorf("String: %s", got)
	}
	if got := fmt.Sprint(Server{Name: "no key"}); strings.Contains(got, "[redacted]") {
		t.Errorf("an entry without a key shows one redacted: %s", got)
	}
	if got := fmt.Sprintf("%+v", s); !strings.Contains(got, "A at "+s.URL()) {
		t.Errorf("%%+v of a Sim is %s, want its name and URL", got)
	}
}
