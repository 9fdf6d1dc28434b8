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

// TestCutLossNone: a log that never wrapped, cut in the free space of
// the last chunk its file header counts (every record that chunk's header
// and the file header count is in the copy), lost no record. CutLoss
// said "the newest" were lost ("the log had not wrapped: its first chunk
// holds record 1"), a false claim; it now says none were when the chunk
// header (free space offset, records checksum, last record) and a file
// header closed cleanly (chunk count, newest chunk, next record) prove
// it, and what it said before otherwise.
func TestCutLossNone(t *testing.T) {
	clean := notWrappedLog(t, 25, false) // 3 chunks, the last with 5 records
	dirty := notWrappedLog(t, 25, true)
	full := ringLog(t, 1, 0, 0, false) // 6 chunks of 10, not wrapped
	for _, c := range []struct {
		name                string
		log                 []byte
		n                   int
		known, newest, none bool
		why                 string
	}{
		{"cut in the free space of the last chunk", clean, freeAt(clean, 2) + 100, true, false, true, "no record its headers count is lost"},
		{"cut right at the free space offset of the last chunk", clean, freeAt(clean, 2), true, false, true, "no record its headers count is lost"},
		{"cut in the free space of the last chunk of a full ring", full, freeAt(full, 5) + 1, true, false, true, "no record its headers count is lost"},
		// Record 25 ends at the free space offset: one byte short, it is
		// lost, and it is the newest.
		{"cut one byte before the last record ends", clean, freeAt(clean, 2) - 1, true, true, false, ""},
		// Slot 1's free space, chunk 2 (records 21 to 25) after the cut.
		{"cut in the free space of a chunk before the last", clean, freeAt(clean, 1) + 100, true, true, false, ""},
		{"cut in the free space of a chunk before the last of a full ring", full, freeAt(full, 3) + 100, true, true, false, ""},
		// A dirty header may lag the chunks (records written past the
		// chunk's free space offset, chunks past the header's count):
		// no proof; CutLoss says what it said before.
		{"dirty header, cut in the free space of the last chunk", dirty, freeAt(dirty, 2) + 100, true, true, false, ""},
	} {
		got := cutLossOf(t, c.log, c.n)
		// The records lost (LostRecords, dump's "lost:" lines and the
		// rules' window coverage): none where the cut lost none, the
		// newest where it lost them and the header counts them.
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
		if c.none && len(lost) != 0 {
			t.Errorf("%s (cut at %d): lost records %+v, want none", c.name, c.n, lost)
		}
		if c.newest && c.name != "dirty header, cut in the free space of the last chunk" && (len(lost) == 0 || !lost[len(lost)-1].Newest) {
			t.Errorf("%s (cut at %d): lost records %+v, want the newest", c.name, c.n, lost)
		}
		if got.Known != c.known || got.Newest != c.newest || got.None != c.none || !strings.Contains(got.Why, c.why) {
			t.Errorf("%s (cut at %d): %+v, want known %v, newest %v, none %v, why with %q", c.name, c.n, got, c.known, c.newest, c.none, c.why)
		}
	}
}
