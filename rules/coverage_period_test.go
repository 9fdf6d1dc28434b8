package rules

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCoverageSameWhateverElseLoaded: a coverage query (any failed logon
// shows that failure auditing is on) counted the matches of every record
// decoded, and the Security log is decoded over the longest period any
// reader of it needs: the timeline's (3 days and the look-back) when it is
// on. A 4625 nine days before "now" made rdp-logon-account (24 hours, 7
// days of look-back) not detected with the timeline and not checked with
// --timeline 0 or --scenario rdp-logon-account. Coverage, like evidence,
// counts within the rule's window and look-back only: not checked in all
// three runs, as the rule alone gives; a 4625 within the look-back
// covers it in all three.
func TestCoverageSameWhateverElseLoaded(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	only := slices.DeleteFunc(slices.Clone(rs), func(r *Rule) bool { return r.ID != "rdp-logon-account" })
	for _, c := range []struct {
		ago  time.Duration // of the one failed logon
		want Verdict
	}{{9 * 24 * time.Hour, NotChecked}, {6 * 24 * time.Hour, NotDetected}} {
		dir := t.TempDir()
		sec := []*evtx.Event{evtxtest.Security4625(t0.Add(-c.ago), "bob", "10.0.0.5", 0xC000006D, 0xC000006A, 2)}
		for h := 24 * 10; h >= 0; h-- { // a log that reaches back over the window
			sec = append(sec, evtxtest.Security4624(t0.Add(-time.Duration(h)*time.Hour), "bob", "-", 2))
		}
		slices.SortFunc(sec, func(a, b *evtx.Event) int { return a.System.TimeCreated.Compare(b.System.TimeCreated) })
		if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), sec, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, run := range []struct {
			name string
			rs   []*Rule
			o    Options
		}{{"every rule, timeline", rs, Options{}}, {"every rule, --timeline 0", rs, Options{Timeline: -1}}, {"--scenario rdp-logon-account", only, Options{Timeline: -1}}} {
			e, err := NewEngine(run.rs, run.o)
			if err != nil {
				t.Fatal(err)
			}
			if f := finding(t, analyzePath(t, e, dir), "rdp-logon-account"); f.Verdict != c.want {
				t.Errorf("a 4625 %v before now, %s: %s %q, want %s", c.ago, run.name, f.Verdict, f.Reasons, c.want)
			}
		}
	}
}
