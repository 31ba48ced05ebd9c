package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// migrate turns a document of an older format into the current one, one
// format step at a time. Each step is a pure function on JSON so it can be
// tested against fixtures in testdata.
func migrate(format int, doc json.RawMessage) (json.RawMessage, error) {
	steps := map[int]func(json.RawMessage) (json.RawMessage, error){
		0: migrateV0ToV1,
	}
	for f := format; f < FormatVersion; f++ {
		step, ok := steps[f]
		if !ok {
			return nil, fmt.Errorf("no migration from format %d", f)
		}
		next, err := step(doc)
		if err != nil {
			return nil, err
		}
		doc = next
	}
	return doc, nil
}

// v0Document is the layout of the prototype's store (format 0): one MISP
// connection, flat partner records, and a few settings.
type v0Document struct {
	MISP *struct {
		Name       string `json:"name"`
		URL        string `json:"url"`
		APIKey     string `json:"api_key"`
		CertSHA256 string `json:"cert_sha256"`
		CertPEM    string `json:"cert_pem"`
	} `json:"misp"`
	Partners []struct {
		OrgName      string `json:"org_name"`
		OrgUUID      string `json:"org_uuid"`
		URL          string `json:"url"`
		Email        string `json:"email"`
		InstanceUUID string `json:"instance_uuid"`
		ServerID     string `json:"server_id"`
		PairedUnix   int64  `json:"paired_unix"`
		Push         bool   `json:"push"`
		Pull         bool   `json:"pull"`
	} `json:"partners"`
	Settings struct {
		Camera string `json:"camera"`
		Mirror *bool  `json:"mirror"`
	} `json:"settings"`
}

// migrateV0ToV1 moves the single MISP connection into a profile (partners
// then belong to it), splits the flat partner fields into the v1 record, and
// fills the preferences v0 did not have with the defaults.
func migrateV0ToV1(doc json.RawMessage) (json.RawMessage, error) {
	var old v0Document
	if err := json.Unmarshal(doc, &old); err != nil {
		return nil, fmt.Errorf("format 0 document: %w", err)
	}
	d := Data{Preferences: DefaultPreferences()}
	profileID := ""
	if old.MISP != nil {
		p := Profile{ID: NewID(), Name: old.MISP.Name, URL: old.MISP.URL, Authkey: old.MISP.APIKey}
		if p.Name == "" {
			p.Name = p.URL
		}
		if old.MISP.CertSHA256 != "" || old.MISP.CertPEM != "" {
			p.Certificate = &PinnedCertificate{SHA256: old.MISP.CertSHA256, PEM: old.MISP.CertPEM}
		}
		profileID = p.ID
		d.Profiles = append(d.Profiles, p)
	}
	for _, op := range old.Partners {
		p := Partner{
			ID:           NewID(),
			ProfileID:    profileID,
			Org:          PartnerOrg{UUID: op.OrgUUID, Name: op.OrgName},
			AdminEmail:   op.Email,
			AnnouncedURL: op.URL,
			InstanceUUID: op.InstanceUUID,
			Push:         op.Push,
			Pull:         op.Pull,
		}
		if op.ServerID != "" {
			// v0 did not record whether it created the entry: say reused, so
			// removing the partner never deletes an entry the app may not own.
			p.OnOurMISP.Server = ObjectRef{ID: op.ServerID, Outcome: Reused}
		}
		if op.PairedUnix > 0 {
			p.PairedAt = time.Unix(op.PairedUnix, 0).UTC()
		}
		d.Partners = append(d.Partners, p)
	}
	d.Preferences.CameraDevice = old.Settings.Camera
	if old.Settings.Mirror != nil {
		d.Preferences.MirrorPreview = *old.Settings.Mirror
	}
	return json.Marshal(&d)
}
