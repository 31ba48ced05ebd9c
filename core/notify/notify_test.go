package notify

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

const fpA = "5626761B7DA78C7B046F18F41C6D20BD9F5DF798" // instance A's key, recording 60

func sample() pairing.NotificationSettings {
	return pairing.NotificationSettings{
		Version: pairing.NotificationVersion,
		Emails: []pairing.NotificationEmail{
			{Address: "soc@org-a.test", PGPFingerprint: fpA},
			{Address: "cert@org-a.test", SMIMECertRef: "https://org-a.test/smime/cert.pem", Cc: true},
		},
		Formats:          []string{"MISP", "STIX", "CSV"},
		HTTPEndpoint:     "https://notify.org-a.test/misp",
		HTTPAuthTokenRef: "vault:secret/misp-notify",
		Interval:         "daily",
	}
}

func TestValidateAcceptsSample(t *testing.T) {
	if err := Validate(sample()); err != nil {
		t.Fatal(err)
	}
	if err := Validate(pairing.NotificationSettings{}); err != nil {
		t.Fatalf("empty settings: %v", err)
	}
	if !Empty(pairing.NotificationSettings{Emails: []pairing.NotificationEmail{{}}}) || Empty(sample()) {
		t.Error("Empty")
	}
}

// TestValidateEachField: one broken field at a time; the error names that
// field alone, in words.
func TestValidateEachField(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*pairing.NotificationSettings)
		field  string
		words  string
	}{
		{"address missing", func(s *pairing.NotificationSettings) { s.Emails[0].Address = "" }, EmailField(0, PartAddress), "enter an e-mail address"},
		{"address without @", func(s *pairing.NotificationSettings) { s.Emails[1].Address = "cert.org-a.test" }, EmailField(1, PartAddress), "not an e-mail address"},
		{"address with name", func(s *pairing.NotificationSettings) { s.Emails[0].Address = "SOC <soc@org-a.test>" }, EmailField(0, PartAddress), "without a name"},
		{"address without domain dot", func(s *pairing.NotificationSettings) { s.Emails[0].Address = "soc@localhost" }, EmailField(0, PartAddress), "domain like example.org"},
		{"address twice", func(s *pairing.NotificationSettings) { s.Emails[1].Address = "SOC@org-a.test" }, EmailField(1, PartAddress), "already given as e-mail 1"},
		{"two addresses in one", func(s *pairing.NotificationSettings) { s.Emails[0].Address = "a@x.test,b@x.test" }, EmailField(0, PartAddress), "one plain address"},
		{"fingerprint short", func(s *pairing.NotificationSettings) { s.Emails[0].PGPFingerprint = fpA[:38] }, EmailField(0, PartPGPFingerprint), "has 38"},
		{"fingerprint not hex", func(s *pairing.NotificationSettings) { s.Emails[0].PGPFingerprint = "G" + fpA[1:] }, EmailField(0, PartPGPFingerprint), "'G' is not one"},
		{"smime pasted certificate", func(s *pairing.NotificationSettings) {
			s.Emails[1].SMIMECertRef = "-----BEGIN CERTIFICATE-----MIIB"
		}, EmailField(1, PartSMIMECertRef), "not the certificate itself"},
		{"smime two lines", func(s *pairing.NotificationSettings) { s.Emails[1].SMIMECertRef = "a\nb" }, EmailField(1, PartSMIMECertRef), "one line"},
		{"all Cc", func(s *pairing.NotificationSettings) { s.Emails[0].Cc = true }, FieldEmails, "main recipient"},
		{"no address nor endpoint", func(s *pairing.NotificationSettings) { s.Emails = nil; s.HTTPEndpoint, s.HTTPAuthTokenRef = "", "" }, FieldEmails, "at least one e-mail address"},
		{"unknown format", func(s *pairing.NotificationSettings) { s.Formats = append(s.Formats, "PDF") }, FieldFormats, `"PDF" is not one of CSV, JSON, IDEA, X-ARF, STIX, MISP`},
		{"format twice", func(s *pairing.NotificationSettings) { s.Formats = append(s.Formats, "stix") }, FieldFormats, "STIX is listed twice"},
		{"endpoint http", func(s *pairing.NotificationSettings) { s.HTTPEndpoint = "http://notify.org-a.test/" }, FieldHTTPEndpoint, "use https://"},
		{"endpoint ftp", func(s *pairing.NotificationSettings) { s.HTTPEndpoint = "ftp://notify.org-a.test/" }, FieldHTTPEndpoint, "not ftp://"},
		{"endpoint not a URL", func(s *pairing.NotificationSettings) { s.HTTPEndpoint = "notify.org-a.test" }, FieldHTTPEndpoint, "not a URL"},
		{"endpoint with credentials", func(s *pairing.NotificationSettings) { s.HTTPEndpoint = "https://user:pw@notify.org-a.test/" }, FieldHTTPEndpoint, "credentials"},
		{"token pasted", func(s *pairing.NotificationSettings) { s.HTTPAuthTokenRef = "KEYADMIN1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }, FieldHTTPAuthTokenRef, "looks like the token itself"},
		{"bearer pasted", func(s *pairing.NotificationSettings) { s.HTTPAuthTokenRef = "Bearer abc" }, FieldHTTPAuthTokenRef, "never the token"},
		{"token ref without endpoint", func(s *pairing.NotificationSettings) { s.HTTPEndpoint = "" }, FieldHTTPAuthTokenRef, "needs an HTTP endpoint"},
		{"interval unknown", func(s *pairing.NotificationSettings) { s.Interval = "fortnightly" }, FieldInterval, "ISO 8601"},
		{"interval zero", func(s *pairing.NotificationSettings) { s.Interval = "PT0S" }, FieldInterval, "longer than zero"},
		{"interval bare T", func(s *pairing.NotificationSettings) { s.Interval = "P1DT" }, FieldInterval, "ISO 8601"},
		{"newer version", func(s *pairing.NotificationSettings) { s.Version = "2.0" }, FieldVersion, "update MISPbump"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample()
			s.Emails = append([]pairing.NotificationEmail(nil), s.Emails...)
			tc.change(&s)
			err := Validate(s)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if len(ve.Fields) != 1 || ve.Fields[0].Field != tc.field {
				t.Fatalf("fields %+v, want only %s", ve.Fields, tc.field)
			}
			if msg := ve.For(tc.field); !strings.Contains(msg, tc.words) {
				t.Errorf("message %q lacks %q", msg, tc.words)
			}
			if !strings.HasPrefix(err.Error(), "The notification settings have a problem — ") {
				t.Errorf("Error() = %q", err)
			}
			if strings.Contains(err.Error(), "KEYADMIN1") {
				t.Error("the pasted token is repeated in the message")
			}
		})
	}
}

func TestValidateAcceptedForms(t *testing.T) {
	for _, iv := range []string{"immediate", "hourly", "daily", "weekly", "PT15M", "P1D", "P1W", "PT4H", "P1DT12H"} {
		s := sample()
		s.Interval = iv
		if err := Validate(s); err != nil {
			t.Errorf("interval %q: %v", iv, err)
		}
	}
	for _, ref := range []string{"vault:secret/misp-notify", "env:NOTIFY_TOKEN", "ask soc@org-a.test", "misp-notify-token-reference"} {
		s := sample()
		s.HTTPAuthTokenRef = ref
		if err := Validate(s); err != nil {
			t.Errorf("reference %q: %v", ref, err)
		}
	}
	s := sample()
	s.Emails[0].PGPFingerprint = strings.Repeat("ab", 32) // v6
	s.Emails = s.Emails[:1]
	s.HTTPEndpoint, s.HTTPAuthTokenRef = "", ""
	if err := Validate(s); err != nil {
		t.Errorf("v6 fingerprint, e-mail only: %v", err)
	}
}

func TestValidateReportsEveryField(t *testing.T) {
	s := sample()
	s.Emails[0].Address = "nope"
	s.Emails[1].PGPFingerprint = "1234"
	s.HTTPEndpoint = "http://x.test"
	err := Validate(s)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(err.Error(), "3 problems") || !strings.Contains(err.Error(), "e-mail 2, PGP fingerprint") {
		t.Errorf("%s", err)
	}
	if ve.For(FieldInterval) != "" {
		t.Error("a good field has a message")
	}
}

func TestNormalize(t *testing.T) {
	in := pairing.NotificationSettings{
		Emails: []pairing.NotificationEmail{
			{Address: "  soc@org-a.test ", PGPFingerprint: "0x5626 761b 7DA7 8C7B 046F  18F4 1C6D 20BD 9F5D F798"},
			{}, // an empty row from the editor
		},
		Formats:  []string{" stix", "xarf", "misp"},
		Interval: "Daily",
	}
	got := Normalize(in)
	want := pairing.NotificationSettings{
		Version:  pairing.NotificationVersion,
		Emails:   []pairing.NotificationEmail{{Address: "soc@org-a.test", PGPFingerprint: fpA}},
		Formats:  []string{"STIX", "X-ARF", "MISP"},
		Interval: "daily",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if err := Validate(got); err != nil {
		t.Fatal(err)
	}
}

func TestDescribe(t *testing.T) {
	rows := Describe(nil)
	if len(rows) != 1 || rows[0].Value != NotProvided {
		t.Fatalf("nil: %+v", rows)
	}
	s := sample()
	text := ""
	for _, r := range Describe(&s) {
		text += r.Label + ": " + r.Value + "\n"
	}
	for _, want := range []string{
		"E-mail: soc@org-a.test — PGP 5626 761B 7DA7 8C7B 046F 18F4 1C6D 20BD 9F5D F798",
		"E-mail: cert@org-a.test (Cc) — S/MIME certificate: https://org-a.test/smime/cert.pem",
		"Data formats: MISP, STIX, CSV",
		"HTTP endpoint: https://notify.org-a.test/misp (auth token kept at: vault:secret/misp-notify)",
		"Interval: daily",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}
	empty := pairing.NotificationSettings{Version: "1.0"}
	text = ""
	for _, r := range Describe(&empty) {
		text += r.Label + ": " + r.Value + "\n"
	}
	if !strings.Contains(text, "E-mail: none given") || !strings.Contains(text, "HTTP endpoint: not given") {
		t.Errorf("empty:\n%s", text)
	}
}

func TestDecode(t *testing.T) {
	s := sample()
	raw, _ := json.Marshal(s)
	got, err := Decode(raw)
	if err != nil || !reflect.DeepEqual(*got, s) {
		t.Fatalf("%v %+v", err, got)
	}
	for _, none := range []string{"", "null", "  "} {
		if got, err := Decode(json.RawMessage(none)); got != nil || err != nil {
			t.Errorf("%q: %v %v", none, got, err)
		}
	}
	var de *DecodeError
	if _, err := Decode(json.RawMessage(`{"v":"2.0"}`)); !errors.As(err, &de) || !strings.Contains(err.Error(), "update MISPbump") {
		t.Errorf("newer: %v", err)
	}
	if _, err := Decode(json.RawMessage(`[1,2]`)); !errors.As(err, &de) {
		t.Errorf("not an object: %v", err)
	}
	if got, err := Decode(json.RawMessage(`{"v":"1.3","emails":[{"address":"a@b.test"}],"future":true}`)); err != nil || got.Emails[0].Address != "a@b.test" {
		t.Errorf("newer minor: %v %+v", err, got)
	}
}

func FuzzDecode(f *testing.F) {
	raw, _ := json.Marshal(sample())
	f.Add(string(raw))
	f.Add(`{"v":"2.0"}`)
	f.Add(`{"version":1,"emails":[{"address":"abuse@cert.example.net","cc":false}],"format":"MISP"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, data string) {
		s, err := Decode(json.RawMessage(data))
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		if s == nil {
			return
		}
		// Whatever decodes can be normalised, validated and shown.
		n := Normalize(*s)
		_ = Validate(n)
		for _, r := range Describe(&n) {
			if r.Label == "" {
				t.Fatal("row without label")
			}
		}
		if verr := Validate(n); verr != nil {
			if _, ok := verr.(*ValidationError); !ok {
				t.Fatalf("validation error %T", verr)
			}
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	s := Normalize(sample())
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(s); err != nil {
			b.Fatal(err)
		}
	}
}
