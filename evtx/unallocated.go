package evtx

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
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
// A chunk so judged old is current all the same when it is a chunk of a
// wrapped log whose header undercounts: Windows writes a circular log's
// chunks in file order and wraps to the first, numbering its records one
// after another, so the chunks past a lagging count hold the numbers that
// run up to the current chunks' (the oldest of the ring, below the lowest
// current number) or that fill a run between two current chunks (the ring
// wrapped inside the counted chunks). Such a chunk's numbers (its header's
// first..last record ids) are held by no current chunk and chain, chunk
// after chunk, to a current chunk's: they end just below one (at the
// lowest current number, or where a run between current chunks ends) or
// start just above one (where a run between current chunks starts). A
// chunk of an earlier use of the file holds numbers a current chunk holds
// too, or numbers that do not meet the current ones (a wrapped log's
// chunk of an older generation is a whole ring older than its
// neighbours' numbers); it stays old.
//
// Uncounted chunks are judged in file order, each accepted one adding to
// the current ones, then by that chain. It applies only when the file header is intact (its
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
	var cur []idRange // the numbers of the current chunks, as their headers claim
	for i := 0; i < min(s.hdrN, s.nslots); i++ {
		if h, ok := header(i); ok {
			cur = append(cur, idRange{h.FirstRecordID, h.LastRecordID, i})
			maxID = max(maxID, h.LastRecordID)
			newest = max(newest, recordTime(i, h.LastRecordOffset))
		}
	}
	old := make(map[int]bool)
	var olds []idRange
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
			olds = append(olds, idRange{h.FirstRecordID, h.LastRecordID, i})
			continue
		}
		cur = append(cur, idRange{h.FirstRecordID, h.LastRecordID, i})
		maxID = max(maxID, h.LastRecordID)
		newest = max(newest, recordTime(i, h.LastRecordOffset))
	}
	for _, i := range ringChunks(cur, olds) {
		delete(old, i)
	}
	return old
}

// idRange is the record numbers lo..hi a chunk's header claims, of chunk
// slot slot.
type idRange struct {
	lo, hi uint64
	slot   int
}

// ringChunks returns the slots of the chunks of olds (chunks past the
// file header's count judged old, in file order) that a wrapped log whose
// header undercounts wrote in its current ring (see oldChunks): chains of
// chunks, each holding the numbers just below or just above the last,
// from a current chunk's (cur) numbers into the numbers no current chunk
// holds below the lowest current one (downward) or between two current
// ones (from either end), holding no number a current chunk holds. Of
// chunks claiming the same first (last) number, the first in file order
// is taken. It costs O(n log n) in the chunks.
func ringChunks(cur, olds []idRange) []int {
	if len(cur) == 0 || len(olds) == 0 {
		return nil
	}
	// held is the numbers the current chunks hold, as runs in order:
	// overlapping claims (damage) are merged.
	slices.SortFunc(cur, func(a, b idRange) int { return cmp.Compare(a.lo, b.lo) })
	var held []idRange
	for _, r := range cur {
		if n := len(held); n > 0 && r.lo <= held[n-1].hi+1 && held[n-1].hi != ^uint64(0) {
			held[n-1].hi = max(held[n-1].hi, r.hi)
			continue
		}
		held = append(held, r)
	}
	byLo, byHi := make(map[uint64]idRange), make(map[uint64]idRange)
	for _, r := range olds {
		if _, ok := byLo[r.lo]; !ok {
			byLo[r.lo] = r
		}
		if _, ok := byHi[r.hi]; !ok {
			byHi[r.hi] = r
		}
	}
	taken := make(map[int]bool)
	var ring []int
	// take takes chunk r when its numbers lie within from..to (a run no
	// current chunk holds) and it is not taken already.
	take := func(r idRange, from, to uint64) bool {
		if r.lo < from || r.hi > to || taken[r.slot] {
			return false
		}
		taken[r.slot] = true
		ring = append(ring, r.slot)
		return true
	}
	for k, h := range held {
		// The run below held run k: from just above run k-1 (from 1
		// below the lowest) to just below run k.
		if h.lo <= 1 {
			continue
		}
		from, to := uint64(1), h.lo-1
		if k > 0 {
			from = held[k-1].hi + 1
			// Upward from run k-1's end; a run below the lowest is
			// reached only downward: the oldest of the ring end just
			// below the lowest current number.
			for r, ok := byLo[from]; ok && take(r, from, to); r, ok = byLo[from] {
				if from = r.hi + 1; r.hi >= to {
					break
				}
			}
		}
		for r, ok := byHi[to]; ok && take(r, from, to); r, ok = byHi[to] {
			if to = r.lo - 1; r.lo <= from {
				break
			}
		}
	}
	return ring
}
