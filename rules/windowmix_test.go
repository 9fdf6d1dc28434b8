package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestWindowCountsOfEveryLogOfAChannel: the share of records decoded in
// part in a rule's window is summed over the logs of its channel, each
// counted in that window. A Security log that also holds one System
// record (a Service Control Manager 7036 five days back, which a System
// query matches, so the log holds System too) was decoded for its own
// rules' 24-hour windows only, so for rdp-os-unstable's three-day window
// of System it gave its whole analysed period's count instead: 400
// Security records of four to eight days back, summed with the 55
// records of the System log's window, 30 of them decoded in part, made
// 30 of 456, and the rule 'not detected' with a caveat. The Security log
// holds none of the window's records: 30 of the 55 were decoded in part,
// and the window is not covered, with shortcuts and without.
func TestWindowCountsOfEveryLogOfAChannel(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var sys []*evtx.Event
	for i := 0; i < 80; i++ {
		sys = append(sys, scmAt(t0.Add(-10*24*time.Hour+time.Duration(i)*3*time.Hour)))
	}
	for i := 0; i < 30; i++ {
		at := t0.Add(-20*time.Hour + time.Duration(i)*30*time.Minute)
		ev := evtxtest.Schannel36871(at, 10013)
		ev.Written = at
		sys = append(sys, ev)
	}
	sys = append(sys, scmAt(t0))
	dir := damagedNameLog(t, sys, "ErrorState")
	var sec []*evtx.Event
	for i := 0; i < 400; i++ {
		at := t0.Add(-8*24*time.Hour + time.Duration(i)*14*time.Minute)
		ev := evtxtest.Security4624(at, "alice", "10.0.0.5", 3)
		ev.Written = at
		sec = append(sec, ev)
		if i == 200 {
			sec = append(sec, scmAt(at.Add(time.Minute)))
		}
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), sec, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "System.evtx")); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain, Timeline: -1}), dir)
		var held bool
		for _, in := range res.Inputs {
			if in.Channel == "Security" {
				held = in.Holds("System")
			}
		}
		if !held {
			t.Fatalf("NoShortcuts %v: the Security log is not said to hold System records", plain)
		}
		f := finding(t, res, "rdp-os-unstable")
		if want := "30 of the 55 records of its window were decoded in part"; f.Verdict != NotChecked || !strings.Contains(strings.Join(f.Reasons, "\n"), want) {
			t.Errorf("NoShortcuts %v: rdp-os-unstable %s, reasons %q, caveats %q; want not checked: %q", plain, f.Verdict, f.Reasons, f.Caveats, want)
		}
	}
}
