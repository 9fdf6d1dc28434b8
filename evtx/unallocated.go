package evtx

import (
	"bytes"
	"encoding/binary"
	"sync"
)

// oldChunks finds the chunk slots that hold what remains of an earlier use
// of the file rather than the log's current records: "unallocated space"
// past the chunks the file header counts. A dirty log's header undercounts
// its chunks too, and the newest records live in the uncounted ones, so a
// chunk past the count is old only when its records cannot be newer than
// the current ones:
//
//   - its first record id is not above the highest record id of the
//     current chunks (the log already numbered those records), or
//   - its first record id skips numbers past that highest id and its first
//     record was written before the newest current record (a log cleared
//     since, whose numbering started again, leaves such chunks behind).
//
// In a file that was not closed cleanly (dirty: its headers may lag, see
// slackRule) both must hold: numbers already used, written before the
// newest current record.
//
// Uncounted chunks are judged in file order, each accepted one adding to
// the current ones. It applies only when the file header is intact (its
// chunk count can be believed) and to chunks whose header is intact and
// counts records. Computed once, on first use, from the chunk headers and
// one record header per chunk; a log without chunks past the count costs
// nothing.
type oldChunks struct {
	once sync.Once
	old  map[int]bool
}

// isOld reports whether chunk slot i is an old chunk (see oldChunks).
func (s *source) isOld(i int) bool {
	if s.old == nil || i < s.hdrN || !s.hdrOK {
		return false
	}
	s.old.once.Do(func() { s.old.old = s.findOld() })
	return s.old.old[i]
}

func (s *source) findOld() map[int]bool {
	le := binary.LittleEndian
	hdr := make([]byte, chunkHeaderSize+recordHeaderSize)
	// header reads chunk slot i's header; ok when intact and it counts
	// records.
	header := func(i int) (chunkHeader, bool) {
		off := s.base + int64(i)*chunkSize
		n, _ := s.ra.ReadAt(hdr[:chunkHeaderSize], off)
		if n < chunkHeaderSize || !bytes.Equal(hdr[:8], chunkMagic) || chunkHeaderCRC(hdr) != le.Uint32(hdr[124:]) {
			return chunkHeader{}, false
		}
		h := parseChunkHeader(hdr[:chunkHeaderSize])
		return h, h.LastRecordID != 0 && h.FirstRecordID <= h.LastRecordID
	}
	// recordTime returns the header time of the record at chunk offset o
	// of slot i, or 0.
	recordTime := func(i int, o uint32) uint64 {
		if o < chunkHeaderSize || o > chunkSize-recordHeaderSize {
			return 0
		}
		b := hdr[chunkHeaderSize:]
		if n, _ := s.ra.ReadAt(b, s.base+int64(i)*chunkSize+int64(o)); n < recordHeaderSize || !bytes.Equal(b[:4], recordMagic) {
			return 0
		}
		return le.Uint64(b[16:])
	}
	var maxID, newest uint64
	for i := 0; i < min(s.hdrN, s.nslots); i++ {
		if h, ok := header(i); ok {
			maxID = max(maxID, h.LastRecordID)
			newest = max(newest, recordTime(i, h.LastRecordOffset))
		}
	}
	old := make(map[int]bool)
	for i := s.hdrN; i < s.nslots; i++ {
		h, ok := header(i)
		if !ok {
			continue
		}
		first := recordTime(i, chunkHeaderSize)
		used := h.FirstRecordID <= maxID
		earlier := first != 0 && first < newest
		if !s.dirty && (used || h.FirstRecordID > maxID+1 && earlier) || s.dirty && used && earlier {
			old[i] = true
			continue
		}
		maxID = max(maxID, h.LastRecordID)
		newest = max(newest, recordTime(i, h.LastRecordOffset))
	}
	return old
}
