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

// TestClockChangeReported: the clock changes that make a clock jump or a
// time gap (rules.ClockChange) are named in analyze's text, Markdown and
// JSON reports and on query's stderr, each after the warning it explains,
// with shortcuts and without (--no-skip). omerbenamram's system.evtx:
// Kernel-General 1 EventRecordID 218 set the clock back ten hours (its
// records 218 to 295 lie before the first-written record), and 1864 set
// it ahead 67 days across the time gap before "now". Both read every
// clock change of a log with a jump (rules.ExplainClockJumps; analyze
// its analysed period's and those outside it), and so name 296 too,
// which set the clock ahead again after record 295 and lies outside
// analyze's analysed period (2018): analyze named 218 alone.
func TestClockChangeReported(t *testing.T) {
	const log = "../../testdata/evtx/omerbenamram__evtx__samples__system.evtx"
	behind := "clock change in " + log + ": the log records clock changes that explain the jump behind: Kernel-General 1 (EventRecordID 218, 2017-07-12T07:18:24.6832675Z) set the clock back from 2017-07-12T17:18:24.4026095Z to 2017-07-12T07:18:24.6878526Z (10 hours), reason 1 (an application or system component changed the time)" +
		"; Kernel-General 1 (EventRecordID 296, 2017-07-12T17:19:49.2795576Z) set the clock ahead from 2017-07-12T07:35:10.8442912Z to 2017-07-12T17:19:49.2830000Z (9 hours 44 minutes 38 seconds), reason 1 (an application or system component changed the time)"
	gap := "clock change in " + log + ": the log records a clock change that explains the time gap: Kernel-General 1 (EventRecordID 1864, 2018-03-06T08:13:09.7971153Z) set the clock ahead from 2017-12-28T09:00:05.0788872Z to 2018-03-06T08:13:09.7620000Z (67 days 23 hours 13 minutes 5 seconds), reason 1 (an application or system component changed the time)"
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, format := range []string{"text", "markdown"} {
		_, out, _ := runCmd("analyze", "--format", format, log)
		out = strings.ReplaceAll(out, `\_`, "_") // Markdown's escapes
		for _, w := range []string{behind, gap} {
			if !strings.Contains(flat(out), w) {
				t.Errorf("%s report lacks %q:\n%s", format, w, out)
			}
		}
	}
	_, out, _ := runCmd("analyze", "--format", "json", log)
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.ClockJumps) != 1 || len(r.ClockJumps[0].Changes) != 2 || len(r.TimeGaps) != 1 || len(r.TimeGaps[0].Changes) != 1 {
		t.Fatalf("clock_jumps %+v, time_gaps %+v", r.ClockJumps, r.TimeGaps)
	}
	c := r.ClockJumps[0].Changes[0]
	if c.Record.EventRecordID != 218 || c.Event != "Kernel-General 1" || c.OldTime != "2017-07-12T17:18:24.4026095Z" || c.NewTime != "2017-07-12T07:18:24.6878526Z" || c.Reason != 1 || c.ReasonText != "an application or system component changed the time" || c.Process != "" {
		t.Errorf("jump's change %+v", c)
	}
	if c := r.ClockJumps[0].Changes[1]; c.Record.EventRecordID != 296 || c.OldTime != "2017-07-12T07:35:10.8442912Z" || c.NewTime != "2017-07-12T17:19:49.2830000Z" {
		t.Errorf("jump's second change %+v", c)
	}
	if c := r.TimeGaps[0].Changes[0]; c.Record.EventRecordID != 1864 || c.OldTime != "2017-12-28T09:00:05.0788872Z" || c.NewTime != "2018-03-06T08:13:09.7620000Z" {
		t.Errorf("gap's change %+v", c)
	}
	// Each follows the warning it explains.
	for i, w := range r.Warnings {
		if strings.HasPrefix(w, "clock change in ") && (i == 0 || !strings.HasPrefix(r.Warnings[i-1], "clock jump in ") && !strings.HasPrefix(r.Warnings[i-1], "time gap in ")) {
			t.Errorf("warning %d %q does not follow a jump's or gap's: %q", i, w, r.Warnings)
		}
	}
	q := "*[System[EventID=7036 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
	for _, extra := range [][]string{nil, {"--no-skip"}} {
		_, _, errOut := runCmd(append([]string{"query", "-f", "xml", log, "-q", q}, extra...)...)
		for _, w := range []string{"warning: " + behind + "\n", "warning: " + gap + "\n"} {
			if !strings.Contains(errOut, w) {
				t.Errorf("query %v: stderr lacks %q:\n%s", extra, w, errOut)
			}
		}
	}
}

// TestQueryNamesChangesOutsideItsReads: query reads no analysed period,
// so it named only the clock changes among a jump's own records: of a
// clock run ahead and set back, the change that set it ahead (stamped
// with the time ahead) and not the one that set it back (stamped with
// the corrected time); of a lost CMOS time, not the change that set the
// clock right. It now reads the log's clock changes for each jump it
// reports, and names what analyze names, with shortcuts and without,
// and still no change of another computer. System logs of 100 records
// an hour apart (evtxtest.Noise).
func TestQueryNamesChangesOutsideItsReads(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const svchost = `\Device\HarddiskVolume2\Windows\System32\svchost.exe`
	const rundll = `\Device\HarddiskVolume2\Windows\System32\rundll32.exe`
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	for _, tc := range []struct {
		name  string
		build func() []*evtx.Event
		says  []string
		not   string
	}{
		{"clock run ahead and set back", func() []*evtx.Event {
			var out []*evtx.Event
			for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
				switch i {
				case 85:
					out = append(out, evtxtest.KernelGeneral1(at(85).Add(-time.Minute), at(85).Add(-time.Minute+5*day), 1, rundll, 3308))
				case 90:
					o := evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540)
					o.System.Computer = "VM2"
					out = append(out, evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540), o)
				}
				if i >= 85 && i < 90 {
					ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
				}
				out = append(out, ev)
			}
			return out
		}, []string{"the log records clock changes that explain the jump ahead: Kernel-General 1 (EventRecordID 86, ",
			"; Kernel-General 1 (EventRecordID 92, 2024-05-04T17:59:00.0000000Z) set the clock back from 2024-05-09T17:59:00.0000000Z to 2024-05-04T17:59:00.0000000Z (5 days)"}, "EventRecordID 93"},
		{"lost CMOS time", func() []*evtx.Event {
			cmos := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			var out []*evtx.Event
			for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
				if i >= 90 && i < 95 {
					ev.System.TimeCreated = cmos.Add(time.Duration(i-90) * time.Minute)
				}
				if i == 95 {
					out = append(out, evtxtest.KernelGeneral1(cmos.Add(5*time.Minute), at(95).Add(-time.Minute), 1, svchost, 1540))
				}
				out = append(out, ev)
			}
			return out
		}, []string{"the log records a clock change that explains the jump behind: Kernel-General 1 (EventRecordID 96, 2024-05-04T22:59:00.0000000Z) set the clock ahead from 2000-01-01T00:05:00.0000000Z to 2024-05-04T22:59:00.0000000Z"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), tc.build(), evtxtest.Options{MaxRecordsPerChunk: 3}); err != nil {
				t.Fatal(err)
			}
			// analyze names these changes: query names the same.
			_, out, _ := runCmd("analyze", "--format", "text", dir)
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range tc.says {
				if !strings.Contains(flat, w) {
					t.Errorf("analyze does not say %q:\n%s", w, out)
				}
			}
			q := "*[System[EventID=7036 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
			var errs []string
			for _, extra := range [][]string{nil, {"--no-skip"}} {
				_, _, errOut := runCmd(append([]string{"query", "-f", "xml", dir, "-q", q}, extra...)...)
				errs = append(errs, errOut)
				for _, w := range tc.says {
					if !strings.Contains(errOut, w) {
						t.Errorf("query %v: stderr lacks %q:\n%s", extra, w, errOut)
					}
				}
				if tc.not != "" && strings.Contains(errOut, tc.not) {
					t.Errorf("query %v names %s, another computer's change:\n%s", extra, tc.not, errOut)
				}
			}
			if errs[0] != errs[1] {
				t.Errorf("query's stderr with shortcuts and without differ:\n%s\n%s", errs[0], errs[1])
			}
		})
	}
}
