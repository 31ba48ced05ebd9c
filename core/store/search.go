package store

import (
	"net/url"
	"strings"
)

// SearchPartners returns the partners that match query, in their order. The
// match is partial and case-insensitive on the org name and UUID, the
// instance UUID, e-mail addresses and their domains, the announced URL and
// its host, and egress addresses. An empty query matches everyone.
func SearchPartners(partners []Partner, query string) []Partner {
	q := strings.ToLower(strings.TrimSpace(query))
	var out []Partner
	for _, p := range partners {
		if q == "" || partnerMatches(p, q) {
			out = append(out, p)
		}
	}
	return out
}

func partnerMatches(p Partner, q string) bool {
	fields := []string{
		p.Org.Name, p.Org.UUID, p.InstanceUUID,
		p.AdminEmail, emailDomain(p.AdminEmail),
		p.OnOurMISP.SyncUserEmail,
		p.AnnouncedURL, urlHost(p.AnnouncedURL),
	}
	fields = append(fields, p.EgressAddresses...)
	for _, f := range fields {
		if f != "" && strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

func emailDomain(email string) string {
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		return email[at+1:]
	}
	return ""
}

func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
