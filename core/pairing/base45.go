package pairing

import "strings"

// Base45 as in RFC 9285: the 45 characters of the QR alphanumeric mode, so a
// QR code can carry binary data in its dense alphanumeric mode.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var base45Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// base45Encode encodes every two bytes as three characters (little end first)
// and a trailing byte as two.
func base45Encode(src []byte) string {
	var b strings.Builder
	b.Grow(len(src)/2*3 + 2)
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		b.WriteByte(base45Alphabet[n%45])
		b.WriteByte(base45Alphabet[n/45%45])
		b.WriteByte(base45Alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		b.WriteByte(base45Alphabet[n%45])
		b.WriteByte(base45Alphabet[n/45])
	}
	return b.String()
}

// base45Decode rejects characters outside the alphabet, a lone trailing
// character and groups whose value does not fit (RFC 9285 section 6).
func base45Decode(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errorf(KindDamaged, "Base45 text has a stray character at the end")
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		var v [3]int
		n := 3
		if len(s)-i == 2 {
			n = 2
		}
		for j := 0; j < n; j++ {
			c := base45Values[s[i+j]]
			if c < 0 {
				return nil, errorf(KindDamaged, "character outside the Base45 alphabet")
			}
			v[j] = int(c)
		}
		x := v[0] + v[1]*45 + v[2]*2025
		if n == 3 {
			if x > 0xFFFF {
				return nil, errorf(KindDamaged, "Base45 group out of range")
			}
			out = append(out, byte(x>>8), byte(x))
		} else {
			if x > 0xFF {
				return nil, errorf(KindDamaged, "Base45 group out of range")
			}
			out = append(out, byte(x))
		}
	}
	return out, nil
}
