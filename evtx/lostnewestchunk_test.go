package evtx_test

import (
	"bytes"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLostRecordsNewestInChunk: the newest chunk's last records zeroed
// (a crash, an unflushed copy), its header intact and counting them: they
// are the newest records lost, after the newest record read, whether the
// file header counts them too or lags behind (a dirty log). Before, the
// chunk header's count made them the chunk's damage, not lost, so the
// reference time was called "the last-written record" although records
// were written after it (a System log whose records 122 and 123 were
// zeroed: "Reference time: 2024-05-01T10:30:00Z (the last-written record,
// EventRecordID 121 ...)", no warning).
func TestLostRecordsNewestInChunk(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          evtxtest.Options
		chunkCount bool
	}{
		{"counted by the file header", evtxtest.Options{}, false},
		{"file header lags", evtxtest.Options{Dirty: true, UndercountChunks: 1}, true},
	} {
		b, _ := lostLog(t, tc.o)
		rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var evs []*evtx.Event
		for {
			ev, err := rd.Next()
			if err != nil {
				break
			}
			evs = append(evs, ev)
		}
		if len(evs) != 60 {
			t.Fatalf("%s: %d records", tc.name, len(evs))
		}
		// Records 58 to 60 zeroed, up to the chunk's free space.
		clear(b[evs[57].Source.Offset : evs[59].Source.Offset+200])
		lost := lostOf(t, b)
		if len(lost) != 1 {
			t.Fatalf("%s: lost %+v, want records 58 to 60, the newest", tc.name, lost)
		}
		l := lost[0]
		if !l.Newest || l.AfterID != 57 || l.BeforeID != 61 || l.ChunkCount != tc.chunkCount {
			t.Errorf("%s: lost %d..%d newest=%v chunk count=%v, want 57..61 newest, chunk count %v", tc.name, l.AfterID, l.BeforeID, l.Newest, l.ChunkCount, tc.chunkCount)
		}
		if l.After == nil || l.After.RecordID != 57 {
			t.Errorf("%s: After %v, want record 57", tc.name, l.After)
		}
	}

	// Records zeroed inside the newest chunk, with a record after them:
	// lost, as a run between chunks is (a window that reaches their time
	// is not covered), with the records either side; not the newest.
	b, _ := lostLog(t, evtxtest.Options{})
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for {
		ev, err := rd.Next()
		if err != nil {
			break
		}
		offs = append(offs, ev.Source.Offset)
	}
	clear(b[offs[55]:offs[57]])
	lost := lostOf(t, b)
	if len(lost) != 1 || lost[0].AfterID != 55 || lost[0].BeforeID != 58 || lost[0].Newest ||
		lost[0].After == nil || lost[0].After.RecordID != 55 || lost[0].Before == nil || lost[0].Before.RecordID != 58 {
		t.Errorf("records 56, 57 zeroed before the newest: lost %+v, want records 56 to 57 between 55 and 58, not the newest", lost)
	}
}
