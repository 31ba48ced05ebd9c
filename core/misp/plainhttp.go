package misp

import (
	"net"
	"net/url"
	"strings"
)

// PlainHTTPWarning says, in words, that the site-admin key travels
// unencrypted when baseURL is plain http:// to another machine; "" for
// https:// and for a MISP on this machine (loopback), where nothing crosses
// a network. The app never refuses such a URL (test and lab instances use
// it), but the admin should know.
func PlainHTTPWarning(baseURL string) string {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return ""
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return "This MISP is reached over plain http://: the site-admin key and the partner's sync key travel unencrypted. Use https:// unless the network between this laptop and " + host + " is trusted."
}
