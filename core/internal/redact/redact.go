// Package redact keeps secrets out of fmt output: the types that hold an
// authkey print "[redacted]" in its place with every verb, because tests
// print documents in failure messages and a secret in test output is a
// secret leaked.
package redact

import (
	"fmt"
	"strings"
)

// Secret hides a secret but still tells whether one is set.
func Secret(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// FormatView prints v, a methodless copy of a type whose secrets are already
// hidden, with the caller's verb and flags; %#v names the real type
// (realName) instead of the copy's (viewName).
func FormatView(f fmt.State, verb rune, v any, viewName, realName string) {
	out := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, viewName, realName, 1)
	}
	_, _ = f.Write([]byte(out))
}
