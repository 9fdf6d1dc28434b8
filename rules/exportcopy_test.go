package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// writeShadowAndExport writes, for one System log of 300 records
// (EventRecordID 4801..5100, hourly, two 36871 among its last ten), a
// shadow copy taken 50 hours before the end (its first 250 records,
// numbered as the log numbers them) and a filtered export saved at the
// end (its last 100 records, renumbered 1..100, header times borrowed,
// the last one 0), in two folders.
func writeShadowAndExport(t *testing.T) (shadow, export string, newest time.Time) {
	t.Helper()
	newest = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	evs[293] = evtxtest.Schannel36871(evs[293].System.TimeCreated, 10013)
	evs[296] = evtxtest.Schannel36871(evs[296].System.TimeCreated, 10013)
	shadow, export = writeCopies(t, evs)
	return shadow, export, newest
}

// writeCopies numbers the 300 events of one System log 4801..5100
// (record numbers and EventRecordID; header times their TimeCreated) and
// writes, in two folders, a shadow copy of its first 250 records and a
// filtered export of its last 100 (renumbered 1..100, header times
// borrowed, the last one 0): EventRecordID 5001..5050 are in both,
// 4801..5000 in the shadow copy only, 5051..5100 in the export only, as
// its records 51..100. The shadow copy holds more records: it is the
// copy read first, whose path the merged log has.
func writeCopies(t *testing.T, evs []*evtx.Event) (shadow, export string) {
	t.Helper()
	for i, ev := range evs {
		ev.RecordID = uint64(4801 + i)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	dir := t.TempDir()
	shadow, export = filepath.Join(dir, "shadow"), filepath.Join(dir, "export")
	var tail []*evtx.Event
	for _, ev := range evs[200:] {
		c := *ev
		tail = append(tail, &c)
	}
	for path, list := range map[string][]*evtx.Event{shadow: evs[:250], export: evtxtest.Exported(tail)} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(filepath.Join(path, "System.evtx"), list, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return shadow, export
}

// A shadow copy of a System log and a filtered export of it saved later
// are copies, read as one log (fleet merges them); their record numbers
// are not comparable (the export renumbers from 1), their EventRecordIDs
// are. Before, the last-written record was the shadow copy's
// EventRecordID 5050 (the highest record number of the two files) and the
// first-written the export's EventRecordID 5001 (its record 1): the
// reference time was 50 hours early, the export's 50 newer records a
// "clock jump" ahead and 199 of the shadow copy's one behind, and the two
// 36871 of the last day after the window: rdp-tls-disabled not detected.
// Now the ends are EventRecordID 4801 and 5100, no clock jump, the 36871
// detected; with shortcuts and without, in either order.
func TestShadowCopyAndLaterExportMerged(t *testing.T) {
	shadow, export, newest := writeShadowAndExport(t)
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if !res.ReferenceTime.Equal(newest) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 5100 {
			t.Errorf("%v plain %v: reference time %v from %+v, want %v (EventRecordID 5100)", order, plain, res.ReferenceTime, res.ReferenceRecord, newest)
		}
		if len(res.ClockJumps) != 0 {
			t.Errorf("%v plain %v: clock jumps %q, want none", order, plain, strings.Join(res.Warnings, "\n"))
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID != "rdp-tls-disabled" {
				continue
			}
			if fd.Verdict != "detected" || fd.EvidenceCount != 2 {
				t.Errorf("%v plain %v: rdp-tls-disabled %s with %d events, want detected with both 36871", order, plain, fd.Verdict, fd.EvidenceCount)
			}
			// The 36871 are records 94 and 97 of the export, not of
			// the shadow copy, which does not hold them.
			for _, e := range fd.Evidence {
				if e.File != filepath.Join(export, "System.evtx") || e.RecordID != e.EventRecordID-5000 {
					t.Errorf("%v plain %v: evidence EventRecordID %d named as record %d of %s, want record %d of the export", order, plain, e.EventRecordID, e.RecordID, e.File, e.EventRecordID-5000)
				}
			}
		}
		if res.ReferenceFrom != filepath.Join(export, "System.evtx") {
			t.Errorf("%v plain %v: reference record in %s, want the export, which holds EventRecordID 5100 as its record 100", order, plain, res.ReferenceFrom)
		}
	})
}

// The records of a clock jump in copies read as one are named in the
// order the source log wrote them: a System log of 100 hourly records
// whose EventRecordID 41..45 and 81..85 are a year ahead, given as its
// first 60 records and a filtered export of its last 50 (renumbered
// 1..50: EventRecordID 81 is the export's record 31). The jump's first
// record is EventRecordID 41; by record number it was the export's
// record 31, EventRecordID 81.
func TestClockJumpInCopiesNamedInWrittenOrder(t *testing.T) {
	t0 := time.Date(2024, 4, 27, 0, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(t0, time.Hour, 100)
	for i, ev := range evs {
		if i >= 40 && i < 45 || i >= 80 && i < 85 {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(365 * 24 * time.Hour)
		}
		ev.RecordID = uint64(i + 1)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	dir := t.TempDir()
	head, tail := filepath.Join(dir, "head"), filepath.Join(dir, "tail")
	var last []*evtx.Event
	for _, ev := range evs[50:] {
		c := *ev
		last = append(last, &c)
	}
	for path, list := range map[string][]*evtx.Event{head: evs[:60], tail: evtxtest.Exported(last)} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(filepath.Join(path, "System.evtx"), list, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	analyzeMergedBothWays(t, head, tail, func(order []string, plain bool, res *rules.Result) {
		if len(res.ClockJumps) != 1 || res.ClockJumps[0].Count != 10 || res.ClockJumps[0].First.EventRecordID != 41 || res.ClockJumps[0].Last.EventRecordID != 100 {
			t.Errorf("%v plain %v: clock jumps %q; want one of 10 records from EventRecordID 41, the last-written 100", order, plain, strings.Join(res.Warnings, "\n"))
		}
	})
}

// analyzeMergedBothWays groups the logs at a and b (copies of one log:
// one machine, one merged log), analyses them with the built-in rules,
// shortcuts on and off, given in either order, and calls check with each
// result.
func analyzeMergedBothWays(t *testing.T, a, b string, check func(order []string, plain bool, res *rules.Result)) {
	t.Helper()
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]string{{a, b}, {b, a}} {
		units, _, err := fleet.Find(order)
		if err != nil {
			t.Fatal(err)
		}
		ms := fleet.Group(units, fleet.Options{})
		if len(ms) != 1 || len(ms[0].EvtxLogs()) != 1 {
			t.Fatalf("%v: %d machines, want one with one (merged) log", order, len(ms))
		}
		for _, plain := range []bool{false, true} {
			eng, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Analyze(ms[0].EvtxLogs())
			if err != nil {
				t.Fatal(err)
			}
			check(order, plain, res)
		}
	}
}

// The warnings about copies read as one name each record by its
// EventRecordID and the copy that holds it, with its record number there
// where that differs: the merged log's path is its first copy's (the
// shadow copy, which holds more records), and a record of the export is
// not that copy's record of the same number. A System log of 300 hourly
// records (copies as writeCopies writes them) whose EventRecordID
// 5061..5063 (the export's records 61..63) are a year ahead and
// 4850..4851 (the shadow copy's) two years behind. Before, the jump ahead
// was "3 records (from EventRecordID 5061 (record 61 in the file) on)" and
// its last-written record "EventRecordID 5100 (record 100 in the file)",
// beside the shadow copy's path: that file has no record 61 or 100.
func TestMergedCopiesClockJumpsNameTheCopy(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	for _, ev := range evs[260:263] {
		ev.System.TimeCreated = ev.System.TimeCreated.Add(365 * 24 * time.Hour)
	}
	for _, ev := range evs[49:51] {
		ev.System.TimeCreated = ev.System.TimeCreated.AddDate(-2, 0, 0)
	}
	shadow, export := writeCopies(t, evs)
	s, e := filepath.Join(shadow, "System.evtx"), filepath.Join(export, "System.evtx")
	want := []string{
		"clock jump in " + s + ": 3 records (from EventRecordID 5061 in " + e + " (record 61 in the file) on) have a TimeCreated later than that of the last-written record (EventRecordID 5100 in " + e + " (record 100 in the file), 2024-05-01T12:00:00.0000000Z), up to 2025-04-29T23:00:00.0000000Z (EventRecordID 5063 in " + e + " (record 63 in the file), 363 days later), though written before it: they are consecutive records (EventRecordIDs 5061 to 5063), and the records written after them are back at earlier times: as when the machine's clock ran ahead while they were written and was set back after them, unless their own times are wrong; \"now\" is the last-written record's time, not the largest time (give --at to choose another)",
		"clock jump in " + s + ": 2 records (from EventRecordID 4850 in " + s + " on) have a TimeCreated earlier than that of the first-written record (EventRecordID 4801 in " + s + ", 2024-04-19T01:00:00.0000000Z), down to 2022-04-21T02:00:00.0000000Z (EventRecordID 4850 in " + s + ", 728 days earlier), although written after it: the machine's clock was set back between them (it ran ahead before, or behind after), or these times are wrong; the windows, on TimeCreated, do not see some of these events where they happened",
	}
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if got := strings.Join(res.Warnings, "\n"); got != strings.Join(want, "\n") {
			t.Errorf("%v plain %v: warnings\n%s\nwant\n%s", order, plain, got, strings.Join(want, "\n"))
		}
		if len(res.Inputs) != 1 || res.Inputs[0].LastWritten == nil || res.Inputs[0].LastWritten.File != e || res.Inputs[0].FirstWritten == nil || res.Inputs[0].FirstWritten.File != s {
			t.Errorf("%v plain %v: inputs' first- and last-written records %+v, want the shadow copy's EventRecordID 4801 and the export's 5100", order, plain, res.Inputs)
		}
	})
}

// A time gap in copies read as one names its two records with the copies
// that hold them: a System log (copies as writeCopies writes them) whose
// clock jumped a year ahead after EventRecordID 5050 (in both copies: the
// shadow copy's, read first) and stayed there, so that the export's
// EventRecordID 5051..5100 (its records 51..100) are a year later. Before,
// the gap ran "between ... (EventRecordID 5050) and ... (EventRecordID 5051
// (record 51 in the file))" in the shadow copy, which has no record 51.
func TestMergedCopiesTimeGapNamesTheCopy(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	for _, ev := range evs[250:] {
		ev.System.TimeCreated = ev.System.TimeCreated.Add(365 * 24 * time.Hour)
	}
	shadow, export := writeCopies(t, evs)
	s, e := filepath.Join(shadow, "System.evtx"), filepath.Join(export, "System.evtx")
	want := "time gap in " + s + ": no record between 2024-04-29T10:00:00.0000000Z (EventRecordID 5050 in " + s + ") and 2025-04-29T11:00:00.0000000Z (EventRecordID 5051 in " + e + " (record 51 in the file)), 365 days, across the start of the analysed period (2025-04-21T12:00:00.0000000Z), though the log holds 169 records in the week before: the machine was off, or its clock jumped ahead at EventRecordID 5051 in " + e + " (record 51 in the file); the records before the gap lie outside every window and look-back (if the clock jumped, give --at 2024-04-29T10:00:00Z to analyse the time before it)"
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if len(res.TimeGaps) != 1 || strings.Join(res.Warnings, "\n") != want {
			t.Errorf("%v plain %v: %d time gaps, warnings\n%s\nwant\n%s", order, plain, len(res.TimeGaps), strings.Join(res.Warnings, "\n"), want)
		}
	})
}

// The warning for copies read as one whose last-written record gives no
// time names it, and the record whose time stands for it, with the copy
// that holds them: the export's last record, EventRecordID 5100, has a
// TimeCreated of FILETIME 0 (and, as exported, a header time of 0).
// Before, both were "(record 100 in the file)" and "(record 99 in the
// file)" of the shadow copy, whose records are numbered 4801..5050.
func TestMergedCopiesUntimedLastNamesTheCopy(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	evs[299].System.TimeCreated = evtx.FiletimeToTime(0)
	shadow, export := writeCopies(t, evs)
	s, e := filepath.Join(shadow, "System.evtx"), filepath.Join(export, "System.evtx")
	want := "the last-written record of " + s + " (EventRecordID 5100 in " + e + " (record 100 in the file)) gives no time (no TimeCreated, or one of FILETIME 0, and a record header time of 0): its time is taken from EventRecordID 5099 in " + e + " (record 99 in the file), the last record written before it with a TimeCreated (2024-05-01T11:00:00.0000000Z)"
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if strings.Join(res.Warnings, "\n") != want {
			t.Errorf("%v plain %v: warnings\n%s\nwant\n%s", order, plain, strings.Join(res.Warnings, "\n"), want)
		}
		if r := res.ReferenceRecord; res.ReferenceFrom != e || r == nil || r.EventRecordID != 5099 || r.RecordNumber != 99 || r.File != e {
			t.Errorf("%v plain %v: reference record %+v from %s, want the export's record 99, EventRecordID 5099", order, plain, r, res.ReferenceFrom)
		}
	})
}

// The warning that the reference time comes from a record far from all
// others names that record, for copies read as one, with the copy that
// holds it: the export's last record, EventRecordID 5100, is a year
// ahead. Before, it said "the last-written record of" the shadow copy's
// path alone, whose own last-written record is EventRecordID 5050.
func TestMergedCopiesFarOffReferenceNamesTheCopy(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	evs[299].System.TimeCreated = evs[299].System.TimeCreated.Add(365 * 24 * time.Hour)
	shadow, export := writeCopies(t, evs)
	s, e := filepath.Join(shadow, "System.evtx"), filepath.Join(export, "System.evtx")
	want := "the reference time 2025-05-01T12:00:00.0000000Z comes from the last-written record of " + s + " (EventRecordID 5100 in " + e + " (record 100 in the file)), but no other record of it lies within 10 days of that time; if the time is wrong, give --at"
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if strings.Join(res.Warnings, "\n") != want {
			t.Errorf("%v plain %v: warnings\n%s\nwant\n%s", order, plain, strings.Join(res.Warnings, "\n"), want)
		}
	})
}

// Of several records at the time next to a gap in copies read as one, the
// gap names the last written (before it) as the source log wrote them, by
// EventRecordID: as in TestMergedCopiesTimeGapNamesTheCopy, with the
// export's EventRecordID 5051 (its record 51) at the time of 5050 (the
// shadow copy's record 5050) and the clock a year ahead from 5052 on.
// Before, the higher record number won across copies: the gap started at
// EventRecordID 5050, not at 5051, written after it.
func TestMergedCopiesTimeGapLastWrittenOfSeveral(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-299*time.Hour), time.Hour, 300)
	evs[250].System.TimeCreated = evs[249].System.TimeCreated
	for _, ev := range evs[251:] {
		ev.System.TimeCreated = ev.System.TimeCreated.Add(365 * 24 * time.Hour)
	}
	shadow, export := writeCopies(t, evs)
	s, e := filepath.Join(shadow, "System.evtx"), filepath.Join(export, "System.evtx")
	want := "time gap in " + s + ": no record between 2024-04-29T10:00:00.0000000Z (EventRecordID 5051 in " + e + " (record 51 in the file)) and 2025-04-29T12:00:00.0000000Z (EventRecordID 5052 in " + e + " (record 52 in the file)), 365 days, across the start of the analysed period (2025-04-21T12:00:00.0000000Z), though the log holds 170 records in the week before: the machine was off, or its clock jumped ahead at EventRecordID 5052 in " + e + " (record 52 in the file); the records before the gap lie outside every window and look-back (if the clock jumped, give --at 2024-04-29T10:00:00Z to analyse the time before it)"
	analyzeMergedBothWays(t, shadow, export, func(order []string, plain bool, res *rules.Result) {
		if len(res.TimeGaps) != 1 || strings.Join(res.Warnings, "\n") != want {
			t.Errorf("%v plain %v: %d time gaps, warnings\n%s\nwant\n%s", order, plain, len(res.TimeGaps), strings.Join(res.Warnings, "\n"), want)
		}
	})
}
