package evtx_test

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLostRecordsChunkOfTwoUses: a chunk that holds records of two uses
// of it (a shadow copy taken while Windows wrote the chunk anew on a
// later lap round a circular log: its old records 21..40 counted by its
// header, records 10081..10100 of the new lap after them) does not hold the
// numbers between: records 41..100, whose chunks are zeroed, and
// 121..10080 are lost.
// LostRecords took the chunk's span from its lowest to its highest
// number (21..10100) once more than 16 of its records lay apart from its
// header's run, and returned nothing: the public sample
// 2-vss_0-...RemoteConnectionManager%4Operational.evtx hid 106,909
// missing records so, and analyze called that log read and covering the
// window of rdp-brute-force (not_detected; now not_checked).
func TestLostRecordsChunkOfTwoUses(t *testing.T) {
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 120 {
		evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 20})
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(i int) []byte { return b[4096+i*65536 : 4096+(i+1)*65536] }
	le := binary.LittleEndian
	// Chunk 4's records (81..100) into chunk 1's free space, after its
	// own records 21..40, then chunks 2, 3 and 4 zeroed.
	src, dst := chunk(4), chunk(1)
	srcEnd, dstFree := le.Uint32(src[0x30:]), le.Uint32(dst[0x30:])
	if int(dstFree)+int(srcEnd-0x200) > len(dst) {
		t.Fatalf("chunk 1 has no room: free at %#x, %d bytes to copy", dstFree, srcEnd-0x200)
	}
	copy(dst[dstFree:], src[0x200:srcEnd])
	// On a log's later lap they are numbered a lap on: 10081..10100 (a
	// lap farther than a chunk holds records, as the sample's 60,000).
	for off := dstFree; off < dstFree+srcEnd-0x200; {
		size := le.Uint32(dst[off+4:])
		le.PutUint64(dst[off+8:], le.Uint64(dst[off+8:])+10000)
		off += size
	}
	// The header's free space offset takes them in; its record numbers
	// and last record offset stay those of the old use, and its records
	// checksum is not updated (as the sample's chunk 1: "checksum
	// mismatch: records CRC32"); its header checksum is.
	le.PutUint32(dst[0x30:], dstFree+srcEnd-0x200)
	le.PutUint32(dst[0x7c:], crc32.ChecksumIEEE(append(slices.Clone(dst[:0x78]), dst[0x80:0x200]...)))
	for _, i := range []int{2, 3, 4} {
		clear(chunk(i))
	}
	lost := lostOf(t, b)
	// Records 41..100 (chunks 2 to 4 zeroed) lie between chunk 1's old
	// records and chunk 5's 101..120; 121..10080 between chunk 5 and
	// chunk 1's new records: no chunk holds either run.
	want := [][2]uint64{{40, 101}, {120, 10081}}
	if len(lost) != len(want) {
		t.Fatalf("lost runs %s, want 40..101 and 120..10081", lostLine(lost))
	}
	for i, w := range want {
		if lost[i].AfterID != w[0] || lost[i].BeforeID != w[1] {
			t.Errorf("lost run %d: %d..%d, want %d..%d", i, lost[i].AfterID, lost[i].BeforeID, w[0], w[1])
		}
	}
}

// The public sample itself: its chunk 1 holds records 401513..401596 and
// 463011..463076; records 401597..422376 are in no chunk.
func TestLostRecordsChunkOfTwoUsesSample(t *testing.T) {
	f, err := evtx.Open("../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for {
		if _, err := f.Next(); err != nil {
			break
		}
	}
	lost := f.LostRecords()
	for _, l := range lost {
		if l.AfterID == 401596 && l.BeforeID == 422377 {
			return
		}
	}
	t.Errorf("lost runs %s, want one after record 401596, before 422377", lostLine(lost))
}
