package pairing

import (
	"bytes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"io"
	"strings"
	"time"
)

// Session expiry: no progress for this long ends the session.
const (
	TimeoutFaceToFace = 10 * time.Minute
	TimeoutRemote     = 60 * time.Minute
)

// Options configure a Side. The zero value is right for real use.
type Options struct {
	// Rand supplies the ephemeral key and nonce; nil means crypto/rand.
	// Tests pass a fixed stream to reproduce the vectors.
	Rand io.Reader
	// Now tells the time for expiry; nil means time.Now.
	Now func() time.Time
	// Remote selects the remote-mode timeout (60 minutes instead of 10).
	Remote bool
}

// State is where a Side stands.
type State int

const (
	StateCommit           State = iota + 1 // showing our COMMIT, waiting for the partner's
	StateKey                               // showing our KEY, waiting for the partner's
	StateCompare                           // SAS ready: our admin compares and confirms or rejects
	StateConfirmed                         // we sent INFO; waiting for the partner's INFO (its confirmation)
	StateExchange                          // both confirmed: MISP steps, CREDS and DONE flow
	StateDone                              // we sent DONE and hold the partner's DONE
	StatePartnerRestarted                  // the partner shows a new COMMIT: offer Restart
	StateAborted                           // ABORT sent or received, or the session expired
)

var stateNames = [...]string{"", "waiting for the partner's code", "exchanging keys", "compare the codes",
	"waiting for the partner to confirm", "exchanging credentials", "done",
	"partner restarted", "ended"}

func (s State) String() string {
	if s <= 0 || int(s) >= len(stateNames) {
		return "unknown state"
	}
	return stateNames[s]
}

// Event says what a Receive or Tick changed.
type Event int

const (
	EventNone             Event = iota // nothing changed; see Update.Ignored
	EventPartnerCommit                 // the partner's COMMIT is held; our KEY is shown now
	EventKeysReady                     // keys derived: show SAS() and ask the admin
	EventPartnerRestarted              // a new partner COMMIT: offer "partner restarted — start again"
	EventPart                          // one part of a multi-part message arrived (Update.Part of Parts)
	EventPartnerInfo                   // the partner's INFO is complete: the partner confirmed
	EventPartnerCreds                  // the partner's CREDS arrived
	EventPartnerDone                   // the partner's DONE arrived
	EventPartnerAbort                  // the partner aborted; see PartnerAbort
	EventTimeout                       // no progress for too long; we aborted
)

var eventNames = [...]string{"nothing new", "partner's code held", "keys ready", "partner restarted",
	"part received", "partner's INFO", "partner's CREDS", "partner's DONE", "partner aborted", "timed out"}

func (e Event) String() string {
	if e < 0 || int(e) >= len(eventNames) {
		return "unknown event"
	}
	return eventNames[e]
}

// Ignored says why an input changed nothing.
type Ignored int

const (
	IgnoredNot       Ignored = iota // the input was used
	IgnoredOwnFrame                 // a frame we showed came back (camera preview, pasted back)
	IgnoredDuplicate                // a frame we already used
	IgnoredEarly                    // a frame we cannot use yet; the partner keeps showing it
	IgnoredRepeat                   // an input already reported as an error
	IgnoredEnded                    // the session has ended
)

var ignoredNames = [...]string{"used", "our own frame", "duplicate", "not usable yet", "already reported", "session ended"}

func (i Ignored) String() string {
	if i < 0 || int(i) >= len(ignoredNames) {
		return "unknown"
	}
	return ignoredNames[i]
}

// Update is the outcome of one input.
type Update struct {
	Event   Event
	Round   Round
	Part    int // 1-based, for sealed frames
	Parts   int
	Ignored Ignored
}

type outFrame struct {
	round Round
	bin   []byte
	qr    string
}

type assembly struct {
	parts [][]byte
	have  int
}

// Side is one laptop's half of a pairing. Both laptops run the same code.
// A Side is not safe for concurrent use; the session engine serialises calls.
// Its ephemeral private key lives only inside it and is never exported.
type Side struct {
	rand    io.Reader
	now     func() time.Time
	timeout time.Duration

	priv      *ecdh.PrivateKey
	ownKey    *frame
	ownCommit [32]byte
	ownPubs   [][32]byte // every key and nonce we ever used, for self-pairing checks
	ownNonces [][16]byte
	shown     map[[32]byte]bool // hashes of every binary frame we ever produced
	rejected  map[[32]byte]bool // inputs already reported as errors

	partnerCommit *[32]byte
	restartCommit *[32]byte
	// staleCommits are partner COMMITs held before a Restart: the partner
	// answers our new COMMIT with a new one of its own, so the old ones, still
	// on its screen for a moment, must not be taken (or every restart would
	// trigger the next).
	staleCommits map[[32]byte]bool
	pendingKeys  map[[32]byte]*frame // partner KEYs by commitment, waiting for their COMMIT
	partnerKey   *frame

	keys       *sessionKeys
	role       byte
	seal, open cipher.AEAD
	counter    uint32

	out       map[Round][]outFrame
	confirmed bool
	ownInfo   *Info
	ownAbort  *Abort

	partnerMax   Round
	seen         map[[32]byte]bool
	assemblies   map[Round]*assembly
	partnerInfo  *Info
	partnerCreds *Creds
	partnerDone  *Done
	partnerAbort *Abort

	lastProgress time.Time
}

// New starts a pairing: it draws an ephemeral X25519 key and a nonce and
// shows a COMMIT.
func New(opts Options) (*Side, error) {
	s := &Side{rand: opts.Rand, now: opts.Now, timeout: TimeoutFaceToFace,
		shown: map[[32]byte]bool{}, seen: map[[32]byte]bool{}, staleCommits: map[[32]byte]bool{}}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Remote {
		s.timeout = TimeoutRemote
	}
	if err := s.fresh(); err != nil {
		return nil, err
	}
	return s, nil
}

// fresh draws a new key and nonce and forgets everything about the partner
// except the frames already seen.
func (s *Side) fresh() error {
	var seed [32]byte
	f := &frame{round: RoundKey, version: ProtocolVersion}
	if _, err := io.ReadFull(s.rand, seed[:]); err != nil {
		return err
	}
	if _, err := io.ReadFull(s.rand, f.nonce[:]); err != nil {
		return err
	}
	priv, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		return err
	}
	copy(f.pub[:], priv.PublicKey().Bytes())
	s.priv, s.ownKey = priv, f
	s.ownCommit = commitment(f.keyContent())
	s.ownPubs = append(s.ownPubs, f.pub)
	s.ownNonces = append(s.ownNonces, f.nonce)
	s.partnerCommit, s.restartCommit, s.partnerKey = nil, nil, nil
	s.pendingKeys = map[[32]byte]*frame{}
	s.keys, s.seal, s.open, s.role, s.counter = nil, nil, nil, 0, 0
	s.out = map[Round][]outFrame{}
	s.confirmed, s.ownInfo, s.ownAbort = false, nil, nil
	s.partnerMax = 0
	s.assemblies = map[Round]*assembly{}
	s.partnerInfo, s.partnerCreds, s.partnerDone, s.partnerAbort = nil, nil, nil, nil
	s.rejected = map[[32]byte]bool{}
	s.lastProgress = s.now()
	s.emit(&frame{round: RoundCommit, commitment: s.ownCommit})
	return nil
}

// emit caches a frame for display and remembers it as ours.
func (s *Side) emit(f *frame) {
	bin := f.marshal()
	s.shown[sha256.Sum256(bin)] = true
	s.out[f.round] = append(s.out[f.round], outFrame{round: f.round, bin: bin, qr: encodeQR(bin)})
}

// String never shows key material.
func (s *Side) String() string { return "pairing.Side(" + s.State().String() + ")" }

// GoString never shows key material.
func (s *Side) GoString() string { return s.String() }

// State reports where the pairing stands.
func (s *Side) State() State {
	switch {
	case s.ownAbort != nil || s.partnerAbort != nil:
		return StateAborted
	case s.restartCommit != nil && s.partnerInfo == nil:
		return StatePartnerRestarted
	case s.partnerCommit == nil:
		return StateCommit
	case s.keys == nil:
		return StateKey
	case !s.confirmed:
		return StateCompare
	case s.partnerInfo == nil:
		return StateConfirmed
	case s.out[RoundDone] != nil && s.partnerDone != nil:
		return StateDone
	}
	return StateExchange
}

// SAS is the short authentication string, "0482 9131 5520 7764"; ok is false
// before the keys exist.
func (s *Side) SAS() (sas string, ok bool) {
	if s.keys == nil {
		return "", false
	}
	return s.keys.sas, true
}

// Display lists the QR texts to keep cycling now, in round and part order:
// every frame of ours the partner has not acknowledged (a partner frame of
// round r acknowledges ours below r), and DONE until the window closes.
// It is empty after a cancel before keys and after the partner's ABORT.
// After our own ABORT it shows the ABORT, and before it our KEY as long as
// the partner has not acknowledged it: a partner that never read our KEY
// could not open the ABORT and would only see our code vanish.
func (s *Side) Display() []string {
	var rounds []Round
	switch {
	case s.partnerAbort != nil:
		return nil
	case s.ownAbort != nil:
		if s.keys != nil && s.partnerMax <= RoundKey {
			rounds = append(rounds, RoundKey)
		}
		rounds = append(rounds, RoundAbort)
	default:
		for _, r := range []Round{RoundCommit, RoundKey, RoundInfo, RoundCreds} {
			if s.partnerMax <= r {
				rounds = append(rounds, r)
			}
		}
		rounds = append(rounds, RoundDone)
	}
	var qrs []string
	for _, r := range rounds {
		if r == RoundKey && s.partnerCommit == nil {
			continue // our KEY is revealed only after the partner's COMMIT is held
		}
		for _, f := range s.out[r] {
			qrs = append(qrs, f.qr)
		}
	}
	return qrs
}

// ChatTexts are the chat-safe forms of Display(), one per line when joined.
func (s *Side) ChatTexts() []string {
	qrs := s.Display()
	for i, q := range qrs {
		qrs[i] = ChatText(q)
	}
	return qrs
}

// AllAcknowledged is true when the partner has acknowledged every frame we
// sent except DONE: our CREDS went out and the partner's DONE came back.
// From then on only DONE lingers on screen.
func (s *Side) AllAcknowledged() bool {
	return s.out[RoundCreds] != nil && s.partnerMax >= RoundDone
}

// PartnerReached is the highest of the partner's rounds we hold whole:
// COMMIT once its commitment is held, KEY once the keys are derived, then
// INFO, CREDS and DONE; 0 before anything (an ABORT is not counted). Remote
// mode counts the exchanges still to make with it.
func (s *Side) PartnerReached() Round {
	switch {
	case s.partnerDone != nil:
		return RoundDone
	case s.partnerCreds != nil:
		return RoundCreds
	case s.partnerInfo != nil:
		return RoundInfo
	case s.keys != nil:
		return RoundKey
	case s.partnerCommit != nil:
		return RoundCommit
	}
	return 0
}

// PartnerInfo is the partner's INFO once complete.
func (s *Side) PartnerInfo() (Info, bool) { return deref(s.partnerInfo) }

// PartnerCreds is the partner's CREDS once received.
func (s *Side) PartnerCreds() (Creds, bool) { return deref(s.partnerCreds) }

// PartnerDone is the partner's DONE once received.
func (s *Side) PartnerDone() (Done, bool) { return deref(s.partnerDone) }

// PartnerAbort is the partner's ABORT once received.
func (s *Side) PartnerAbort() (Abort, bool) { return deref(s.partnerAbort) }

// OwnAbort is the ABORT we sent (or the expiry we hit).
func (s *Side) OwnAbort() (Abort, bool) { return deref(s.ownAbort) }

func deref[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}

func (s *Side) ended() bool { return s.ownAbort != nil || s.partnerAbort != nil }

// ReceiveAll takes pasted text that may hold several frames (chat texts one
// after the other, or QR texts one per line) and feeds each to Receive.
func (s *Side) ReceiveAll(text string) ([]Update, []error) {
	var ups []Update
	var errs []error
	for _, chunk := range splitFrames(text) {
		u, err := s.Receive(chunk)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ups = append(ups, u)
	}
	return ups, errs
}

// splitFrames cuts a paste into frames: at every chat prefix when there is
// one (line breaks inside a chat text, from mail wrapping, stay with it),
// else line by line (QR texts, whose Base45 has spaces but no line breaks).
//
// The prefix is searched in text itself, byte by byte with ASCII case folding:
// lower-casing the whole text first changes byte lengths (invalid UTF-8 becomes
// a three-byte U+FFFD, 'İ' two runes, the Kelvin sign one byte), so offsets
// found in the copy cut the original in the wrong places or past its end.
func splitFrames(text string) []string {
	var starts []int
	for i := 0; i+len(chatPrefix) <= len(text); i++ {
		if hasPrefixFoldASCII(text[i:], chatPrefix) {
			starts = append(starts, i)
		}
	}
	var out []string
	if len(starts) == 0 {
		for _, line := range strings.Split(text, "\n") {
			if strings.TrimSpace(line) != "" {
				out = append(out, line)
			}
		}
		return out
	}
	for i, st := range starts {
		end := len(text)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		out = append(out, text[st:end])
	}
	return out
}

// hasPrefixFoldASCII reports whether s starts with prefix, an ASCII
// lower-case string, ignoring the case of ASCII letters only. Unlike
// strings.EqualFold it never matches a non-ASCII rune ('ſ' folds to 's'), so
// a match is always len(prefix) bytes of s.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// Receive takes one scanned QR text or pasted chat text. It uses what it can,
// ignores duplicates, our own frames and frames it cannot use yet (Update.Ignored
// says which), and returns a typed *Error for anything it rejects. The same
// rejected input is reported once; repeats come back as IgnoredRepeat.
func (s *Side) Receive(text string) (Update, error) {
	inputHash := sha256.Sum256([]byte(strings.TrimSpace(text)))
	if s.rejected[inputHash] {
		return Update{Ignored: IgnoredRepeat}, nil
	}
	u, err := s.receive(text)
	if err != nil {
		if len(s.rejected) > 1024 {
			s.rejected = map[[32]byte]bool{}
		}
		s.rejected[inputHash] = true
	}
	return u, err
}

func (s *Side) receive(text string) (Update, error) {
	bin, _, err := decodeText(text)
	if err != nil {
		return Update{}, err
	}
	h := sha256.Sum256(bin)
	if s.shown[h] {
		return Update{Ignored: IgnoredOwnFrame}, nil
	}
	f, err := parseFrame(bin)
	if err != nil {
		return Update{}, err
	}
	u := Update{Round: f.round, Part: 1, Parts: 1}
	if s.ended() {
		s.acknowledgeAfterAbort(f)
		u.Ignored = IgnoredEnded
		return u, nil
	}
	if f.round == RoundCommit {
		return s.receiveCommit(f, u)
	}
	if s.seen[h] {
		u.Ignored = IgnoredDuplicate
		return u, nil
	}
	if f.round == RoundKey {
		return s.receiveKey(f, h, u)
	}
	return s.receiveSealed(f, h, u)
}

func (s *Side) receiveCommit(f *frame, u Update) (Update, error) {
	c := f.commitment
	switch {
	case s.staleCommits[c]:
		u.Ignored = IgnoredDuplicate
		return u, nil
	case s.partnerCommit == nil:
		s.holdPartnerCommit(c)
		u.Event = EventPartnerCommit
		if k := s.pendingKeys[c]; k != nil && k.answers == s.ownCommit {
			return s.useKey(k, sha256.Sum256(k.marshal()), u)
		}
		return u, nil
	case c == *s.partnerCommit:
		if s.restartCommit != nil {
			return u, errorf(KindMultipleCodes, "the partner's old and new code are both in view")
		}
		u.Ignored = IgnoredDuplicate
		return u, nil
	case s.partnerInfo != nil:
		return u, ErrOtherPairing
	case s.restartCommit == nil:
		s.restartCommit = &c
		u.Event = EventPartnerRestarted
		return u, nil
	case c == *s.restartCommit:
		u.Ignored = IgnoredDuplicate
		return u, nil
	}
	return u, ErrMultipleCodes
}

// holdPartnerCommit takes the partner's COMMIT and reveals our KEY, which
// names the COMMIT it answers.
func (s *Side) holdPartnerCommit(c [32]byte) {
	s.partnerCommit = &c
	s.ownKey.answers = c
	s.progress()
	s.emit(s.ownKey)
}

func (s *Side) receiveKey(f *frame, h [32]byte, u Update) (Update, error) {
	for _, p := range s.ownPubs {
		if p == f.pub {
			return u, errorf(KindOwnCode, "the key is ours")
		}
	}
	for _, n := range s.ownNonces {
		if n == f.nonce {
			return u, errorf(KindOwnCode, "the nonce is ours")
		}
	}
	c := commitment(f.keyContent())
	if s.partnerCommit != nil && c == *s.partnerCommit {
		if s.partnerKey != nil {
			u.Ignored = IgnoredDuplicate
			return u, nil
		}
		if f.answers != s.ownCommit {
			// The partner revealed this key against an earlier COMMIT of ours
			// (we restarted since); it will restart on seeing our new one.
			u.Ignored = IgnoredEarly
			return u, nil
		}
		return s.useKey(f, h, u)
	}
	// A KEY may arrive before its COMMIT, or belong to a partner that restarted
	// and whose new COMMIT we have not seen yet: keep a few.
	if len(s.pendingKeys) >= 8 {
		s.pendingKeys = map[[32]byte]*frame{}
	}
	s.pendingKeys[c] = f
	if s.partnerCommit == nil || (s.restartCommit != nil && c == *s.restartCommit) {
		u.Ignored = IgnoredEarly
		return u, nil
	}
	return u, ErrCommitment
}

// useKey derives the session keys from a partner KEY that matches its COMMIT.
func (s *Side) useKey(f *frame, h [32]byte, u Update) (Update, error) {
	peer, err := ecdh.X25519().NewPublicKey(f.pub[:])
	if err != nil {
		return u, errorf(KindMalformed, "the partner's key is not a valid X25519 key")
	}
	shared, err := s.priv.ECDH(peer)
	if err != nil {
		return u, errorf(KindMalformed, "the partner's key is a weak X25519 key")
	}
	ours, theirs := s.ownKey.keyContent(), f.keyContent()
	var th [32]byte
	if bytes.Compare(s.ownKey.pub[:], f.pub[:]) < 0 {
		s.role = roleL
		th = transcriptHash(s.ownCommit, *s.partnerCommit, ours, theirs)
	} else {
		s.role = roleH
		th = transcriptHash(*s.partnerCommit, s.ownCommit, theirs, ours)
	}
	keys, err := deriveKeys(shared, th)
	if err != nil {
		return u, err
	}
	s.keys, s.partnerKey = keys, f
	if s.role == roleL {
		s.seal, s.open = newAEAD(keys.keyLH), newAEAD(keys.keyHL)
	} else {
		s.seal, s.open = newAEAD(keys.keyHL), newAEAD(keys.keyLH)
	}
	delete(s.pendingKeys, *s.partnerCommit)
	s.seen[h] = true
	s.partnerMax = max(s.partnerMax, RoundKey)
	s.progress()
	u.Event = EventKeysReady
	return u, nil
}

func (s *Side) partnerRole() byte {
	if s.role == roleL {
		return roleH
	}
	return roleL
}

// acknowledgeAfterAbort notes, after our own ABORT, a sealed partner frame
// that opens: the partner holds our KEY, so the KEY need not be shown beside
// the ABORT any more. Nothing else is taken from it.
func (s *Side) acknowledgeAfterAbort(f *frame) {
	if s.ownAbort == nil || s.keys == nil || f.round <= RoundKey || s.partnerMax > RoundKey {
		return
	}
	if !bytes.Equal(f.tag[:], s.keys.transcript[:tagLen]) {
		return
	}
	ad := associatedData(s.keys.transcript, s.partnerRole(), f.round, f.part, f.parts)
	if _, err := s.open.Open(nil, gcmNonce(f.counter), f.ciphertext, ad); err == nil {
		s.partnerMax = max(s.partnerMax, RoundInfo)
	}
}

func (s *Side) receiveSealed(f *frame, h [32]byte, u Update) (Update, error) {
	u.Part, u.Parts = int(f.part)+1, int(f.parts)
	if s.keys == nil {
		u.Ignored = IgnoredEarly
		return u, nil
	}
	if !bytes.Equal(f.tag[:], s.keys.transcript[:tagLen]) {
		return u, ErrOtherPairing
	}
	ad := associatedData(s.keys.transcript, s.partnerRole(), f.round, f.part, f.parts)
	plain, err := s.open.Open(nil, gcmNonce(f.counter), f.ciphertext, ad)
	if err != nil {
		return u, ErrTampered
	}
	a := s.assemblies[f.round]
	if a == nil {
		a = &assembly{parts: make([][]byte, f.parts)}
		s.assemblies[f.round] = a
	}
	if len(a.parts) != int(f.parts) {
		return u, errorf(KindMalformed, "parts of "+f.round.String()+" disagree on their number")
	}
	s.seen[h] = true
	if f.round != RoundAbort {
		s.partnerMax = max(s.partnerMax, f.round)
	}
	if a.parts[f.part] != nil || a.have == len(a.parts) {
		u.Ignored = IgnoredDuplicate
		return u, nil
	}
	s.progress()
	a.parts[f.part] = plain
	a.have++
	if a.have < len(a.parts) {
		u.Event = EventPart
		return u, nil
	}
	data := bytes.Join(a.parts, nil)
	if f.round == RoundInfo {
		if data, err = inflate(data); err != nil {
			return u, err
		}
	}
	p, err := decodePayload(f.round, data)
	if err != nil {
		return u, err
	}
	switch v := p.(type) {
	case *Info:
		if err := canonicalIdentity(v); err != nil {
			// Authenticated, but its identifiers could make our MISP find
			// one of its own organisations or users: stop, and tell the
			// partner why in the sealed ABORT.
			s.abort(AbortFailure, err.Error())
			return u, errorf(KindBadIdentity, err.Error())
		}
		s.partnerInfo = v
		u.Event = EventPartnerInfo
		if err := s.checkNotSelf(); err != nil {
			return u, err
		}
	case *Creds:
		s.partnerCreds = v
		u.Event = EventPartnerCreds
	case *Done:
		s.partnerDone = v
		u.Event = EventPartnerDone
	case *Abort:
		s.partnerAbort = v
		u.Event = EventPartnerAbort
	}
	return u, nil
}

// checkNotSelf stops when the partner's INFO names our own instance, or our
// organisation without both sides asking for same-organisation mode.
func (s *Side) checkNotSelf() error {
	if s.ownInfo == nil || s.partnerInfo == nil {
		return nil
	}
	own, p := s.ownInfo, s.partnerInfo
	var err error
	switch {
	case own.InstanceUUID != "" && strings.EqualFold(own.InstanceUUID, p.InstanceUUID):
		err = errorf(KindSameInstance, "same instance UUID")
	case own.URL != "" && normaliseURL(own.URL) == normaliseURL(p.URL):
		err = errorf(KindSameInstance, "same URL")
	case own.Org.UUID != "" && strings.EqualFold(own.Org.UUID, p.Org.UUID) && !(own.Internal && p.Internal):
		err = errorf(KindSameInstance, "both sides belong to the same organisation; turn on same-organisation mode on both laptops")
	}
	if err != nil {
		s.abort(AbortFailure, err.Error())
	}
	return err
}

func normaliseURL(u string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(u)), "/")
}

func (s *Side) progress() { s.lastProgress = s.now() }

// sendSealed splits plaintext into parts, seals each on its own under the
// next counter value and caches the frames: a message is sealed once.
func (s *Side) sendSealed(round Round, plaintext []byte) error {
	n := (len(plaintext) + maxPartPlaintext - 1) / maxPartPlaintext
	if n == 0 {
		n = 1
	}
	if n > maxParts {
		return errorf(KindTooLarge, round.String()+" needs more than 255 QR codes")
	}
	for i := 0; i < n; i++ {
		chunk := plaintext[i*maxPartPlaintext : min(len(plaintext), (i+1)*maxPartPlaintext)]
		f := &frame{round: round, counter: s.counter, part: byte(i), parts: byte(n)}
		copy(f.tag[:], s.keys.transcript[:tagLen])
		ad := associatedData(s.keys.transcript, s.role, round, f.part, f.parts)
		f.ciphertext = s.seal.Seal(nil, gcmNonce(f.counter), chunk, ad)
		s.counter++
		s.emit(f)
	}
	s.progress()
	return nil
}

func marshalPayload(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("pairing: payload does not marshal: " + err.Error()) // plain structs always marshal
	}
	return b
}

// Confirm records that our admin compared the SAS and found it equal, and
// sends our INFO (deflated, sealed, in parts). The partner's INFO, when it
// arrives, proves the partner confirmed too.
func (s *Side) Confirm(info Info) error {
	if s.ended() {
		return ErrEnded
	}
	if s.keys == nil || s.confirmed {
		return errorf(KindNotNow, "confirm comes once, after the codes are shown")
	}
	if s.State() == StatePartnerRestarted {
		return errorf(KindNotNow, "the partner started again; start again too")
	}
	if info.Version == "" {
		info.Version = PayloadVersion
	}
	if info.Notifications != nil && info.Notifications.Version == "" {
		n := *info.Notifications
		n.Version = NotificationVersion
		info.Notifications = &n
	}
	if info.Flows != nil && info.Flows.Version == "" {
		f := *info.Flows
		f.Version = FlowsVersion
		info.Flows = &f
	}
	plain := marshalPayload(info)
	if len(plain) > maxInflated {
		return errorf(KindTooLarge, "our INFO is larger than 64 KiB")
	}
	if err := s.sendSealed(RoundInfo, deflate(plain)); err != nil {
		return err
	}
	s.confirmed, s.ownInfo = true, &info
	return s.checkNotSelf()
}

// Reject says our admin found the codes different: a sealed ABORT goes out.
func (s *Side) Reject() error {
	if s.keys == nil {
		return errorf(KindNotNow, "there is no code to reject yet")
	}
	return s.Abort(AbortRejectedSAS, "the codes did not match")
}

// Abort ends the pairing. After keys exist it shows a sealed ABORT; before,
// the code simply vanishes (there is nothing to seal).
func (s *Side) Abort(reason AbortReason, message string) error {
	if s.ended() {
		return ErrEnded
	}
	s.abort(reason, message)
	return nil
}

func (s *Side) abort(reason AbortReason, message string) {
	a := &Abort{Version: PayloadVersion, Reason: reason, Message: message}
	s.ownAbort = a
	if s.keys != nil {
		s.sendSealed(RoundAbort, marshalPayload(a)) // an ABORT is a few dozen bytes: one part
	}
}

// SendCreds sends the key our MISP minted for the partner. It needs both
// confirmations (our Confirm and the partner's INFO).
func (s *Side) SendCreds(c Creds) error {
	if s.ended() {
		return ErrEnded
	}
	if !s.confirmed || s.partnerInfo == nil || s.out[RoundCreds] != nil {
		return errorf(KindNotNow, "credentials go out once, after both admins confirmed")
	}
	if c.Version == "" {
		c.Version = PayloadVersion
	}
	return s.sendSealed(RoundCreds, marshalPayload(c))
}

// SendDone sends our result (success or a failed MISP step). It needs both
// confirmations.
func (s *Side) SendDone(d Done) error {
	if s.ended() {
		return ErrEnded
	}
	if !s.confirmed || s.partnerInfo == nil || s.out[RoundDone] != nil {
		return errorf(KindNotNow, "the result goes out once, after both admins confirmed")
	}
	if d.Version == "" {
		d.Version = PayloadVersion
	}
	return s.sendSealed(RoundDone, marshalPayload(d))
}

// Restart starts again with a fresh key, nonce and COMMIT (after
// "partner restarted", or whenever the admin asks). A key once revealed is
// never paired with a new partner key.
//
// Which partner COMMIT comes next: when the partner restarted on its own and
// shows only its new COMMIT, that COMMIT is taken at once. When the partner
// already shows a KEY for its new COMMIT, that KEY was revealed against our
// old COMMIT and the partner must start again on seeing our new one; then we
// wait for the partner's next COMMIT instead of revealing our new key to one
// that is about to vanish. Without this rule two sides could restart each
// other forever. Every COMMIT held before is stale from now on.
func (s *Side) Restart() (Update, error) {
	next := s.restartCommit
	pending := s.pendingKeys
	if s.partnerCommit != nil {
		s.staleCommits[*s.partnerCommit] = true
	}
	if next != nil && pending[*next] != nil {
		s.staleCommits[*next] = true
		next = nil
	}
	if err := s.fresh(); err != nil {
		return Update{}, err
	}
	if next == nil {
		return Update{}, nil
	}
	s.holdPartnerCommit(*next)
	return Update{Event: EventPartnerCommit, Round: RoundCommit, Part: 1, Parts: 1}, nil
}

// Tick ends a session without progress for 10 minutes (remote: 60): with a
// sealed ABORT(timeout) when keys exist.
func (s *Side) Tick(now time.Time) Update {
	// Once our DONE is out nothing of ours is pending: a missing partner DONE
	// is "partner's result not received", not a reason to abort.
	if s.ended() || s.out[RoundDone] != nil || now.Sub(s.lastProgress) < s.timeout {
		return Update{}
	}
	s.abort(AbortTimeout, "no progress for "+s.timeout.String())
	return Update{Event: EventTimeout}
}
