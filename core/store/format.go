package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"

	"github.com/mispbump/mispbump-desktop/core/store/internal/testkdf"
	"github.com/mispbump/mispbump-desktop/core/version"
)

// FormatVersion is the store format this version writes. Stores with a lower
// format are migrated on open; a higher one is refused.
const FormatVersion = 1

// fileMagic starts the cleartext header line of every store file.
const fileMagic = "MISPbump store"

// Limits for reading a file from disk: generous for real stores, small
// enough that a hostile file cannot exhaust memory.
const (
	maxHeaderBytes = 4 << 10
	maxFileBytes   = 64 << 20
)

// argon2Limits bounds the Argon2 parameters accepted from a file, so a
// crafted file cannot make opening it take gigabytes of memory or minutes of
// CPU. Fuzz targets lower them: they test the parser, not Argon2.
type argon2Limits struct {
	maxMemoryExp   uint8 // memory is 2^exp KiB
	maxPasses      uint8
	maxParallelism uint8
}

// acceptedArgon2 leaves room above desktopKDF (4x the memory, 2x the passes)
// for stronger parameters in a later version.
var acceptedArgon2 = argon2Limits{maxMemoryExp: 18, maxPasses: 6, maxParallelism: 16}

// header is the first line of a store file, in clear: enough to refuse a
// newer format and to tell a damaged file from a wrong passphrase before
// spending Argon2 time. It is bound to the body: the body repeats the format
// and the checksum covers the encrypted bytes.
type header struct {
	Magic     string    `json:"magic"`
	Format    int       `json:"format"`
	WrittenBy string    `json:"written_by"`
	Created   time.Time `json:"created"`
	Saved     time.Time `json:"saved"`
	// BodySHA256 is the SHA-256 of the OpenPGP message that follows. It is
	// not a security measure (the AEAD is): it tells damage from a wrong
	// passphrase.
	BodySHA256 string `json:"body_sha256"`
}

// envelope is the plaintext JSON inside the OpenPGP message.
type envelope struct {
	Format int             `json:"format"`
	Data   json.RawMessage `json:"data"`
}

// kdfParams are the Argon2id parameters used when writing.
type kdfParams struct {
	passes      uint8
	parallelism uint8
	memoryKiB   uint32
}

// desktopKDF follows RFC 9106's second recommended option (t=3, p=4, 64 MiB).
var desktopKDF = kdfParams{passes: 3, parallelism: 4, memoryKiB: 64 << 10}

// writeKDF is what new key packets use. Tests in this package lower it;
// nothing else may change it.
var writeKDF = desktopKDF

// cheapKDF is for tests only: the file format and code paths are the same.
var cheapKDF = kdfParams{passes: 1, parallelism: 1, memoryKiB: 64}

// keyDerivation returns the parameters for a new key packet: writeKDF, or
// cheapKDF while another package's test asked for it through storetest.
func keyDerivation() kdfParams {
	if testkdf.Cheap.Load() {
		return cheapKDF
	}
	return writeKDF
}

func pgpConfig(k kdfParams) *packet.Config {
	maxSize := int64(maxFileBytes)
	return &packet.Config{
		DefaultCipher: packet.CipherAES256,
		AEADConfig:    &packet.AEADConfig{DefaultMode: packet.AEADModeOCB},
		S2KConfig: &s2k.Config{
			S2KMode: s2k.Argon2S2K,
			Argon2Config: &s2k.Argon2Config{
				NumberOfPasses:      k.passes,
				DegreeOfParallelism: k.parallelism,
				Memory:              k.memoryKiB,
			},
		},
		MaxDecompressedMessageSize: &maxSize,
	}
}

// encodeFile turns a store document into the bytes of a store file. The
// plaintext exists only in memory.
func encodeFile(d *Data, sl *sealer, created time.Time) ([]byte, error) {
	doc, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode the store document: %w", err)
	}
	defer wipe(doc)
	return sealDocument(FormatVersion, doc, sl, created)
}

// sealDocument encrypts a raw document of the given format and puts the
// cleartext header in front of it.
func sealDocument(format int, doc json.RawMessage, sl *sealer, created time.Time) ([]byte, error) {
	plain, err := json.Marshal(envelope{Format: format, Data: doc})
	if err != nil {
		return nil, fmt.Errorf("encode the store document: %w", err)
	}
	defer wipe(plain)
	body, err := sl.seal(plain)
	if err != nil {
		return nil, err
	}
	h := header{
		Magic:     fileMagic,
		Format:    format,
		WrittenBy: version.Name + " " + version.Version,
		Created:   created.UTC(),
		Saved:     time.Now().UTC(),
	}
	return joinFile(h, body)
}

// joinFile writes the header line (with the body's checksum) and the body.
func joinFile(h header, body []byte) ([]byte, error) {
	sum := sha256.Sum256(body)
	h.BodySHA256 = hex.EncodeToString(sum[:])
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode the store header: %w", err)
	}
	out := make([]byte, 0, len(line)+1+len(body))
	out = append(out, line...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// readHeader splits a store file into its header and its OpenPGP body and
// checks everything that can be checked without the passphrase.
func readHeader(path string, raw []byte) (*header, []byte, error) {
	corrupt := func(reason string) error { return &CorruptError{Path: path, Reason: reason} }
	if len(raw) > maxFileBytes {
		return nil, nil, corrupt("it is larger than any store")
	}
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 || nl > maxHeaderBytes {
		return nil, nil, corrupt("it has no store header")
	}
	var h header
	dec := json.NewDecoder(bytes.NewReader(raw[:nl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || h.Magic != fileMagic {
		return nil, nil, corrupt("it does not start with a MISPbump store header")
	}
	if h.Format > FormatVersion {
		return nil, nil, &NewerVersionError{Path: path, Format: h.Format, WrittenBy: h.WrittenBy, Understood: FormatVersion}
	}
	if h.Format < 0 {
		return nil, nil, corrupt("its format number is negative")
	}
	body := raw[nl+1:]
	sum := sha256.Sum256(body)
	if h.BodySHA256 != hex.EncodeToString(sum[:]) {
		return nil, nil, corrupt("its encrypted part does not match its checksum: bytes were changed or cut off")
	}
	if err := checkSKESK(body); err != nil {
		return nil, nil, corrupt(err.Error())
	}
	return &h, body, nil
}

// checkSKESK accepts only the message shape this package writes: one v6
// passphrase-encrypted session key packet with Argon2 parameters within
// bounds, carrying an encrypted session key. It runs before any key
// derivation, so a crafted file cannot ask for unbounded memory.
func checkSKESK(body []byte) error {
	packets := packet.NewOpaqueReader(bytes.NewReader(body))
	op, err := packets.Next()
	if err != nil {
		return errors.New("its encrypted part is not an OpenPGP message")
	}
	c := op.Contents
	const tagSymmetricKeyEncrypted = 3
	// version 6, count, cipher, AEAD mode, S2K length, S2K type, 16-byte salt, t, p, m
	if op.Tag != tagSymmetricKeyEncrypted || len(c) < 25 || c[0] != 6 {
		return errors.New("it is not encrypted with a passphrase the way MISPbump stores are")
	}
	s2kLen := int(c[4])
	if s2kLen != 20 || c[5] != byte(s2k.Argon2S2K) {
		return errors.New("its passphrase is not stretched with Argon2")
	}
	passes, parallelism, memExp := c[22], c[23], c[24]
	lim := acceptedArgon2
	if passes == 0 || passes > lim.maxPasses || parallelism == 0 || parallelism > lim.maxParallelism ||
		memExp > lim.maxMemoryExp || uint32(1)<<memExp < 8*uint32(parallelism) {
		return errors.New("its Argon2 parameters are out of the accepted range")
	}
	ivLen := 0
	switch packet.AEADMode(c[3]) {
	case packet.AEADModeEAX:
		ivLen = 16
	case packet.AEADModeOCB:
		ivLen = 15
	case packet.AEADModeGCM:
		ivLen = 12
	default:
		return errors.New("its AEAD mode is unknown")
	}
	if len(c) <= 5+s2kLen+ivLen+16 {
		return errors.New("its session key packet is cut short")
	}
	// Exactly one session key packet, then version 2 encrypted data: a
	// second session key packet could carry unchecked Argon2 parameters.
	data, err := packets.Next()
	const tagSymmetricallyEncryptedIntegrityProtected = 18
	if err != nil || data.Tag != tagSymmetricallyEncryptedIntegrityProtected || len(data.Contents) == 0 || data.Contents[0] != 2 {
		return errors.New("its encrypted data does not follow the session key the way MISPbump writes it")
	}
	return nil
}

// decodeFile decrypts a store file. It returns the format the body was
// written in and the raw document, never a partly read one, and the sealer
// that saves under the same passphrase.
func decodeFile(path string, raw, passphrase []byte) (*header, int, json.RawMessage, *sealer, error) {
	h, body, err := readHeader(path, raw)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	plain, sl, err := unseal(body, passphrase)
	if err != nil {
		var wrong *WrongPassphraseError
		if errors.As(err, &wrong) {
			return nil, 0, nil, nil, err
		}
		return nil, 0, nil, nil, &CorruptError{Path: path, Reason: "it could not be decrypted: " + describePGPError(err)}
	}
	defer wipe(plain)
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		sl.wipe()
		return nil, 0, nil, nil, &CorruptError{Path: path, Reason: "its decrypted content is not a store document"}
	}
	if env.Format != h.Format {
		sl.wipe()
		return nil, 0, nil, nil, &CorruptError{Path: path, Reason: "its header and its encrypted content disagree on the format"}
	}
	// Copy: plain is wiped on return.
	doc := append(json.RawMessage(nil), env.Data...)
	return h, env.Format, doc, sl, nil
}

func describePGPError(err error) string {
	var structural pgperrors.StructuralError
	var unsupported pgperrors.UnsupportedError
	switch {
	case errors.As(err, &structural):
		return "its structure is broken"
	case errors.As(err, &unsupported):
		return "it uses an unsupported feature"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it is cut short"
	default:
		return "its integrity check failed"
	}
}

// wipe overwrites a buffer that held plaintext. Best effort: Go may have
// copied it, but it shortens the time secrets sit in memory.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
