package fleet_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// TestSameNameRestarted: two folders holding a System log of web01 whose
// periods do not overlap (a month apart) are one machine or two by what
// their EventRecordIDs say. Before, every such pair was one machine: a VM
// rebuilt from an image, or a clone, was analysed with the other's
// events, from the later one's reference time.
//
//   - restarted: the later log numbered from 1 again: two machines;
//   - clones: the later log's EventRecordIDs overlap the earlier's, with
//     other records (other times): two machines;
//   - going on: the later log's EventRecordIDs go on past the earlier's
//     (one machine's log, an older copy of it in the other folder): one;
//   - cleared: numbered from 1 again, its first record the event of a
//     log being cleared (Microsoft-Windows-Eventlog 104): whether a clear
//     restarts the numbering the records do not say: one;
//   - one folder: both logs in one folder (an archive beside its log),
//     numbered from 1 each: one;
//   - a copy: the later log and a byte copy of it in a third folder (the
//     cases/vss kind), the earlier log going on below: one machine, the
//     copy one Log with the log.
func TestSameNameRestarted(t *testing.T) {
	eng := engine(t)
	earlier := func(first uint64) []*evtx.Event { return systemLog("web01", t0.Add(-30*24*time.Hour), 2, first) }
	later := func(first uint64) []*evtx.Event { return systemLog("web01.contoso.com", t0, 0, first) }
	cleared := func() []*evtx.Event {
		evs := later(2)
		clear := evtxtest.EventLog(evs[0].System.TimeCreated.Add(-time.Second), 104)
		clear.System.Provider.Name = "Microsoft-Windows-Eventlog"
		clear.System.Computer = "web01.contoso.com"
		clear.RecordID = 1
		return append([]*evtx.Event{clear}, evs...)
	}
	n := uint64(len(earlier(1)))
	for _, c := range []struct {
		name     string
		old, new []*evtx.Event
		oneDir   bool
		copy     bool
		machines int
	}{
		{"restarted", earlier(1), later(1), false, false, 2},
		{"clones", earlier(1), later(n / 2), false, false, 2},
		{"going on", earlier(1), later(n + 1), false, false, 1},
		{"going on after a gap", earlier(1), later(n + 5000), false, false, 1},
		{"cleared", earlier(1), cleared(), false, false, 1},
		{"one folder", earlier(1), later(1), true, false, 1},
		{"a copy", earlier(1), later(n + 1), false, true, 1},
	} {
		dir := t.TempDir()
		oldPath := filepath.Join(dir, "old", "System.evtx")
		if c.oneDir {
			oldPath = filepath.Join(dir, "new", "Archive-System-2024-04-01-00-00-00-000.evtx")
		}
		write(t, oldPath, c.old)
		write(t, filepath.Join(dir, "new", "System.evtx"), c.new)
		if c.copy {
			b, err := os.ReadFile(filepath.Join(dir, "new", "System.evtx"))
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, "shadow", "System.evtx"), nil)
			if err := os.WriteFile(filepath.Join(dir, "shadow", "System.evtx"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ms := group(t, eng, dir)
		if len(ms) != c.machines {
			t.Errorf("%s: machines %q, want %d", c.name, labels(ms), c.machines)
			continue
		}
		res := analyze(t, eng, ms)
		if c.machines == 2 {
			// Each its own: the earlier one's TLS evidence is its own,
			// in its own window; the later one has none.
			if got := labels(ms); !slices.Equal(got, []string{"web01", "web01.contoso.com"}) {
				t.Errorf("%s: machines %q", c.name, got)
			}
			for _, m := range ms {
				if g := strings.Join(m.Grouping, "\n"); !strings.Contains(g, "do not go on from the earlier one's") {
					t.Errorf("%s: %s: grouping %q", c.name, m.Label(), g)
				}
			}
			if f := finding(t, res["web01"], ruleTLS); f.Verdict != rules.Detected || f.EvidenceCount != 2 {
				t.Errorf("%s: the earlier machine: %s, %d events", c.name, f.Verdict, f.EvidenceCount)
			}
			if f := finding(t, res["web01.contoso.com"], ruleTLS); f.Verdict != rules.NotDetected {
				t.Errorf("%s: the later machine: %s", c.name, f.Verdict)
			}
			continue
		}
		m := ms[0]
		if m.Name != "web01.contoso.com" || !res[m.Label()].ReferenceTime.Equal(t0) {
			t.Errorf("%s: %s, reference time %v", c.name, m.Label(), res[m.Label()].ReferenceTime)
		}
		logs := 0
		for _, l := range m.Logs {
			if l.Read {
				logs++
			}
			if want := 1 + btoi(c.copy && strings.Contains(l.Copies[0].Path, "new")); len(l.Copies) != want {
				t.Errorf("%s: %s has %d copies, want %d", c.name, l.Copies[0].Path, len(l.Copies), want)
			}
		}
		if logs != 2 {
			t.Errorf("%s: %d logs read, want 2", c.name, logs)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
