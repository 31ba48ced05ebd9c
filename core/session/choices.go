package session

import (
	"time"

	"github.com/mispbump/mispbump-desktop/core/ident"
	"github.com/mispbump/mispbump-desktop/core/pairing"
	"github.com/mispbump/mispbump-desktop/core/store"
	"github.com/mispbump/mispbump-desktop/core/syncsetup"
)

// Policies for a server entry that already points at the partner, and for a
// partner organisation whose name is taken on our MISP by another UUID. The
// values are the store's, so a preference saved in the store is a Choices
// value as it is.
const (
	ExistingServerUpdateKey = store.ExistingServerUpdateKey // update its key only (default)
	ExistingServerCreateNew = store.ExistingServerCreateNew // add a second entry

	NameClashSuffixUUID = store.NameClashSuffixUUID // create as "Name (uuid8)" (default)
	NameClashStop       = store.NameClashStop       // stop and say so
)

// Timeouts without progress (PAIRING.md "Defaults").
const (
	FaceToFaceTimeout = 10 * time.Minute
	RemoteTimeout     = 60 * time.Minute
)

// Choices are everything the admin decides before the exchange starts. During
// the exchange the only decision left is the SAS.
type Choices struct {
	// Push and Pull set the direction of our server entry to the partner.
	Push, Pull bool
	// PublishWithoutEmail keeps a first pull from mailing every user.
	PublishWithoutEmail bool
	// AnnounceURL is the URL the partner's MISP should use to reach ours;
	// empty takes misp.LoginInfo.AnnounceURL.
	AnnounceURL string
	// ServerName names our new server entry; empty takes the partner
	// organisation's name.
	ServerName string
	// ExistingServer is ExistingServerUpdateKey or ExistingServerCreateNew.
	ExistingServer string
	// NameClash is NameClashSuffixUUID or NameClashStop.
	NameClash string
	// Internal is same-organisation mode (an internal and a DMZ instance
	// of one organisation): org-only data will flow. It needs
	// MISP.host_org_id set on our MISP.
	Internal bool
	// Remote is remote mode: frames travel as chat text or image files
	// instead of face to face; it only changes the timeout.
	Remote bool
	// Timeout ends a face-to-face session without progress; zero takes
	// FaceToFaceTimeout (10 minutes).
	Timeout time.Duration
	// RemoteTimeout ends a remote session without progress; zero takes the
	// package's RemoteTimeout (60 minutes).
	RemoteTimeout time.Duration
	// EgressAddresses are the addresses our MISP connects from, sent to
	// the partner to help with firewalls (optional).
	EgressAddresses []string
	// Notifications are how our organisation wants to be notified
	// (optional, IntelMQ IEP005).
	Notifications *pairing.NotificationSettings
	// AllowLocalAddresses accepts a partner URL on loopback, link-local or
	// an unspecified address (two MISPs on one machine; the demo). Off, such
	// a URL stops the pairing before anything is written.
	AllowLocalAddresses bool
	// ReuseOrgUUID is the admin's word, given in advance, that the partner
	// is the organisation with this UUID our MISP already knows: set by
	// "Pair again with <org>" from the partner's details. Any other
	// existing organisation pauses the pairing at StageConfirmPartner.
	ReuseOrgUUID string
	// KeepUnverifiedEntry keeps TLS verification off on an existing server
	// entry to the partner (self_signed) when the partner sent no
	// certificate; off, that step stops and says so.
	KeepUnverifiedEntry bool
	// Rules are what flows over our server entry (a preset or custom
	// filters); they go on a new entry and, told to the partner, into
	// INFO. RulesChanged says the admin changed them in Prepare, so an
	// existing entry updated under "update key only" gets them too.
	Rules        syncsetup.Rules
	RulesChanged bool
	// SharingGroup asks for a bilateral sharing group (off by default).
	SharingGroup bool
}

// DefaultChoices are the brief's defaults: pull on, push off,
// publish_without_email on, an existing server entry gets its key updated
// only, a taken org name becomes "Name (uuid8)", same-organisation mode off,
// face to face.
func DefaultChoices() Choices {
	return Choices{
		Pull:                true,
		PublishWithoutEmail: true,
		ExistingServer:      ExistingServerUpdateKey,
		NameClash:           NameClashSuffixUUID,
		Rules:               syncsetup.Rules{Preset: syncsetup.PresetEverything},
	}
}

// ChoicesFromPreferences starts from the admin's saved Prepare defaults.
func ChoicesFromPreferences(p store.PrepareDefaults) Choices {
	c := DefaultChoices()
	c.Push, c.Pull, c.PublishWithoutEmail = p.Push, p.Pull, p.PublishWithoutEmail
	if p.ExistingServer != "" {
		c.ExistingServer = p.ExistingServer
	}
	if p.NameClash != "" {
		c.NameClash = p.NameClash
	}
	c.Rules = syncsetup.Rules{Preset: p.RulesPreset, Push: p.PushFilter, Pull: p.PullFilter}
	if c.Rules.Preset == "" {
		c.Rules.Preset = syncsetup.PresetEverything
	}
	c.SharingGroup = p.SharingGroup
	c.Timeout = time.Duration(p.FaceToFaceTimeoutSeconds) * time.Second
	c.RemoteTimeout = time.Duration(p.RemoteTimeoutSeconds) * time.Second
	return c
}

// RememberRules writes the choices' rules and sharing-group choice into
// Prepare's defaults, so the next pairing starts from them.
func RememberRules(c Choices, p *store.PrepareDefaults) {
	p.RulesPreset, p.PushFilter, p.PullFilter, p.SharingGroup = c.Rules.Preset, c.Rules.Push, c.Rules.Pull, c.SharingGroup
}

// WithPreset sets the rules (and, for "Nothing pushed yet", push off) from
// a preset; RulesChanged is set, as by a choice in Prepare.
func (c *Choices) WithPreset(name string) error {
	r, pushOff, err := syncsetup.PresetRules(name)
	if err != nil {
		return &Error{Kind: KindBadChoice, Detail: err.Error()}
	}
	c.Rules, c.RulesChanged = r, true
	if pushOff {
		c.Push = false
	}
	return nil
}

// timeout is the inactivity limit the choices imply.
func (c Choices) timeout() time.Duration {
	switch {
	case c.Remote && c.RemoteTimeout > 0:
		return c.RemoteTimeout
	case c.Remote:
		return RemoteTimeout
	case c.Timeout > 0:
		return c.Timeout
	default:
		return FaceToFaceTimeout
	}
}

// Validate says, as a *Error of KindBadChoice, why choices cannot work: an
// unknown policy, a malformed organisation to pair again with, bad rules, push
// on with "Nothing pushed yet", or neither push nor pull. Session.New runs it;
// the Prepare form runs it to say so before anything starts.
func (c Choices) Validate() error {
	switch c.ExistingServer {
	case "", ExistingServerUpdateKey, ExistingServerCreateNew:
	default:
		return &Error{Kind: KindBadChoice, Detail: "the existing-server policy must be " + ExistingServerUpdateKey + " or " + ExistingServerCreateNew}
	}
	switch c.NameClash {
	case "", NameClashSuffixUUID, NameClashStop:
	default:
		return &Error{Kind: KindBadChoice, Detail: "the name-clash policy must be " + NameClashSuffixUUID + " or " + NameClashStop}
	}
	if c.ReuseOrgUUID != "" && !ident.IsCanonicalUUID(c.ReuseOrgUUID) {
		return &Error{Kind: KindBadChoice, Detail: "the organisation to pair again with must be named by its UUID in lower case"}
	}
	if err := c.Rules.Validate(); err != nil {
		return &Error{Kind: KindBadChoice, Detail: err.Error()}
	}
	if c.Push && c.Rules.Preset == syncsetup.PresetNothingPushed {
		return &Error{Kind: KindBadChoice, Detail: "\"Nothing pushed yet\" means push off: untick push, or choose what to push"}
	}
	if !c.Push && !c.Pull {
		return &Error{Kind: KindBadChoice, Detail: "choose push, pull or both: a server entry that does neither syncs nothing"}
	}
	return nil
}
