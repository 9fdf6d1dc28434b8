package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// findLog is the one log of the System.evtx in dir.
func findLog(t *testing.T, dir string) *evtx.Log {
	t.Helper()
	logs, err := evtx.Find(filepath.Join(dir, "System.evtx"))
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find(%s): %v %v", dir, logs, err)
	}
	return logs[0]
}

// verdicts is each finding's rule, verdict, evidence count, reasons and
// caveats, one line each.
func verdicts(res *Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s %s %d %q %q", f.Rule.ID, f.Verdict, f.EvidenceCount, f.Reasons, f.Caveats))
	}
	return out
}

// TestCopiesInPartReadAsOne: copies read as one (evtx.Merge) give the same
// findings with shortcuts and without, and count and name damage by the
// copy that holds it. A damaged copy read first (ErrorState with a wrong
// hash: its 30 Schannel records in part) beside the intact log gives the
// intact log's findings, nothing decoded in part (they said '30 records
// decoded in part' of it, and counted each of those records twice in its
// window); an older copy with records the newer lacks, decoded in part,
// is named in the caveat, not the newer copy the log is named by.
func TestCopiesInPartReadAsOne(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := schannelAmidSCM(t0)
	// Ten days of SCM records alone: with EventSourceName damaged, every
	// record of the damaged copy is in part, and the intact copy's beside
	// them made half of each window's records 'decoded in part': the
	// rules of System were not checked.
	var scms []*evtx.Event
	for i := 0; i <= 240; i++ {
		scms = append(scms, scmAt(t0.Add(-10*24*time.Hour+time.Duration(i)*time.Hour)))
	}
	for _, c := range []struct {
		evs  []*evtx.Event
		name string
	}{{evs, "ErrorState"}, {scms, "EventSourceName"}} {
		damaged := findLog(t, damagedNameLog(t, c.evs, c.name))
		intactDir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(intactDir, "System.evtx"), c.evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		intact := findLog(t, intactDir)
		for _, plain := range []bool{false, true} {
			e := builtinEngine(t, Options{NoShortcuts: plain})
			want, err := e.Analyze([]*evtx.Log{intact})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Analyze([]*evtx.Log{evtx.Merge(damaged, intact)})
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Inputs[0].Stats.Partial; p != 0 {
				t.Errorf("%s, NoShortcuts %v: %d records decoded in part, want 0", c.name, plain, p)
			}
			w := strings.Join(verdicts(want), "\n")
			if g := strings.Join(verdicts(got), "\n"); g != w {
				t.Errorf("%s, NoShortcuts %v: findings\n%s\nwant the intact log's\n%s", c.name, plain, g, w)
			}
		}
	}

	// An older copy, damaged: records 1000 to 1199 of the log's 1000 to
	// 1299, its Service Control Manager records in part.
	var all []*evtx.Event
	for i := 0; i < 300; i++ {
		at := t0.Add(time.Duration(i-299) * 4 * time.Minute)
		ev := scmAt(at)
		if i%3 == 0 {
			ev = evtxtest.Schannel36871(at, 10013)
			ev.Written = at
		}
		ev.RecordID = uint64(1000 + i)
		all = append(all, ev)
	}
	newerDir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(newerDir, "System.evtx"), all[100:], evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	newer, older := findLog(t, newerDir), findLog(t, partialSCMLog(t, all[:200]))
	var found []string
	for _, plain := range []bool{false, true} {
		res, err := builtinEngine(t, Options{NoShortcuts: plain}).Analyze([]*evtx.Log{evtx.Merge(newer, older)})
		if err != nil {
			t.Fatal(err)
		}
		in := res.Inputs[0]
		want := fmt.Sprintf("%s: %d records decoded in part; events in the unreadable parts are not seen", older.Path, in.Stats.Partial)
		if in.Stats.Partial < 67 || len(in.Parts) != 2 || in.Parts[1].Partial != in.Stats.Partial || in.Parts[0].Partial != 0 {
			t.Fatalf("NoShortcuts %v: %d in part, copies %+v; want the older copy's 67 or so", plain, in.Stats.Partial, in.Parts)
		}
		n := 0
		for _, f := range res.Findings {
			for _, c := range f.Caveats {
				if strings.Contains(c, "decoded in part") {
					n++
					if c != want {
						t.Errorf("NoShortcuts %v: %s: caveat %q, want %q", plain, f.Rule.ID, c, want)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("NoShortcuts %v: no caveat names the records in part", plain)
		}
		found = append(found, strings.Join(verdicts(res), "\n"))
	}
	if found[0] != found[1] {
		t.Errorf("findings with shortcuts\n%s\nwithout\n%s", found[0], found[1])
	}
}
