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

// ConflictAddress is the address (Param3) of EventRecordID 15 in
// ConflictLog.
const ConflictAddress = "203.0.113.77"

// ConflictLog returns the bytes of a small TerminalServices
// RemoteConnectionManager Operational log: 30 RCM 1149 events (user alice,
// domain CONTOSO), EventRecordID k (1 to 30) at 2024-05-01T12:00:00Z + k
// minutes, 10 to a chunk (3 chunks; record 15 the fifth of chunk 1), each
// naming its own address, 198.51.100.k, but record 15, whose Param3 is
// ConflictAddress. at is the file offset of that address's UTF-16LE text,
// which the file holds once: a copy with the byte at at+22 (its last
// digit) changed holds a record 15 of other content, its chunk 1's
// records checksum then wrong. It fails as Bytes does, or when the address
// is not in the file exactly once.
func ConflictLog() (b []byte, at int, err error) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 1; i <= 30; i++ {
		ip := fmt.Sprintf("198.51.100.%d", i)
		if i == 15 {
			ip = ConflictAddress
		}
		evs = append(evs, RCM1149(t0.Add(time.Duration(i)*time.Minute), "alice", "CONTOSO", ip))
	}
	b, err = Bytes(evs, Options{MaxRecordsPerChunk: 10})
	if err != nil {
		return nil, 0, err
	}
	var u []byte
	for _, r := range ConflictAddress {
		u = append(u, byte(r), 0)
	}
	if at = bytes.Index(b, u); at < 0 || bytes.Contains(b[at+1:], u) {
		return nil, 0, errors.New("evtxtest: the conflict address is not in the log once")
	}
	return b, at, nil
}
