package rules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
	"github.com/evtxrdp/evtxrdp/rules"
)

// An engine of WithMemo, given the machines of one folder in turn, each
// with the folder's logs that name no computer (as fleet.Group lists
// them), reads each such log's channel and looks each through once, and
// each machine's report is the one the engine without it gives. Without
// the memo, 300 machines each looked through the same 300 logs: 273 s
// for a folder of 600 logs.
func TestWithMemoReadsSharedLogsOnce(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	const machines = 4
	var sys []string
	for i := range machines {
		evs := evtxtest.Noise(end.Add(-48*time.Hour), time.Hour, 48)
		if i%2 == 1 {
			evs = append(evs, evtxtest.Schannel36871(end.Add(-time.Hour), 10013))
		}
		for j, ev := range evs {
			ev.System.Computer = []string{"vm0", "vm1", "vm2", "vm3"}[i]
			ev.RecordID = uint64(j + 1)
		}
		p := filepath.Join(dir, []string{"vm0", "vm1", "vm2", "vm3"}[i]+"-System.evtx")
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		sys = append(sys, p)
	}
	// Shared: logs whose first record is of a channel no rule reads, one
	// holding System records after it (a saved view), one without any.
	view := evtxtest.Noise(end.Add(-3*time.Hour), time.Minute, 5)
	view[0].System.Channel = "Application"
	for j, ev := range view {
		ev.RecordID = uint64(j + 1)
		ev.System.Computer = ""
	}
	app := evtxtest.Noise(end.Add(-3*time.Hour), time.Minute, 5)
	for j, ev := range app {
		ev.System.Channel = "Application"
		ev.RecordID = uint64(j + 1)
		ev.System.Computer = ""
	}
	shared := []string{filepath.Join(dir, "view.evtx"), filepath.Join(dir, "app-export.evtx"), filepath.Join(dir, "cut.evtx")}
	if err := evtxtest.WriteFile(shared[0], view, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(shared[1], app, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shared[2], []byte("not a log"), 0o644); err != nil {
		t.Fatal(err)
	}
	var sharedLogs []*evtx.Log
	for _, p := range shared {
		l, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		sharedLogs = append(sharedLogs, l...)
	}

	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		eng, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
		if err != nil {
			t.Fatal(err)
		}
		memo := eng.WithMemo()
		var machineLogs [][]*evtx.Log
		for _, p := range sys {
			own, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			machineLogs = append(machineLogs, append(own, sharedLogs...))
		}
		analyze := func(e *rules.Engine) (out []string, reads int64) {
			before := rules.HeldReads()
			for _, logs := range machineLogs {
				res, err := e.Analyze(logs)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				if err := report.WriteJSON(&b, report.New(res)); err != nil {
					t.Fatal(err)
				}
				out = append(out, b.String())
				if !slices.ContainsFunc(res.Inputs, func(in *rules.Input) bool { return in.Path == shared[0] && in.Used }) {
					t.Errorf("plain %v: %s, which holds System records after an Application one, is not read", plain, shared[0])
				}
			}
			return out, rules.HeldReads() - before
		}
		want, wantReads := analyze(eng)
		got, gotReads := analyze(memo.WithWorkers(1))
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("plain %v, machine %d: the engine WithMemo reports\n%s\nthe engine without it\n%s", plain, i, got[i], want[i])
			}
		}
		// 2 logs to look through (view.evtx, app-export.evtx) on each
		// machine: the memo's engine looks through each once.
		if wantReads != 2*machines || gotReads != 2 {
			t.Errorf("plain %v: logs looked through for %d machines sharing 2: %d without the memo (want %d), %d with it (want 2)", plain, machines, wantReads, 2*machines, gotReads)
		}
	}
}
