package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// writeLogEndedWhileClockAhead writes evtxtest.WriteClockAheadEnd into a
// new directory.
func writeLogEndedWhileClockAhead(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := evtxtest.WriteClockAheadEnd(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// query's timediff and dump's --since 24h count from the machine's
// last-written record as analyze does: not from a log's last record
// written while the clock ran a year ahead, as another log shows
// (rules.ReferenceEnd). Before, both counted from Security's EventRecordID
// 103, a year ahead: query found no 36871 in the last day and dump
// --since 24h printed only the six year-ahead records.
func TestQueryDumpLogEndedWhileClockAhead(t *testing.T) {
	dir := writeLogEndedWhileClockAhead(t)
	for _, noSkip := range []string{"--no-skip=false", "--no-skip"} {
		code, out, errOut := runCmd("query", noSkip, "-f", "xml", "-q", "*[System[Provider[@Name='Schannel'] and TimeCreated[timediff(@SystemTime) <= 86400000]]]", dir)
		if code != 0 || strings.Count(out, "<Event ") != 1 || !strings.Contains(out, "<EventID>36871</EventID>") {
			t.Errorf("query %s: exit %d, %d events; want the 36871\n%s", noSkip, code, strings.Count(out, "<Event "), errOut)
		}
		if !strings.Contains(errOut, "reference time: 2024-04-30T03:00:00.0000000Z (the last-written record, EventRecordID 245 in "+filepath.Join(dir, "System.evtx")) ||
			!strings.Contains(errOut, "warning: clock ahead at the end of "+filepath.Join(dir, "Security.evtx")) {
			t.Errorf("query %s: stderr:\n%s", noSkip, errOut)
		}
	}
	code, out, errOut := runCmd("dump", "-f", "xml", "--since", "24h", dir)
	// System's last day: 24 noise records, the 36871 and the last one;
	// and the six records a year ahead, after --since.
	if code != 0 || strings.Count(out, "<Event ") != 32 || !strings.Contains(out, "<EventID>36871</EventID>") {
		t.Errorf("dump --since 24h: exit %d, %d events, want 32 with the 36871\n%s", code, strings.Count(out, "<Event "), errOut)
	}
	if !strings.Contains(errOut, "evtxrdp dump: warning: clock ahead at the end of "+filepath.Join(dir, "Security.evtx")) {
		t.Errorf("dump --since 24h: stderr:\n%s", errOut)
	}
}

// An export whose last record gives no time (TimeCreated FILETIME 0,
// header time 0): query's timediff counts from the last record written
// before it with a TimeCreated, as analyze does, and says so; dump's
// --since 24h counts back from the same record. Before, query had no
// reference time ("none (the input holds no records)") and dump counted
// back from 1601-01-01, printing every record as the last day's, its
// summary saying "TimeCreated 1601-01-01T00:00:00.0000000Z to ...".
func TestQueryDumpExportLastRecordUntimed(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 46)
	evs = append(evs, evtxtest.Schannel36871(newest.Add(-90*time.Minute), 10013), evtxtest.Schannel36871(newest.Add(-time.Hour), 10013))
	last := evtxtest.Noise(newest, time.Hour, 1)[0]
	last.System.TimeCreated = evtx.FiletimeToTime(0)
	dir := t.TempDir()
	log := filepath.Join(dir, "System.evtx")
	if err := evtxtest.WriteFile(log, evtxtest.Exported(append(evs, last)), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, noSkip := range []string{"--no-skip=false", "--no-skip"} {
		code, out, errOut := runCmd("query", noSkip, "-f", "xml", "-q", "*[System[Provider[@Name='Schannel'] and TimeCreated[timediff(@SystemTime) <= 86400000]]]", log)
		if code != 0 || strings.Count(out, "<Event ") != 2 {
			t.Errorf("query %s: exit %d, %d events; want the two 36871\n%s", noSkip, code, strings.Count(out, "<Event "), errOut)
		}
		if !strings.Contains(errOut, "reference time: 2024-05-01T11:00:00.0000000Z (the last-written record, EventRecordID 48 in ") ||
			!strings.Contains(errOut, "(EventRecordID 49) gives no time") {
			t.Errorf("query %s: stderr:\n%s", noSkip, errOut)
		}
	}
	// From 2024-04-30T11:00: 23 noise records (the 24th hour of the log
	// on) and the two 36871; the untimed record's TimeCreated, 1601, lies
	// before the window, as the query language reads it.
	code, out, errOut := runCmd("dump", "-f", "xml", "--since", "24h", log)
	if code != 0 || strings.Count(out, "<Event ") != 25 || strings.Contains(errOut, "1601-01-01") || !strings.Contains(errOut, "last written record: EventRecordID 48 at 2024-05-01T11:00:00.0000000Z") {
		t.Errorf("dump --since 24h: exit %d, %d events, want 25\n%s", code, strings.Count(out, "<Event "), errOut)
	}
}

// A shadow copy (EventRecordID 4801..5050) and a later filtered export
// (EventRecordID 5001..5100, renumbered 1..100) of one System log are read
// as one log; dump --since 24h counts back from its last-written record by
// EventRecordID, 5100, not from the shadow copy's 5050, the higher record
// number (75 events then, the last day's 25 now). The summary names the
// export as the copy that holds it, its record 100: it said "record 100 in
// the file" under the shadow copy's path, which has no record 100 (its
// records are numbered 4801 to 5050).
func TestDumpShadowCopyAndLaterExport(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	for i, ev := range evs {
		ev.RecordID = uint64(4801 + i)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	var tail []*evtx.Event
	for _, ev := range evs[200:] {
		c := *ev
		tail = append(tail, &c)
	}
	dir := t.TempDir()
	shadow, export := filepath.Join(dir, "shadow.evtx"), filepath.Join(dir, "export.evtx")
	if err := evtxtest.WriteFile(shadow, evs[:250], evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(export, evtxtest.Exported(tail), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("dump", "-f", "xml", "--since", "24h", shadow, export)
	if code != 0 || strings.Count(out, "<Event ") != 25 || !strings.Contains(errOut, "last written record: EventRecordID 5100 in "+export+" (record 100 in the file) at 2024-05-01T12:00:00.0000000Z") {
		t.Errorf("dump --since 24h: exit %d, %d events, want 25\n%s", code, strings.Count(out, "<Event "), errOut)
	}
	// query -r -c 3 (wevtutil /rd:true /c:3): the newest three of the
	// log, EventRecordID 5100, 5099, 5098 (records 100, 99, 98 of the
	// export); by record number they were the shadow copy's 5050, 5049,
	// 5048. -c 3 alone: the oldest, 4801..4803, in either order.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-r", "-c", "3", shadow, export}, "5100 5099 5098"},
		{[]string{"-r", "-c", "3", export, shadow}, "5100 5099 5098"},
		{[]string{"-c", "3", export, shadow}, "4801 4802 4803"},
	} {
		code, out, errOut := runCmd(append([]string{"query", "-f", "xml"}, c.args...)...)
		var ids []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if _, rest, ok := strings.Cut(line, "<EventRecordID>"); ok {
				id, _, _ := strings.Cut(rest, "<")
				ids = append(ids, id)
			}
		}
		if code != 0 || strings.Join(ids, " ") != c.want {
			t.Errorf("query %v: exit %d, EventRecordIDs %v, want %s\n%s", c.args, code, ids, c.want, errOut)
		}
	}
}

// A time flag given with an empty value ("--at $AT" with AT unset) is a
// usage error naming the flag, as --look-back "" was: analyze --at "" and
// query --at "" took the last-written record's time instead (exit 3 and
// 0), and dump --since "" / --until "" and analyze --window "" were no
// bound and the default window.
func TestEmptyTimeFlagIsUsageError(t *testing.T) {
	set := filepath.Join(scenarios, "tls-36871-10013")
	for _, args := range [][]string{
		{"analyze", "--at", "", set},
		{"analyze", "--at=", set},
		{"analyze", "--window", " ", set},
		{"query", "--at", "", set},
		{"dump", "--since", "", set},
		{"dump", "--until=", set},
	} {
		code, _, errOut := runCmd(args...)
		if code != exitUsage || !strings.Contains(errOut, `: --`) {
			t.Errorf("%q: exit %d, stderr %q; want a usage error (%d) naming the flag", args, code, errOut, exitUsage)
		}
	}
}
