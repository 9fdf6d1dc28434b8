package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestUnreadableEvidenceNotDetected: a record decoded in part whose
// System part was read (the nested EventData template is what could not
// be resolved: here the name ErrorState is damaged, as an overwritten
// template leaves it) and whose provider and event id are those of an
// evidence query is not counted, but the rule does not say "no matching
// event in the window" of a window that holds it: a Schannel 36871 whose
// Type and ErrorState cannot be read leaves rdp-tls-disabled not checked,
// naming the record, where it was "not detected; System read and covers
// it". The same with shortcuts
// and without; the same log undamaged is detected.
func TestUnreadableEvidenceNotDetected(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	base := func() []*evtx.Event {
		var evs []*evtx.Event
		for i := 0; i < 240; i++ {
			evs = append(evs, scmAt(t0.Add(-10*24*time.Hour+time.Duration(i)*time.Hour)))
		}
		return evs
	}
	schannel := func(at time.Time) *evtx.Event {
		ev := evtxtest.Schannel36871(at, 10013)
		ev.Written = at
		return ev
	}
	one := append(base(), schannel(t0.Add(-2*time.Hour)), scmAt(t0))
	for _, tc := range []struct {
		name    string
		damage  bool
		verdict Verdict
	}{
		{"intact", false, Detected},
		{"event data unreadable", true, NotChecked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.damage {
				dir = damagedNameLog(t, one, "ErrorState")
			} else {
				writeLogs(t, dir, map[string][]*evtx.Event{"System.evtx": one})
			}
			for _, plain := range []bool{false, true} {
				var f *Finding
				for _, g := range analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir).Findings {
					if g.Rule.ID == "rdp-tls-disabled" {
						f = g
					}
				}
				if f == nil {
					t.Fatal("no finding of rdp-tls-disabled")
				}
				if f.Verdict != tc.verdict {
					t.Fatalf("NoShortcuts %v: %s (%s), want %s", plain, f.Verdict, f.Why, tc.verdict)
				}
				if tc.damage && (!strings.Contains(f.Why, "Schannel 36871 at 2024-05-01T10:00:00.0000000Z") || !strings.Contains(f.Why, "EventRecordID 241") ||
					!strings.Contains(f.Why, "event data could not be read")) {
					t.Errorf("NoShortcuts %v: why %q does not name the record decoded in part", plain, f.Why)
				}
			}
		})
	}

}
