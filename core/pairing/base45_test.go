package pairing

import (
	"bytes"
	"errors"
	"testing"
)

func TestBase45RFC9285Examples(t *testing.T) {
	for _, tc := range []struct{ plain, enc string }{
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
		{"", ""},
	} {
		if got := base45Encode([]byte(tc.plain)); got != tc.enc {
			t.Errorf("encode %q = %q, want %q", tc.plain, got, tc.enc)
		}
		got, err := base45Decode(tc.enc)
		if err != nil || string(got) != tc.plain {
			t.Errorf("decode %q = %q, %v; want %q", tc.enc, got, err, tc.plain)
		}
	}
}

func TestBase45RejectsBadInput(t *testing.T) {
	for _, bad := range []string{
		"GGW",  // 65536: one above two bytes (RFC 9285 section 6)
		"ZZZ",  // far above
		"A",    // a lone character
		"BB8A", // a lone trailing character
		"bb8",  // lower case is outside the alphabet
		"B_8",  // outside the alphabet
		":Z",   // final pair above 255
	} {
		if _, err := base45Decode(bad); !errors.Is(err, ErrDamaged) {
			t.Errorf("decode %q: err = %v, want ErrDamaged", bad, err)
		}
	}
}

func TestBase45RoundTripAllLengths(t *testing.T) {
	r := &detRand{seed: "b45"}
	for n := 0; n < 300; n++ {
		b := make([]byte, n)
		r.Read(b)
		if n > 2 {
			b[0], b[1] = 0xFF, 0xFF // the largest group
		}
		got, err := base45Decode(base45Encode(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("length %d: round trip failed: %v", n, err)
		}
	}
}

func TestChatChecksumStrict(t *testing.T) {
	chat := encodeChat([]byte{1, 2, 3, 4, 5})
	// The last character of a 4-byte base64url checksum carries 2 bits; any
	// other value of its spare bits must be refused, not ignored.
	last := chat[len(chat)-1]
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		if c == last {
			continue
		}
		if _, _, err := decodeText(chat[:len(chat)-1] + string(c)); err == nil {
			t.Fatalf("checksum ending %q accepted instead of %q", c, last)
		}
	}
}
