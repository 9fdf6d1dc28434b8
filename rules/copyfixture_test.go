package rules_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// The set-up shared by the tests of copies given to Analyze apart
// (copies_test.go, untimedcopies_test.go): one System log written as
// several files, a volume's and its shadow copy's among them.

// copiesNewest is the TimeCreated of the last record of copiesLog.
var copiesNewest = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// copiesLog returns a System log of 100 Noise records an hour apart up to
// copiesNewest, numbered 1 to 100 (record number and EventRecordID), whose
// records at the indexes tls are Schannel 36871 (rdp-tls-disabled's
// evidence).
func copiesLog(tls ...int) []*evtx.Event {
	evs := evtxtest.Noise(copiesNewest.Add(-99*time.Hour), time.Hour, 100)
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
