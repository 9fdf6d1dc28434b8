package rules_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A collector's ForwardedEvents log numbers the records it writes from its
// own counter (the record number), and each record keeps the
// EventRecordID its source computer gave it: EventRecordIDs of two
// computers do not compare, and neither is an export's renumbering. Here
// vm1's 60 System records (EventRecordID 1 to 60, three days before the
// end) were forwarded, then vm2's 40 (EventRecordID 1 to 40, up to the
// end): the last-written record is the record written last, vm2's
// EventRecordID 40 at the end. Taken for an export saved out of order
// (c7a630d5), "now" was vm1's EventRecordID 60, two days early, and every
// record of vm2 lay after it.
func TestReferenceTimeForwardedNotAnExport(t *testing.T) {
	end := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for host, c := range []struct {
		name string
		n    int
	}{{"vm1.contoso.com", 60}, {"vm2.contoso.com", 40}} {
		from := end.Add(-time.Duration(3-host)*24*time.Hour - time.Duration(c.n-1)*10*time.Minute)
		if host == 1 {
			from = end.Add(-time.Duration(c.n-1) * 10 * time.Minute)
		}
		for i, ev := range evtxtest.Noise(from, 10*time.Minute, c.n) {
			ev.System.Computer = c.name
			ev.System.EventRecordID = uint64(1 + i)
			evs = append(evs, ev)
		}
	}
	for i, ev := range evs {
		ev.RecordID = uint64(1001 + i)
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "ForwardedEvents.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 7}); err != nil {
		t.Fatal(err)
	}
	var answers [2]string
	for i, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		answers[i] = answer(res)
		if !res.ReferenceTime.Equal(end) || res.ReferenceRecord == nil || res.ReferenceRecord.RecordNumber != 1100 {
			t.Errorf("plain %v: reference time %v from %+v, want %v (record 1100, vm2's EventRecordID 40)", plain, res.ReferenceTime, res.ReferenceRecord, end)
		}
		if len(res.ClockJumps) != 0 {
			t.Errorf("plain %v: clock jumps %v, want none", plain, res.ClockJumps)
		}
	}
	if answers[0] != answers[1] {
		t.Errorf("shortcuts change the answer:\n%s\n%s", answers[0], answers[1])
	}
}
