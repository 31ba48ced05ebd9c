package store

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// ExportFormatVersion versions the JSON export's layout.
const ExportFormatVersion = 1

// PartnerExport is one partner as exported for the admin's records. It is a
// separate type on purpose: a field added to Partner (or Profile) never
// reaches an export unless it is added here, so no secret leaks by accident.
type PartnerExport struct {
	OrgName               string                        `json:"org_name"`
	OrgUUID               string                        `json:"org_uuid"`
	OrgDescription        string                        `json:"org_description,omitempty"`
	OrgNationality        string                        `json:"org_nationality,omitempty"`
	OrgSector             string                        `json:"org_sector,omitempty"`
	OrgType               string                        `json:"org_type,omitempty"`
	OrgContacts           string                        `json:"org_contacts,omitempty"`
	AdminEmail            string                        `json:"admin_email"`
	AnnouncedURL          string                        `json:"announced_url"`
	InstanceUUID          string                        `json:"instance_uuid"`
	MISPVersion           string                        `json:"misp_version"`
	PGPFingerprint        string                        `json:"pgp_fingerprint,omitempty"`
	PGPKeyArmored         string                        `json:"pgp_key_armored,omitempty"`
	CertificatePEM        string                        `json:"certificate_pem,omitempty"`
	EgressAddresses       []string                      `json:"egress_addresses,omitempty"`
	NotificationSettings  *pairing.NotificationSettings `json:"notification_settings,omitempty"`
	OurProfile            string                        `json:"our_profile"`
	OurMISPURL            string                        `json:"our_misp_url"`
	OnOurMISP             OnOurMISP                     `json:"on_our_misp"`
	MintedKeys            []MintedKey                   `json:"minted_keys,omitempty"`
	KeysPendingRevocation []MintedKey                   `json:"keys_pending_revocation,omitempty"`
	Push                  bool                          `json:"push"`
	Pull                  bool                          `json:"pull"`
	PairedAt              time.Time                     `json:"paired_at"`
	LastTest              *ConnectionTest               `json:"last_test,omitempty"`
}

// exportDocument is the top level of the JSON export.
type exportDocument struct {
	Format   int             `json:"format"`
	Exported time.Time       `json:"exported"`
	Partners []PartnerExport `json:"partners"`
}

// ToExport returns the partner without anything secret; profiles name our
// MISP (its name and URL, never its authkey).
func ToExport(p Partner, profiles []Profile) PartnerExport {
	e := PartnerExport{
		OrgName:               p.Org.Name,
		OrgUUID:               p.Org.UUID,
		OrgDescription:        p.Org.Description,
		OrgNationality:        p.Org.Nationality,
		OrgSector:             p.Org.Sector,
		OrgType:               p.Org.Type,
		OrgContacts:           p.Org.Contacts,
		AdminEmail:            p.AdminEmail,
		AnnouncedURL:          p.AnnouncedURL,
		InstanceUUID:          p.InstanceUUID,
		MISPVersion:           p.MISPVersion,
		CertificatePEM:        p.CertificatePEM,
		EgressAddresses:       p.EgressAddresses,
		NotificationSettings:  p.NotificationSettings,
		OnOurMISP:             p.OnOurMISP,
		MintedKeys:            p.MintedKeys,
		KeysPendingRevocation: p.KeysPendingRevocation,
		Push:                  p.Push,
		Pull:                  p.Pull,
		PairedAt:              p.PairedAt,
		LastTest:              p.LastTest,
	}
	if p.PGPKey != nil {
		e.PGPFingerprint = p.PGPKey.Fingerprint
		e.PGPKeyArmored = p.PGPKey.Armored
	}
	for _, pr := range profiles {
		if pr.ID == p.ProfileID {
			e.OurProfile = pr.Name
			e.OurMISPURL = pr.URL
		}
	}
	return e
}

// ExportPartnersJSON writes the partners as an indented JSON document without
// secrets.
func ExportPartnersJSON(w io.Writer, partners []Partner, profiles []Profile) error {
	doc := exportDocument{Format: ExportFormatVersion, Exported: time.Now().UTC(), Partners: []PartnerExport{}}
	for _, p := range partners {
		doc.Partners = append(doc.Partners, ToExport(p, profiles))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// csvHeader names the CSV export's columns, in order.
var csvHeader = []string{
	"org_name", "org_uuid", "admin_email", "announced_url", "instance_uuid", "misp_version",
	"pgp_fingerprint", "egress_addresses", "our_profile", "our_misp_url",
	"org_id", "org_outcome", "sync_user_id", "sync_user_outcome", "sync_user_email",
	"server_id", "server_outcome", "push", "pull", "paired_at",
	"last_test_status", "last_test_message", "last_test_at",
	"minted_key_ids", "keys_pending_revocation",
}

// ExportPartnersCSV writes one row per partner, without secrets, the long
// fields (keys, certificates, notification settings) left to the JSON export.
// Cells a spreadsheet would take for a formula are prefixed with a quote: the
// partner chose their content.
func ExportPartnersCSV(w io.Writer, partners []Partner, profiles []Profile) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, p := range partners {
		e := ToExport(p, profiles)
		var status, message, at string
		if e.LastTest != nil {
			status = strconv.Itoa(e.LastTest.Status)
			message = e.LastTest.Message
			at = formatTime(e.LastTest.At)
		}
		row := []string{
			e.OrgName, e.OrgUUID, e.AdminEmail, e.AnnouncedURL, e.InstanceUUID, e.MISPVersion,
			e.PGPFingerprint, strings.Join(e.EgressAddresses, " "), e.OurProfile, e.OurMISPURL,
			e.OnOurMISP.Org.ID, string(e.OnOurMISP.Org.Outcome),
			e.OnOurMISP.SyncUser.ID, string(e.OnOurMISP.SyncUser.Outcome), e.OnOurMISP.SyncUserEmail,
			e.OnOurMISP.Server.ID, string(e.OnOurMISP.Server.Outcome),
			strconv.FormatBool(e.Push), strconv.FormatBool(e.Pull), formatTime(e.PairedAt),
			status, message, at,
			keyIDs(e.MintedKeys), keyIDs(e.KeysPendingRevocation),
		}
		for i := range row {
			row[i] = defuseFormula(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func keyIDs(keys []MintedKey) string {
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return strings.Join(ids, " ")
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
