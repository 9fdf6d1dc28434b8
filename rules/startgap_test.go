package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLogsWithATimeBetweenThemDoNotCoverIt: two System logs of one
// machine that are not copies, one ending before the window (or early in
// it) and one starting an hour before its end, hold nothing of the hours
// between. The coverage check took the older log's start and the newer
// log's end as if one log ran from one to the other, and said "not
// detected; System read and covers it" (the public samples
// Security_Tor.evtx and ex_001.evtx of michkoll/fakenevtx, one machine's
// Security exports 50 days apart, made rdp-logon-account not detected).
// It is not checked now, naming both logs. The same two logs still cover
// the window when the newer one goes on where the older ends: numbered on
// from its last EventRecordID (one log's parts), or from 1 (a log begun
// then, as an archived log's successor). With shortcuts as without.
func TestLogsWithATimeBetweenThemDoNotCoverIt(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// write writes the older log, hourly records from oldFrom for 48
	// hours numbered from 1, and the newer log, every ten minutes of the
	// last hour numbered from firstNewID.
	write := func(oldFrom time.Time, firstNewID uint64) string {
		dir := t.TempDir()
		var old []*evtx.Event
		for i := range 48 {
			ev := evtxtest.EventLog(oldFrom.Add(time.Duration(i)*time.Hour), 6013)
			ev.RecordID, ev.System.EventRecordID = uint64(i+1), uint64(i+1)
			old = append(old, ev)
		}
		var cur []*evtx.Event
		for i := range 7 {
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
	tenDaysBefore := t0.Add(-12 * 24 * time.Hour)      // the older log ends 10 days before t0
	intoWindow := t0.Add(-24*time.Hour - 45*time.Hour) // the older log ends 2 hours into the window
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		f := finding(t, analyzePath(t, e, write(tenDaysBefore, 5001)), "rdp-tls-disabled")
		why := strings.Join(f.Reasons, "\n")
		if f.Verdict != NotChecked || !strings.Contains(why, "no log of it holds the window's start") ||
			!strings.Contains(why, "Archive-System-2024-04-21-12-00-00-000.evtx ends with EventRecordID 48 at 2024-04-21T11:00:00.0000000Z") ||
			!strings.Contains(why, "System.evtx starts with EventRecordID 5001 at 2024-05-01T11:00:00.0000000Z") {
			t.Errorf("NoShortcuts %v: logs ending 10 days before the window and starting an hour before its end: %s (%s), want not checked naming both", plain, f.Verdict, why)
		}
		f = finding(t, analyzePath(t, e, write(intoWindow, 5001)), "rdp-tls-disabled")
		why = strings.Join(f.Reasons, "\n")
		if f.Verdict != NotChecked || !strings.Contains(why, "no log of it holds the 21 hours of the window between") {
			t.Errorf("NoShortcuts %v: logs ending 2 hours into the window and starting an hour before its end: %s (%s), want not checked", plain, f.Verdict, why)
		}
		for _, c := range []struct {
			name  string
			from  time.Time
			first uint64
		}{
			{"numbered on from the older (49 after 48)", tenDaysBefore, 49},
			{"numbered from 1", tenDaysBefore, 1},
			{"numbered from 1, the older ending in the window", intoWindow, 1},
		} {
			if f := finding(t, analyzePath(t, e, write(c.from, c.first)), "rdp-tls-disabled"); f.Verdict != NotDetected {
				t.Errorf("NoShortcuts %v: the newer log %s: %s (%s), want not detected", plain, c.name, f.Verdict, strings.Join(f.Reasons, "\n"))
			}
		}
	}
}
