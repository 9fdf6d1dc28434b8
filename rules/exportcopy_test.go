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
	return shadow, export, newest
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
