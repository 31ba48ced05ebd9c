package protected

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// MaxArmoredKey caps the armored key text the package reads. MISP's
// /gpg.asc is an RSA-3072 key of about 2.5 KB (recordings 60, 61); INFO, which
// carries the key, inflates to at most 64 KiB.
const MaxArmoredKey = 32 << 10

const publicKeyBlock = "PGP PUBLIC KEY BLOCK"

// Key is an instance's public PGP key as MISP publishes it at /gpg.asc.
type Key struct {
	// Armored is the text as it was read; it is what goes into INFO and into
	// cryptographicKeys/add, unchanged.
	Armored string
	// Fingerprint is the primary key's fingerprint in upper-case hex without
	// separators, as MISP shows it in CryptographicKey.fingerprint.
	Fingerprint string
	// UserIDs are the key's user ids ("MISP instance A (Org-A) <misp-a@org-a.test>").
	UserIDs []string
	// Algorithm and Bits describe the primary key ("RSA", 3072).
	Algorithm string
	Bits      int
	Created   time.Time
}

// KeyProblem says why an armored key was refused.
type KeyProblem int

// The reasons a key is refused.
const (
	// KeyEmpty: there is no text at all.
	KeyEmpty KeyProblem = iota + 1
	// KeyTooLarge: more than MaxArmoredKey bytes.
	KeyTooLarge
	// KeyNotArmored: the text is not an ASCII-armored OpenPGP block.
	KeyNotArmored
	// KeyNotPublic: the block is not a public key block (a private key is
	// never accepted: it must not travel).
	KeyNotPublic
	// KeyUnreadable: the armored block does not hold a readable key.
	KeyUnreadable
	// KeyCount: the block holds more than one key.
	KeyCount
	// KeyCannotSign: the primary key cannot make signatures, so MISP cannot
	// use it to sign pushed events.
	KeyCannotSign
)

// KeyError is every error ParseKey returns.
type KeyError struct {
	Problem KeyProblem
	// Source names whose key it was ("our MISP's /gpg.asc", "the partner's
	// announced key"); empty says "the key".
	Source string
	// Detail is the OpenPGP library's message, when there is one.
	Detail string
}

func (e *KeyError) Error() string {
	src := e.Source
	if src == "" {
		src = "the key"
	}
	var what string
	switch e.Problem {
	case KeyEmpty:
		what = "is empty"
	case KeyTooLarge:
		what = fmt.Sprintf("is larger than %d KiB, far more than one instance key", MaxArmoredKey>>10)
	case KeyNotArmored:
		what = "is not an ASCII-armored OpenPGP key (it should start with -----BEGIN PGP PUBLIC KEY BLOCK-----)"
	case KeyNotPublic:
		what = "is not a public key block; a private key is never accepted or sent — publish only the public key at /gpg.asc"
	case KeyUnreadable:
		what = "could not be read as an OpenPGP public key"
	case KeyCount:
		what = "holds more than one key; MISP's /gpg.asc should hold only the instance's signing key"
	case KeyCannotSign:
		what = "cannot make signatures, so MISP cannot sign protected events with it"
	default:
		what = "was refused"
	}
	msg := src + " " + what
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg + "."
}

// ParseKey reads one armored OpenPGP public key and computes the primary
// key's fingerprint with ProtonMail go-crypto. source names whose key it is
// in error messages. Errors are *KeyError.
func ParseKey(armored, source string) (*Key, error) {
	fail := func(p KeyProblem, detail string) (*Key, error) {
		return nil, &KeyError{Problem: p, Source: source, Detail: detail}
	}
	if strings.TrimSpace(armored) == "" {
		return fail(KeyEmpty, "")
	}
	if len(armored) > MaxArmoredKey {
		return fail(KeyTooLarge, "")
	}
	block, err := armor.Decode(strings.NewReader(armored))
	if err != nil {
		return fail(KeyNotArmored, "")
	}
	if block.Type != publicKeyBlock {
		return fail(KeyNotPublic, "")
	}
	// Read the packets ourselves, so that a second key after the first is
	// seen (ReadArmoredKeyRing would also accept private keys).
	body, err := io.ReadAll(io.LimitReader(block.Body, MaxArmoredKey))
	if err != nil {
		return fail(KeyUnreadable, libraryDetail(err))
	}
	ring, err := openpgp.ReadKeyRing(bytes.NewReader(body))
	if err != nil {
		return fail(KeyUnreadable, libraryDetail(err))
	}
	switch {
	case len(ring) == 0:
		return fail(KeyUnreadable, "no key in the block")
	case len(ring) > 1:
		return fail(KeyCount, fmt.Sprintf("%d keys", len(ring)))
	}
	e := ring[0]
	if e.PrivateKey != nil {
		return fail(KeyNotPublic, "")
	}
	pk := e.PrimaryKey
	if pk == nil || len(pk.Fingerprint) == 0 {
		return fail(KeyUnreadable, "no primary key")
	}
	if !pk.CanSign() {
		return fail(KeyCannotSign, "")
	}
	k := &Key{
		Armored:     armored,
		Fingerprint: strings.ToUpper(hex.EncodeToString(pk.Fingerprint)),
		Algorithm:   algorithmName(pk.PubKeyAlgo),
		Created:     pk.CreationTime.UTC(),
	}
	if bits, err := pk.BitLength(); err == nil {
		k.Bits = int(bits)
	}
	for name := range e.Identities {
		k.UserIDs = append(k.UserIDs, name)
	}
	slices.Sort(k.UserIDs)
	return k, nil
}

// libraryDetail keeps the OpenPGP library's message short and printable.
func libraryDetail(err error) string {
	var se pgperrors.StructuralError
	var ue pgperrors.UnsupportedError
	switch {
	case errors.As(err, &se):
		return "malformed: " + truncate(string(se), 80)
	case errors.As(err, &ue):
		return "unsupported: " + truncate(string(ue), 80)
	}
	return truncate(err.Error(), 80)
}

func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func algorithmName(a packet.PublicKeyAlgorithm) string {
	switch a {
	case packet.PubKeyAlgoRSA, packet.PubKeyAlgoRSASignOnly, packet.PubKeyAlgoRSAEncryptOnly:
		return "RSA"
	case packet.PubKeyAlgoDSA:
		return "DSA"
	case packet.PubKeyAlgoECDSA:
		return "ECDSA"
	case packet.PubKeyAlgoEdDSA:
		return "EdDSA"
	case packet.PubKeyAlgoEd25519:
		return "Ed25519"
	case packet.PubKeyAlgoEd448:
		return "Ed448"
	}
	return fmt.Sprintf("algorithm %d", a)
}

// NormalizeFingerprint returns a fingerprint in upper-case hex without
// spaces or colons, the form in which two fingerprints are compared.
func NormalizeFingerprint(fp string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '\t', '\n', '\r':
			return -1
		}
		return r
	}, fp))
}

// SameFingerprint reports whether two fingerprints are equal after
// normalisation; an empty one never matches.
func SameFingerprint(a, b string) bool {
	a, b = NormalizeFingerprint(a), NormalizeFingerprint(b)
	return a != "" && a == b
}

// FormatFingerprint writes a fingerprint for people to compare: upper-case
// hex in groups of four separated by spaces, with a double space in the
// middle of a 40-digit (v4) fingerprint, the way GnuPG prints it:
// "5626 761B 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798".
//
// It groups characters, not bytes: a fingerprint the partner announced may
// hold anything, and upper-casing it can change byte lengths, so byte groups
// would cut a rune in two in the ALARM that shows it.
func FormatFingerprint(fp string) string {
	r := []rune(NormalizeFingerprint(fp))
	var b strings.Builder
	for i := 0; i < len(r); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
			if len(r) == 40 && i == 20 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(string(r[i:min(i+4, len(r))]))
	}
	return b.String()
}

// Describe says in one line what the key is: algorithm, size and user id.
func (k *Key) Describe() string {
	s := k.Algorithm
	if k.Bits > 0 {
		s += fmt.Sprintf("-%d", k.Bits)
	}
	if len(k.UserIDs) > 0 {
		s += ", " + k.UserIDs[0]
	}
	return s
}
