package evtx_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLostNewestAfterRecordApart: the newest chunk's header (its checksum
// right) claims records up to 60, records 58 to 60 are zeroed, and past its
// free space offset lies a record numbered 788, above the claim, which a
// dirty log reads as a current record (slackRule: the header lags) and
// yields as the last-written one. Records 58 to 60 are then not the newest
// records: a record after them was read. LostRecords gave them as the
// newest run ("after record 57, the newest the file holds") while record
// 788 was printed (CI's FuzzReader input 9a7c416b77838bbe, whose record
// 788 is decoded in part). The newest run lies after every record read:
// here none (the zeroed records are the chunk's damage, which its gap
// problem names), and when the file header's next record identifier
// counts records past 788, the run after 788.
func TestLostNewestAfterRecordApart(t *testing.T) {
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		next      uint64 // the file header's next record identifier, 0: as written
		wantAfter uint64 // the newest run's AfterID, 0: none
	}{
		{"file header lags", 0, 0},
		{"file header counts records past it", 800, 788},
	} {
		var evs []*evtx.Event
		for i := range 61 {
			evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
		}
		evs[60].RecordID = 788
		// The chunk header counts records 56 to 60; record 788 lies past
		// its free space offset.
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 11, Dirty: true, UncountRecords: 1})
		if err != nil {
			t.Fatal(err)
		}
		if tc.next != 0 {
			setNextRecordID(b, tc.next)
		}
		offs := map[uint64]int64{}
		for _, ev := range readEvents(t, b) {
			offs[ev.RecordID] = ev.Source.Offset
		}
		if len(offs) != 61 || offs[788] == 0 {
			t.Fatalf("%s: intact log: %d records, record 788 at %#x", tc.name, len(offs), offs[788])
		}
		clear(b[offs[58]:offs[788]]) // records 58 to 60
		evs = readEvents(t, b)
		if last := evs[len(evs)-1]; len(evs) != 58 || last.RecordID != 788 {
			t.Fatalf("%s: %d records, the last %d; want 58, the last 788", tc.name, len(evs), last.RecordID)
		}
		lost := lostOf(t, b)
		for _, l := range lost {
			if l.Newest && l.AfterID < 788 {
				t.Errorf("%s: newest run %d..%d (chunk count %v), but record 788 was read", tc.name, l.AfterID, l.BeforeID, l.ChunkCount)
			}
		}
		var newest *evtx.LostSpan
		if n := len(lost); n > 0 && lost[n-1].Newest {
			newest = &lost[n-1]
		}
		switch {
		case tc.wantAfter == 0 && newest != nil:
			t.Errorf("%s: newest run %+v, want none", tc.name, *newest)
		case tc.wantAfter != 0 && (newest == nil || newest.AfterID != tc.wantAfter || newest.BeforeID != tc.next || newest.After == nil || newest.After.RecordID != tc.wantAfter):
			t.Errorf("%s: lost %+v, want the newest run %d..%d after record %d", tc.name, lost, tc.wantAfter, tc.next, tc.wantAfter)
		}
	}
}

// setNextRecordID sets the file header's next record identifier of log b
// to id, its checksum right.
func setNextRecordID(b []byte, id uint64) {
	binary.LittleEndian.PutUint64(b[24:], id)
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
}

func readEvents(t *testing.T, b []byte) []*evtx.Event {
	t.Helper()
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var evs []*evtx.Event
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}
