package notify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/store"
)

// TestExportIncludesSettings: the store's JSON export carries a partner's
// notification settings whole, and Decode reads them back.
func TestExportIncludesSettings(t *testing.T) {
	s := Normalize(sample())
	partners := []store.Partner{
		{ID: "p1", Org: store.PartnerOrg{Name: "Org-A"}, NotificationSettings: &s},
		{ID: "p2", Org: store.PartnerOrg{Name: "Org-B"}},
	}
	var buf bytes.Buffer
	if err := store.ExportPartnersJSON(&buf, partners, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partners []struct {
			NotificationSettings json.RawMessage `json:"notification_settings"`
		} `json:"partners"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(doc.Partners[0].NotificationSettings)
	if err != nil || got == nil || !reflect.DeepEqual(*got, s) {
		t.Fatalf("exported: %v %+v", err, got)
	}
	if none, err := Decode(doc.Partners[1].NotificationSettings); none != nil || err != nil {
		t.Fatalf("partner without settings exported %+v %v", none, err)
	}
}
