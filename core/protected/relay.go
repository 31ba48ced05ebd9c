package protected

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/misp"
)

// MISP is what the relay needs from a logged-in MISP client; *misp.Client
// has it.
type MISP interface {
	Events(ctx context.Context, f misp.EventFilter) ([]misp.Event, error)
	Event(ctx context.Context, idOrUUID string) (*misp.Event, error)
	AddEventKey(ctx context.Context, eventID misp.ID, armoredKey string) (*misp.CryptographicKey, error)
	EditEvent(ctx context.Context, id misp.ID, fields map[string]any) (*misp.Event, error)
	PublishEvent(ctx context.Context, id misp.ID) (*misp.Saved, error)
}

// Defaults of ListOptions.
const (
	// DefaultProbeBeyond is how many ids past the highest listed one are
	// looked at before the search for hidden events stops.
	DefaultProbeBeyond = 20
	// DefaultMaxProbes caps the events/view calls made for ids that the
	// index does not list.
	DefaultMaxProbes = 500
)

// ListOptions says whose protected events to list.
type ListOptions struct {
	// OrgID and OrgUUID are the admin's own organisation (LoginInfo.Org):
	// only events it created (orgc) are listed.
	OrgID   misp.ID
	OrgUUID string
	// OwnFingerprint is our instance key's fingerprint, to tell which events
	// lack it.
	OwnFingerprint string
	// ProbeBeyond and MaxProbes bound the search for events the index hides;
	// 0 means the defaults. A negative ProbeBeyond turns the search off.
	ProbeBeyond int
	MaxProbes   int
}

// ProtectedEvent is one of our organisation's protected events.
type ProtectedEvent struct {
	ID        misp.ID
	UUID      string
	Info      string
	Published bool
	Timestamp time.Time
	// Fingerprints are those of the keys on the event (upper-case hex).
	Fingerprints []string
	// HasOwnKey tells whether our instance key is on the event. Without it
	// our MISP cannot sign the event when it pushes it, and events/index
	// hides the event (recording 93).
	HasOwnKey bool
	// HiddenFromIndex: events/index did not list it; it was found with
	// events/view by id.
	HiddenFromIndex bool
}

// Carries reports whether a key with this fingerprint is on the event.
func (e ProtectedEvent) Carries(fingerprint string) bool {
	return slices.ContainsFunc(e.Fingerprints, func(fp string) bool { return SameFingerprint(fp, fingerprint) })
}

// Listing is the result of ListProtectedEvents.
type Listing struct {
	Events []ProtectedEvent
	// Probed is how many ids missing from the index were looked at with
	// events/view; ProbeLimited is true when MaxProbes stopped the search
	// before its end, so hidden events may remain unseen.
	Probed       int
	ProbeLimited bool
	// Requests is how many MISP calls the listing made.
	Requests int
	// HiddenByIndex is how many events MISP counted but left out of the
	// index (X-Result-Count minus the events listed; recording 93), of any
	// organisation; -1 when the MISP did not say. When known, the search
	// stops as soon as that many unlisted events were found.
	HiddenByIndex int
}

// EventIndexer is a MISP that also reports the index's X-Result-Count
// (*misp.Client does); ListProtectedEvents then knows how many events are
// hidden and stops probing early.
type EventIndexer interface {
	EventIndex(ctx context.Context, f misp.EventFilter) (*misp.EventIndex, error)
}

// Note says in words how complete the listing is.
func (l *Listing) Note() string {
	hidden := 0
	for _, e := range l.Events {
		if e.HiddenFromIndex {
			hidden++
		}
	}
	s := "MISP's event index hides protected events that lack our instance key, so ids missing from it were looked at one by one"
	s += fmt.Sprintf(" (%d looked at", l.Probed)
	if hidden > 0 {
		s += fmt.Sprintf(", %d hidden event(s) found", hidden)
	}
	s += ")."
	if l.HiddenByIndex >= 0 {
		s += fmt.Sprintf(" MISP counted %d event(s) it did not list.", l.HiddenByIndex)
	}
	if l.ProbeLimited {
		s += " The search stopped at its limit: some hidden events may not be listed."
	}
	return s
}

// ListProtectedEvents lists the protected events our organisation created.
// MISP's events/index silently leaves out protected events whose key list
// lacks our instance key (recording 93), so after the index (minimal form,
// which carries orgc_uuid) every id the index skips — up to the highest
// listed id and ProbeBeyond past it — is read with events/view, which shows
// the keys (recording 74). Deleted events leave gaps that cost one request
// each; MaxProbes bounds the search. docs/PROTECTED.md states the limits.
func ListProtectedEvents(ctx context.Context, c MISP, o ListOptions) (*Listing, error) {
	probeBeyond, maxProbes := o.ProbeBeyond, o.MaxProbes
	if probeBeyond == 0 {
		probeBeyond = DefaultProbeBeyond
	}
	if maxProbes <= 0 {
		maxProbes = DefaultMaxProbes
	}
	l := &Listing{HiddenByIndex: -1}
	var index []misp.Event
	var err error
	if ix, ok := c.(EventIndexer); ok {
		var idx *misp.EventIndex
		if idx, err = ix.EventIndex(ctx, misp.EventFilter{Minimal: true}); err == nil {
			index = idx.Events
			if n, known := idx.Hidden(); known {
				l.HiddenByIndex = n
			}
		}
	} else {
		index, err = c.Events(ctx, misp.EventFilter{Minimal: true})
	}
	l.Requests++
	if err != nil {
		return nil, err
	}
	listed := map[int64]bool{}
	var maxID int64
	for _, e := range index {
		n, ok := e.ID.Int64()
		if !ok {
			continue
		}
		listed[n] = true
		maxID = max(maxID, n)
		if e.OrgcUUID != "" && o.OrgUUID != "" && !strings.EqualFold(e.OrgcUUID, o.OrgUUID) {
			continue // another organisation's event
		}
		pe, err := viewProtected(ctx, c, e.ID, o, l)
		if err != nil {
			return nil, err
		}
		if pe != nil {
			l.Events = append(l.Events, *pe)
		}
	}
	if probeBeyond < 0 {
		return l, nil
	}
	last := maxID + int64(probeBeyond)
	found := 0 // unlisted ids where an event exists
	for id := int64(1); id <= last; id++ {
		if l.HiddenByIndex >= 0 && found >= l.HiddenByIndex {
			break // every event the index hid has been found
		}
		if listed[id] {
			continue
		}
		if l.Probed >= maxProbes {
			l.ProbeLimited = true
			break
		}
		l.Probed++
		pe, err := viewProtected(ctx, c, misp.ID(strconv.FormatInt(id, 10)), o, l)
		if misp.IsKind(err, misp.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// Something exists at this id: keep looking past it.
		found++
		last = max(last, id+int64(probeBeyond))
		if pe != nil {
			pe.HiddenFromIndex = true
			l.Events = append(l.Events, *pe)
		}
	}
	return l, nil
}

// viewProtected reads one event and returns it when it is a protected event
// of our organisation, nil when it is not. A missing event is the client's
// KindNotFound error.
func viewProtected(ctx context.Context, c MISP, id misp.ID, o ListOptions, l *Listing) (*ProtectedEvent, error) {
	ev, err := c.Event(ctx, string(id))
	l.Requests++
	if err != nil {
		return nil, err
	}
	if !bool(ev.Protected) || (o.OrgID != "" && ev.OrgcID != o.OrgID) {
		return nil, nil
	}
	pe := toProtected(ev)
	pe.HasOwnKey = pe.Carries(o.OwnFingerprint)
	return &pe, nil
}

func toProtected(ev *misp.Event) ProtectedEvent {
	pe := ProtectedEvent{ID: ev.ID, UUID: ev.UUID, Info: ev.Info, Published: bool(ev.Published), Timestamp: unixTime(ev.Timestamp)}
	for _, k := range ev.CryptographicKey {
		if !bool(k.Revoked) && k.Fingerprint != "" {
			pe.Fingerprints = append(pe.Fingerprints, NormalizeFingerprint(k.Fingerprint))
		}
	}
	return pe
}

func unixTime(t misp.Text) time.Time {
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// KeyOutcome says what the relay did about one key on one event.
type KeyOutcome int

// The outcomes for a key on an event.
const (
	KeyNotTouched KeyOutcome = iota
	// KeyAlreadyThere: the event carried the key; nothing was added.
	KeyAlreadyThere
	// KeyAdded: the key was added with cryptographicKeys/add.
	KeyAdded
	// KeyRestored: the key was gone after the bump and was added again.
	KeyRestored
)

// RelayStep names a step of relaying one event, for errors.
type RelayStep string

// The steps of relaying one event, in order.
const (
	StepRead       RelayStep = "reading the event"
	StepPartnerKey RelayStep = "adding the partner's key"
	StepOwnKey     RelayStep = "adding our own instance key"
	StepBump       RelayStep = "moving the event's timestamp (bump)"
	StepVerify     RelayStep = "checking the keys after the bump"
	StepPublish    RelayStep = "publishing the event again"
)

// RelayError is a failed step of relaying one event.
type RelayError struct {
	EventID misp.ID
	Step    RelayStep
	Err     error
}

func (e *RelayError) Error() string {
	return "event #" + string(e.EventID) + ": " + string(e.Step) + " failed: " + e.Err.Error() +
		" The steps after this one were not done for this event; run the relay again once the cause is fixed (it skips what is already done)."
}

func (e *RelayError) Unwrap() error { return e.Err }

// NotProtectedError says that a chosen event is not in protected mode.
type NotProtectedError struct{ EventID misp.ID }

func (e *NotProtectedError) Error() string {
	return "event #" + string(e.EventID) + " is not in protected mode: switch it to protected mode in MISP (Event actions → Protect event) first, or leave it out."
}

// EventResult is what the relay did to one event.
type EventResult struct {
	EventID    misp.ID
	Info       string
	PartnerKey KeyOutcome
	OwnKey     KeyOutcome
	Bumped     bool
	Published  bool
	// Err is the failure that stopped this event (*RelayError), or nil.
	Err error
}

// Changed reports whether a key was added, so the event had to be pushed again.
func (r EventResult) Changed() bool {
	return r.PartnerKey == KeyAdded || r.PartnerKey == KeyRestored || r.OwnKey == KeyAdded || r.OwnKey == KeyRestored
}

// Summary says in words what happened to the event.
func (r EventResult) Summary() string {
	name := "Event #" + string(r.EventID)
	if r.Info != "" {
		name += " (" + r.Info + ")"
	}
	var parts []string
	switch r.PartnerKey {
	case KeyAlreadyThere:
		parts = append(parts, "already carried the partner's key")
	case KeyAdded:
		parts = append(parts, "partner's key added")
	case KeyRestored:
		parts = append(parts, "partner's key added again after the bump")
	}
	switch r.OwnKey {
	case KeyAdded:
		parts = append(parts, "our own instance key was missing and was added")
	case KeyRestored:
		parts = append(parts, "our own instance key was lost in the bump and added again")
	}
	if r.Bumped {
		parts = append(parts, "timestamp moved")
	}
	if r.Published {
		parts = append(parts, "published again, so MISP pushes it to the partner")
	} else if r.Err == nil && !r.Changed() {
		parts = append(parts, "nothing to change")
	}
	s := name + ": " + strings.Join(parts, "; ")
	if r.Err != nil {
		if len(parts) == 0 {
			s = name + ": "
		} else {
			s += ". "
		}
		s += r.Err.Error()
	}
	return s
}

// RelayOptions are the keys the relay works with.
type RelayOptions struct {
	// Own is our instance key (FetchOwnKey); required.
	Own *Key
	// Partner is the partner's key, as stored in its record; required.
	Partner *Key
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Relay lets the partner relay the chosen protected events: on each event
// it adds the partner's key (cryptographicKeys/add/Event/{id}, recordings
// 68–72; skipped when the event already carries it), makes sure our own
// instance key is on it (MISP does not enforce that, recording 84), then
// moves the event's timestamp (events/edit) and publishes it again
// (events/publish, recording 73). Adding a key does not change the event's
// timestamp (recording 74), and MISP pushes only events newer than the
// partner's copy (recording 78), so without the bump nothing would reach the
// partner. An event whose keys were already right is left alone.
//
// Each event is handled on its own; progress (if not nil) is called after
// each one. A failure stops only that event and is in its result.
func Relay(ctx context.Context, c MISP, ids []misp.ID, o RelayOptions, progress func(EventResult)) ([]EventResult, error) {
	if o.Own == nil {
		return nil, &NoKeyError{Host: "our MISP"}
	}
	if o.Partner == nil {
		return nil, &KeyError{Problem: KeyEmpty, Source: "the partner's key (the partner sent none at pairing)"}
	}
	if SameFingerprint(o.Own.Fingerprint, o.Partner.Fingerprint) {
		return nil, &MismatchError{What: "our instance key and the partner's key (they are the same key)", Expected: o.Partner.Fingerprint, Got: o.Own.Fingerprint}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	results := make([]EventResult, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		r := relayOne(ctx, c, id, o, now)
		results = append(results, r)
		if progress != nil {
			progress(r)
		}
	}
	return results, nil
}

func relayOne(ctx context.Context, c MISP, id misp.ID, o RelayOptions, now func() time.Time) EventResult {
	r := EventResult{EventID: id}
	fail := func(step RelayStep, err error) EventResult {
		r.Err = &RelayError{EventID: id, Step: step, Err: err}
		return r
	}
	ev, err := c.Event(ctx, string(id))
	if err != nil {
		return fail(StepRead, err)
	}
	r.Info = ev.Info
	if !bool(ev.Protected) {
		r.Err = &NotProtectedError{EventID: id}
		return r
	}
	pe := toProtected(ev)

	r.PartnerKey = KeyAlreadyThere
	if !pe.Carries(o.Partner.Fingerprint) {
		added, err := addKey(ctx, c, id, o.Partner)
		if err != nil {
			return fail(StepPartnerKey, err)
		}
		if added {
			r.PartnerKey = KeyAdded
		}
	}
	r.OwnKey = KeyAlreadyThere
	if !pe.Carries(o.Own.Fingerprint) {
		added, err := addKey(ctx, c, id, o.Own)
		if err != nil {
			return fail(StepOwnKey, err)
		}
		if added {
			r.OwnKey = KeyAdded
		}
	}
	if !r.Changed() {
		return r
	}

	// Bump: the new timestamp must be newer than the stored one, or MISP
	// refuses the edit ("not newer than the local copy").
	ts := now().Unix()
	if stored := unixTime(ev.Timestamp).Unix(); !unixTime(ev.Timestamp).IsZero() && ts <= stored {
		ts = stored + 1
	}
	if _, err := c.EditEvent(ctx, id, map[string]any{"timestamp": strconv.FormatInt(ts, 10)}); err != nil {
		return fail(StepBump, err)
	}
	r.Bumped = true

	// The edit must not have cost the event a key: check, and add back.
	after, err := c.Event(ctx, string(id))
	if err != nil {
		return fail(StepVerify, err)
	}
	pa := toProtected(after)
	if !pa.Carries(o.Partner.Fingerprint) {
		if _, err := addKey(ctx, c, id, o.Partner); err != nil {
			return fail(StepPartnerKey, err)
		}
		r.PartnerKey = KeyRestored
	}
	if !pa.Carries(o.Own.Fingerprint) {
		if _, err := addKey(ctx, c, id, o.Own); err != nil {
			return fail(StepOwnKey, err)
		}
		r.OwnKey = KeyRestored
	}

	if _, err := c.PublishEvent(ctx, id); err != nil {
		return fail(StepPublish, err)
	}
	r.Published = true
	return r
}

// addKey attaches k to the event; a key MISP says is already there
// (recording 70) is not an error, and added is false then.
func addKey(ctx context.Context, c MISP, id misp.ID, k *Key) (added bool, err error) {
	_, err = c.AddEventKey(ctx, id, k.Armored)
	if err == nil {
		return true, nil
	}
	var me *misp.Error
	if errors.As(err, &me) && me.Kind == misp.KindValidation {
		for _, m := range me.FieldError("key_data") {
			if strings.Contains(strings.ToLower(m), "already assigned") {
				return false, nil
			}
		}
	}
	return false, err
}
