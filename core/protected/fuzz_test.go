package protected

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// FuzzParseKey feeds arbitrary text to the armored-key parser: it must never
// panic, must either return a key with a 40- or 64-digit fingerprint or a
// *KeyError whose message is printable, and must never accept a private key.
func FuzzParseKey(f *testing.F) {
	f.Add(keyA(f))
	f.Add(keyB(f))
	f.Add(recordedKeyData(f, "71-cryptographicKeys-add-invalid-key.json"))
	f.Add("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n")
	f.Add("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ==\n-----END PGP PRIVATE KEY BLOCK-----\n")
	f.Add(keyA(f) + keyB(f))
	// A small modern key, cheaper to mutate than RSA-3072.
	if e, err := openpgp.NewEntity("fuzz", "", "fuzz@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEd25519}); err == nil {
		var buf bytes.Buffer
		if w, err := armor.Encode(&buf, "PGP PUBLIC KEY BLOCK", nil); err == nil && e.Serialize(w) == nil && w.Close() == nil {
			f.Add(buf.String())
		}
	}
	f.Fuzz(func(t *testing.T, armored string) {
		k, err := ParseKey(armored, "fuzz")
		if err != nil {
			if k != nil {
				t.Fatal("key and error")
			}
			ke, ok := err.(*KeyError)
			if !ok {
				t.Fatalf("error %T, want *KeyError", err)
			}
			msg := ke.Error()
			if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\x00\n\r") {
				t.Fatalf("unprintable message %q", msg)
			}
			return
		}
		if n := len(k.Fingerprint); n != 40 && n != 64 {
			t.Fatalf("fingerprint %q", k.Fingerprint)
		}
		if NormalizeFingerprint(k.Fingerprint) != k.Fingerprint {
			t.Fatalf("fingerprint not normalised: %q", k.Fingerprint)
		}
	})
}
