package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// A library caller that finds the logs of a volume and of its shadow copy
// with evtx.Find and gives them all to Analyze, without fleet's merging,
// gave each record of the two files twice: the System log's three
// Schannel 36871 of the last day were 6 events of rdp-tls-disabled (the
// shadow copy, taken an hour before the end, holds two of them: 5), where
// the copies merged (fleet.Copies, as evtxrdp analyze reads them) give 3.
// Now a record a query matched in an earlier input (evtx.Event.Identity,
// as evtx.Merge judges copies) is counted once, from that input, and the
// later input names the earlier one (Input.CopyOf) with a warning; with
// shortcuts and without, in either order. Two different machines' logs
// share no record and are left as they are.
func TestCopiesGivenApartCountOnce(t *testing.T) {
	evs := copiesLog(time.Hour, 90, 95, 99)
	dir := t.TempDir()
	volume, shadow := filepath.Join(dir, "volume"), filepath.Join(dir, "shadow")
	other := filepath.Join(dir, "other")
	writeSystemLog(t, winevtLogs(volume), evs, evtxtest.Options{})
	writeSystemLog(t, winevtLogs(shadow), evs[:99], evtxtest.Options{})
	// Another machine's log, with the same EventRecordIDs and times.
	var vm2 []*evtx.Event
	for _, ev := range evs {
		c := *ev
		c.System.Computer = "vm2"
		vm2 = append(vm2, &c)
	}
	writeSystemLog(t, other, vm2, evtxtest.Options{})
	for plain, eng := range copiesEngines(t) {
		// The copies merged, as the CLI reads them.
		want := tlsFinding(t, analyzeMerged(t, eng, volume, shadow))
		if want.Verdict != rules.Detected || want.EvidenceCount != 3 {
			t.Fatalf("plain %v, merged: rdp-tls-disabled %s with %d events, want detected with 3", plain, want.Verdict, want.EvidenceCount)
		}
		for _, order := range [][]string{{"volume", "shadow"}, {"shadow", "volume"}} {
			first, second := filepath.Join(dir, order[0]), filepath.Join(dir, order[1])
			res := analyzeApart(t, eng, first, second)
			fd := tlsFinding(t, res)
			if fd.Verdict != want.Verdict || fd.EvidenceCount != want.EvidenceCount || len(fd.Evidence) != len(want.Evidence) {
				t.Errorf("plain %v, %v given apart: rdp-tls-disabled %s with %d events, want %s with %d as merged", plain, order, fd.Verdict, fd.EvidenceCount, want.Verdict, want.EvidenceCount)
			}
			firstLog := filepath.Join(winevtLogs(first), "System.evtx")
			// The shadow copy lacks the newest 36871: from the volume.
			for _, e := range fd.Evidence {
				if e.File != firstLog && e.EventRecordID != 100 {
					t.Errorf("plain %v, %v: evidence EventRecordID %d from %s, want it from the first given, %s", plain, order, e.EventRecordID, e.File, firstLog)
				}
			}
			in := res.Inputs[1]
			if in.CopyOf != res.Inputs[0].Path || in.SharedMatches < 2 || res.Inputs[0].CopyOf != "" {
				t.Errorf("plain %v, %v: second input CopyOf %q, SharedMatches %d (first: %q); want %q, at least 2 (the two 36871 both hold, and the other records a query matched)", plain, order, in.CopyOf, in.SharedMatches, res.Inputs[0].CopyOf, res.Inputs[0].Path)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), "copies of one log given as two logs") {
				t.Errorf("plain %v, %v: no warning about the copies in %q", plain, order, res.Warnings)
			}
		}
		// Another machine's log is no copy: its records are its own.
		res := analyzeApart(t, eng, volume, other)
		if fd := tlsFinding(t, res); fd.EvidenceCount != 6 || res.Inputs[1].CopyOf != "" {
			t.Errorf("plain %v, two machines: rdp-tls-disabled %d events, CopyOf %q; want 6 and none", plain, fd.EvidenceCount, res.Inputs[1].CopyOf)
		}
	}
}

// The set-up shared by the tests of copies given to Analyze apart (this
// file, untimedcopies_test.go): one System log written as several files,
// a volume's and its shadow copy's among them.

// copiesNewest is the TimeCreated of the last record of copiesLog.
var copiesNewest = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// copiesLog returns a System log of 100 Noise records every apart (an
// hour, a day) up to copiesNewest, numbered 1 to 100 (record number and
// EventRecordID), whose records at the indexes tls are Schannel 36871
// (rdp-tls-disabled's evidence).
func copiesLog(every time.Duration, tls ...int) []*evtx.Event {
	evs := evtxtest.Noise(copiesNewest.Add(-99*every), every, 100)
	for _, i := range tls {
		evs[i] = evtxtest.Schannel36871(evs[i].System.TimeCreated, 10013)
	}
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	return evs
}

// winevtLogs is the folder of a Windows volume mounted at root that holds
// its event logs.
func winevtLogs(root string) string {
	return filepath.Join(root, "Windows", "System32", "winevt", "Logs")
}

// writeSystemLog writes evs as System.evtx in folder, made if need be.
func writeSystemLog(t *testing.T, folder string, evs []*evtx.Event, o evtxtest.Options) {
	t.Helper()
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(filepath.Join(folder, "System.evtx"), evs, o); err != nil {
		t.Fatal(err)
	}
}

// findLogs returns the logs evtx.Find finds at each of paths, in order.
func findLogs(t *testing.T, paths ...string) []*evtx.Log {
	t.Helper()
	var logs []*evtx.Log
	for _, p := range paths {
		l, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l...)
	}
	return logs
}

// copiesEngines returns an engine of the built-in rules with shortcuts
// (plain false) and one without (plain true).
func copiesEngines(t *testing.T) map[bool]*rules.Engine {
	t.Helper()
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	engs := map[bool]*rules.Engine{}
	for _, plain := range []bool{false, true} {
		eng, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
		if err != nil {
			t.Fatal(err)
		}
		engs[plain] = eng
	}
	return engs
}

// analyzeMerged analyses the logs at paths merged as evtxrdp analyze reads
// them (fleet.Copies), which must make them one log.
func analyzeMerged(t *testing.T, eng *rules.Engine, paths ...string) *rules.Result {
	t.Helper()
	var merged []*evtx.Log
	for _, l := range fleet.Copies(findLogs(t, paths...), 0) {
		merged = append(merged, l.EvtxLog())
	}
	if len(merged) != 1 {
		t.Fatalf("fleet.Copies: %d logs, want the %d files as one", len(merged), len(paths))
	}
	res, err := eng.Analyze(merged)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// analyzeApart analyses the logs at paths given apart, in order.
func analyzeApart(t *testing.T, eng *rules.Engine, paths ...string) *rules.Result {
	t.Helper()
	res, err := eng.Analyze(findLogs(t, paths...))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// tlsFinding returns res's rdp-tls-disabled finding.
func tlsFinding(t *testing.T, res *rules.Result) *rules.Finding {
	t.Helper()
	for _, fd := range res.Findings {
		if fd.Rule.ID == "rdp-tls-disabled" {
			return fd
		}
	}
	t.Fatal("no rdp-tls-disabled finding")
	return nil
}

// tlsHit returns the schannel-36871 hit of res's rdp-tls-disabled finding.
func tlsHit(t *testing.T, res *rules.Result) *rules.QueryHit {
	t.Helper()
	for _, h := range tlsFinding(t, res).Hits {
		if h.Query.ID == "schannel-36871" {
			return h
		}
	}
	t.Fatal("no rdp-tls-disabled schannel-36871 hit")
	return nil
}
