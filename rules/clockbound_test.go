package rules_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// flappingClockLog returns a System log (evtxtest.Noise, 100 records an
// hour apart) whose clock ran five days ahead for records 85 to 89 and
// was set back, with n Kernel-General 1 records, written before record
// 85, that each set the clock ahead into the jump (a time service that
// flaps, or a hostile log made of them), and one that set it back after
// record 89: n+1 changes explain the jump ahead, EventRecordIDs 86 to
// 86+n-1 and 86+n+5.
func flappingClockLog(n int) []*evtx.Event {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	const svchost = `\Device\HarddiskVolume2\Windows\System32\svchost.exe`
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }
	var out []*evtx.Event
	for i, ev := range evtxtest.Noise(t0, time.Hour, 100) {
		switch i {
		case 85:
			for k := range n {
				d := time.Duration(k) * time.Millisecond
				out = append(out, evtxtest.KernelGeneral1(at(85).Add(-time.Minute+d), at(85).Add(5*day-time.Minute+d), 1, svchost, 1540))
			}
		case 90:
			out = append(out, evtxtest.KernelGeneral1(at(90).Add(5*day-time.Minute), at(90).Add(-time.Minute), 1, svchost, 1540))
		}
		if i >= 85 && i < 90 {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(5 * day)
		}
		out = append(out, ev)
	}
	return out
}

// TestClockChangesBounded: a log of 20,000 clock changes that each
// explain its jump ahead is read with a bounded number of changes held
// (rules.MaxHeldChanges; every one was held, 20,001, and named in the
// report and its warning), the jump names the first rules.MaxNamedChanges
// written and counts the others (ChangesNotNamed, "and 19,993 more clock
// changes, not named"), and query (ExplainClockJumps) and analyze name
// the same changes with shortcuts and without, and whatever the bound
// on held changes (every read over it: explained by a second read).
func TestClockChangesBounded(t *testing.T) {
	const n = 20000
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), flappingClockLog(n), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(dir)
	if err != nil || len(logs) != 1 {
		t.Fatalf("%v %v", logs, err)
	}
	l := logs[0]
	var want []uint64
	for k := range rules.MaxNamedChanges {
		want = append(want, uint64(86+k))
	}
	wantMore := n + 1 - rules.MaxNamedChanges

	for _, plain := range []bool{false, true} {
		held, over, err := rules.HeldClockChanges(l, plain)
		if err != nil || held > rules.MaxHeldChanges() || !over {
			t.Errorf("plain %v: %d changes held (bound %d), over %v: %v", plain, held, rules.MaxHeldChanges(), over, err)
		}
	}

	// query's way.
	query := func(plain bool) string {
		first, last, _, err := rules.TimedWrittenEnds(l, evtx.Options{}, plain)
		if err != nil || last == nil || first == nil {
			t.Fatalf("ends: %v", err)
		}
		// What stays reachable once the jump is explained: its held and
		// named changes, not one per record (before the bound: 5.9 MB
		// for the 20,001 held by the jump and named).
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		ahead, err := rules.FindClockJump(l, last, evtx.Options{}, plain)
		if err != nil || ahead == nil {
			t.Fatalf("no jump ahead: %v", err)
		}
		if len(ahead.Changes) != 0 {
			// Its own records hold more changes than are held: named by
			// ExplainClockJumps only.
			t.Errorf("plain %v: FindClockJump names %v", plain, changeIDs(ahead.Changes))
		}
		if err := rules.ExplainClockJumps(l, evtx.Options{}, plain, ahead); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		grew := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
		if grew > 2<<20 {
			t.Errorf("plain %v: the heap grew by %d bytes", plain, grew)
		}
		t.Logf("plain %v: the heap grew by %d bytes", plain, grew)
		runtime.KeepAlive(ahead)
		if !slices.Equal(changeIDs(ahead.Changes), want) || ahead.ChangesNotNamed != wantMore {
			t.Errorf("plain %v: query names %v and %d more, want %v and %d", plain, changeIDs(ahead.Changes), ahead.ChangesNotNamed, want, wantMore)
		}
		text := ahead.ChangeText()
		if !strings.Contains(text, fmt.Sprintf("the log records %d clock changes that explain the jump ahead: ", n+1)) ||
			!strings.HasSuffix(text, fmt.Sprintf("; and %d more clock changes, not named (the first %d written are)", wantMore, rules.MaxNamedChanges)) || len(text) > 4000 {
			t.Errorf("plain %v: %d bytes: %q", plain, len(text), text)
		}
		return fmt.Sprint(changeIDs(ahead.Changes), ahead.ChangesNotNamed, text)
	}
	q := query(false)
	if p := query(true); p != q {
		t.Errorf("query with --no-skip: %s, without: %s", p, q)
	}

	// analyze's way.
	var a [2]string
	for i, plain := range []bool{false, true} {
		res := analyzeDir(t, dir, plain)
		if len(res.ClockJumps) != 1 {
			t.Fatalf("plain %v: %d jumps", plain, len(res.ClockJumps))
		}
		j := res.ClockJumps[0]
		if !slices.Equal(changeIDs(j.Changes), want) || j.ChangesNotNamed != wantMore || !containsWarning(res.Warnings, j.ChangeText()) {
			t.Errorf("plain %v: analyze names %v and %d more, want %v and %d", plain, changeIDs(j.Changes), j.ChangesNotNamed, want, wantMore)
		}
		a[i] = clockChangesOf(res) + fmt.Sprint(j.ChangesNotNamed)
	}
	if a[0] != a[1] {
		t.Errorf("analyze with shortcuts:\n%s\nwithout:\n%s", a[0], a[1])
	}
}

// TestClockChangesHeldBoundEqual: on every real log of testdata/evtx and
// the crafted logs of a few changes, query (ExplainClockJumps) and
// analyze name the same changes whether the changes read are held and
// judged afterwards (the bound not reached) or, the bound 0, each judged
// as a second read gives it, with shortcuts and without.
func TestClockChangesHeldBoundEqual(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("%d logs: %v", len(paths), err)
	}
	dirs := []string{writeSystem(t, flappingClockLog(3)), writeSystem(t, flappingClockLog(12))}
	describe := func(dir string, plain, analyze bool) string {
		logs, err := evtx.Find(dir)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %v", dir, err)
		}
		var js []*rules.ClockJump
		var gs []*rules.TimeGap
		if analyze {
			rs, err := rules.Builtin()
			if err != nil {
				t.Fatal(err)
			}
			e, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Analyze(logs)
			if err != nil {
				return "no analysis"
			}
			js, gs = res.ClockJumps, res.TimeGaps
		} else {
			first, last, _, err := rules.TimedWrittenEnds(logs[0], evtx.Options{}, plain)
			if err != nil || last == nil {
				return "no ends"
			}
			ahead, _ := rules.FindClockJump(logs[0], last, evtx.Options{}, plain)
			var behind *rules.ClockJump
			if first != nil && !first.System.TimeCreated.After(last.System.TimeCreated.Add(rules.ClockSlack)) {
				behind, _ = rules.FindClockJumpBehind(logs[0], first, last, evtx.Options{}, plain)
			}
			if err := rules.ExplainClockJumps(logs[0], evtx.Options{}, plain, ahead, behind); err != nil {
				t.Fatal(err)
			}
			for _, j := range []*rules.ClockJump{ahead, behind} {
				if j != nil {
					js = append(js, j)
				}
			}
		}
		var b strings.Builder
		for _, j := range js {
			fmt.Fprintf(&b, "jump behind=%v %v +%d; ", j.Behind, changeIDs(j.Changes), j.ChangesNotNamed)
		}
		for _, g := range gs {
			fmt.Fprintf(&b, "gap %v +%d; ", changeIDs(g.Changes), g.ChangesNotNamed)
		}
		return b.String()
	}
	named := 0
	for _, dir := range append(paths, dirs...) {
		for _, analyze := range []bool{false, true} {
			if analyze && !slices.Contains(dirs, dir) && !strings.Contains(dir, "system.evtx") && !strings.Contains(dir, "Security_with_size_t") {
				continue // analyze of every sample: TestAnalyzeNamesChangesOutsidePeriod
			}
			var got []string
			for _, bound := range []int{rules.MaxHeldChanges(), 0} {
				for _, plain := range []bool{false, true} {
					restore := rules.SetMaxHeldChanges(t, bound)
					got = append(got, describe(dir, plain, analyze))
					restore()
				}
			}
			for _, g := range got[1:] {
				if g != got[0] {
					t.Errorf("%s, analyze %v: held, shortcuts %q; held, plain %q; bound 0, shortcuts %q; bound 0, plain %q", filepath.Base(dir), analyze, got[0], got[1], got[2], got[3])
					break
				}
			}
			if strings.Contains(got[0], "[") && !strings.Contains(got[0], "[]") {
				named++
			}
		}
	}
	if named < 4 {
		t.Errorf("%d logs name changes: the comparison proves little", named)
	}
}
