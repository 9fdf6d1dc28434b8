package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// analyze groups the same logs into the same machines and copies whatever
// --look-back (up to its default) and --window say: they narrow the
// analysis, not the grouping. A System log of 20 days and its older copy
// taken 8 days before its end (System (1).evtx beside it): with the
// default look-back the copy is merged; with --look-back 0 (the period
// read to group was then 5 days, before each log's last-written record)
// it was "an older copy ..., read as a log of its own", and the grouping
// lines' record counts differed with every look-back.
func TestGroupingIndependentOfLookBack(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-20*24*time.Hour), 30*time.Minute, 20*48)
	for i, ev := range evs {
		ev.System.Computer = "vm1"
		ev.RecordID = uint64(i + 1)
	}
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]int{"System.evtx": len(evs), "System (1).evtx": 12 * 48} {
		if err := evtxtest.WriteFile(filepath.Join(logs, name), evs[:e], evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	grouping := func(flags ...string) string {
		t.Helper()
		code, out, errOut := runCmd(append(append([]string{"analyze", "--format", "json"}, flags...), logs)...)
		if code != exitOK {
			t.Fatalf("analyze %q: exit %d: %s", flags, code, errOut)
		}
		var r struct {
			Machine json.RawMessage `json:"machine"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return string(r.Machine)
	}
	want := grouping()
	merged := filepath.Join(logs, "System (1).evtx") + ": a copy of " + filepath.Join(logs, "System.evtx") + "; adds"
	if !strings.Contains(want, merged) || strings.Contains(want, "older copy") {
		t.Fatalf("default look-back: the older copy is not merged:\n%s", want)
	}
	for _, flags := range [][]string{{"--look-back", "0"}, {"--look-back", "12h"}, {"--look-back", "7d"}, {"--window", "1h"}, {"--window", "1h", "--look-back", "0"}, {"--scenario", "rdp-tls-disabled"}} {
		if got := grouping(flags...); got != want {
			t.Errorf("analyze %s grouped otherwise:\n%s\nthan the defaults:\n%s", strings.Join(flags, " "), got, want)
		}
	}
	// A longer look-back reads more records to group: the copy stays
	// merged.
	if got := grouping("--look-back", "30d"); !strings.Contains(got, merged) {
		t.Errorf("--look-back 30d: the older copy is not merged:\n%s", got)
	}
	// --help says so.
	_, help, _ := runCmd("analyze", "--help")
	if !slices.ContainsFunc(strings.Split(help, "\n\n"), func(p string) bool {
		p = strings.Join(strings.Fields(p), " ")
		return strings.Contains(p, "--look-back and --window shorter than their defaults narrow the analysis, not the grouping")
	}) {
		t.Errorf("analyze --help does not say how --look-back and --window bear on grouping:\n%s", help)
	}
}
