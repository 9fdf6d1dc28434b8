package evtx_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestMergePartialCopyOfYieldedRecord: of copies read as one (a shadow
// copy beside the log), a record decoded in part in a later copy (one
// damaged name hash there: values kept, names unknown) whose bytes an
// earlier copy yielded intact is that record again: a duplicate, neither
// yielded nor counted decoded in part, as an undecodable copy of it
// already is. (The record holding the damaged name, one per chunk, differs
// in its bytes, and is still added, in part.) It has no EventRecordID or TimeCreated read, so its identity
// never matched the intact record's: the merged log yielded every such
// record a second time and counted it decoded in part, and analyze said
// of the intact log "240 records decoded in part; events in the
// unreadable parts are not seen" (and, with the window's share of records
// in part, could leave a window not covered) though every record was read.
func TestMergePartialCopyOfYieldedRecord(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 60; i++ {
		at := t0.Add(time.Duration(i) * time.Hour)
		evs = append(evs, evtxtest.SCM7036(at, "Remote Desktop Services", "running", "TermService"))
		if i%3 == 0 {
			evs = append(evs, evtxtest.Schannel36871(at.Add(time.Minute), 10013))
		}
	}
	dir := t.TempDir()
	intact := writeLog(t, filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 30})
	b, err := os.ReadFile(intact.Path)
	if err != nil {
		t.Fatal(err)
	}
	name := []byte{}
	for _, r := range "EventSourceName" {
		name = binary.LittleEndian.AppendUint16(name, uint16(r))
	}
	defs := 0 // the records defining the name, one per chunk: their bytes differ
	for i := 0; ; {
		j := bytes.Index(b[i:], name)
		if j < 0 {
			break
		}
		b[i+j-4] ^= 0x5a // the name structure's hash
		i += j + len(name)
		defs++
	}
	p := filepath.Join(dir, "shadow", "System.evtx")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(p)
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find(%s): %v %v", p, logs, err)
	}
	alone := readAll(t, logs[0], evtx.Options{})
	if alone.stats.Partial == 0 {
		t.Fatal("the damaged copy has no record decoded in part")
	}
	want := readAll(t, intact, evtx.Options{})
	got := readAll(t, evtx.Merge(intact, logs[0]), evtx.Options{})
	if got.stats.Partial != defs || len(got.xml) != len(want.xml)+defs {
		t.Errorf("merged: %d events, %d decoded in part; want the intact copy's %d and the %d records holding the damaged name, in part (the damaged copy alone: %d in part)",
			len(got.xml), got.stats.Partial, len(want.xml), defs, alone.stats.Partial)
	}
	if got.added[1] != defs {
		t.Errorf("the damaged copy adds %d records, want %d", got.added[1], defs)
	}
}
