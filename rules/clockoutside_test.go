package rules_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules"
)

// TestAnalyzeNamesChangesOutsidePeriod: analyze names, for each clock
// jump it reports, every clock change of the log that explains it, as
// query does (ExplainClockJumps, every record of the log read), with
// shortcuts and without, over every real log of testdata/evtx. A change
// that lies outside the analysed period explains a jump all the same:
// omerbenamram's system.evtx holds its jump behind in 2017, the analysed
// period is the last days before 2018-03-06, and Kernel-General 1 record
// 296 set the clock ahead again after the jump (from 07:35 to 17:19 the
// same day); analyze named 218 alone, so that its report said one change
// explains the jump where the log records two.
func TestAnalyzeNamesChangesOutsidePeriod(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("%d logs: %v", len(paths), err)
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	jumps := 0
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %v", p, err)
		}
		// query's answer: every change of the log that explains a jump.
		want := ""
		first, last, _, err := rules.TimedWrittenEnds(logs[0], evtx.Options{}, false)
		if err == nil && last != nil {
			ahead, _ := rules.FindClockJump(logs[0], last, evtx.Options{}, false)
			var behind *rules.ClockJump
			if first != nil && !first.System.TimeCreated.After(last.System.TimeCreated.Add(rules.ClockSlack)) {
				behind, _ = rules.FindClockJumpBehind(logs[0], first, last, evtx.Options{}, false)
			}
			if err := rules.ExplainClockJumps(logs[0], evtx.Options{}, false, ahead, behind); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, j := range []*rules.ClockJump{ahead, behind} {
				if j != nil {
					want += fmt.Sprintf("behind=%v %v; ", j.Behind, changeIDs(j.Changes))
				}
			}
		}
		for _, plain := range []bool{false, true} {
			e, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Analyze(logs)
			if err != nil {
				continue // no log of the rules' channels: analyze reads none
			}
			got := ""
			for _, j := range res.ClockJumps {
				got += fmt.Sprintf("behind=%v %v; ", j.Behind, changeIDs(j.Changes))
				if !plain {
					jumps++
				}
				// The warning names each of them.
				if text := j.ChangeText(); len(j.Changes) > 0 && !containsWarning(res.Warnings, text) {
					t.Errorf("%s, NoShortcuts %v: no warning %q in %q", filepath.Base(p), plain, text, res.Warnings)
				}
			}
			if got != want {
				t.Errorf("%s, NoShortcuts %v: analyze names %q, query %q", filepath.Base(p), plain, got, want)
			}
			if strings.HasSuffix(p, "omerbenamram__evtx__samples__system.evtx") && got != "behind=true [218 296]; " {
				t.Errorf("system.evtx, NoShortcuts %v: %s, want the jump behind explained by 218 and 296", plain, got)
			}
		}
	}
	if jumps < 4 {
		t.Errorf("%d jumps: the comparison proves little", jumps)
	}
	t.Logf("%d logs, %d jumps", len(paths), jumps)
}

func containsWarning(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}
