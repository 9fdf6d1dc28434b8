package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// A System log whose records name vm-old, then vm-new (a rename), two of
// vm-new's records without a TimeCreated and with header times in
// vm-old's days. analyze placed them at their header times and reported
// "Machine: forwarded events: vm-old.contoso.com, vm-new.contoso.com ...
// its records name 2 computers, interleaved (forwarded events)"; now the
// machine is vm-new.contoso.com, renamed, and the JSON machine section
// counts the two records in the copy's "untimed", its grouping saying
// they are placed in no time span.
func TestAnalyzeUntimedRecordsNotPlacedInGrouping(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-48*time.Hour), 10*time.Minute, 48*6)
	half := len(evs) / 2
	for i, ev := range evs {
		ev.System.Computer = "vm-old.contoso.com"
		if i >= half {
			ev.System.Computer = "vm-new.contoso.com"
		}
		if i == half || i == half+1 {
			ev.Written = end.Add(-47 * time.Hour)
		}
	}
	log := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(log, evs, evtxtest.Options{NoTimeCreated: func(i int, _ *evtx.Event) bool { return i == half || i == half+1 }}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("analyze", "-f", "json", log)
	if code != exitOK && code != exitDetected {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	m := r.Machine
	if m == nil || m.Forwarded || m.Name != "vm-new.contoso.com" || len(m.Logs) != 1 || len(m.Logs[0].Copies) != 1 {
		t.Fatalf("machine %+v, want vm-new.contoso.com renamed from vm-old", m)
	}
	if c := m.Logs[0].Copies[0]; c.Untimed != 2 || c.Records != len(evs) {
		t.Errorf("copy %+v: want %d records, 2 untimed", c, len(evs))
	}
	if g := strings.Join(m.Grouping, "\n"); !strings.Contains(g, "a rename, one machine") || !strings.Contains(g, "2 records of the grouping period without a usable TimeCreated") {
		t.Errorf("grouping:\n%s", g)
	}
	if !strings.Contains(out, `"untimed": 2`) {
		t.Errorf(`JSON lacks "untimed": 2`)
	}
}

// A System log two of whose records hold a TimeCreated of FILETIME 0.
// analyze groups the logs from a period (12 days with the built-in
// rules), and the reader's window left those records out: the copy
// counted 286 records and 0 untimed, and the grouping (the machine
// section of JSON Lines) said nothing of them, where a read of every record counts them (fleet Period 0). Now
// they are counted as records without a TimeCreated are: 288 records, 2
// untimed, and the grouping says they are placed in no time span.
func TestAnalyzeFiletimeZeroCountedInGroupingPeriod(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-48*time.Hour), 10*time.Minute, 48*6)
	for _, ev := range evs {
		ev.System.Computer = "vm1.contoso.com"
	}
	for _, ev := range evs[100:102] {
		ev.System.TimeCreated = evtx.FiletimeToTime(0)
	}
	log := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(log, evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	// JSON Lines: the machine section is there for one machine alone.
	code, out, errOut := runCmd("analyze", "-f", "jsonl", log)
	if code != exitOK && code != exitDetected {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
		t.Fatal(err)
	}
	m := r.Machine
	if m == nil || m.Name != "vm1.contoso.com" || len(m.Logs) != 1 || len(m.Logs[0].Copies) != 1 {
		t.Fatalf("machine %+v, want vm1.contoso.com", m)
	}
	if c := m.Logs[0].Copies[0]; c.Untimed != 2 || c.Records != len(evs) {
		t.Errorf("copy %+v: want %d records, 2 untimed", c, len(evs))
	}
	if g := strings.Join(m.Grouping, "\n"); !strings.Contains(g, "2 records of the grouping period without a usable TimeCreated") {
		t.Errorf("grouping:\n%s", g)
	}
}
