// Package version holds the application's name and version, shared by the
// user interface, the MISP client's User-Agent and the protocol.
package version

// Version is the application version; FyneApp.toml carries the same number.
const Version = "0.1.0"

// Name is the product name shown to people.
const Name = "MISPbump"

// UserAgent names the app in HTTP requests to MISP.
const UserAgent = "MISPbump-Desktop/" + Version
