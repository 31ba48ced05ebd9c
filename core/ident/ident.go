// Package ident holds the one normalisation of the identifiers a partner
// sends (organisation and instance UUIDs, the announced URL), used by the
// protocol at decode, by the sync setup before each MISP call and by the
// store's lookups, so a value cannot mean one thing in one place and another
// elsewhere (PAIRING.md "Partner identity").
package ident

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// UUIDError says why a value is not a UUID, in words.
type UUIDError struct {
	What  string // "organisation UUID", "instance UUID"
	Value string
}

func (e *UUIDError) Error() string {
	v := e.Value
	if len(v) > 60 {
		v = v[:60] + "…"
	}
	return "the " + e.What + " " + strconv.Quote(v) + " is not a UUID (32 hexadecimal digits as 8-4-4-4-12)"
}

// CanonicalUUID returns s as a canonical lower-case UUID
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, RFC 4122's text form). Upper-case
// hex digits are lower-cased (MISP does not find an upper-case UUID,
// recording 104); anything else — spaces around it, braces, a number, a
// name, the nil UUID — is refused: MISP's organisations/view also finds an
// organisation by numeric id (recording 11) and by name (recording 103), so
// only a value that can be nothing but a UUID may reach it. The version and
// variant digits are not checked: MISP accepts any hex UUID, and
// organisations made by other tools carry such UUIDs.
func CanonicalUUID(what, s string) (string, error) {
	if len(s) != 36 {
		return "", &UUIDError{What: what, Value: s}
	}
	out := make([]byte, 36)
	zero := true
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", &UUIDError{What: what, Value: s}
			}
			out[i] = c
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", &UUIDError{What: what, Value: s}
		}
		if c != '0' {
			zero = false
		}
		out[i] = c
	}
	if zero {
		return "", &UUIDError{What: what, Value: s}
	}
	return string(out), nil
}

// IsCanonicalUUID reports whether s is already a canonical lower-case UUID:
// what every MISP call and every lookup of ours expects.
func IsCanonicalUUID(s string) bool {
	c, err := CanonicalUUID("", s)
	return err == nil && c == s
}

// AddressKind classifies where an announced URL points.
type AddressKind int

const (
	// AddressName is a DNS name (not resolved here: see CheckURL).
	AddressName AddressKind = iota + 1
	// AddressPublic is a public IP address.
	AddressPublic
	// AddressPrivate is a private range (10/8, 172.16/12, 192.168/16,
	// fc00::/7, 100.64/10): allowed, and shown to the admin.
	AddressPrivate
	// AddressLocal is loopback, link-local (169.254/16, fe80::/10),
	// unspecified or multicast, or the name localhost: our MISP itself or
	// its own network segment.
	AddressLocal
)

// URLCheck is what CheckURL found.
type URLCheck struct {
	Host string
	Kind AddressKind
	// Note says what the admin should know (a private range), in words;
	// empty for a name or a public address.
	Note string
}

// URLError says why an announced URL is refused, in words.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string {
	u := e.URL
	if len(u) > 100 {
		u = u[:100] + "…"
	}
	return "the partner's announced URL " + strconv.Quote(u) + " is refused: " + e.Reason
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckURL checks the URL a partner announced, where our MISP will connect.
// It must be http or https with a host; a host on loopback, link-local,
// an unspecified or multicast address, or named localhost is refused unless
// allowLocal (the admin's "allow local addresses" in Prepare; the demo,
// whose MISPs are local, sets it), because pointing our MISP there turns
// the pairing into a probe of our own network, whose result goes back in
// DONE. A host written as a number in a form other than dotted quad
// ("2130706433", "0x7f.1") is refused always: MISP's HTTP library would
// read it as an address. Names are not resolved: the answer could change
// before MISP connects, so a check at pairing time would be false comfort.
func CheckURL(raw string, allowLocal bool) (URLCheck, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
		return URLCheck{}, &URLError{URL: raw, Reason: "it is not an http(s) address with a host name"}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	check := URLCheck{Host: host, Kind: AddressName}
	addr, perr := netip.ParseAddr(host)
	switch {
	case perr == nil:
		addr = addr.Unmap()
		switch {
		case addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsUnspecified() ||
			addr.IsMulticast() || addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast():
			check.Kind = AddressLocal
		case addr.IsPrivate() || cgnat.Contains(addr):
			check.Kind = AddressPrivate
			check.Note = "the partner's URL " + host + " is in a private address range: our MISP reaches it only from inside that network"
		default:
			check.Kind = AddressPublic
		}
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		check.Kind = AddressLocal
	case numericHost(host):
		return URLCheck{}, &URLError{URL: raw, Reason: "its host is a number in an unusual form, which could stand for any address; the partner announces its MISP by name or as a dotted address"}
	}
	if check.Kind == AddressLocal && !allowLocal {
		return URLCheck{}, &URLError{URL: raw, Reason: "it points at a loopback, link-local or unspecified address (" + host + "), that is at our own machine or network segment; a partner's MISP is never there (to pair two MISPs on one machine, allow local addresses in Prepare)"}
	}
	return check, nil
}

// numericHost reports a host whose last label is a number (decimal, octal
// or hex): no DNS name ends so, but inet_aton reads such hosts as addresses.
func numericHost(host string) bool {
	labels := strings.Split(host, ".")
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		last = last[2:]
		if last == "" {
			return true
		}
		for _, c := range last {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
