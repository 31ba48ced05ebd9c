package pairing

import (
	"bytes"
	"errors"
	"maps"
	"testing"
)

// typed fails the fuzz run when an error is not this package's *Error.
func typed(t *testing.T, err error) {
	t.Helper()
	var pe *Error
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

func FuzzBase45(f *testing.F) {
	for _, s := range []string{"", "BB8", "%69 VD92EX0", "GGW", "A", "QED8WEX0", "::", "ZZZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := base45Decode(s)
		typed(t, err)
		if err == nil && base45Encode(b) != s {
			t.Fatalf("Base45 is not canonical: %q -> %x -> %q", s, b, base45Encode(b))
		}
	})
}

func seedFrames(f *testing.F) {
	a, b := newSide(f, "alice"), newSide(f, "bob")
	toKeysTB(f, a, b)
	if err := a.Confirm(testInfo("A")); err != nil {
		f.Fatal(err)
	}
	for _, q := range append(a.Display(), b.Display()...) {
		f.Add(q)
		f.Add(ChatText(q))
	}
	f.Add("MB2:AAA")
	f.Add("mispbump1.AQID.AAAAAA")
	f.Add("https://example.org")
}

// FuzzFrameText covers QR text, chat text and the binary frame parser (Inspect).
func FuzzFrameText(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, s string) {
		fi, err := Inspect(s)
		typed(t, err)
		if err != nil {
			return
		}
		bin, form, _ := decodeText(s)
		again := encodeQR(bin)
		if form == FormChat {
			again = encodeChat(bin)
		}
		fi2, err := Inspect(again)
		if err != nil || fi2.Round != fi.Round || fi2.Len != fi.Len {
			t.Fatalf("re-encoded frame differs: %v", err)
		}
		if len(bin) <= maxFrameLen && len(encodeQR(bin)) > MaxQRTextLen {
			t.Fatal("an accepted frame does not fit a version 10 QR code")
		}
	})
}

// FuzzChatText feeds arbitrary text after the chat prefix.
func FuzzChatText(f *testing.F) {
	f.Add("AW7Eun_v3Q19lNBm6k7PKrUrkGtn25.AAAAAA")
	f.Add("AQID.e2K5mA")
	f.Add(" AQ\r\nID . e2K5mA ")
	f.Fuzz(func(t *testing.T, s string) {
		b, form, err := decodeText(chatPrefix + s)
		typed(t, err)
		if err == nil {
			if form != FormChat {
				t.Fatal("chat text taken for QR text")
			}
			if b2, _, err := decodeText(encodeChat(b)); err != nil || !bytes.Equal(b, b2) {
				t.Fatal("chat text does not round-trip")
			}
		}
	})
}

// FuzzReceive feeds arbitrary text to a side that holds keys.
func FuzzReceive(f *testing.F) {
	seedFrames(f)
	a0, b0 := newSide(f, "alice"), newSide(f, "bob")
	toKeysTB(f, a0, b0)
	f.Fuzz(func(t *testing.T, s string) {
		a := keyedCopy(a0)
		_, err := a.Receive(s)
		typed(t, err)
		_, errs := a.ReceiveAll(s)
		for _, err := range errs {
			typed(t, err)
		}
		_ = a.Display()
		_ = a.State()
	})
}

// FuzzReassembly seals authenticated parts of arbitrary content and delivers
// them in an arbitrary order with repeats and a stray frame: reassembly,
// inflate and payload parsing see outside bytes behind a valid seal.
func FuzzReassembly(f *testing.F) {
	f.Add(byte(3), deflate([]byte(`{"v":"1.0","org":{"uuid":"u","name":"n"}}`)), []byte{0, 0, 1}, "MB1:AAA")
	f.Add(byte(4), []byte(`{"v":"1.0","authkey":"x"}`), []byte{}, "")
	f.Add(byte(5), bytes.Repeat([]byte("x"), 900), []byte{5, 4, 3, 2, 1, 0}, "HELLO")
	f.Add(byte(6), []byte(`{"v":"9.0"}`), []byte{0}, "")
	// One key agreement for the whole run; each input starts from a copy.
	a0, b0 := newSide(f, "alice"), newSide(f, "bob")
	toKeysTB(f, a0, b0)
	f.Fuzz(func(t *testing.T, round byte, plain []byte, order []byte, stray string) {
		if round < byte(RoundInfo) || round > byte(RoundAbort) || len(plain) > 20*maxPartPlaintext {
			return
		}
		a, b := keyedCopy(a0), keyedCopy(b0)
		if err := b.sendSealed(Round(round), plain); err != nil {
			typed(t, err)
			return
		}
		parts := b.out[Round(round)]
		deliverPart := func(i int) {
			_, err := a.Receive(parts[i%len(parts)].qr)
			typed(t, err)
		}
		for _, o := range order {
			deliverPart(int(o))
		}
		_, err := a.Receive(stray)
		typed(t, err)
		for i := range parts {
			deliverPart(i)
		}
		_ = a.Display()
	})
}

func FuzzPayloadJSON(f *testing.F) {
	f.Add(byte(3), []byte(`{"v":"1.0","org":{"uuid":"u","name":"n"},"notifications":{"v":"1.0","emails":[{"address":"a@b"}]}}`))
	f.Add(byte(4), []byte(`{"v":"1.3","authkey":"k","extra":true}`))
	f.Add(byte(5), []byte(`{"v":"1.0","status":"1"}`))
	f.Add(byte(6), []byte(`{"v":"2.0","reason":1}`))
	f.Add(byte(3), []byte(`{"v":"1.0","notifications":{"v":"x"}}`))
	f.Fuzz(func(t *testing.T, round byte, data []byte) {
		p, err := decodePayload(Round(round), data)
		typed(t, err)
		if err == nil && p == nil {
			t.Fatal("nil payload without error")
		}
	})
}

func FuzzInflate(f *testing.F) {
	f.Add(deflate([]byte(`{"v":"1.0"}`)))
	f.Add(deflate(bytes.Repeat([]byte{0}, maxInflated+1)))
	f.Add([]byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := inflate(data)
		typed(t, err)
		if len(out) > maxInflated {
			t.Fatalf("inflated %d bytes, cap is %d", len(out), maxInflated)
		}
	})
}

func TestInflateCap(t *testing.T) {
	bomb := deflate(bytes.Repeat([]byte{'a'}, 10*maxInflated))
	if _, err := inflate(bomb); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("deflate bomb: %v", err)
	}
	if out, err := inflate(deflate(bytes.Repeat([]byte{'a'}, maxInflated))); err != nil || len(out) != maxInflated {
		t.Fatalf("exactly 64 KiB: %v", err)
	}
}

// keyedCopy copies a side that holds keys, with fresh receive and send state.
func keyedCopy(s *Side) *Side {
	c := *s
	c.shown = maps.Clone(s.shown)
	c.seen = maps.Clone(s.seen)
	c.rejected = map[[32]byte]bool{}
	c.out = maps.Clone(s.out)
	c.assemblies = map[Round]*assembly{}
	c.pendingKeys = maps.Clone(s.pendingKeys)
	c.staleCommits = maps.Clone(s.staleCommits)
	return &c
}
