package store

import (
	"bytes"
	"io"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// TestStoreBodyIsStandardOpenPGP: any RFC 9580 implementation with the
// passphrase can recover the store (go-crypto's own reader stands in for gpg).
func TestStoreBodyIsStandardOpenPGP(t *testing.T) {
	dir, _ := createWith(t, sampleData())
	_, body, err := readHeader("x", readStoreFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	md, err := openpgp.ReadMessage(bytes.NewReader(body), nil, func([]openpgp.Key, bool) ([]byte, error) {
		asked++
		if asked > 1 {
			return nil, io.EOF
		}
		return []byte(testPassphrase), nil
	}, nil)
	if err != nil {
		t.Fatalf("standard OpenPGP reader: %v", err)
	}
	plain, err := io.ReadAll(md.UnverifiedBody)
	if err != nil {
		t.Fatalf("standard OpenPGP reader: %v", err)
	}
	if !md.IsSymmetricallyEncrypted || !bytes.Contains(plain, []byte(testAuthkey)) {
		t.Fatal("the standard reader did not recover the document")
	}
}

// TestSavesReuseTheKeyPacketButNotTheMessageKey: a save keeps the
// passphrase-protected session key packet (so it needs no Argon2 run) while
// the encrypted data differs from the start (fresh SEIPD v2 salt). A
// passphrase change replaces the key packet.
func TestSavesReuseTheKeyPacketButNotTheMessageKey(t *testing.T) {
	dir, s := createWith(t, sampleData())
	bodyOf := func() []byte {
		_, body, err := readHeader("x", readStoreFile(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	first := bodyOf()
	if err := s.Update(func(*Data) error { return nil }); err != nil {
		t.Fatal(err)
	}
	second := bodyOf()
	skeskLen := 2 + int(first[1])
	if !bytes.Equal(first[:skeskLen], second[:skeskLen]) {
		t.Fatal("a save changed the session key packet")
	}
	// SEIPD header (2) + version, cipher, mode, chunk size (4) + 32-byte salt.
	saltAt := skeskLen + 2 + 4
	if bytes.Equal(first[saltAt:saltAt+32], second[saltAt:saltAt+32]) {
		t.Fatal("two saves used the same SEIPD salt")
	}
	if err := s.ChangePassphrase([]byte(testPassphrase), []byte("another good passphrase")); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first[:skeskLen], bodyOf()[:skeskLen]) {
		t.Fatal("a passphrase change kept the old session key packet")
	}
}
