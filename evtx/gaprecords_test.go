package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// TestGapNamesItsRecords: bytes of a chunk's record area that hold no
// readable record say which records, by the numbers around them, were
// written there. Before, a chunk whose records 10 to 12 (or whose newest
// records, up to the chunk header's last record id) were zeroed said
// only "N bytes ... hold no readable record": no count, problem or lost
// run named them (dump of a System log with chunk 2's tail zeroed printed
// 1767 events and 109 lost records of 1881, the other 5 nowhere).
func TestGapNamesItsRecords(t *testing.T) {
	orig, _, inChunk := cleanChunk3(t)
	last := inChunk[len(inChunk)-1]
	for _, tc := range []struct {
		name     string
		from, to int64 // zeroed
		lo, hi   uint64
	}{
		// Record 10's header kept (its size and number), its body and
		// records 11 and 12 zeroed: the next intact record bounds the run.
		{"middle", inChunk[10].Source.Offset + 24, inChunk[13].Source.Offset, inChunk[10].RecordID, inChunk[12].RecordID},
		// Nothing of records 10 to 12 kept: the intact record before the
		// gap bounds it.
		{"middle, no header", inChunk[10].Source.Offset, inChunk[13].Source.Offset, inChunk[10].RecordID, inChunk[12].RecordID},
		// The chunk's newest records zeroed: the chunk header's last
		// record id bounds the run.
		{"tail", inChunk[len(inChunk)-3].Source.Offset + 24, last.Source.Offset + 200, inChunk[len(inChunk)-3].RecordID, last.RecordID},
	} {
		b := bytes.Clone(orig)
		clear(b[tc.from:tc.to])
		got := readBytes(t, b, Options{})
		e := findErr(got.errs, ErrCorrupt, "hold no readable record")
		if e == nil {
			t.Fatalf("%s: errors %v", tc.name, got.errs)
		}
		wantText := fmt.Sprintf("records %d to %d (%d) were written here and are not read", tc.lo, tc.hi, tc.hi-tc.lo+1)
		if !strings.Contains(e.Error(), wantText) {
			t.Errorf("%s: %v\nwant it to say %q", tc.name, e, wantText)
		}
		// The same text with a window that passes over the chunk's
		// records: it is read from the chunk alone.
		w := readBytes(t, b, Options{Since: inChunk[0].System.TimeCreated.AddDate(10, 0, 0)})
		if e2 := findErr(w.errs, ErrCorrupt, "hold no readable record"); e2 == nil || e2.Error() != e.Error() {
			t.Errorf("%s: with a window: %v, without: %v", tc.name, e2, e)
		}
	}

	// One record's size field zeroed: that record alone.
	b := bytes.Clone(orig)
	o := inChunk[5].Source.Offset
	// Record 5's size and its trailing copy: unreadable, record 6
	// follows. (One of the two damaged leaves the other to give the
	// record's extent, and it is read: TestDamagedSizeField.)
	size := binary.LittleEndian.Uint32(b[o+4:])
	clear(b[o+4 : o+8])
	binary.LittleEndian.PutUint32(b[o+int64(size)-4:], 0xffffffff)
	got := readBytes(t, b, Options{})
	e := findErr(got.errs, ErrCorrupt, "hold no readable record")
	if e == nil {
		t.Fatalf("errors %v", got.errs)
	}
	if want := fmt.Sprintf("record %d was written here and is not read", inChunk[5].RecordID); !strings.Contains(e.Error(), want) {
		t.Errorf("%v\nwant it to say %q", e, want)
	}
}
