package pairing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Labels of every hash and key derivation (docs/PROTOCOL.md, "Key schedule").
const (
	labelCommit     = "MISPbump/1 commit"
	labelTranscript = "MISPbump/1 transcript"
	labelKeyLH      = "MISPbump/1 key L->H"
	labelKeyHL      = "MISPbump/1 key H->L"
	labelSAS        = "MISPbump/1 SAS"
	adPrefix        = "MB1"
)

const (
	roleL byte = 'L'
	roleH byte = 'H'
)

// commitment is the round-1 value: a hash of the round-2 content.
func commitment(keyContent []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(labelCommit))
	h.Write(keyContent)
	var c [32]byte
	h.Sum(c[:0])
	return c
}

// transcriptHash hashes the decoded round-1 and round-2 fields in role order.
func transcriptHash(commitL, commitH [32]byte, keyL, keyH []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(labelTranscript))
	h.Write(commitL[:])
	h.Write(commitH[:])
	h.Write(keyL)
	h.Write(keyH)
	var t [32]byte
	h.Sum(t[:0])
	return t
}

// sessionKeys are the results of the key schedule for one side.
type sessionKeys struct {
	transcript [32]byte
	keyLH      []byte
	keyHL      []byte
	sas        string
}

func deriveKeys(shared []byte, transcript [32]byte) (*sessionKeys, error) {
	k := &sessionKeys{transcript: transcript}
	var err error
	if k.keyLH, err = hkdf.Key(sha256.New, shared, transcript[:], labelKeyLH, 32); err != nil {
		return nil, err
	}
	if k.keyHL, err = hkdf.Key(sha256.New, shared, transcript[:], labelKeyHL, 32); err != nil {
		return nil, err
	}
	sas, err := hkdf.Key(sha256.New, shared, transcript[:], labelSAS, 8)
	if err != nil {
		return nil, err
	}
	k.sas = renderSAS(sas)
	return k, nil
}

// renderSAS turns 64 bits into 16 decimal digits (53 bits) in four groups.
func renderSAS(b []byte) string {
	n := binary.BigEndian.Uint64(b) % 1e16
	d := fmt.Sprintf("%016d", n)
	return d[0:4] + " " + d[4:8] + " " + d[8:12] + " " + d[12:16]
}

func newAEAD(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("pairing: AES key of the wrong size") // keys are always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("pairing: GCM unavailable")
	}
	return aead
}

// gcmNonce is the 12-byte nonce for a counter: eight zero bytes, then the
// counter big-endian.
func gcmNonce(counter uint32) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint32(n[8:], counter)
	return n
}

// associatedData binds a sealed part to the protocol, the session, the
// sender's role, the message type and the part's place.
func associatedData(transcript [32]byte, senderRole byte, round Round, part, parts byte) []byte {
	ad := make([]byte, 0, len(adPrefix)+32+4)
	ad = append(ad, adPrefix...)
	ad = append(ad, transcript[:]...)
	return append(ad, senderRole, byte(round), part, parts)
}
