package store

import (
	"encoding/json"
	"os"
	"testing"
)

// fuzzArgon2Limits keeps every input cheap: a mutated cost byte within the
// product's limits would spend seconds in Argon2 and starve the fuzzer.
func fuzzArgon2Limits(f *testing.F) {
	saved := acceptedArgon2
	acceptedArgon2 = argon2Limits{maxMemoryExp: 8, maxPasses: 2, maxParallelism: 2}
	f.Cleanup(func() { acceptedArgon2 = saved })
}

// FuzzOpenFile feeds outside bytes to the store-file opener. It must never
// panic, never ask for unbounded Argon2 work, and either fail with a typed
// error or return a document.
func FuzzOpenFile(f *testing.F) {
	fuzzArgon2Limits(f)
	d := sampleData()
	good := encodeForTest(f, &d, testPassphrase)
	f.Add(good)
	f.Add(good[:len(good)/2])
	if v0, err := os.ReadFile(fixtureV0Store); err == nil {
		f.Add(v0)
	}
	f.Add([]byte(`{"magic":"MISPbump store","format":1}` + "\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, pass := range []string{testPassphrase, fixturePassphrase} {
			_, format, doc, _, err := decodeFile("fuzz", raw, []byte(pass))
			if err != nil {
				if !errorsAs[*CorruptError](err) && !errorsAs[*WrongPassphraseError](err) && !errorsAs[*NewerVersionError](err) {
					t.Fatalf("untyped error: %v", err)
				}
				continue
			}
			if _, err := decodeDocument("fuzz", format, doc); err != nil && !errorsAs[*CorruptError](err) {
				t.Fatalf("untyped error: %v", err)
			}
		}
	})
}

// FuzzDecryptBody skips the convenience checksum so the fuzzer reaches the
// OpenPGP parser and the AEAD with mutated messages.
func FuzzDecryptBody(f *testing.F) {
	fuzzArgon2Limits(f)
	// A small document: the fuzzer minimises inputs by re-running them, and
	// every run derives a key.
	d := Data{Profiles: []Profile{{ID: "p", Authkey: testAuthkey}}}
	good := encodeForTest(f, &d, testPassphrase)
	_, body, err := readHeader("seed", good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkSKESK(body) != nil {
			return
		}
		plain, _, err := unseal(body, []byte(testPassphrase))
		if err == nil && len(plain) > maxFileBytes {
			t.Fatal("decrypted more than the limit")
		}
	})
}

// FuzzMigrateV0 feeds outside JSON to the format 0 migration.
func FuzzMigrateV0(f *testing.F) {
	if doc, err := os.ReadFile("testdata/v0-document.json"); err == nil {
		f.Add(doc)
	}
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out, err := migrateV0ToV1(doc)
		if err != nil {
			return
		}
		if _, err := decodeDocument("fuzz", FormatVersion, out); err != nil {
			t.Fatalf("migration produced a document that does not decode: %v", err)
		}
	})
}

// FuzzDecodeDocument feeds arbitrary JSON to the decoder of the decrypted
// document (what a store written by another build, or edited, may hold): it
// fails with a *CorruptError or gives Data that can be written back and read
// again, so a store that opens can always be saved.
func FuzzDecodeDocument(f *testing.F) {
	d := sampleData()
	if doc, err := json.Marshal(&d); err == nil {
		f.Add(doc)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"profiles":[{"id":"p","last_login":{"at":"2026-11-01T10:00:00Z"}}],"partners":[{}],"pending":[{}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := decodeDocument("fuzz", FormatVersion, doc)
		if err != nil {
			if !errorsAs[*CorruptError](err) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("decoded document cannot be written back: %v", err)
		}
		if _, err := decodeDocument("fuzz", FormatVersion, again); err != nil {
			t.Fatalf("written-back document does not decode: %v", err)
		}
	})
}
