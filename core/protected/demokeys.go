package protected

import _ "embed"

// The demo's two instance keys: the public keys the recorded MISP 2.5.1
// instances A and B served at /gpg.asc (recordings 60 and 61). Public keys
// only; their private halves were never part of the recordings.
var (
	//go:embed demokeys/a.asc
	demoKeyA string
	//go:embed demokeys/b.asc
	demoKeyB string
)

// DemoKey returns the armored public key the demo's simulator i (0 for A,
// 1 for B) serves at /gpg.asc (mispsim.Config.GPGKeyArmored), so the demo
// shows real fingerprints and cross-checks. Any other i returns "".
func DemoKey(i int) string {
	switch i {
	case 0:
		return demoKeyA
	case 1:
		return demoKeyB
	}
	return ""
}
