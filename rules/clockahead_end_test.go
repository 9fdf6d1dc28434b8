package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// writeClockAheadEnd writes evtxtest.WriteClockAheadEnd into a new
// directory.
func writeClockAheadEnd(t *testing.T) (dir string, failure, systemLast time.Time) {
	t.Helper()
	dir = t.TempDir()
	failure, systemLast, err := evtxtest.WriteClockAheadEnd(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, failure, systemLast
}

// "Now" across logs is the latest last-written record, unless that record
// was written while the clock ran ahead, as another log of the machine
// shows: the Security log's last records lie in the year-ahead time that
// the System log holds records of before its own last-written record.
// Before, the reference time was a year ahead (Security's EventRecordID
// 103), the 36871 of System's last day outside every window:
// rdp-tls-disabled NOT CHECKED, and the fleet table's NEWEST EVENT a year
// ahead. Now the reference time is System's last-written record, the
// 36871 is detected, a warning names both logs' records, and Security's
// input says its last record was written while the clock ran ahead; with
// shortcuts and without.
func TestReferenceTimeLogEndedWhileClockAhead(t *testing.T) {
	dir, _, systemLast := writeClockAheadEnd(t)
	for _, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		if !res.ReferenceTime.Equal(systemLast) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 245 || filepath.Base(res.ReferenceFrom) != "System.evtx" {
			t.Errorf("plain %v: reference time %v from %s %+v, want System's last-written record (EventRecordID 245, %v)", plain, res.ReferenceTime, res.ReferenceFrom, res.ReferenceRecord, systemLast)
		}
		for _, fd := range res.Findings {
			if fd.Rule.ID == "rdp-tls-disabled" && (fd.Verdict != "detected" || fd.EvidenceCount != 1) {
				t.Errorf("plain %v: rdp-tls-disabled %s with %d events, want detected with the 36871", plain, fd.Verdict, fd.EvidenceCount)
			}
		}
		w := strings.Join(res.Warnings, "\n")
		if !strings.Contains(w, "clock ahead at the end of "+filepath.Join(dir, "Security.evtx")) || !strings.Contains(w, "EventRecordID 103, 2025-04-24T06:00:00.0000000Z") || !strings.Contains(w, "EventRecordID 245") {
			t.Errorf("plain %v: warnings %q; want one naming Security's EventRecordID 103 and System's 245", plain, w)
		}
		var ahead []string
		for _, in := range res.Inputs {
			if in.ClockAhead {
				ahead = append(ahead, filepath.Base(in.Path))
			}
		}
		if strings.Join(ahead, ",") != "Security.evtx" {
			t.Errorf("plain %v: inputs whose last record was written while the clock ran ahead: %v, want Security.evtx", plain, ahead)
		}
		r := report.New(res)
		if fl := report.NewFleet([]*report.Report{r}, nil); fl.Machines[0].NewestEvent != evtx.FormatTime(systemLast) {
			t.Errorf("plain %v: newest event %s, want %s", plain, fl.Machines[0].NewestEvent, evtx.FormatTime(systemLast))
		}
	}
}

// The other way round: a log that ends later than another log's jump
// ahead (a year ahead and beyond its span) gives the reference time, as
// does one that ends within the span when no log shows a jump.
func TestReferenceTimeLogEndedAfterOtherLogsJump(t *testing.T) {
	dir, _, _ := writeClockAheadEnd(t)
	// The same Security log, two days on: not a time System's clock showed.
	t0 := time.Date(2024, 4, 20, 0, 0, 0, 0, time.UTC)
	var sec []*evtx.Event
	for i := 0; i < 100; i++ {
		sec = append(sec, evtxtest.Security4624(t0.Add(time.Duration(i)*time.Hour), "alice", "10.0.0.5", 10))
	}
	later := t0.Add(100*time.Hour + 365*24*time.Hour + 48*time.Hour)
	sec = append(sec, evtxtest.Security4624(later, "alice", "10.0.0.5", 10))
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), sec, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	res := analyzeDir(t, dir, false)
	if !res.ReferenceTime.Equal(later) {
		t.Errorf("reference time %v, want Security's last-written record's %v", res.ReferenceTime, later)
	}
	if err := os.Remove(filepath.Join(dir, "System.evtx")); err != nil {
		t.Fatal(err)
	}
	if res := analyzeDir(t, dir, false); !res.ReferenceTime.Equal(later) {
		t.Errorf("Security alone: reference time %v, want %v", res.ReferenceTime, later)
	}
}
