package session

import (
	"reflect"
	"testing"

	"github.com/mispbump/mispbump-desktop/core/pairing"
)

// Our profile's IEP005 settings (Config.Notifications) travel in INFO and
// land in the partner's record; a per-pairing choice overrides them.
func TestProfileNotificationsTravelInInfo(t *testing.T) {
	fromProfile := &pairing.NotificationSettings{Version: pairing.NotificationVersion,
		Emails: []pairing.NotificationEmail{{Address: "cert@org-a.example"}}, Formats: []string{"JSON"}, Interval: "daily"}
	bProfile := &pairing.NotificationSettings{Version: pairing.NotificationVersion, Emails: []pairing.NotificationEmail{{Address: "profile@org-b.example"}}}
	bChoice := &pairing.NotificationSettings{Version: pairing.NotificationVersion, Emails: []pairing.NotificationEmail{{Address: "this-pairing@org-b.example"}}}
	a, b := startSim(t, "A", false), startSim(t, "B", false)
	stA, stB := newStore(t), newStore(t)
	p, res := simPair(t, a, b, stA, stB, func(cfg *[2]Config) {
		cfg[0].Notifications = fromProfile
		cfg[1].Notifications = bProfile
		cfg[1].Choices.Notifications = bChoice
	})
	for i, r := range res {
		if !r.OK {
			t.Fatalf("side %d: %+v\n%s", i, r, p.eventLog(i))
		}
	}
	if got := onlyPartner(t, stB).NotificationSettings; !reflect.DeepEqual(got, fromProfile) {
		t.Errorf("B's record of A's settings: %+v", got)
	}
	if got := onlyPartner(t, stA).NotificationSettings; !reflect.DeepEqual(got, bChoice) {
		t.Errorf("A's record of B's settings: %+v, want the per-pairing choice", got)
	}
}
