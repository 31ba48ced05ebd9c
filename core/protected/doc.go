// Package protected is MISPbump's support for MISP's protected events
// (MISP ≥ 2.4.156): reading an instance's PGP signing key from /gpg.asc and
// computing its fingerprint, checking the key a partner announced in INFO
// (against its own fingerprint, and against the partner's /gpg.asc when the
// laptop can reach it), formatting fingerprints for people, and letting a
// partner relay our organisation's protected events (attach the partner's
// key, keep our own, bump and republish so MISP pushes them again).
//
// It never imports Fyne and holds no secrets: instance keys are public.
// docs/PROTECTED.md describes the flow with the recordings it follows.
package protected
