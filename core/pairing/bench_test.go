package pairing

import "testing"

// BenchmarkKeyAgreement: from a partner's KEY to keys and SAS (X25519, transcript, HKDF).
func BenchmarkKeyAgreement(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	deliver(b, y, x)
	key := y.ownKey
	h := [32]byte{}
	for b.Loop() {
		x.keys = nil
		if _, err := x.useKey(key, h, Update{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealInfo: marshal, deflate, split and seal a typical INFO with a
// 3 KB armored PGP key and a certificate.
func BenchmarkSealInfo(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	toKeysTB(b, x, y)
	info := bigInfo("A")
	for b.Loop() {
		x.out[RoundInfo] = nil
		if err := x.sendSealed(RoundInfo, deflate(marshalPayload(info))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(x.out[RoundInfo])), "parts")
}

// BenchmarkOpenInfo: decode, open, reassemble, inflate and parse that INFO.
func BenchmarkOpenInfo(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	toKeysTB(b, x, y)
	if err := y.Confirm(bigInfo("B")); err != nil {
		b.Fatal(err)
	}
	qrs := y.Display()[1:] // the INFO parts (KEY first)
	for b.Loop() {
		x.seen = map[[32]byte]bool{}
		x.assemblies = map[Round]*assembly{}
		x.rejected = map[[32]byte]bool{}
		var last Update
		for _, q := range qrs {
			u, err := x.Receive(q)
			if err != nil {
				b.Fatal(err)
			}
			last = u
		}
		if last.Event != EventPartnerInfo {
			b.Fatal("INFO not complete")
		}
	}
}

// BenchmarkFrameEncode: binary frame to QR text (one full 204-byte part).
func BenchmarkFrameEncode(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	toKeysTB(b, x, y)
	x.Confirm(bigInfo("A"))
	bin := x.out[RoundInfo][0].bin
	for b.Loop() {
		_ = encodeQR(bin)
	}
}

// BenchmarkFrameDecode: QR text of a full part to a parsed frame (Inspect).
func BenchmarkFrameDecode(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	toKeysTB(b, x, y)
	x.Confirm(bigInfo("A"))
	qr := x.out[RoundInfo][0].qr
	for b.Loop() {
		if _, err := Inspect(qr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChatDecode: the chat form of the same part.
func BenchmarkChatDecode(b *testing.B) {
	x, y := newSide(b, "alice"), newSide(b, "bob")
	toKeysTB(b, x, y)
	x.Confirm(bigInfo("A"))
	chat := ChatText(x.out[RoundInfo][0].qr)
	for b.Loop() {
		if _, err := Inspect(chat); err != nil {
			b.Fatal(err)
		}
	}
}
