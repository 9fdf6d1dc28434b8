package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A jump ahead's span of times, within which another log's last-written
// record is taken for one written while the clock ran ahead (LastAhead),
// holds only the times that place a record in time: an archived System
// log whose jump ahead has a record of 2024-04-30 (the clock ran ahead)
// and a damaged one of the year 30828 does not cover the live Security
// log's last record of 2024-05-10, which gives "now"; before, the damaged
// time stretched the span over 28,000 years and "now" was the archive's
// 2024-03-01.
func TestReferenceEndSpanOfPlacedTimes(t *testing.T) {
	sysLast := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	secLast := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	j := &ClockJump{Path: "System.evtx", Last: &RecordRef{EventRecordID: 100, RecordNumber: 100, Time: sysLast}}
	for i, at := range []time.Time{time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)} {
		ev := evtxtest.Noise(at, time.Hour, 1)[0]
		ev.RecordID, ev.System.EventRecordID = uint64(90+i), uint64(90+i)
		j.add(ev, at)
	}
	lasts := []*RecordRef{j.Last, {EventRecordID: 7, RecordNumber: 7, Time: secLast}}
	best, passed := ReferenceEnd([]string{"System.evtx", "Security.evtx"}, lasts, []*ClockJump{j, nil})
	if best != 1 || len(passed) != 0 {
		t.Errorf("ReferenceEnd picked log %d, passing over %v; want Security.evtx (1), its last record not among the System log's placed times", best, passed)
	}
	// A last record within the placed span is still passed over, and
	// the warning gives that span.
	lasts[1] = &RecordRef{EventRecordID: 7, RecordNumber: 7, Time: time.Date(2024, 4, 30, 0, 30, 0, 0, time.UTC)}
	best, passed = ReferenceEnd([]string{"System.evtx", "Security.evtx"}, lasts, []*ClockJump{j, nil})
	if best != 0 || len(passed) != 1 {
		t.Fatalf("ReferenceEnd picked log %d, passing over %v; want System.evtx (0), Security.evtx passed over", best, passed)
	}
	if w, want := passed[0].String(), "holds records of that time ("+evtx.FormatTime(time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC))+" to "+evtx.FormatTime(time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC))+")"; !strings.Contains(w, want) {
		t.Errorf("warning %q\nwant %q", w, want)
	}
}
