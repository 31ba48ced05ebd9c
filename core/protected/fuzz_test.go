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

// FuzzFingerprint feeds arbitrary text, such as the fingerprint a partner
// announces in INFO, to the fingerprint helpers: the ALARM message shows it
// formatted, so formatting must keep it whole (no rune cut in two) and lose
// nothing but the separators it adds.
func FuzzFingerprint(f *testing.F) {
	f.Add(fingerprintA)
	f.Add("5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798")
	f.Add("0x" + strings.ToLower(fingerprintA))
	f.Add("ÉÉÉÉé") // upper-casing and grouping must not split runes
	f.Add("\xec\xec\xec\xec\xec")
	f.Fuzz(func(t *testing.T, fp string) {
		n := NormalizeFingerprint(fp)
		formatted := FormatFingerprint(fp)
		if utf8.ValidString(fp) && !utf8.ValidString(formatted) {
			t.Fatalf("FormatFingerprint(%q) = %q cuts a rune", fp, formatted)
		}
		if got := NormalizeFingerprint(formatted); got != n {
			t.Fatalf("formatting %q lost or changed characters: %q, normalised %q", fp, formatted, got)
		}
		if n != "" && !SameFingerprint(fp, formatted) {
			t.Fatalf("%q and its formatted %q differ", fp, formatted)
		}
	})
}
