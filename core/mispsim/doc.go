// Package mispsim is an in-memory MISP 2.5.1 simulator for tests, the
// headless demo and the app's demo mode.
//
// It keeps the state a real instance keeps (organisations, users, roles,
// authkeys, server entries, events and their cryptographic keys, settings)
// and answers the REST endpoints MISPbump uses with the status codes and
// body shapes of the real recordings in testdata/misp-recordings: ids as
// strings, flags as booleans, 403 validation bodies, 302 to the login page
// without Accept: application/json, 405 for a GET on a POST-only action.
// servers/testConnection and servers/getRemoteUser make real HTTP calls to
// the entry's URL, so two simulators on loopback can test each other.
//
// Tests seed awkward states with the Add*/Set* helpers, inspect state with
// the snapshot helpers, and inject faults (a 500, a dropped connection, a
// 500 after saving, a slow answer) with InjectFault. docs/SIMULATOR.md
// describes all of it.
package mispsim
