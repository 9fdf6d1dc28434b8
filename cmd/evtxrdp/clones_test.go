package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestClonedLogsReadApart: two System logs of one computer name that hold
// the same 50 records and then 20 and 10 of their own under the same
// EventRecordIDs 51.. (a VM cloned from the other's disk; every chunk's
// checksums right). dump read them as one log, vm2 "a copy of" vm1 that
// "adds 10 of its 60 records", its events among vm1's; it prints each log
// whole, and a line on stderr names both files and EventRecordID 50,
// where they part. analyze found one machine; it finds two named vm.
func TestClonedLogsReadApart(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	clone := func(name string, own int, at time.Duration) string {
		evs := append(evtxtest.Noise(start, time.Minute, 50), evtxtest.Noise(start.Add(at), 3*time.Minute, own)...)
		for i, ev := range evs {
			ev.System.Computer = "vm"
			ev.RecordID = uint64(i + 1)
		}
		p := filepath.Join(dir, name, "System.evtx")
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 20})
		if err != nil {
			t.Fatal(err)
		}
		writeLog(t, p, b)
		return p
	}
	a, b := clone("vm1", 20, time.Hour+time.Second), clone("vm2", 10, time.Hour+2*time.Second)
	code, out, errOut := runCmd("dump", "--format", "jsonl", a, b)
	if code != 0 {
		t.Fatalf("dump: exit %d: %s", code, errOut)
	}
	per := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			File       string          `json:"file"`
			ConflictOf json.RawMessage `json:"conflict_of"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if ev.ConflictOf != nil {
			t.Errorf("an event marked as a conflicting copy: %s", line)
		}
		per[ev.File]++
	}
	if per[a] != 70 || per[b] != 60 {
		t.Errorf("dump printed %d events of vm1 and %d of vm2, want 70 and 60 (%v)", per[a], per[b], per)
	}
	w := a + " and " + b + " are not copies of one log: they hold the same records up to EventRecordID 50 (" + evtx.FormatEventTime(start.Add(49*time.Minute)) + ")"
	if !strings.Contains(errOut, w) || strings.Contains(errOut, "; adds ") {
		t.Errorf("dump's stderr does not say %q, or calls one a copy:\n%s", w, errOut)
	}
	code, out, errOut = runCmd("analyze", "--format", "json", dir)
	if code != 0 && code != 3 {
		t.Fatalf("analyze: exit %d: %s", code, errOut)
	}
	var doc struct {
		Machines []struct {
			Machine string `json:"machine"`
		} `json:"machines"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Machines) != 2 || doc.Machines[0].Machine != "vm" || doc.Machines[1].Machine != "vm" {
		t.Errorf("analyze found machines %+v, want vm twice", doc.Machines)
	}
}
