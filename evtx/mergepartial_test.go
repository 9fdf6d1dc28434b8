package evtx_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// damagedCopy writes a System log of 60 Service Control Manager 7036
// records and 20 Schannel 36871 records, 30 records a chunk, at
// dir/System.evtx, and a copy of it at dir/shadow/System.evtx whose
// name EventSourceName, which only the SCM template uses, has a wrong
// hash in each chunk: there every SCM record is decoded in part (values
// kept, names unknown). It returns the two logs and how many name
// structures it damaged (one per chunk, in the record that defines the
// template, whose bytes then differ from the intact copy's; the other
// records' bytes are the same in both).
func damagedCopy(t *testing.T, dir string) (intact, damaged *evtx.Log, defs int) {
	t.Helper()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 60; i++ {
		at := t0.Add(time.Duration(i) * time.Hour)
		evs = append(evs, evtxtest.SCM7036(at, "Remote Desktop Services", "running", "TermService"))
		if i%3 == 0 {
			evs = append(evs, evtxtest.Schannel36871(at.Add(time.Minute), 10013))
		}
	}
	intact = writeLog(t, filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 30})
	b, err := os.ReadFile(intact.Path)
	if err != nil {
		t.Fatal(err)
	}
	name := []byte{}
	for _, r := range "EventSourceName" {
		name = binary.LittleEndian.AppendUint16(name, uint16(r))
	}
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
	return intact, logs[0], defs
}

// TestMergePartialCopyOfYieldedRecord: of copies read as one (a shadow
// copy beside the log), a record decoded in part in a later copy (one
// damaged name hash there: values kept, names unknown) that an earlier
// copy yielded intact is that record again: a duplicate, neither yielded
// nor counted decoded in part, as an undecodable copy of it already is.
// It has no EventRecordID or TimeCreated read, so its identity never
// matched the intact record's: the merged log yielded every such record a
// second time and counted it decoded in part, and analyze said of the
// intact log "240 records decoded in part; events in the unreadable parts
// are not seen" (and, with the window's share of records in part, could
// leave a window not covered) though every record was read. The record
// holding the damaged name, one per chunk, differs in its bytes: it is
// the same record by its record number, size and record header time, and
// counts once too (it was still added, in part).
func TestMergePartialCopyOfYieldedRecord(t *testing.T) {
	intact, damaged, defs := damagedCopy(t, t.TempDir())
	alone := readAll(t, damaged, evtx.Options{})
	if alone.stats.Partial == 0 || defs == 0 {
		t.Fatal("the damaged copy has no record decoded in part")
	}
	want := readAll(t, intact, evtx.Options{})
	got := readAll(t, evtx.Merge(intact, damaged), evtx.Options{})
	if got.stats.Partial != 0 || !slices.Equal(got.xml, want.xml) {
		t.Errorf("merged: %d events, %d decoded in part; want the intact copy's %d, none in part (the damaged copy alone: %d in part)",
			len(got.xml), got.stats.Partial, len(want.xml), alone.stats.Partial)
	}
	if got.added[1] != 0 || got.stats.Duplicates != len(want.xml) {
		t.Errorf("the damaged copy adds %d records, %d duplicates; want 0 and %d", got.added[1], got.stats.Duplicates, len(want.xml))
	}
}

// TestMergeIntactCopyAfterPartialOne: the reverse of
// TestMergePartialCopyOfYieldedRecord. The copy read first (the CLI reads
// the copy with the most records first; a byte copy with one damaged name
// hash has as many) holds records decoded only in part, and a later copy
// holds them intact. The intact records are what the merged log yields,
// each once; the copies in part are duplicates, not counted decoded in
// part: the merged log yielded both (the partial one has no EventRecordID
// or TimeCreated read, so no identity the intact one shares) and counted
// 42 records decoded in part, and analyze said so of a log every record of
// which was read, and counted each such record twice in its window. The
// same with a window and filter (the merged reader judges them after
// de-duplication).
func TestMergeIntactCopyAfterPartialOne(t *testing.T) {
	intact, damaged, _ := damagedCopy(t, t.TempDir())
	alone := readAll(t, damaged, evtx.Options{})
	if alone.stats.Partial == 0 {
		t.Fatal("the damaged copy has no record decoded in part")
	}
	for _, o := range []evtx.Options{{}, {Since: time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)}, {Workers: 1}} {
		want := readAll(t, intact, o)
		got := readAll(t, evtx.Merge(damaged, intact), o)
		gx, wx := slices.Clone(got.xml), slices.Clone(want.xml)
		slices.Sort(gx)
		slices.Sort(wx)
		if got.stats.Partial != 0 || !slices.Equal(gx, wx) {
			t.Errorf("%+v: merged: %d events, %d decoded in part; want the intact copy's %d, none in part (the damaged copy alone: %d in part)",
				o, len(got.xml), got.stats.Partial, len(want.xml), alone.stats.Partial)
		}
		if got.added[0]+got.added[1] != want.stats.Records+want.stats.Skipped || got.added[1] != alone.stats.Partial {
			t.Errorf("%+v: the copies add %v records; want %d in all, the intact copy the %d the other holds in part", o, got.added, want.stats.Records+want.stats.Skipped, alone.stats.Partial)
		}
		if got.stats.Records != want.stats.Records || got.stats.Skipped != want.stats.Skipped {
			t.Errorf("%+v: merged: %d records, %d skipped; want %d and %d", o, got.stats.Records, got.stats.Skipped, want.stats.Records, want.stats.Skipped)
		}
	}
}

// TestMergePendingBounded: a merged log holds at most maxPending events
// decoded in part until its last part is read. With room for all of them
// it reads the damaged copy and the intact one as the intact one alone;
// with room for 3, the others are judged when they are met, before the
// intact copy is read, and yielded in part beside their copies in full,
// as Merge documents: memory stays bounded whatever the damage.
func TestMergePendingBounded(t *testing.T) {
	intact, damaged, _ := damagedCopy(t, t.TempDir())
	alone := readAll(t, damaged, evtx.Options{})
	want := readAll(t, intact, evtx.Options{})
	n := alone.stats.Partial
	if n <= 3 {
		t.Fatalf("the damaged copy has %d records decoded in part, want more than 3", n)
	}
	restore := evtx.SetMaxPending(n)
	got := readAll(t, evtx.Merge(damaged, intact), evtx.Options{})
	restore()
	if got.stats.Partial != 0 || len(got.xml) != len(want.xml) {
		t.Errorf("room for %d: %d events, %d in part; want the intact copy's %d, none in part", n, len(got.xml), got.stats.Partial, len(want.xml))
	}
	defer evtx.SetMaxPending(3)()
	got = readAll(t, evtx.Merge(damaged, intact), evtx.Options{})
	if got.stats.Partial != n-3 || len(got.xml) != len(want.xml)+n-3 {
		t.Errorf("room for 3: %d events, %d in part; want %d and %d (the %d judged before the intact copy was read)", len(got.xml), got.stats.Partial, len(want.xml)+n-3, n-3, n-3)
	}
}
