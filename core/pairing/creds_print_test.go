package pairing

import (
	"fmt"
	"strings"
	"testing"
)

// No fmt verb prints the authkey of a Creds, alone, through a pointer or
// nested in another value; the sync user's e-mail still shows.
func TestCredsNeverPrintTheAuthkey(t *testing.T) {
	const key = "CREDSKEYcredskey0123456789abcdefghijklmn"
	c := Creds{Version: PayloadVersion, SyncAuthkey: key, SyncUserEmail: "sync@partner.example"}
	nested := struct {
		Creds []Creds
		Ptr   *Creds
	}{[]Creds{c}, &c}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
		for name, x := range map[string]any{"Creds": c, "*Creds": &c, "nested": nested} {
			out := fmt.Sprintf(verb, x)
			if strings.Contains(out, key) || strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", key)) {
				t.Errorf("%s of %s shows the authkey: %s", verb, name, out)
			}
		}
	}
	if out := fmt.Sprintf("%+v", c); !strings.Contains(out, "sync@partner.example") || !strings.Contains(out, "redacted") {
		t.Errorf("%%+v of Creds is %s, want the e-mail and a redacted key", out)
	}
}
