package protected

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/misp"
	"github.com/mispbump/mispbump-desktop/core/mispsim"
)

// The fingerprints the recordings' README gives for the instance keys of A
// (recording 60) and B (recording 61): the test vectors of ParseKey.
const (
	fingerprintA = "5626761B7DA78C7B046F18F41C6D20BD9F5DF798"
	fingerprintB = "57364AC7E87BB89CF3C6D4132AF5D030D2FF1116"
)

const recordings = "../../testdata/misp-recordings"

// recordedBody returns the response body of a recording as a string
// (the /gpg.asc recordings hold the armored key as a JSON string).
func recordedBody(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Response struct {
			Body json.RawMessage `json:"body"`
		} `json:"response"`
		Request struct {
			Body json.RawMessage `json:"body"`
		} `json:"request"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var s string
	if err := json.Unmarshal(rec.Response.Body, &s); err != nil {
		t.Fatalf("%s: body is not a string: %v", name, err)
	}
	return s
}

// recordedKeyData returns request.body.key_data of a cryptographicKeys/add
// recording.
func recordedKeyData(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Request struct {
			Body struct {
				KeyData string `json:"key_data"`
			} `json:"body"`
		} `json:"request"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rec.Request.Body.KeyData
}

func keyA(t testing.TB) string { return recordedBody(t, "60-gpg-asc-A.json") }
func keyB(t testing.TB) string { return recordedBody(t, "61-gpg-asc-B.json") }

func mustKey(t testing.TB, armored string) *Key {
	t.Helper()
	k, err := ParseKey(armored, "test key")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startSim serves a simulator with the given /gpg.asc ("" for none) and
// returns it with an admin client.
func startSim(t testing.TB, name, gpg string) (*mispsim.Sim, *misp.Client) {
	t.Helper()
	s := mispsim.New(mispsim.Config{Name: name, HostOrgName: "Org-" + name, GPGKeyArmored: gpg})
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := misp.New(url, s.AdminKey(), misp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// cryptoKey is a simulator key record for an armored key.
func cryptoKey(t testing.TB, armored string) mispsim.CryptoKey {
	k := mustKey(t, armored)
	return mispsim.CryptoKey{Type: "pgp", KeyData: armored, Fingerprint: k.Fingerprint}
}

func protectedEvent(info string, keys ...mispsim.CryptoKey) mispsim.Event {
	on := true
	return mispsim.Event{Info: info, Protected: &on, Published: true, Distribution: 2, CryptographicKeys: keys}
}

// newSimTLS serves a simulator over HTTPS with a self-signed certificate.
func newSimTLS(t testing.TB, gpg string) *mispsim.Sim {
	t.Helper()
	s := mispsim.New(mispsim.Config{Name: "B", GPGKeyArmored: gpg})
	if _, err := s.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func poolOf(t testing.TB, pemBytes []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in PEM")
	}
	return pool
}
