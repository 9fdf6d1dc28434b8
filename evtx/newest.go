package evtx

import (
	"bytes"
	"encoding/binary"
	"io"
	"sync"
	"time"
)

// NewestTime returns the newest record header time in the log, found
// cheaply, without decoding and without moving Next. It is not a
// TimeCreated, and not the time of the log's newest event: an export
// borrows header times or leaves them 0, and they lag TimeCreated after a
// clock correction. The newest event is LastWritten (its
// System.TimeCreated); the newest TimeCreated read is Stats().LastCreated
// once Next has returned io.EOF. Of a chunk whose
// header checksum holds, only the records from its last counted record on
// are read first (a chunk's newest records, and any written after its
// header was last updated); chunks with a damaged header, and the chunks
// whose last records lie within newestSlack of the newest found, are then
// walked whole, as Next walks them, since record times jitter (the header
// time is the event's creation time, and events of several threads
// interleave). The result is the newest record time a full read finds
// (Stats().Last of a read that skips every record) unless the clock went
// back by more than newestSlack while a chunk was being filled, or the
// newest record is one whose size fields are zero (which Next salvages):
// then it is lower, never higher. Callers that need the exact value compare it with
// Stats().Last after reading. It returns the zero time when the log holds
// no intact record.
func (rd *Reader) NewestTime() time.Time {
	if rd.merged != nil {
		return rd.merged.newestTime()
	}
	if rd.src == nil {
		return time.Time{} // the zero Reader
	}
	s := rd.src
	// walk returns the newest header time of the current records of c
	// (not those of its slack, as Next does), from offset from; base is
	// the chunk offset of c[0].
	walk := func(c []byte, from, base int, rule slackRule) (newest uint64) {
		for off := from; off >= 0 && off+recordHeaderSize <= len(c); {
			size, ok := recordAt(c, off)
			if !ok {
				off = nextRecord(c, off+recordAlign)
				continue
			}
			if !rule.slack(base+off, binary.LittleEndian.Uint64(c[off+8:])) {
				newest = max(newest, binary.LittleEndian.Uint64(c[off+16:]))
			}
			off += size
		}
		return newest
	}
	hdr := make([]byte, chunkHeaderSize)
	buf := make([]byte, chunkSize)
	whole := func(i int) uint64 {
		off := s.base + int64(i)*chunkSize
		got, _ := s.ra.ReadAt(buf[:min(int64(chunkSize), s.size-off)], off)
		var rule slackRule
		if got >= chunkHeaderSize {
			h := parseChunkHeader(buf[:got])
			trusted := h.SignatureOK && h.ChecksumOK
			rule = newSlackRule(h, trusted || h.SignatureOK && h.RecordsChecksumOK, got, s.dirty)
		}
		return walk(buf[:got], chunkHeaderSize, 0, rule)
	}
	var newest uint64
	tails := map[int]uint64{} // chunk slot -> newest time of its tail
	for i := 0; i < s.nslots; i++ {
		if s.isOld(i) {
			continue // an old chunk: its records are not yielded by Next
		}
		off := s.base + int64(i)*chunkSize
		n := int(min(int64(chunkSize), s.size-off))
		last := 0
		if n >= chunkHeaderSize {
			if got, _ := s.ra.ReadAt(hdr, off); got == chunkHeaderSize && bytes.Equal(hdr[:8], chunkMagic) &&
				chunkHeaderCRC(hdr) == binary.LittleEndian.Uint32(hdr[124:]) {
				last = int(binary.LittleEndian.Uint32(hdr[44:]))
			}
		}
		if last >= chunkHeaderSize && last+recordHeaderSize <= n {
			tail := buf[:n-last]
			got, _ := s.ra.ReadAt(tail, off+int64(last))
			if _, ok := recordAt(tail[:got], 0); ok {
				// The record at the last record offset is a current one.
				rule := newSlackRule(parseChunkHeader(hdr), true, n, s.dirty)
				rule.lastID = binary.LittleEndian.Uint64(tail[8:])
				t := walk(tail[:got], 0, last, rule)
				if t != 0 {
					tails[i] = t
					newest = max(newest, t)
					continue
				}
				// The tail has no time (a last record whose header time
				// is 0): the chunk's newest time is before it.
			}
		}
		// No trustworthy header: walk the whole chunk.
		newest = max(newest, whole(i))
	}
	slack := uint64(newestSlack / 100) // FILETIME units
	for i, t := range tails {
		if t+slack >= newest {
			newest = max(newest, whole(i))
		}
	}
	if newest == 0 {
		return time.Time{}
	}
	return FiletimeToTime(newest)
}

// newestSlack is how far before the newest record found NewestTime still
// walks a chunk whole: more than the jitter of record times, far less than
// a log's span.
const newestSlack = time.Hour

// chunkBufs recycles chunk buffers: events never alias them (decoding
// copies every name, string and binary value), so a chunk's buffer is free
// again once the chunk is scanned.
var chunkBufs = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// readChunkInto reads chunk bytes at off into a pooled buffer.
func readChunkInto(ra io.ReaderAt, off int64, n int) (*[chunkSize]byte, []byte, int, error) {
	p := chunkBufs.Get().(*[chunkSize]byte)
	buf := p[:n]
	got, err := ra.ReadAt(buf, off)
	return p, buf, got, err
}
