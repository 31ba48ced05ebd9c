package redact

import (
	"fmt"
	"strings"
	"testing"
)

type holder struct{ Name, Key string }

type holderView holder

func (h holder) Format(f fmt.State, verb rune) {
	v := holderView(h)
	v.Key = Secret(v.Key)
	FormatView(f, verb, v, "redact.holderView", "redact.holder")
}

func TestFormatViewHidesTheSecretWithEveryVerb(t *testing.T) {
	h := holder{Name: "sync", Key: "KEYSECRETxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out := fmt.Sprintf(verb, h)
		if strings.Contains(out, h.Key) || strings.Contains(out, "4b4559") { // "KEY" in hex
			t.Errorf("%s printed the secret: %s", verb, out)
		}
	}
	if out := fmt.Sprintf("%#v", h); !strings.Contains(out, "redact.holder{") || !strings.Contains(out, `"[redacted]"`) {
		t.Errorf("%%#v should name the real type and show the secret as redacted: %s", out)
	}
	if Secret("") != "" {
		t.Error("an empty secret should stay empty, so the output tells it is unset")
	}
}
