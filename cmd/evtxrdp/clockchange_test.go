package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/report"
)

// TestClockChangeReported: the clock changes that make a clock jump or a
// time gap (rules.ClockChange) are named in analyze's text, Markdown and
// JSON reports and on query's stderr, each after the warning it explains,
// with shortcuts and without (--no-skip). omerbenamram's system.evtx:
// Kernel-General 1 EventRecordID 218 set the clock back ten hours (its
// records 218 to 295 lie before the first-written record), and 1864 set
// it ahead 67 days across the time gap before "now".
func TestClockChangeReported(t *testing.T) {
	const log = "../../testdata/evtx/omerbenamram__evtx__samples__system.evtx"
	behind := "clock change in " + log + ": the log records a clock change that explains the jump behind: Kernel-General 1 (EventRecordID 218, 2017-07-12T07:18:24.6832675Z) set the clock back from 2017-07-12T17:18:24.4026095Z to 2017-07-12T07:18:24.6878526Z (10 hours), reason 1 (an application or system component changed the time)"
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
	if len(r.ClockJumps) != 1 || len(r.ClockJumps[0].Changes) != 1 || len(r.TimeGaps) != 1 || len(r.TimeGaps[0].Changes) != 1 {
		t.Fatalf("clock_jumps %+v, time_gaps %+v", r.ClockJumps, r.TimeGaps)
	}
	c := r.ClockJumps[0].Changes[0]
	if c.Record.EventRecordID != 218 || c.Event != "Kernel-General 1" || c.OldTime != "2017-07-12T17:18:24.4026095Z" || c.NewTime != "2017-07-12T07:18:24.6878526Z" || c.Reason != 1 || c.ReasonText != "an application or system component changed the time" || c.Process != "" {
		t.Errorf("jump's change %+v", c)
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
