package evtxtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// MinuteLogStart is the TimeCreated of MinuteLog's first record.
var MinuteLogStart = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// MinuteLog returns the bytes of a System log of n EventLog 6013 (system
// uptime) records a minute apart, record k (from 1, its EventRecordID and
// record number) at MinuteLogStart + k-1 minutes, 10 to a chunk: records
// 10c+1 to 10c+10 in chunk c, at file offsets 4096+c*65536 to
// 4096+(c+1)*65536. o is the writer's options with MaxRecordsPerChunk set
// to 10. It fails as Bytes does.
func MinuteLog(n int, o Options) ([]byte, error) {
	evs := make([]*evtx.Event, 0, max(n, 0))
	for i := range n {
		evs = append(evs, EventLog(MinuteLogStart.Add(time.Duration(i)*time.Minute), 6013))
	}
	o.MaxRecordsPerChunk = 10
	return Bytes(evs, o)
}

// FlipRecordNumber sets bit 40 (1<<40) of the record header number of the
// i-th record (from 0) of chunk c (its position in the file) of b, a log
// file as Bytes writes it (a 4 KiB file header, then 64 KiB chunks), and
// makes that chunk's two checksums right (SetChunkChecksums): a record
// whose number lies far outside its chunk header's range while its
// EventRecordID lies in it, as crafted or damaged before the checksums
// were computed. It returns the record's file offset and its number
// before the flip. It fails, changing nothing, when b holds no whole
// chunk c or the chunk holds fewer than i+1 records.
func FlipRecordNumber(b []byte, c, i int) (off int64, orig uint64, err error) {
	le := binary.LittleEndian
	start := fileHeaderBlock + c*chunkSize
	if c < 0 || i < 0 || start+chunkSize > len(b) {
		return 0, 0, fmt.Errorf("evtxtest: no chunk %d in %d bytes", c, len(b))
	}
	ch := b[start : start+chunkSize]
	free := min(int(le.Uint32(ch[48:])), chunkSize)
	at := chunkHeaderSize
	for k := 0; ; k++ {
		if at+24 > free || !bytes.Equal(ch[at:at+4], []byte("**\x00\x00")) {
			return 0, 0, fmt.Errorf("evtxtest: chunk %d holds no record %d (%d found)", c, i, k)
		}
		if k == i {
			break
		}
		size := int(le.Uint32(ch[at+4:]))
		if size < 24 {
			return 0, 0, errors.New("evtxtest: a record of fewer than 24 bytes")
		}
		at += size
	}
	orig = le.Uint64(ch[at+8:])
	le.PutUint64(ch[at+8:], orig|1<<40)
	SetChunkChecksums(ch)
	return int64(start + at), orig, nil
}
