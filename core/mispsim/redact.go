package mispsim

import (
	"fmt"

	"github.com/mispbump/mispbump-desktop/core/internal/redact"
)

// Printing a Server or a *Sim with fmt, with any verb (%v, %+v, %#v, %s,
// %d…), shows "[redacted]" instead of the authkeys they hold: tests print
// snapshots in failure messages, and a key in test output is a key leaked
// (CONTRIBUTING: secrets never in logs, errors or test output). The JSON the
// simulator answers with is built field by field (serverRow) and is not
// affected.

// serverView is Server without its methods, so that fmt prints its fields.
type serverView Server

// Format prints the entry with its authkey redacted, for every verb.
func (sv Server) Format(f fmt.State, verb rune) {
	v := serverView(sv)
	v.Authkey = redact.Secret(v.Authkey)
	redact.FormatView(f, verb, v, "mispsim.serverView", "mispsim.Server")
}

// String shows the entry's fields, its authkey redacted.
func (sv Server) String() string { return fmt.Sprintf("%+v", sv) }

// GoString is %#v, its authkey redacted.
func (sv Server) GoString() string { return fmt.Sprintf("%#v", sv) }

// String names the instance without its keys (admin key, read-only key,
// legacy keys) or its TLS private key.
func (s *Sim) String() string {
	if s == nil {
		return "mispsim.Sim(nil)"
	}
	// TryLock: String may be reached from code that holds the lock.
	if !s.mu.TryLock() {
		return "mispsim.Sim(" + s.cfg.Name + ")"
	}
	url := s.baseURL
	s.mu.Unlock()
	return "mispsim.Sim(" + s.cfg.Name + " at " + url + ")"
}

// GoString is String: a Sim's fields are mostly secrets and locks.
func (s *Sim) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *Sim) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(s.String())) }
