package pairing

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/pairing vectors")

const vectorDir = "../../testdata/pairing"

type vectorFrame struct {
	From  string `json:"from"`
	Round string `json:"round"`
	Part  int    `json:"part"`
	Parts int    `json:"parts"`
	QR    string `json:"qr"`
	Chat  string `json:"chat"`
	// Plaintext is the opened (and for INFO inflated) payload of a sealed frame.
	Plaintext string `json:"plaintext,omitempty"`
	// PlaintextHex is the opened part of an INFO: a piece of the DEFLATE stream.
	PlaintextHex string `json:"plaintext_hex,omitempty"`
}

type vectorSide struct {
	Seed       string `json:"rand_seed"`
	PrivateKey string `json:"private_key"`
	PublicKey  string `json:"public_key"`
	Nonce      string `json:"nonce"`
	Commitment string `json:"commitment"`
	Role       string `json:"role"`
}

type transcriptVector struct {
	Comment    string     `json:"comment"`
	A          vectorSide `json:"a"`
	B          vectorSide `json:"b"`
	Transcript string     `json:"transcript_hash"`
	SessionTag string     `json:"session_tag"`
	KeyLH      string     `json:"key_l_to_h"`
	KeyHL      string     `json:"key_h_to_l"`
	SAS        string     `json:"sas"`
	// InfoA and InfoB are the INFO JSON each side sealed (before DEFLATE).
	InfoA  string        `json:"info_a"`
	InfoB  string        `json:"info_b"`
	Frames []vectorFrame `json:"frames"`
}

// scriptedPairing runs the fixed exchange the transcript vector records.
func scriptedPairing(t testing.TB) (*Side, *Side) {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, b, a)
	deliver(t, a, b)
	deliver(t, b, a)
	must(t, a.Confirm(bigInfo("A")))
	deliver(t, a, b)
	must(t, b.Confirm(testInfo("B")))
	deliver(t, b, a)
	must(t, a.SendCreds(Creds{SyncAuthkey: "0123456789abcdefghijABCDEFGHIJ0123456789", SyncUserEmail: "sync-7c2a9a8e@mispbump.invalid"}))
	deliver(t, a, b)
	must(t, b.SendCreds(Creds{SyncAuthkey: "zyxwvutsrqZYXWVUTSRQ9876543210zyxwvutsrq", SyncUserEmail: "sync-bbbbbbbb@mispbump.invalid"}))
	must(t, b.SendDone(Done{Status: 1, Message: "Connected", TestConnection: &TestResult{Status: 1, Post: 1, RemoteUUID: testInfo("A").InstanceUUID}}))
	deliver(t, b, a)
	must(t, a.SendDone(Done{Status: 1, Message: "Connected", TestConnection: &TestResult{Status: 1, Post: 1, RemoteUUID: testInfo("B").InstanceUUID}}))
	deliver(t, a, b)
	if !finished(a, b) {
		t.Fatal("scripted pairing did not finish")
	}
	return a, b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sideVector(s *Side, seed string) vectorSide {
	return vectorSide{Seed: seed, PrivateKey: hex.EncodeToString(s.priv.Bytes()),
		PublicKey: hex.EncodeToString(s.ownKey.pub[:]), Nonce: hex.EncodeToString(s.ownKey.nonce[:]),
		Commitment: hex.EncodeToString(s.ownCommit[:]), Role: string(s.role)}
}

func buildTranscriptVector(t testing.TB) transcriptVector {
	a, b := scriptedPairing(t)
	v := transcriptVector{
		Comment: "Two sides with Options.Rand = SHA-256(seed || uint64 big-endian block counter) streams; " +
			"each side draws 32 bytes of X25519 private key, then a 16-byte nonce. Frames are listed per side " +
			"in the order produced. INFO parts open to pieces of a raw DEFLATE stream (plaintext_hex) that " +
			"inflates to info_a / info_b; DEFLATE encoders differ, so a checker compares the inflated JSON, not INFO's bytes.",
		A: sideVector(a, "alice"), B: sideVector(b, "bob"),
		Transcript: hex.EncodeToString(a.keys.transcript[:]), SessionTag: hex.EncodeToString(a.keys.transcript[:tagLen]),
		KeyLH: hex.EncodeToString(a.keys.keyLH), KeyHL: hex.EncodeToString(a.keys.keyHL), SAS: a.keys.sas,
		InfoA: string(marshalPayload(*a.ownInfo)), InfoB: string(marshalPayload(*b.ownInfo)),
	}
	for _, side := range []struct {
		name string
		s    *Side
		peer *Side
	}{{"a", a, b}, {"b", b, a}} {
		for _, r := range []Round{RoundCommit, RoundKey, RoundInfo, RoundCreds, RoundDone} {
			for _, f := range side.s.out[r] {
				fi := mustInspect(t, f.qr)
				vf := vectorFrame{From: side.name, Round: r.String(), Part: fi.Part, Parts: fi.Parts, QR: f.qr, Chat: ChatText(f.qr)}
				if plain := []byte(nil); fi.Sealed {
					plain = openForVector(t, side.peer, f.qr)
					if r == RoundInfo {
						vf.PlaintextHex = hex.EncodeToString(plain)
					} else {
						vf.Plaintext = string(plain)
					}
				}
				v.Frames = append(v.Frames, vf)
			}
		}
	}
	return v
}

// openForVector opens one sealed frame with the receiver's key, inflating a whole INFO.
func openForVector(t testing.TB, receiver *Side, qr string) []byte {
	f := frameOf(t, qr)
	ad := associatedData(receiver.keys.transcript, receiver.partnerRole(), f.round, f.part, f.parts)
	plain, err := receiver.open.Open(nil, gcmNonce(f.counter), f.ciphertext, ad)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

type badVector struct {
	Name string `json:"name"`
	// Context: "inspect" (no session), "keys" (side a of the transcript after keys),
	// "commit" (side a holding b's COMMIT, before keys).
	Context string `json:"context"`
	Input   string `json:"input"`
	Kind    string `json:"error_kind"`
}

func buildBadVectors(t testing.TB) []badVector {
	a, b := newSide(t, "alice"), newSide(t, "bob")
	deliver(t, b, a)
	deliver(t, a, b)
	must(t, b.Confirm(testInfo("B")))
	info := b.out[RoundInfo][0].qr
	tampered := frameOf(t, info)
	tampered.ciphertext[0] ^= 1
	c, d := newSide(t, "carol"), newSide(t, "dave")
	toKeysTB(t, c, d)
	must(t, d.Confirm(testInfo("D")))
	newerKey := *a.ownKey
	newerKey.version = 2
	ownKeyOtherNonce := *a.ownKey
	ownKeyOtherNonce.nonce[15] ^= 0xFF
	chat := ChatText(info)
	badPart := frameOf(t, info)
	badPart.part = 3
	badPart.parts = 2
	return []badVector{
		{"not MISPbump: URL", "inspect", "https://misp.example.org/", "NotMISPbump"},
		{"not MISPbump: plain text", "inspect", "HELLO", "NotMISPbump"},
		{"Base45: lower case", "inspect", "MB1:bb8", "Damaged"},
		{"Base45: group above 65535", "inspect", "MB1:GGW", "Damaged"},
		{"Base45: lone trailing character", "inspect", "MB1:BB8A", "Damaged"},
		{"newer frame format", "inspect", "MB2:BB8", "NewerVersion"},
		{"newer chat format", "inspect", "mispbump2.AQ.AAAAAA", "NewerVersion"},
		{"chat: checksum wrong", "inspect", flipChar(chat, len(chat)-3), "Damaged"},
		{"chat: cut short", "inspect", chat[:len(chat)/2], "Damaged"},
		{"KEY of protocol version 2", "inspect", encodeQR(newerKey.marshal()), "NewerVersion"},
		{"unknown frame type", "inspect", encodeQR([]byte{9, 1, 2, 3}), "Malformed"},
		{"COMMIT too short", "inspect", encodeQR(append([]byte{1}, make([]byte, 31)...)), "Damaged"},
		{"part index beyond total", "inspect", qrOf(badPart), "Damaged"},
		{"sealed frame changed in transit", "keys", qrOf(tampered), "Tampered"},
		{"sealed frame from another pairing", "keys", d.out[RoundInfo][0].qr, "OtherPairing"},
		{"our key with another nonce", "keys", qrOf(&ownKeyOtherNonce), "OwnCode"},
		{"KEY not matching the held COMMIT", "commit", qrOf(c.ownKey), "Commitment"},
	}
}

func toKeysTB(t testing.TB, a, b *Side) {
	for i := 0; i < 4 && (a.keys == nil || b.keys == nil); i++ {
		deliver(t, a, b)
		deliver(t, b, a)
	}
}

func writeOrCompare(t *testing.T, name string, v any) []byte {
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join(vectorDir, name)
	if *update {
		must(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestVectors -update to create it)", err)
	}
	return want
}

func TestTranscriptVector(t *testing.T) {
	fileBytes := writeOrCompare(t, "transcript.json", buildTranscriptVector(t))
	var want transcriptVector
	must(t, json.Unmarshal(fileBytes, &want))
	a, b := scriptedPairing(t)
	if got := hex.EncodeToString(a.keys.transcript[:]); got != want.Transcript {
		t.Errorf("transcript hash %s, vector %s", got, want.Transcript)
	}
	if hex.EncodeToString(a.keys.keyLH) != want.KeyLH || hex.EncodeToString(a.keys.keyHL) != want.KeyHL {
		t.Error("direction keys differ from the vector")
	}
	if a.keys.sas != want.SAS || b.keys.sas != want.SAS {
		t.Errorf("SAS %s / %s, vector %s", a.keys.sas, b.keys.sas, want.SAS)
	}
	if sideVector(a, "alice") != want.A || sideVector(b, "bob") != want.B {
		t.Error("side values differ from the vector")
	}
	// Every vector frame: exact bytes for all but INFO; every sealed frame opens
	// to the recorded plaintext on a fresh receiver fed only the vector's frames.
	fa, fb := newSide(t, "alice"), newSide(t, "bob")
	recv := map[string]*Side{"a": fb, "b": fa}
	var own = map[string]*Side{"a": a, "b": b}
	produced := map[string][]string{}
	for _, s := range []string{"a", "b"} {
		for _, r := range []Round{RoundCommit, RoundKey, RoundInfo, RoundCreds, RoundDone} {
			for _, f := range own[s].out[r] {
				produced[s] = append(produced[s], f.qr)
			}
		}
	}
	idx := map[string]int{}
	for _, vf := range want.Frames {
		got := produced[vf.From][idx[vf.From]]
		idx[vf.From]++
		if vf.Round != "INFO" && got != vf.QR {
			t.Errorf("%s %s part %d: frame differs from the vector", vf.From, vf.Round, vf.Part)
		}
		if ChatText(vf.QR) != vf.Chat {
			t.Errorf("%s %s: chat form differs", vf.From, vf.Round)
		}
	}
	// Replay the vector's frames into fresh sides (same seeds): they must accept all.
	for i := 0; i < 3; i++ {
		for _, vf := range want.Frames {
			if _, err := recv[vf.From].Receive(vf.Chat); err != nil {
				// Frames are given in production order; sealed ones need keys first,
				// and a fresh side confirms only when told to. Errors are failures.
				t.Fatalf("vector frame %s %s %d rejected: %v", vf.From, vf.Round, vf.Part, err)
			}
		}
		if fa.keys != nil && !fa.confirmed {
			must(t, fa.Confirm(bigInfo("A")))
			must(t, fb.Confirm(testInfo("B")))
		}
	}
	for _, vf := range want.Frames {
		if vf.Plaintext == "" {
			continue
		}
		plain := openForVector(t, recv[vf.From], vf.QR)
		if vf.Round == "INFO" {
			continue // compared whole below
		}
		if string(plain) != vf.Plaintext {
			t.Errorf("%s %s plaintext differs", vf.From, vf.Round)
		}
	}
	for _, c := range []struct {
		recv *Side
		want string
	}{{fb, want.InfoA}, {fa, want.InfoB}} {
		got, ok := c.recv.PartnerInfo()
		if !ok {
			t.Fatal("a fresh side did not assemble INFO from the vector")
		}
		if string(marshalPayload(got)) != c.want {
			t.Error("INFO assembled from the vector differs from its info_a/info_b")
		}
	}
	var inflated bytes.Buffer
	for _, vf := range want.Frames {
		if vf.From == "a" && vf.Round == "INFO" {
			p, _ := hex.DecodeString(vf.PlaintextHex)
			inflated.Write(p)
		}
	}
	if got, err := inflate(inflated.Bytes()); err != nil || string(got) != want.InfoA {
		t.Errorf("a's INFO parts do not inflate to info_a: %v", err)
	}
}

func TestBadVectors(t *testing.T) {
	fileBytes := writeOrCompare(t, "bad.json", buildBadVectors(t))
	var vs []badVector
	must(t, json.Unmarshal(fileBytes, &vs))
	if len(vs) < 15 {
		t.Fatalf("only %d bad vectors", len(vs))
	}
	for _, v := range vs {
		var err error
		switch v.Context {
		case "inspect":
			_, err = Inspect(v.Input)
		case "keys", "commit":
			a, b := newSide(t, "alice"), newSide(t, "bob")
			deliver(t, b, a)
			if v.Context == "keys" {
				deliver(t, a, b)
				deliver(t, b, a)
			}
			_, err = a.Receive(v.Input)
		default:
			t.Fatalf("%s: unknown context %q", v.Name, v.Context)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Kind.String() != v.Kind {
			t.Errorf("%s: got %v, want kind %s", v.Name, err, v.Kind)
		}
	}
}

// flipChar replaces one base64url character with another.
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
