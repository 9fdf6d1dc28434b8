package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLogsEitherSideOfTheWindowStartDoNotCoverIt: two System logs of one
// machine that are not copies, one ending ten days before the window and
// one starting an hour before its end, hold nothing of the 23 hours
// between. The coverage check took the older log's start and the newer
// log's end as if one log ran from one to the other, and said "not
// detected; System read and covers it" (the public samples
// Security_Tor.evtx and ex_001.evtx of michkoll/fakenevtx, one machine's
// Security exports 50 days apart, made rdp-logon-account not detected).
// It is not checked now, naming both logs. The same two logs, the newer
// numbered on from the older's last EventRecordID (one log's parts:
// nothing written between them is missing), still cover the window.
// With shortcuts as without.
func TestLogsEitherSideOfTheWindowStartDoNotCoverIt(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	write := func(firstNewID uint64) string {
		dir := t.TempDir()
		var old []*evtx.Event
		for i := range 48 { // hourly, from 12 to 10 days before t0
			ev := evtxtest.EventLog(t0.Add(-12*24*time.Hour+time.Duration(i)*time.Hour), 6013)
			ev.RecordID, ev.System.EventRecordID = uint64(i+1), uint64(i+1)
			old = append(old, ev)
		}
		var cur []*evtx.Event
		for i := range 7 { // every ten minutes, the last hour
			ev := evtxtest.EventLog(t0.Add(-time.Hour+time.Duration(i)*10*time.Minute), 6013)
			ev.RecordID, ev.System.EventRecordID = firstNewID+uint64(i), firstNewID+uint64(i)
			cur = append(cur, ev)
		}
		for name, evs := range map[string][]*evtx.Event{"Archive-System-2024-04-21-12-00-00-000.evtx": old, "System.evtx": cur} {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	gap, parts := write(5001), write(49)
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		res := analyzePath(t, e, gap)
		f := finding(t, res, "rdp-tls-disabled")
		why := strings.Join(f.Reasons, "\n")
		if f.Verdict != NotChecked || !strings.Contains(why, "no log of it holds the window's start") ||
			!strings.Contains(why, "Archive-System-2024-04-21-12-00-00-000.evtx ends with EventRecordID 48 at 2024-04-21T11:00:00.0000000Z") ||
			!strings.Contains(why, "System.evtx starts with EventRecordID 5001 at 2024-05-01T11:00:00.0000000Z") {
			t.Errorf("NoShortcuts %v: logs ending 10 days before the window and starting an hour before its end: %s (%s), want not checked naming both", plain, f.Verdict, why)
		}
		if f := finding(t, analyzePath(t, e, parts), "rdp-tls-disabled"); f.Verdict != NotDetected {
			t.Errorf("NoShortcuts %v: the newer log numbered on from the older (EventRecordID 49 after 48): %s (%s), want not detected", plain, f.Verdict, strings.Join(f.Reasons, "\n"))
		}
	}
}
