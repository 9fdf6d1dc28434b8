package rules_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// The reference time is the TimeCreated of the last-written record
// (highest record number), not the largest time: here the failure was
// logged first, at the largest time, and the clock was then set back ten
// hours. The analysis ends at the last-written record, reports the jump
// naming the record, and shows the failure as after the window (its real
// time is unknown), instead of silently moving "now" into the clock's
// error.
func TestReferenceTimeClockWentBack(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := []*evtx.Event{
		// Chunk 0: the failure at the largest time, then the clock is set
		// back ten hours.
		evtxtest.RCM1058(newest, "Access is denied."),
		evtxtest.SCM7036(newest.Add(-11*time.Hour), "Windows Update", "running", "wuauserv"),
		evtxtest.SCM7036(newest.Add(-10*time.Hour), "Windows Update", "stopped", "wuauserv"),
		// Chunk 1: written later, older times.
		evtxtest.SCM7036(newest.Add(-3*time.Hour), "Windows Update", "running", "wuauserv"),
		evtxtest.SCM7036(newest.Add(-2*time.Hour), "Windows Update", "stopped", "wuauserv"),
	}
	for _, plain := range []bool{false, true} {
		res := analyzeSystem(t, evs, plain)
		last := newest.Add(-2 * time.Hour)
		if !res.ReferenceTime.Equal(last) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 5 {
			t.Errorf("plain %v: reference time %v from %+v, want the last-written record's %v (EventRecordID 5)", plain, res.ReferenceTime, res.ReferenceRecord, last)
		}
		if len(res.ClockJumps) != 1 || res.ClockJumps[0].Count != 1 || res.ClockJumps[0].Newest.EventRecordID != 1 {
			t.Errorf("plain %v: clock jumps %+v, want one naming EventRecordID 1", plain, res.ClockJumps)
		} else if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "EventRecordID 1") || !strings.Contains(w, "EventRecordID 5") || !strings.Contains(w, "2 hours later") {
			t.Errorf("plain %v: warnings %q", plain, w)
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID != "rdp-cert-private-key" {
				continue
			}
			if fd.EvidenceCount != 0 || fd.Hits[0].AfterCount+fd.Hits[1].AfterCount != 1 {
				t.Errorf("plain %v: rdp-cert-private-key: %s with %d events; want the 1058 after the window", plain, fd.Verdict, fd.EvidenceCount)
			}
		}
	}
}

// The mirror of TestReferenceTimeClockWentBack: the clock ran a year
// behind for a few hours (set back, then set right by time sync), in the
// middle of a multi-chunk log whose last-written records are the failures.
// The reference time stays the last-written record's, the failures are
// detected, and the records written while the clock was behind (their
// TimeCreated a year before the first-written record's) are reported as a
// clock jump, by both the windowed and the plain read. Before, only
// records after the last-written one were looked for, so nothing said the
// clock had jumped (a variant of cases/CASES.md clock-forward).
func TestReferenceTimeClockRanBehind(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 12; i++ {
		at := newest.Add(time.Duration(i-12) * time.Hour)
		if i >= 4 && i < 7 {
			at = at.Add(-365 * 24 * time.Hour) // records 5..7
		}
		evs = append(evs, evtxtest.SCM7036(at, "Windows Update", "running", "wuauserv"))
	}
	evs = append(evs, evtxtest.Schannel36871(newest.Add(-30*time.Minute), 10013), evtxtest.Schannel36871(newest, 10013))
	for _, plain := range []bool{false, true} {
		res := analyzeSystem(t, evs, plain)
		if !res.ReferenceTime.Equal(newest) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 14 {
			t.Errorf("plain %v: reference time %v from %+v, want %v (EventRecordID 14)", plain, res.ReferenceTime, res.ReferenceRecord, newest)
		}
		if len(res.ClockJumps) != 1 {
			t.Fatalf("plain %v: clock jumps %+v, want one", plain, res.ClockJumps)
		}
		j := res.ClockJumps[0]
		if !j.Behind || j.Count != 3 || j.First.EventRecordID != 5 || j.Oldest.EventRecordID != 5 || j.Newest.EventRecordID != 7 ||
			j.FirstWritten.EventRecordID != 1 || j.Last.EventRecordID != 14 {
			t.Errorf("plain %v: clock jump %+v, want records 5..7 behind record 1", plain, j)
		}
		if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "was set back between them") || !strings.Contains(w, "EventRecordID 5") || !strings.Contains(w, "EventRecordID 1,") {
			t.Errorf("plain %v: warnings %q", plain, w)
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID == "rdp-tls-disabled" && (fd.Verdict != rules.Detected || fd.EvidenceCount != 2) {
				t.Errorf("plain %v: rdp-tls-disabled %s with %d events, want detected with 2", plain, fd.Verdict, fd.EvidenceCount)
			}
		}
	}
}

// analyzeSystem analyses a System log of evs (3 records per chunk) with
// the built-in rules, every shortcut off when plain.
func analyzeSystem(t *testing.T, evs []*evtx.Event, plain bool) *rules.Result {
	t.Helper()
	return analyzeDir(t, writeSystem(t, evs), plain)
}

// writeSystem writes evs as the System log (3 records per chunk) of a new
// directory, which it returns.
func writeSystem(t *testing.T, evs []*evtx.Event) string {
	t.Helper()
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 3}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// analyzeDir analyses the logs of dir with the built-in rules, every
// shortcut off when plain.
func analyzeDir(t *testing.T, dir string, plain bool) *rules.Result {
	t.Helper()
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A TimeCreated of 0 (FILETIME 0, 1601-01-01) is the event's time, as the
// query language reads it: wevtutil's TimeCreated[timediff(@SystemTime) <=
// 86400000] does not select such an event, and the reader's window on
// TimeCreated passes over it. Here two Schannel events have TimeCreated 0
// and record header times inside the window (the 36871) and hours after
// the last-written record (the 36870). The plain path placed them by
// their header times (the 36871 detected, the 36870 a clock jump) while
// the windowed read skipped them: the shortcut changed the answer. Both
// now find neither in the window, and no clock jump.
func TestTimeCreatedZeroIsNotHeaderTime(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-72*time.Hour), time.Hour, 73)
	zero := evtx.FiletimeToTime(0)
	tls := evtxtest.Schannel36871(zero, 10013)
	tls.Written = newest.Add(-time.Hour)
	key := evtxtest.Schannel36870(zero, 0x8009030D, 10001)
	key.Written = newest.Add(5 * time.Hour)
	evs = append(evs[:70:70], tls, key, evs[70], evs[71], evs[72])
	dir := writeSystem(t, evs)
	var answers [2]string
	for i, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		answers[i] = answer(res)
		if !res.ReferenceTime.Equal(newest) {
			t.Errorf("plain %v: reference time %v, want %v", plain, res.ReferenceTime, newest)
		}
		if len(res.ClockJumps) != 0 {
			t.Errorf("plain %v: clock jumps %v, want none (a TimeCreated of 0 lies after no record)", plain, res.ClockJumps)
		}
		for _, fd := range res.Findings {
			if (fd.Rule.ID == "rdp-tls-disabled" || fd.Rule.ID == "rdp-cert-private-key") && fd.Verdict != rules.NotDetected {
				t.Errorf("plain %v: %s %s with %d events, want not detected (the events' TimeCreated is 1601)", plain, fd.Rule.ID, fd.Verdict, fd.EvidenceCount)
			}
		}
	}
	if d := cmp.Diff(answers[1], answers[0]); d != "" {
		t.Errorf("shortcuts change the answer (-without +with):\n%s", d)
	}
}
