package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

// TestClockChangesNotNamedReported: a System log whose clock ran five
// days ahead, with 2,000 Kernel-General 1 records that each set it ahead
// into the jump (more than a read holds before judging them: a time
// service that flaps) and one that set it back: analyze's JSON names the
// first eight written (EventRecordIDs 86 to 93) and counts the 1,993
// others (changes_not_named), its warning and query's stderr say "and
// 1993 more clock changes, not named", and query names the same with
// --no-skip and without.
func TestClockChangesNotNamedReported(t *testing.T) {
	const n = 2000
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const svchost = `\Device\HarddiskVolume2\Windows\System32\svchost.exe`
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	var evs []*evtx.Event
	for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
		switch i {
		case 85:
			for k := range n {
				d := time.Duration(k) * time.Millisecond
				evs = append(evs, evtxtest.KernelGeneral1(at(85).Add(-time.Minute+d), at(85).Add(5*day-time.Minute+d), 1, svchost, 1540))
			}
		case 90:
			evs = append(evs, evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540))
		}
		if i >= 85 && i < 90 {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
		}
		evs = append(evs, ev)
	}
	log := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(log, evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	more := fmt.Sprintf("; and %d more clock changes, not named (the first 8 written are)", n+1-8)
	_, out, _ := runCmd("analyze", "--format", "json", log)
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.ClockJumps) != 1 || len(r.ClockJumps[0].Changes) != 8 || r.ClockJumps[0].ChangesNotNamed != n+1-8 {
		t.Fatalf("clock_jumps %+v", r.ClockJumps)
	}
	var ids []uint64
	for _, c := range r.ClockJumps[0].Changes {
		ids = append(ids, c.Record.EventRecordID)
	}
	if fmt.Sprint(ids) != "[86 87 88 89 90 91 92 93]" {
		t.Errorf("analyze names %v", ids)
	}
	var warning string
	for _, w := range r.Warnings {
		if strings.HasPrefix(w, "clock change in ") {
			warning = w
		}
	}
	if !strings.Contains(warning, fmt.Sprintf("the log records %d clock changes that explain the jump ahead: Kernel-General 1 (EventRecordID 86,", n+1)) || !strings.HasSuffix(warning, more) {
		t.Errorf("analyze's warning %q", warning)
	}
	// query, with --no-skip and without: the same warning, the same
	// changes named (EventRecordIDs as the warning gives them).
	ids2 := regexp.MustCompile(`EventRecordID \d+`)
	q := "*[System[EventID=7036]]"
	var got []string
	for _, extra := range [][]string{nil, {"--no-skip"}} {
		_, _, errOut := runCmd(append([]string{"query", "-f", "xml", log, "-q", q}, extra...)...)
		var line string
		for _, l := range strings.Split(errOut, "\n") {
			if strings.HasPrefix(l, "warning: clock change in ") {
				line = l
			}
		}
		if !strings.HasSuffix(line, more) {
			t.Errorf("query %v: stderr lacks %q:\n%s", extra, more, errOut)
		}
		got = append(got, fmt.Sprint(ids2.FindAllString(line, -1)))
	}
	if got[0] != got[1] || !strings.HasPrefix(got[0], "[EventRecordID 86 EventRecordID 87 ") {
		t.Errorf("query names %s, with --no-skip %s", got[0], got[1])
	}
}
