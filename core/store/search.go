package store

import (
	"net/url"
	"strings"
	"unicode"
)

// SearchPartners returns the partners that match query, in their order. The
// match is partial and case-insensitive on the org name and UUID, the
// instance UUID, e-mail addresses and their domains, the announced URL and
// its host, and egress addresses. It also matches across punctuation and
// spacing: "CSIRT beta" finds "CSIRT-Beta", "csirtbeta" too. An empty query
// matches everyone.
func SearchPartners(partners []Partner, query string) []Partner {
	q := strings.ToLower(strings.TrimSpace(query))
	fq := foldForSearch(q)
	var out []Partner
	for _, p := range partners {
		if q == "" || partnerMatches(p, q, fq) {
			out = append(out, p)
		}
	}
	return out
}

func partnerMatches(p Partner, q, fq string) bool {
	fields := []string{
		p.Org.Name, p.Org.UUID, p.InstanceUUID,
		p.AdminEmail, emailDomain(p.AdminEmail),
		p.OnOurMISP.SyncUserEmail,
		p.AnnouncedURL, urlHost(p.AnnouncedURL),
	}
	fields = append(fields, p.EgressAddresses...)
	for _, f := range fields {
		if f == "" {
			continue
		}
		if strings.Contains(strings.ToLower(f), q) || (fq != "" && strings.Contains(foldForSearch(f), fq)) {
			return true
		}
	}
	return false
}

// foldForSearch keeps only the letters and digits of s, lower-cased, so
// that names compare whatever their punctuation and spacing ("CSIRT-Beta",
// "CSIRT Beta", "csirt_beta" all fold to "csirtbeta").
func foldForSearch(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
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
