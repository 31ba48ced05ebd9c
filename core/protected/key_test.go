package protected

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// TestParseKeyRecordingVectors: the fingerprints of the real instance keys
// (recordings 60 and 61) are the test vectors.
func TestParseKeyRecordingVectors(t *testing.T) {
	for _, tc := range []struct {
		file, fingerprint, uid string
	}{
		{"60-gpg-asc-A.json", fingerprintA, "Org-A"},
		{"61-gpg-asc-B.json", fingerprintB, "Org-B"},
	} {
		armored := recordedBody(t, tc.file)
		k, err := ParseKey(armored, "recording")
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if k.Fingerprint != tc.fingerprint {
			t.Errorf("%s: fingerprint %s, want %s", tc.file, k.Fingerprint, tc.fingerprint)
		}
		if k.Algorithm != "RSA" || k.Bits != 3072 {
			t.Errorf("%s: %s-%d, want RSA-3072", tc.file, k.Algorithm, k.Bits)
		}
		if len(k.UserIDs) != 1 || !strings.Contains(k.UserIDs[0], tc.uid) {
			t.Errorf("%s: user ids %q", tc.file, k.UserIDs)
		}
		if k.Armored != armored {
			t.Errorf("%s: armored text changed", tc.file)
		}
		if k.Created.IsZero() {
			t.Errorf("%s: no creation time", tc.file)
		}
	}
}

// TestParseKeyMatchesKeyData: the key attached in recording 68 is A's
// /gpg.asc, byte for byte, and the one of 69 is B's.
func TestParseKeyMatchesKeyData(t *testing.T) {
	if got := mustKey(t, recordedKeyData(t, "68-cryptographicKeys-add-A-key.json")).Fingerprint; got != fingerprintA {
		t.Errorf("68: %s", got)
	}
	if got := mustKey(t, recordedKeyData(t, "69-cryptographicKeys-add-B-key.json")).Fingerprint; got != fingerprintB {
		t.Errorf("69: %s", got)
	}
}

func armorEntity(t *testing.T, e *openpgp.Entity, private bool) string {
	t.Helper()
	var buf bytes.Buffer
	typ := "PGP PUBLIC KEY BLOCK"
	if private {
		typ = "PGP PRIVATE KEY BLOCK"
	}
	w, err := armor.Encode(&buf, typ, nil)
	if err != nil {
		t.Fatal(err)
	}
	if private {
		err = e.SerializePrivate(w, nil)
	} else {
		err = e.Serialize(w)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.String()
}

func TestParseKeyRefuses(t *testing.T) {
	entity, err := openpgp.NewEntity("test", "", "test@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	private := armorEntity(t, entity, true)
	// A private key packet inside a block labelled public must be refused too.
	mislabelled := strings.ReplaceAll(private, "PRIVATE", "PUBLIC")

	// Two keys in one block.
	other, err := openpgp.NewEntity("other", "", "other@example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	var two bytes.Buffer
	w, _ := armor.Encode(&two, "PGP PUBLIC KEY BLOCK", nil)
	entity.Serialize(w)
	other.Serialize(w)
	w.Close()

	for _, tc := range []struct {
		name    string
		armored string
		want    KeyProblem
	}{
		{"empty", "  \n", KeyEmpty},
		{"too large", strings.Repeat("A", MaxArmoredKey+1), KeyTooLarge},
		{"html page", "<html><body>Not found</body></html>", KeyNotArmored},
		{"recording 71 garbage", recordedKeyData(t, "71-cryptographicKeys-add-invalid-key.json"), KeyUnreadable},
		{"private key block", private, KeyNotPublic},
		{"private key labelled public", mislabelled, KeyNotPublic},
		{"two keys", two.String(), KeyCount},
		{"signature block", "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJ\n=abcd\n-----END PGP SIGNATURE-----\n", KeyNotArmored},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKey(tc.armored, "the test key")
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v, want *KeyError", err)
			}
			// A signature block is armored but not a key: either answer is
			// a refusal in words; only the two kinds are acceptable.
			if ke.Problem != tc.want && !(tc.name == "signature block" && ke.Problem == KeyNotPublic) {
				t.Errorf("problem %d, want %d (%v)", ke.Problem, tc.want, err)
			}
			if !strings.HasPrefix(err.Error(), "the test key ") || !strings.HasSuffix(err.Error(), ".") {
				t.Errorf("message %q does not name the key and end a sentence", err)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY BLOCK") && tc.want == KeyNotPublic {
				t.Errorf("message quotes the private block: %q", err)
			}
		})
	}
	// The public half of the generated key is accepted.
	if k, err := ParseKey(armorEntity(t, entity, false), "generated"); err != nil || len(k.Fingerprint) != 40 {
		t.Fatalf("public half: %v %+v", err, k)
	}
}

func TestFormatFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		fingerprintA: "5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798",
		"57:36:4a:c7:e8:7b:b8:9c:f3:c6:d4:13:2a:f5:d0:30:d2:ff:11:16": "5736 4AC7 E87B B89C F3C6  D413 2AF5 D030 D2FF 1116",
		"abcdef":                 "ABCD EF",
		"":                       "",
		strings.Repeat("ab", 32): strings.TrimSpace(strings.Repeat("ABAB ", 16)),
	} {
		if got := FormatFingerprint(in); got != want {
			t.Errorf("FormatFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameFingerprint(t *testing.T) {
	if !SameFingerprint(fingerprintA, FormatFingerprint(strings.ToLower(fingerprintA))) {
		t.Error("formatted lower-case form does not match")
	}
	if SameFingerprint(fingerprintA, fingerprintB) || SameFingerprint("", "") {
		t.Error("different or empty fingerprints match")
	}
}

func BenchmarkParseKey(b *testing.B) {
	armored := keyA(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKey(armored, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// The demo keys are the recordings' keys, byte for byte.
func TestDemoKeysAreTheRecordedOnes(t *testing.T) {
	if DemoKey(0) != keyA(t) || DemoKey(1) != keyB(t) || DemoKey(2) != "" {
		t.Fatal("DemoKey differs from recordings 60/61")
	}
	if k := mustKey(t, DemoKey(0)); k.Fingerprint != "5626761B7DA78C7B046F18F41C6D20BD9F5DF798" {
		t.Errorf("demo key A fingerprint %s", k.Fingerprint)
	}
}

// A fingerprint the partner announces may hold anything: formatting groups
// characters, not bytes, so a non-ASCII one stays readable in the ALARM.
func TestFormatFingerprintKeepsRunesWhole(t *testing.T) {
	if got, want := FormatFingerprint("éééééé"), "ÉÉÉÉ ÉÉ"; got != want {
		t.Fatalf("FormatFingerprint = %q, want %q", got, want)
	}
}
