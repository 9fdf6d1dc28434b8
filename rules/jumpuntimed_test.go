package rules

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestClockJumpsIgnoreUntimedRecords: a record without a TimeCreated (here
// Service Control Manager records decoded in part, partialSCMLog) shows no
// clock jump by its record header time. The first- and last-written
// records jumps are measured from are chosen among the records with a
// TimeCreated, so records in part written before the first of them, with
// header times days earlier, were reported as "written after it" with an
// earlier TimeCreated, and records in part written after the last, with
// header times days later, as a clock that ran ahead. Intact records with
// those TimeCreated, written after the first-written record (before the
// last-written one), are reported, with shortcuts and without.
func TestClockJumpsIgnoreUntimedRecords(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	schannel := func() []*evtx.Event {
		var evs []*evtx.Event
		for i := 0; i < 20; i++ {
			evs = append(evs, evtxtest.Schannel36871(t0.Add(time.Duration(i)*time.Minute), 10013))
		}
		return evs
	}
	intactLog := func(t *testing.T, evs []*evtx.Event) string {
		b, err := evtxtest.Bytes(evs, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	early := []time.Time{t0.Add(-5 * 24 * time.Hour), t0.Add(-5*24*time.Hour + time.Minute)}
	late := []time.Time{t0.Add(5 * 24 * time.Hour), t0.Add(5*24*time.Hour + time.Minute)}
	scms := func(ts []time.Time) []*evtx.Event { return []*evtx.Event{scmAt(ts[0]), scmAt(ts[1])} }
	join := func(parts ...[]*evtx.Event) []*evtx.Event {
		var evs []*evtx.Event
		for _, p := range parts {
			evs = append(evs, p...)
		}
		return evs
	}
	for _, tc := range []struct {
		name    string
		evs     []*evtx.Event // the SCM records are decoded in part
		control []*evtx.Event // intact: a jump of the 2 SCM records
		behind  bool          // the control's jump is behind the first-written record, else ahead of the last
	}{
		{"written first, 5 days earlier", join(scms(early), schannel()), join(schannel()[:1], scms(early), schannel()[1:]), true},
		{"written last, 5 days later", join(schannel(), scms(late)), join(schannel()[:19], scms(late), schannel()[19:]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, plain := range []bool{false, true} {
				e := builtinEngine(t, Options{NoShortcuts: plain})
				res := analyzePath(t, e, partialSCMLog(t, tc.evs))
				if res.Inputs[0].Stats.Partial != 2 {
					t.Fatalf("NoShortcuts %v: %d records decoded in part, want 2", plain, res.Inputs[0].Stats.Partial)
				}
				if len(res.ClockJumps) != 0 {
					t.Errorf("NoShortcuts %v: records without a TimeCreated reported as a clock jump: %v", plain, res.ClockJumps)
				}
				if want := t0.Add(19 * time.Minute); !res.ReferenceTime.Equal(want) {
					t.Errorf("NoShortcuts %v: reference %v, want %v (the last record with a TimeCreated)", plain, res.ReferenceTime, want)
				}
				res = analyzePath(t, e, intactLog(t, tc.control))
				if len(res.ClockJumps) != 1 || res.ClockJumps[0].Behind != tc.behind || res.ClockJumps[0].Count != 2 {
					t.Errorf("NoShortcuts %v: the jump of 2 intact records (behind %v) is not reported as one: %v", plain, tc.behind, res.ClockJumps)
				}
			}
		})
	}
}

// TestRecordRefWithoutEventRecordID: a record whose EventRecordID was not
// read (decoded in part, or written without one) is named by its record
// number, said so, never as "EventRecordID <record number>": an export
// renumbers its records, so the number is not the id Event Viewer shows.
// It is ordered by its record number in the place of the id.
func TestRecordRefWithoutEventRecordID(t *testing.T) {
	ev := &evtx.Event{RecordID: 29}
	r := NewRecordRef(ev)
	if r.EventRecordID != 0 || r.String() != "record 29 (no EventRecordID read)" {
		t.Errorf("NewRecordRef of a record without an EventRecordID: %+v, %q", r, r.String())
	}
	r.File = "/mnt/export/System.evtx"
	if got := r.String(); got != "record 29 in /mnt/export/System.evtx (no EventRecordID read)" {
		t.Errorf("with its copy: %q", got)
	}
	ev.System.EventRecordID = 5101
	if got := NewRecordRef(ev).String(); got != "EventRecordID 5101 (record 29 in the file)" {
		t.Errorf("with an EventRecordID: %q", got)
	}
	a, b := &RecordRef{RecordNumber: 28}, &RecordRef{EventRecordID: 29, RecordNumber: 29}
	if !a.before(b) || b.before(a) {
		t.Errorf("record 28 without an id is not ordered before EventRecordID 29")
	}
}
