// Package testkdf holds the switch that lets tests of other packages make
// stores with cheap Argon2 parameters (through core/store/storetest), without
// a knob in the store's own API.
package testkdf

import "sync/atomic"

// Cheap is true while a test asked for cheap key derivation.
var Cheap atomic.Bool
