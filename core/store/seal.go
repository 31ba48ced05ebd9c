package store

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// The OpenPGP message of a store file is exactly:
//
//	SKESK v6 (Argon2id S2K, AES-256, OCB): the session key, encrypted under the passphrase
//	SEIPD v2 (AES-256, OCB, random 32-byte salt): a binary literal data packet holding the JSON
//
// It is a standard RFC 9580 message (Sequoia or go-crypto can decrypt it;
// GnuPG cannot, it does not implement SEIPD v2), but this package builds and parses it packet
// by packet, so it can keep the session key and the SKESK packet between
// saves: Argon2 runs when the store is opened, created or re-keyed, not at
// every save. Every save still encrypts under a fresh message key, because
// SEIPD v2 derives the message key and nonces from the session key and a
// new random salt (RFC 9580 section 5.13.2).

// cipherSuite is what every save writes.
var cipherSuite = packet.CipherSuite{Cipher: packet.CipherAES256, Mode: packet.AEADModeOCB}

// sealer encrypts store documents under a passphrase without keeping it:
// it holds the session key and the packet that carries it encrypted under
// the passphrase.
type sealer struct {
	skesk      []byte
	sessionKey []byte
}

// newSealer derives a key from passphrase with Argon2id (k) and makes a
// fresh random session key encrypted under it.
func newSealer(passphrase []byte, k kdfParams) (*sealer, error) {
	var buf bytes.Buffer
	key, err := packet.SerializeSymmetricKeyEncrypted(&buf, passphrase, pgpConfig(k))
	if err != nil {
		return nil, fmt.Errorf("protect the store key with the passphrase: %w", err)
	}
	return &sealer{skesk: buf.Bytes(), sessionKey: key}, nil
}

// seal returns the OpenPGP message holding plain.
func (sl *sealer) seal(plain []byte) ([]byte, error) {
	var body bytes.Buffer
	body.Write(sl.skesk)
	cfg := pgpConfig(writeKDF)
	enc, err := packet.SerializeSymmetricallyEncrypted(&body, cipherSuite.Cipher, true, cipherSuite, sl.sessionKey, cfg)
	if err != nil {
		return nil, fmt.Errorf("encrypt the store: %w", err)
	}
	lit, err := packet.SerializeLiteral(enc, true, "", 0)
	if err != nil {
		return nil, fmt.Errorf("encrypt the store: %w", err)
	}
	if _, err := lit.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt the store: %w", err)
	}
	// Closing the literal packet closes the encryption too (final tag).
	if err := lit.Close(); err != nil {
		return nil, fmt.Errorf("encrypt the store: %w", err)
	}
	return body.Bytes(), nil
}

// opens reports whether passphrase is the one the sealer's key is under.
func (sl *sealer) opens(passphrase []byte) bool {
	p, err := packet.NewReader(bytes.NewReader(sl.skesk)).Next()
	if err != nil {
		return false
	}
	ske, ok := p.(*packet.SymmetricKeyEncrypted)
	if !ok {
		return false
	}
	key, _, err := ske.Decrypt(passphrase)
	if err != nil {
		return false
	}
	defer wipe(key)
	return subtle.ConstantTimeCompare(key, sl.sessionKey) == 1
}

func (sl *sealer) wipe() {
	if sl != nil {
		wipe(sl.sessionKey)
		sl.sessionKey = nil
	}
}

// unseal decrypts the OpenPGP message of a store file (already checked by
// checkSKESK) and reads it to the end, so the AEAD tag of every chunk and
// the final tag are verified before anything is used. A failure to decrypt
// the session key is a wrong passphrase; any later failure is damage.
func unseal(body, passphrase []byte) ([]byte, *sealer, error) {
	rawSKESK, err := packet.NewOpaqueReader(bytes.NewReader(body)).Next()
	if err != nil {
		return nil, nil, err
	}
	var skesk bytes.Buffer
	if err := rawSKESK.Serialize(&skesk); err != nil {
		return nil, nil, err
	}

	packets := packet.NewReader(bytes.NewReader(body))
	p, err := packets.Next()
	if err != nil {
		return nil, nil, err
	}
	ske, ok := p.(*packet.SymmetricKeyEncrypted)
	if !ok || ske.Version != 6 {
		return nil, nil, errors.New("no passphrase-encrypted session key")
	}
	sessionKey, _, err := ske.Decrypt(passphrase)
	if err != nil {
		return nil, nil, &WrongPassphraseError{}
	}
	sl := &sealer{skesk: skesk.Bytes(), sessionKey: sessionKey}

	plain, err := readSEIPD(packets, sessionKey)
	if err != nil {
		sl.wipe()
		return nil, nil, err
	}
	return plain, sl, nil
}

func readSEIPD(packets *packet.Reader, sessionKey []byte) ([]byte, error) {
	p, err := packets.Next()
	if err != nil {
		return nil, err
	}
	se, ok := p.(*packet.SymmetricallyEncrypted)
	if !ok || se.Version != 2 {
		return nil, errors.New("no AEAD-encrypted data after the session key")
	}
	decrypted, err := se.Decrypt(0, sessionKey)
	if err != nil {
		return nil, err
	}
	inner, err := packet.NewReader(decrypted).Next()
	if err != nil {
		return nil, err
	}
	lit, ok := inner.(*packet.LiteralData)
	if !ok {
		return nil, errors.New("the encrypted data is not a literal data packet")
	}
	plain, err := io.ReadAll(io.LimitReader(lit.Body, maxFileBytes+1))
	if err != nil {
		wipe(plain)
		return nil, err
	}
	if len(plain) > maxFileBytes {
		wipe(plain)
		return nil, errors.New("decrypted content too large")
	}
	// Nothing may follow the literal data, inside or outside the encryption,
	// and the final AEAD tag must verify.
	if n, err := io.Copy(io.Discard, decrypted); err != nil || n != 0 {
		wipe(plain)
		return nil, errors.New("unexpected data after the store document")
	}
	if err := decrypted.Close(); err != nil {
		wipe(plain)
		return nil, err
	}
	if _, err := packets.Next(); err != io.EOF {
		wipe(plain)
		return nil, errors.New("unexpected packets after the encrypted data")
	}
	return plain, nil
}
