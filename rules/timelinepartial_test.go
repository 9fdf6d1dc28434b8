package rules

import (
	"strings"
	"testing"
)

// TestTimelinePartialSignIn: the real RemoteConnectionManager sample of
// omerbenamram/evtx holds seven RCM 1149 ("RDP user authentication
// succeeded"), the last of them, EventRecordID 463403 at
// 2018-08-07T19:31:37Z, decoded in part (its UserData template was
// overwritten; its System part, provider, event id and TimeCreated, was
// read). The timeline listed six: the seventh, a sign-in during the
// brute-force attack that the report points to the timeline for, was left
// out without a word. It is on a line of its own, saying its fields could
// not be read; with shortcuts and without.
func TestTimelinePartialSignIn(t *testing.T) {
	const path = "../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain, Timeline: 500}), path)
		var ids []uint64
		var partial *TimelineLine
		for _, l := range res.Timeline {
			if l.EventID != 1149 {
				continue
			}
			ids = append(ids, l.EventRecordID)
			if l.EventRecordID == 463403 {
				partial = l
			}
		}
		if len(ids) != 7 || partial == nil {
			t.Fatalf("NoShortcuts %v: 1149 lines of EventRecordIDs %v, want seven, 463403 among them", plain, ids)
		}
		if !strings.Contains(partial.Text, "decoded in part") || partial.Time.Format("2006-01-02T15:04:05") != "2018-08-07T19:31:37" || partial.Count != 1 {
			t.Errorf("NoShortcuts %v: line %+v, want one event at 2018-08-07T19:31:37 whose text says it was decoded in part", plain, partial)
		}
	}
}
