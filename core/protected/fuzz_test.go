package protected

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/mispbump/mispbump-desktop/core/misp"
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

// FuzzProtectedEvent feeds arbitrary JSON, as an events/view answer of a MISP,
// to what the relay reads from it: the keys an event carries and when it
// changed. Whatever MISP sends, every fingerprint kept is normalised and the
// event never carries an empty one.
func FuzzProtectedEvent(f *testing.F) {
	for _, name := range []string{"74-events-view-protected-on-A.json", "76-events-view-protected-on-B.json", "56-events-view-on-B.json"} {
		data, err := os.ReadFile(filepath.Join(recordings, name))
		if err != nil {
			f.Fatal(err)
		}
		var rec struct {
			Response struct {
				Body json.RawMessage `json:"body"`
			} `json:"response"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		f.Add([]byte(rec.Response.Body))
	}
	f.Add([]byte(`{"Event":{"id":"1","timestamp":"-1","CryptographicKey":[{"fingerprint":" ab:cd ","revoked":"0"},{"fingerprint":"","revoked":false}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var view struct{ Event misp.Event }
		if json.Unmarshal(data, &view) != nil {
			return
		}
		pe := toProtected(&view.Event)
		for _, fp := range pe.Fingerprints {
			if fp == "" || NormalizeFingerprint(fp) != fp {
				t.Fatalf("fingerprint %q kept as is", fp)
			}
		}
		if pe.Carries("") {
			t.Fatal("an event carries the empty fingerprint")
		}
		if !pe.Timestamp.IsZero() && pe.Timestamp.Unix() <= 0 {
			t.Fatalf("timestamp %v from %q", pe.Timestamp, view.Event.Timestamp)
		}
	})
}
