package notify

import (
	"strings"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// NotProvided is what a view shows for a partner that sent no notification
// settings.
const NotProvided = "not provided"

// Row is one line of a read-only view: a label and its value.
type Row struct {
	Label string
	Value string
}

// Describe turns settings into rows for a read-only view, in words. Nil
// settings give one row saying they were not provided; fields left empty are
// said to be "not given" rather than left out, so the reader sees the whole
// structure.
func Describe(s *pairing.NotificationSettings) []Row {
	if s == nil {
		return []Row{{Label: "Notification settings", Value: NotProvided}}
	}
	var rows []Row
	if len(s.Emails) == 0 {
		rows = append(rows, Row{"E-mail", "none given"})
	}
	for _, e := range s.Emails {
		rows = append(rows, Row{"E-mail", DescribeEmail(e)})
	}
	rows = append(rows,
		Row{"Data formats", orNotGiven(strings.Join(s.Formats, ", "))},
		Row{"HTTP endpoint", describeEndpoint(s)},
		Row{"Interval", orNotGiven(s.Interval)},
	)
	if s.Version != "" {
		rows = append(rows, Row{"Structure version", s.Version})
	}
	return rows
}

// DescribeEmail says in one line how to reach one address:
// "soc@example.org (Cc) — PGP 5626 761B … — S/MIME: ref".
func DescribeEmail(e pairing.NotificationEmail) string {
	s := e.Address
	if e.Cc {
		s += " (Cc)"
	}
	if e.PGPFingerprint != "" {
		s += " — PGP " + formatHex(e.PGPFingerprint)
	}
	if e.SMIMECertRef != "" {
		s += " — S/MIME certificate: " + e.SMIMECertRef
	}
	return s
}

func describeEndpoint(s *pairing.NotificationSettings) string {
	if s.HTTPEndpoint == "" {
		return "not given"
	}
	if s.HTTPAuthTokenRef == "" {
		return s.HTTPEndpoint + " (no auth token)"
	}
	return s.HTTPEndpoint + " (auth token kept at: " + s.HTTPAuthTokenRef + ")"
}

func orNotGiven(s string) string {
	if s == "" {
		return "not given"
	}
	return s
}

// formatHex groups a fingerprint in fours for reading aloud.
func formatHex(fp string) string {
	r := []rune(NormalizeFingerprint(fp))
	var b strings.Builder
	for i := 0; i < len(r); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(r[i:min(i+4, len(r))]))
	}
	return b.String()
}
