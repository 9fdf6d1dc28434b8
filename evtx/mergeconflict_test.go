package evtx_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// conflictCopy writes b at dir/name/Microsoft-Windows-TerminalServices-
// RemoteConnectionManager%4Operational.evtx and returns its log.
func conflictCopy(t *testing.T, dir, name string, b []byte) *evtx.Log {
	t.Helper()
	p := filepath.Join(dir, name, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ls, err := evtx.Find(p)
	if err != nil || len(ls) != 1 {
		t.Fatal(ls, err)
	}
	return ls[0]
}

// address returns the Param3 of the merged log's records of EventRecordID
// 15 in the order yielded, each with whether it is marked
// (Event.ConflictOf, "!" after it), and the reader's Stats and problems.
func address(t *testing.T, l *evtx.Log) ([]string, evtx.Stats, []*evtx.FormatError) {
	t.Helper()
	f, err := l.Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ips []string
	for ev, err := f.Next(); err == nil; ev, err = f.Next() {
		if ev.System.EventRecordID == 15 {
			ip := ev.XML()
			if i := strings.Index(ip, "<Param3>"); i >= 0 {
				ip = ip[i+len("<Param3>"):]
				ip = ip[:strings.Index(ip, "<")]
			}
			if ev.ConflictOf != nil {
				ip += "!"
			}
			ips = append(ips, ip)
		}
	}
	return ips, f.Stats(), f.Errors()
}

// TestMergeConflictingCopies: two copies of a log (evtxtest.ConflictLog),
// one with a byte of the address in record 15 changed ("203.0.113.77" to
// "203.0.113.78") and its chunk's records checksum now wrong. Merge
// yielded the record from both copies, the damaged one first when it was
// read first, and dump, query and analyze each dealt with the two as they
// would. Now Merge decides: the copy whose chunk's checksums verify,
// whichever is read first, with Stats.Conflicts 1 and a problem
// (ErrConflict) at the copy set aside that names the copy used, its record
// number and offset, and why. When both copies' checksums verify (the
// damaged copy's made right again), or neither (a third copy damaged in
// the same way but for another digit), nothing tells them apart: both are
// yielded, as before, the later marked (Event.ConflictOf, naming the
// other), and the problem says so; the copy read first, held for the
// decision, in its place (before the copy read later, which comes with the
// records that copy adds).
func TestMergeConflictingCopies(t *testing.T) {
	b, at, err := evtxtest.ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	intact := conflictCopy(t, dir, "intact", b)
	d := bytes.Clone(b)
	d[at+2*11] = '8' // ...77 -> ...78
	damaged := conflictCopy(t, dir, "damaged", d)
	fixed := bytes.Clone(d)
	evtxtest.SetChunkChecksums(fixed[4096+65536 : 4096+2*65536])
	vouched := conflictCopy(t, dir, "vouched", fixed)
	d2 := bytes.Clone(b)
	d2[at+2*11] = '9'
	other := conflictCopy(t, dir, "other", d2)

	alone := readAll(t, intact, evtx.Options{})
	const used = "that copy is used and this one set aside: that copy's chunk header and records checksums verify and this one's do not"
	for _, c := range []struct {
		name    string
		parts   []*evtx.Log
		want    []string  // the addresses yielded, "!" marking Event.ConflictOf
		first   *evtx.Log // the copy the problem names
		at      *evtx.Log // the copy the problem is at
		because string
	}{
		{"damaged first", []*evtx.Log{damaged, intact}, []string{"203.0.113.77"}, intact, damaged, used},
		{"intact first", []*evtx.Log{intact, damaged}, []string{"203.0.113.77"}, intact, damaged, used},
		{"both verify", []*evtx.Log{vouched, intact}, []string{"203.0.113.78", "203.0.113.77!"}, vouched, intact,
			"both are yielded, since the chunk checksums of both copies verify; this one is marked as the other's conflicting copy (Event.ConflictOf), that one, read first, counts"},
		{"neither verifies", []*evtx.Log{other, damaged}, []string{"203.0.113.79", "203.0.113.78!"}, other, damaged,
			"both are yielded, since the chunk checksums of neither copy verify; this one is marked as the other's conflicting copy (Event.ConflictOf), that one, read first, counts"},
	} {
		ips, st, errs := address(t, evtx.Merge(c.parts...))
		if !slices.Equal(ips, c.want) {
			t.Errorf("%s: record 15 yielded as %q, want %q", c.name, ips, c.want)
		}
		if st.Conflicts != 1 || st.Records != alone.stats.Records+len(c.want)-1 {
			t.Errorf("%s: %d conflicts, %d events; want 1 and %d", c.name, st.Conflicts, st.Records, alone.stats.Records+len(c.want)-1)
		}
		var conflicts []*evtx.FormatError
		for _, e := range errs {
			if errors.Is(e, evtx.ErrConflict) {
				conflicts = append(conflicts, e)
			}
		}
		if len(conflicts) != 1 || st.Problems != len(errs) {
			t.Errorf("%s: %d ErrConflict problems, want 1; %d problems counted, %d listed: %v", c.name, len(conflicts), st.Problems, len(errs), errs)
			continue
		}
		e := conflicts[0]
		// Record 15 is the 5th of chunk 1 in every copy: the same number
		// and offset in both.
		msg := e.Error()
		if e.File != c.at.Path || e.Record != 15 || e.Chunk != 1 || e.Offset < 4096+65536 || e.Offset >= 4096+2*65536 ||
			!strings.Contains(msg, fmt.Sprintf("EventRecordID 15, TimeCreated 2024-05-01T12:15:00.0000000Z is in %s too, as record 15 at offset %#x, with other content; %s", c.first.Path, e.Offset, c.because)) {
			t.Errorf("%s: problem %q (file %s, chunk %d, record %d, offset %#x); want it at %s, naming %s and %q", c.name, msg, e.File, e.Chunk, e.Record, e.Offset, c.at.Path, c.first.Path, c.because)
		}
	}
	// With no room to hold the damaged copy's records for the decision,
	// the copy read first is used, and the problem says why.
	restore := evtx.SetMaxPending(0)
	ips, st, errs := address(t, evtx.Merge(damaged, intact))
	restore()
	if !slices.Equal(ips, []string{"203.0.113.78"}) || st.Conflicts != 1 || len(errs) == 0 ||
		!strings.Contains(errs[len(errs)-1].Error(), "that copy, read first, was yielded before this one, whose chunk checksums verify and that copy's do not, was read (more than 0 records were waiting for the decision)") {
		t.Errorf("no room to hold: record 15 yielded as %q, %d conflicts, problems %v", ips, st.Conflicts, errs)
	}
	// Copies of the same content are no conflict.
	if ips, st, _ := address(t, evtx.Merge(intact, conflictCopy(t, dir, "same", b))); len(ips) != 1 || st.Conflicts != 0 {
		t.Errorf("two intact copies: record 15 yielded as %q, %d conflicts", ips, st.Conflicts)
	}
}
