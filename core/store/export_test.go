package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

func TestExportsCarryNoSecrets(t *testing.T) {
	d := sampleData()
	// A pending pairing's partner, exported by mistake, must not leak either.
	partners := append(d.Partners, d.Pending[0].Partner)
	for name, export := range map[string]func(*bytes.Buffer) error{
		"json": func(b *bytes.Buffer) error { return ExportPartnersJSON(b, partners, d.Profiles) },
		"csv":  func(b *bytes.Buffer) error { return ExportPartnersCSV(b, partners, d.Profiles) },
	} {
		var out bytes.Buffer
		if err := export(&out); err != nil {
			t.Fatalf("%s export: %v", name, err)
		}
		for _, secret := range []string{testAuthkey, testSyncKey, testPassphrase} {
			if bytes.Contains(out.Bytes(), []byte(secret)) {
				t.Fatalf("%s export contains a secret", name)
			}
		}
		// And it does carry the record: an empty export would pass the check above.
		for _, want := range []string{"CERT Ruritania", "https://misp.cert.example.net:8443", "CIRCL test", "77"} {
			if !bytes.Contains(out.Bytes(), []byte(want)) {
				t.Fatalf("%s export lacks %q:\n%s", name, want, out.String())
			}
		}
	}
}

func TestExportJSONShape(t *testing.T) {
	d := sampleData()
	var out bytes.Buffer
	if err := ExportPartnersJSON(&out, d.Partners, d.Profiles); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format   int             `json:"format"`
		Partners []PartnerExport `json:"partners"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != ExportFormatVersion || len(doc.Partners) != 1 {
		t.Fatalf("export document: %+v", doc)
	}
	p := doc.Partners[0]
	if p.OurMISPURL != "https://misp.example.org" || p.PGPFingerprint == "" || p.OnOurMISP.Org.Outcome != Created ||
		p.NotificationSettings == nil || p.NotificationSettings.Emails[0].Address != "abuse@cert.example.net" {
		t.Fatalf("exported partner: %+v", p)
	}
}

func TestExportCSVShapeAndFormulaDefusing(t *testing.T) {
	d := sampleData()
	d.Partners[0].Org.Name = "=HYPERLINK(\"http://evil.example\")"
	var out bytes.Buffer
	if err := ExportPartnersCSV(&out, d.Partners, d.Profiles); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0]) != len(csvHeader) || len(rows[1]) != len(csvHeader) {
		t.Fatalf("CSV shape: %d rows, header %d columns", len(rows), len(rows[0]))
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	if !strings.HasPrefix(col["org_name"], "'=") {
		t.Fatalf("a formula-looking org name was not defused: %q", col["org_name"])
	}
	if col["egress_addresses"] != "192.0.2.17 2001:db8::17" || col["server_outcome"] != "created" ||
		col["last_test_status"] != "1" || col["keys_pending_revocation"] != "70" || col["pull"] != "true" {
		t.Fatalf("CSV row: %v", col)
	}
}

func TestSearchPartners(t *testing.T) {
	partners := []Partner{
		{ID: "a", Org: PartnerOrg{Name: "CERT Ruritania", UUID: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"}, AdminEmail: "admin@cert.ruritania.example", AnnouncedURL: "https://misp.ruritania.example:8443/"},
		{ID: "b", Org: PartnerOrg{Name: "Freedonia CSIRT", UUID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}, AdminEmail: "soc@freedonia.example", AnnouncedURL: "https://10.1.2.3", EgressAddresses: []string{"198.51.100.7"}},
		{ID: "c", Org: PartnerOrg{Name: "Sylvania ISAC"}, InstanceUUID: "AABBCCDD-0000-4000-8000-000000000000"},
		{ID: "d", Org: PartnerOrg{Name: "CSIRT-Beta"}},
		{ID: "e", Org: PartnerOrg{Name: "Équipe_Réponse (Genève)"}},
	}
	cases := map[string][]string{
		"":                  {"a", "b", "c", "d", "e"},
		"  ":                {"a", "b", "c", "d", "e"},
		"ruritania":         {"a"}, // name, e-mail domain, URL
		"cert ":             {"a"}, // partial, case-insensitive
		"CSIRT":             {"b", "d"},
		"CSIRT beta":        {"d"}, // across punctuation and case
		"csirt-BETA":        {"d"},
		"csirtbeta":         {"d"},
		"csirt  beta ":      {"d"},
		"réponse genève":    {"e"},
		"REPONSE":           nil,                  // letters are compared, accents are not dropped
		"-":                 {"a", "b", "c", "d"}, // punctuation only: the plain match alone
		"aabbccdd0000":      {"c"},
		"3F2504E0":          {"b"},      // UUID, case-insensitive
		"freedonia.example": {"b"},      // e-mail domain
		"soc@":              {"b"},      // e-mail
		":8443":             {"a"},      // URL
		"198.51.100":        {"b"},      // egress address
		"10.1.2":            {"b"},      // URL host
		"aabbccdd":          {"c"},      // instance UUID
		"example":           {"a", "b"}, // several
		"nothing-like-this": nil,
	}
	for q, want := range cases {
		var got []string
		for _, p := range SearchPartners(partners, q) {
			got = append(got, p.ID)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("SearchPartners(%q) = %v, want %v", q, got, want)
		}
	}
}
