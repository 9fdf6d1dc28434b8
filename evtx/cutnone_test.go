package evtx_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// notWrappedLog writes records 1 to n, 10 a chunk, with a file header
// closed cleanly, or dirty: a log that never wrapped, its last chunk
// holding n%10 records (10 when 0) and free space after them.
func notWrappedLog(t *testing.T, n int, dirty bool) []byte {
	t.Helper()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range n {
		ev := evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013)
		ev.RecordID = uint64(i + 1)
		evs = append(evs, ev)
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10, Dirty: dirty})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// freeAt is the file offset of chunk slot's free space offset.
func freeAt(b []byte, slot int) int {
	off := 4096 + slot*65536
	return off + int(binary.LittleEndian.Uint32(b[off+48:]))
}

// TestCutLossCounted: a log cut in the free space of the last chunk its
// file header counts, after every record that chunk's header and the file
// header count, lost no record if none was written after those, and the
// newest if one was. CutLoss said "the newest" were lost ("the log had not
// wrapped: its first chunk holds record 1") of every such cut; later it
// said none were when the file header was marked clean. Neither is proven
// (a clean header copied before later chunks were written counts them no
// more than a current one, and a dirty one lags them): it says it cannot
// tell, and Counted. A cut that the headers or the copy show lost records
// (one byte short of the last record, a chunk counted after the cut) is
// still the newest lost.
func TestCutLossCounted(t *testing.T) {
	clean := notWrappedLog(t, 25, false) // 3 chunks, the last with 5 records
	dirty := notWrappedLog(t, 25, true)
	full := ringLog(t, 1, 0, 0, false) // 6 chunks of 10, not wrapped
	for _, c := range []struct {
		name                   string
		log                    []byte
		n                      int
		known, newest, counted bool
		why                    string
	}{
		{"cut in the free space of the last chunk", clean, freeAt(clean, 2) + 100, false, false, true, "marked closed cleanly"},
		{"cut right at the free space offset of the last chunk", clean, freeAt(clean, 2), false, false, true, "which a copy cut short cannot show"},
		{"cut in the free space of the last chunk of a full ring", full, freeAt(full, 5) + 1, false, false, true, "the cut lost the newest records if any was written after those, else none"},
		// Record 25 ends at the free space offset: one byte short, it is
		// lost, and it is the newest.
		{"cut one byte before the last record ends", clean, freeAt(clean, 2) - 1, true, true, false, ""},
		// Slot 1's free space, chunk 2 (records 21 to 25) after the cut.
		{"cut in the free space of a chunk before the last", clean, freeAt(clean, 1) + 100, true, true, false, ""},
		{"cut in the free space of a chunk before the last of a full ring", full, freeAt(full, 3) + 100, true, true, false, ""},
		{"dirty header, cut in the free space of the last chunk", dirty, freeAt(dirty, 2) + 100, false, false, true, "not closed cleanly (dirty"},
	} {
		got := cutLossOf(t, c.log, c.n)
		// The records lost (LostRecords, dump's "lost:" lines and the
		// rules' window coverage): none that a header counts where every
		// counted record is read, the newest where the headers count them.
		rd, err := evtx.NewReader(bytes.NewReader(c.log[:c.n]), int64(c.n))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			}
		}
		lost := rd.LostRecords()
		if c.counted && len(lost) != 0 {
			t.Errorf("%s (cut at %d): lost records %+v, want none", c.name, c.n, lost)
		}
		if c.newest && (len(lost) == 0 || !lost[len(lost)-1].Newest) {
			t.Errorf("%s (cut at %d): lost records %+v, want the newest", c.name, c.n, lost)
		}
		if got.Known != c.known || got.Newest != c.newest || got.Counted != c.counted || !strings.Contains(got.Why, c.why) {
			t.Errorf("%s (cut at %d): %+v, want known %v, newest %v, counted %v, why with %q", c.name, c.n, got, c.known, c.newest, c.counted, c.why)
		}
	}
}
