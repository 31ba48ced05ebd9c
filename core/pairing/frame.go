package pairing

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
)

// Round names the kind of a frame. Its number orders the rounds: a partner
// frame of round r acknowledges our frames of every round below r.
type Round byte

const (
	RoundCommit Round = 1
	RoundKey    Round = 2
	RoundInfo   Round = 3
	RoundCreds  Round = 4
	RoundDone   Round = 5
	RoundAbort  Round = 6
)

func (r Round) String() string {
	switch r {
	case RoundCommit:
		return "COMMIT"
	case RoundKey:
		return "KEY"
	case RoundInfo:
		return "INFO"
	case RoundCreds:
		return "CREDS"
	case RoundDone:
		return "DONE"
	case RoundAbort:
		return "ABORT"
	}
	return fmt.Sprintf("Round(%d)", byte(r))
}

func (r Round) sealed() bool { return r >= RoundInfo && r <= RoundAbort }

// Wire constants; docs/PROTOCOL.md explains each.
const (
	// ProtocolVersion is the major version. It is in the QR prefix, the chat
	// prefix and inside the hashed KEY; there is no negotiation.
	ProtocolVersion = 1

	qrPrefix   = "MB1:"
	chatPrefix = "mispbump1."

	commitLen     = 1 + 32
	keyLen        = 1 + 1 + 32 + 16 + 32
	sealedHeadLen = 1 + 4 + 4 + 1 + 1
	gcmTagLen     = 16
	tagLen        = 4

	// MaxQRTextLen is the alphanumeric capacity of a version 10 QR code at
	// error correction M; every frame's QR text fits in it.
	MaxQRTextLen = 311
	// maxFrameLen is the longest binary frame whose Base45 form, behind the
	// prefix, fits MaxQRTextLen: (311-4)/3*2 = 204 bytes.
	maxFrameLen = (MaxQRTextLen - len(qrPrefix)) / 3 * 2
	// maxPartPlaintext is what one sealed part carries.
	maxPartPlaintext = maxFrameLen - sealedHeadLen - gcmTagLen
	maxParts         = 255
)

// frame is a decoded binary frame.
type frame struct {
	round Round
	// COMMIT
	commitment [32]byte
	// KEY
	version byte
	pub     [32]byte
	nonce   [16]byte
	answers [32]byte // the partner commitment this KEY answers (not committed to)
	// sealed rounds
	tag        [tagLen]byte
	counter    uint32
	part       byte // 0-based
	parts      byte
	ciphertext []byte
}

// keyContent is the round-2 content that the COMMIT hashes and the transcript holds.
func (f *frame) keyContent() []byte {
	b := make([]byte, 0, keyLen-1)
	b = append(b, f.version)
	b = append(b, f.pub[:]...)
	return append(b, f.nonce[:]...)
}

func (f *frame) marshal() []byte {
	switch f.round {
	case RoundCommit:
		return append([]byte{byte(RoundCommit)}, f.commitment[:]...)
	case RoundKey:
		return append(append([]byte{byte(RoundKey)}, f.keyContent()...), f.answers[:]...)
	default:
		b := make([]byte, sealedHeadLen, sealedHeadLen+len(f.ciphertext))
		b[0] = byte(f.round)
		copy(b[1:5], f.tag[:])
		binary.BigEndian.PutUint32(b[5:9], f.counter)
		b[9] = f.part
		b[10] = f.parts
		return append(b, f.ciphertext...)
	}
}

// parseFrame decodes binary frame bytes. It never panics on any input.
func parseFrame(b []byte) (*frame, error) {
	if len(b) == 0 {
		return nil, errorf(KindDamaged, "empty frame")
	}
	if len(b) > maxFrameLen {
		return nil, errorf(KindTooLarge, "frame longer than a QR code of version 10 holds")
	}
	f := &frame{round: Round(b[0])}
	switch f.round {
	case RoundCommit:
		if len(b) != commitLen {
			return nil, errorf(KindDamaged, "COMMIT frame of the wrong length")
		}
		copy(f.commitment[:], b[1:])
	case RoundKey:
		if len(b) != keyLen {
			return nil, errorf(KindDamaged, "KEY frame of the wrong length")
		}
		f.version = b[1]
		copy(f.pub[:], b[2:34])
		copy(f.nonce[:], b[34:50])
		copy(f.answers[:], b[50:82])
		if f.version != ProtocolVersion {
			if f.version > ProtocolVersion {
				return nil, errorf(KindNewerVersion, fmt.Sprintf("protocol version %d", f.version))
			}
			return nil, errorf(KindMalformed, fmt.Sprintf("unknown protocol version %d", f.version))
		}
	case RoundInfo, RoundCreds, RoundDone, RoundAbort:
		if len(b) < sealedHeadLen+gcmTagLen {
			return nil, errorf(KindDamaged, f.round.String()+" frame too short")
		}
		copy(f.tag[:], b[1:5])
		f.counter = binary.BigEndian.Uint32(b[5:9])
		f.part, f.parts = b[9], b[10]
		if f.parts == 0 || f.part >= f.parts {
			return nil, errorf(KindDamaged, "part number out of range")
		}
		f.ciphertext = bytes.Clone(b[sealedHeadLen:])
	default:
		return nil, errorf(KindMalformed, fmt.Sprintf("unknown frame type %d", b[0]))
	}
	return f, nil
}

// Form says how a frame travelled.
type Form int

const (
	FormQR   Form = 1 // QR text: "MB1:" + Base45
	FormChat Form = 2 // chat text: "mispbump1." + base64url + "." + checksum
)

// encodeQR gives the QR text of a binary frame.
func encodeQR(b []byte) string { return qrPrefix + base45Encode(b) }

// encodeChat gives the chat-safe text of a binary frame.
func encodeChat(b []byte) string {
	return chatPrefix + base64.RawURLEncoding.EncodeToString(b) + "." +
		base64.RawURLEncoding.EncodeToString(chatChecksum(b))
}

func chatChecksum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:4]
}

// decodeText turns QR text or chat text into frame bytes and says which form
// it was. Whitespace is trimmed around QR text and removed anywhere in chat
// text, where mail programs wrap long lines.
func decodeText(text string) ([]byte, Form, error) {
	t := strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(t, "MB") && len(t) >= 4 && t[3] == ':':
		if t[2] != '0'+ProtocolVersion {
			return nil, FormQR, versionError(t[2])
		}
		b, err := base45Decode(t[len(qrPrefix):])
		return b, FormQR, err
	case len(t) >= len(chatPrefix) && hasPrefixFoldASCII(t, "mispbump") && t[9] == '.':
		if t[8] != '0'+ProtocolVersion {
			return nil, FormChat, versionError(t[8])
		}
		t = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, t[len(chatPrefix):])
		data, sum, ok := strings.Cut(t, ".")
		if !ok {
			return nil, FormChat, errorf(KindDamaged, "the pasted code lacks its checksum; copy all of it")
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(data)
		if err != nil {
			return nil, FormChat, errorf(KindDamaged, "the pasted code contains characters that do not belong to it")
		}
		want, err := base64.RawURLEncoding.Strict().DecodeString(sum)
		if err != nil || !bytes.Equal(want, chatChecksum(b)) {
			return nil, FormChat, errorf(KindDamaged, "the pasted code is incomplete or was altered; copy it again")
		}
		return b, FormChat, nil
	}
	return nil, 0, ErrNotMISPbump
}

func versionError(c byte) error {
	if c > '0'+ProtocolVersion && c <= '9' {
		return errorf(KindNewerVersion, "frame format "+string(c))
	}
	return ErrNotMISPbump
}

// FrameInfo describes a scanned frame without any session.
type FrameInfo struct {
	Round  Round
	Form   Form
	Sealed bool
	// Part and Parts number a part of a multi-part message from 1 to Parts.
	Part, Parts int
	// SessionTag is the cleartext session tag of a sealed frame, in hex.
	SessionTag string
	// Len is the length of the binary frame in bytes.
	Len int
}

func (fi FrameInfo) String() string {
	if !fi.Sealed {
		return fmt.Sprintf("MISPbump %s frame (clear, %d bytes)", fi.Round, fi.Len)
	}
	return fmt.Sprintf("MISPbump %s frame, part %d of %d (sealed, session %s, %d bytes)",
		fi.Round, fi.Part, fi.Parts, fi.SessionTag, fi.Len)
}

// Inspect classifies scanned or pasted text without a session: a MISPbump
// frame (its round, part i of n, sealed or clear) or a typed *Error such as
// ErrNotMISPbump. It opens nothing and needs no key.
func Inspect(text string) (FrameInfo, error) {
	b, form, err := decodeText(text)
	if err != nil {
		return FrameInfo{}, err
	}
	f, err := parseFrame(b)
	if err != nil {
		return FrameInfo{}, err
	}
	fi := FrameInfo{Round: f.round, Form: form, Sealed: f.round.sealed(), Part: 1, Parts: 1, Len: len(b)}
	if fi.Sealed {
		fi.Part, fi.Parts = int(f.part)+1, int(f.parts)
		fi.SessionTag = fmt.Sprintf("%x", f.tag[:])
	}
	return fi, nil
}

// ChatText converts the QR text of a frame into its chat-safe text form
// (for "copy my code"). Text that is not a MISPbump QR text is returned as is.
func ChatText(qr string) string {
	b, form, err := decodeText(qr)
	if err != nil || form != FormQR {
		return qr
	}
	return encodeChat(b)
}
