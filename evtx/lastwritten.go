package evtx

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// LastWritten returns the log's last-written record, decoded: of the
// records Next yields when no window or filter is set, the one with the
// highest record number (record header id). Windows numbers the records of
// a log in the order it writes them, so this is the newest record whatever
// the machine's clock said when it was written (an exported log numbers
// its records in the order it saved them, the source log's order). It
// returns nil when the log holds no record that decodes.
//
// Only record headers are read, and the records with the highest numbers
// decoded until one decodes (usually the first), so it costs one read of
// the file. It does not move Next. The answer is exactly the plain one
// (read every event with Next, keep the highest Event.RecordID; a tie,
// which only byte-different copies of a record can make, goes to the
// first in file order): TestLastWrittenEqualsFullRead.
func (rd *Reader) LastWritten() *Event {
	_, last := rd.WrittenEnds()
	return last
}

// WrittenEnds returns the log's first-written and last-written records,
// decoded: of the records Next yields when no window or filter is set, the
// ones with the lowest and the highest record numbers (see LastWritten).
// Both are nil when the log holds no record that decodes. In a log that
// wrapped around, the first-written record is the oldest one left. It
// costs one read of the record headers and does not move Next; the answer
// is exactly the plain one (TestLastWrittenEqualsFullRead).
func (rd *Reader) WrittenEnds() (first, last *Event) {
	if rd.merged != nil {
		for _, f := range rd.merged.files {
			fi, la := f.WrittenEnds()
			if fi != nil && (first == nil || fi.RecordID < first.RecordID) {
				first = fi
			}
			if la != nil && (last == nil || la.RecordID > last.RecordID) {
				last = la
			}
		}
		return first, last
	}
	s := rd.src
	type cand struct {
		id        uint64
		slot, off int
		size      int
		salvaged  bool // size fields zero: its extent runs to the next record
	}
	var cands []cand
	read := func(i int) ([]byte, func()) {
		off := s.base + int64(i)*chunkSize
		n := min(int64(chunkSize), s.size-off)
		pooled, buf, got, _ := readChunkInto(s.ra, off, int(n))
		return buf[:max(got, 0)], func() { chunkBufs.Put(pooled) }
	}
	le := binary.LittleEndian
	for i := 0; i < s.nslots; i++ {
		if s.isOld(i) {
			continue // an old chunk: its records are not yielded by Next
		}
		c, done := read(i)
		// The walk of scanChunk: intact records, and records whose size
		// fields are zero but which run up to the next intact record; not
		// the old records of the chunk's slack (Options.Recover's).
		var rule slackRule
		if len(c) >= chunkHeaderSize {
			h := parseChunkHeader(c)
			rule = newSlackRule(h, h.SignatureOK && (h.ChecksumOK || h.RecordsChecksumOK), len(c), s.dirty)
		}
		for off := chunkHeaderSize; off+recordHeaderSize <= len(c); {
			size, ok := recordAt(c, off)
			if !ok {
				next := nextRecord(c, off+recordAlign)
				if next > 0 && bytes.Equal(c[off:off+4], recordMagic) && le.Uint32(c[off+4:]) == 0 && le.Uint32(c[next-4:]) == 0 {
					cands = append(cands, cand{id: le.Uint64(c[off+8:]), slot: i, off: off, size: next - off, salvaged: true})
				}
				if next < 0 {
					break
				}
				off = next
				continue
			}
			if id := le.Uint64(c[off+8:]); !rule.slack(off, id) {
				cands = append(cands, cand{id: id, slot: i, off: off, size: size})
			}
			off += size
		}
		done()
	}
	// The first candidate, in the given order, that decodes as Next
	// yields it.
	decode := func(order []int) *Event {
		for _, x := range order {
			k := cands[x]
			c, done := read(k.slot)
			ev := decodeCandidate(c, k.off, k.size, k.id, k.salvaged)
			ft := le.Uint64(c[k.off+16:])
			done()
			if ev != nil {
				ev.RecordID = k.id
				ev.Written = FiletimeToTime(ft)
				ev.Source = Position{File: s.name, Chunk: k.slot, Offset: s.base + int64(k.slot)*chunkSize + int64(k.off)}
				return ev
			}
		}
		return nil
	}
	// Among equal numbers, file order.
	asc := make([]int, len(cands))
	for i := range asc {
		asc[i] = i
	}
	sort.SliceStable(asc, func(a, b int) bool { return cands[asc[a]].id < cands[asc[b]].id })
	desc := make([]int, len(cands))
	for i := range desc {
		desc[i] = i
	}
	sort.SliceStable(desc, func(a, b int) bool { return cands[desc[a]].id > cands[desc[b]].id })
	return decode(asc), decode(desc)
}

// decodeCandidate decodes the record at off as scanChunk would yield it,
// or returns nil where scanChunk yields nothing (a body that does not
// decode, a salvaged record that is not its own).
func decodeCandidate(c []byte, off, size int, id uint64, salvaged bool) *Event {
	ev, err := decodeSafely(newChunkDecoder(c), off, size)
	if err != nil || salvaged && ev.System.EventRecordID != id {
		return nil
	}
	return ev
}
