package evtx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestFlippedNumberNotLastWritten: a record whose record header number has
// bit 40 set, its checksums right (crafted, or damaged before they were
// computed), lies wildly apart from its chunk header's range while its
// EventRecordID lies in it. 50 records a minute apart, 10 a chunk
// (evtxtest.MinuteLog, evtxtest.FlipRecordNumber); record 25 flipped to 1099511627801. Before, it was the last-written record:
// dump said "last written record: EventRecordID 25 (record 1099511627801
// in the file) at 00:24" and "exported log", analyze's reference time
// was 00:24 and its window ended 25 minutes early. Now it is read as its
// EventRecordID, record 50 is the last written (00:49), the log is no
// export, and a problem names the file, the record's offset and both
// numbers. A flip of the last record itself (50) leaves it the last
// written, as its EventRecordID. With the chunk header's checksum wrong
// (the header not believed), the header does not vouch for the range,
// but the record's EventRecordID and the records beside it, numbered one
// before and one after it (or the one of them there is, at the ends of a
// chunk), do (neighbouredRecordID): before, record 25 numbered
// 1099511627801 in such a chunk was still the last-written record and
// "now" 00:24; now it is read as record 25, record 50 is the last
// written, and the problem names both numbers and the neighbours'. Two
// neighbouring records flipped (24 and 25) vouch for neither: their
// numbers are kept, and no problem claims otherwise
// (TestFlippedNeighboursKept). So too past the free space offset of a
// chunk header that lags (a dirty log), where the header, believed,
// vouches only for the records before that offset: record 49 flipped
// there was the last-written record ("now" 00:48).
func TestFlippedNumberNotLastWritten(t *testing.T) {
	le := binary.LittleEndian
	base := evtxtest.MinuteLogStart
	for _, c := range []struct {
		name         string
		o            evtxtest.Options
		n            int    // the record flipped (from 0: record n+1)
		wantID       uint64 // the last-written record's number
		wantAt       time.Duration
		renumbered   bool
		wantExported bool
	}{
		{"record 25", evtxtest.Options{}, 24, 50, 49 * time.Minute, true, false},
		{"record 50, the last", evtxtest.Options{}, 49, 50, 49 * time.Minute, true, false},
		{"record 1", evtxtest.Options{}, 0, 50, 49 * time.Minute, true, false},
		{"record 25, chunk header not believed", evtxtest.Options{BadChunkHeaderCRC: []int{2}}, 24, 50, 49 * time.Minute, true, false},
		{"record 21, first of a chunk whose header is not believed", evtxtest.Options{BadChunkHeaderCRC: []int{2}}, 20, 50, 49 * time.Minute, true, false},
		{"record 30, last of a chunk whose header is not believed", evtxtest.Options{BadChunkHeaderCRC: []int{2}}, 29, 50, 49 * time.Minute, true, false},
		{"record 50, the last, chunk header not believed", evtxtest.Options{BadChunkHeaderCRC: []int{4}}, 49, 50, 49 * time.Minute, true, false},
		// Dirty: chunk 4's header counts records 41..47, and 48..50 lie
		// past its free space offset, current (the header lags).
		{"record 49, past a lagging chunk header's free space offset", evtxtest.Options{Dirty: true}, 48, 50, 49 * time.Minute, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := evtxtest.MinuteLog(50, c.o)
			if err != nil {
				t.Fatal(err)
			}
			chunk := c.n / 10
			fileOff, orig, err := evtxtest.FlipRecordNumber(b, chunk, c.n%10)
			if err != nil {
				t.Fatal(err)
			}
			flipped := orig | 1<<40
			if c.o.Dirty {
				// The chunk header counts its first 7 records: its last
				// record and free space offset are those of the 7th.
				ch := b[4096+chunk*65536 : 4096+(chunk+1)*65536]
				first := le.Uint64(ch[24:])
				o7 := 512
				for range 6 {
					o7 += int(le.Uint32(ch[o7+4:]))
				}
				le.PutUint64(ch[16:], first+6)
				le.PutUint64(ch[32:], first+6)
				le.PutUint32(ch[44:], uint32(o7))
				le.PutUint32(ch[48:], uint32(o7+int(le.Uint32(ch[o7+4:]))))
				evtxtest.SetChunkChecksums(ch)
			}
			if len(c.o.BadChunkHeaderCRC) > 0 {
				// The records checksum right, the header's wrong.
				ch := b[4096+chunk*65536:]
				le.PutUint32(ch[124:], ^le.Uint32(ch[124:]))
			}

			rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 2, Name: "System.evtx"})
			if err != nil {
				t.Fatal(err)
			}
			last := rd.LastWritten()
			if c.renumbered && (last == nil || last.RecordID != c.wantID || !last.System.TimeCreated.Equal(base.Add(c.wantAt))) {
				t.Fatalf("last-written record %v, want record %d at %s", last, c.wantID, base.Add(c.wantAt))
			}
			var flippedEv *evtx.Event
			for {
				ev, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if ev.Source.Offset == fileOff {
					flippedEv = ev
				}
			}
			wantNum := flipped
			if c.renumbered {
				wantNum = orig
			}
			if flippedEv == nil || flippedEv.RecordID != wantNum {
				t.Errorf("the flipped record read as %v, want record %d", flippedEv, wantNum)
			}
			st := rd.Stats()
			if c.renumbered && (st.LastWrittenID != c.wantID || st.Exported() != c.wantExported) {
				t.Errorf("Stats: last written %d, exported %v; want %d, %v", st.LastWrittenID, st.Exported(), c.wantID, c.wantExported)
			}
			// A read with a window that leaves the record out (passed over
			// by its TimeCreated, not decoded) numbers it alike.
			wr, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 2, Name: "System.evtx", Since: base.Add(40 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := wr.Next(); err != nil {
					break
				}
			}
			if ws := wr.Stats(); ws.LastWrittenID != st.LastWrittenID || ws.Exported() != st.Exported() || len(wr.Errors()) != len(rd.Errors()) {
				t.Errorf("windowed read: last written %d, exported %v, %d problems; plain read %d, %v, %d",
					ws.LastWrittenID, ws.Exported(), len(wr.Errors()), st.LastWrittenID, st.Exported(), len(rd.Errors()))
			}
			var named *evtx.FormatError
			for _, e := range rd.Errors() {
				if strings.Contains(e.Error(), "1099511627") {
					named = e
				}
			}
			switch {
			case !c.renumbered && named != nil:
				t.Errorf("problem %q for a number kept", named)
			case c.renumbered && named == nil:
				t.Errorf("no problem names the number; problems %v", rd.Errors())
			case c.renumbered:
				if named.File != "System.evtx" || named.Offset != fileOff || named.Record != orig || !errors.Is(named, evtx.ErrCorrupt) ||
					!strings.Contains(named.Error(), "read as its EventRecordID") {
					t.Errorf("problem %q (offset %#x, record %d), want one at %#x naming record %d", named, named.Offset, named.Record, fileOff, orig)
				}
			}
		})
	}
}

// TestFlippedNeighboursKept: in a chunk whose header checksum is wrong,
// records 24 and 25 of 50 both flipped (bit 40) vouch for neither: each
// one's neighbour is not numbered one before or after its EventRecordID,
// so both numbers are kept (neighbouredRecordID) and no problem says a
// record was read as its EventRecordID. An intact record beside a
// flipped one keeps its own number.
func TestFlippedNeighboursKept(t *testing.T) {
	le := binary.LittleEndian
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 50 {
		evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	ch := b[4096+2*65536 : 4096+3*65536]
	off := 512
	for range 3 { // record 24, chunk 2's fourth
		off += int(le.Uint32(ch[off+4:]))
	}
	next := off + int(le.Uint32(ch[off+4:]))
	for _, o := range []int{off, next} {
		le.PutUint64(ch[o+8:], le.Uint64(ch[o+8:])|1<<40)
	}
	evtxtest.SetChunkChecksums(ch)
	le.PutUint32(ch[124:], ^le.Uint32(ch[124:])) // the header checksum
	rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 2, Name: "System.evtx"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64]bool{}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[ev.RecordID] = true
	}
	for _, id := range []uint64{24 | 1<<40, 25 | 1<<40, 23, 26} {
		if !got[id] {
			t.Errorf("no record numbered %d", id)
		}
	}
	for _, e := range rd.Errors() {
		if strings.Contains(e.Error(), "read as its EventRecordID") {
			t.Errorf("problem %q", e)
		}
	}
}
