package evtx

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/evtxrdp/evtxrdp/internal/plural"
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
//     since, whose numbering started again, leaves such chunks behind), or
//   - its first record id skips more numbers than the log can have given
//     between the current chunk of that highest id and it (beyondLag):
//     it was not written after the current ones.
//
// In a file that was not closed cleanly (dirty: its headers may lag, see
// slackRule) both must hold: numbers already used, or skipping ahead by
// more than a lagging header and the slots between can hide (beyondLag),
// and written before the newest current record (a copy of a live log
// taken while it wrapped may hold a newer turn's chunk after an older
// one: written later, it is read as current). A dirty file's newest
// chunk may claim fewer records than it holds, so the next chunk's
// numbers seem to skip ahead; with the clock set back (a VM that crashed
// and started with a wrong time) it is written before the newest record
// too, and it is the log's all the same.
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
// counts records. Computed once per file, on first use, from the chunk
// headers and one record header per chunk; a log without chunks past the
// count reads only its chunk headers (one 512-byte read a chunk, for
// foreignChunks), and none when the first walk of a Log makes the
// judgement from the headers it reads anyway (writtenEnds); a memo keeps
// the judgement for the file's later readers (judged).
//
// A chunk the header counts is old too when it cannot be one of the log's
// (foreignChunks): a chunk of another log copied or carved into the file.
type oldChunks struct {
	mu  sync.Mutex
	res atomic.Pointer[oldJudged] // nil until judged
}

// oldJudged is the judgement of oldChunks: the old chunk slots, and of
// the counted ones judged old, why (foreignChunks).
type oldJudged struct {
	old     map[int]bool
	foreign map[int]string
}

// judged returns the judgement of the file's chunks (oldChunks), made on
// first use: the memo's, when a reader of the same file made it already,
// else from the chunk headers (findOld), kept in the memo unless a read
// failed.
func (s *source) judged() *oldJudged {
	if r := s.old.res.Load(); r != nil {
		return r
	}
	s.old.mu.Lock()
	defer s.old.mu.Unlock()
	if r := s.old.res.Load(); r != nil {
		return r
	}
	r := s.memo.awaitJudged(s)
	if r == nil {
		var exact bool
		r, exact = s.findOld(nil)
		if exact {
			s.memo.keepOld(r)
		}
	}
	s.old.res.Store(r)
	return r
}

// judgeFrom judges the file's chunks as judged does, the counted chunks'
// headers given (counted: countedRange of each counted slot whose header
// is intact and counts records, in file order) rather than read, and
// returns the judgement, or the one made meanwhile.
func (s *source) judgeFrom(counted []countedChunk) *oldJudged {
	s.old.mu.Lock()
	defer s.old.mu.Unlock()
	if r := s.old.res.Load(); r != nil {
		return r
	}
	r, exact := s.findOld(counted)
	if exact {
		s.memo.keepOld(r)
	}
	s.old.res.Store(r)
	return r
}

// isOld reports whether chunk slot i is an old chunk (see oldChunks).
func (s *source) isOld(i int) bool {
	if s.old == nil || !s.hdrOK {
		return false
	}
	return s.judged().old[i]
}

// foreignWhy returns why chunk slot i, one the file header counts, is not
// one of the log's (foreignChunks), or "" when it is.
func (s *source) foreignWhy(i int) string {
	if !s.isOld(i) {
		return ""
	}
	return s.judged().foreign[i]
}

// countedChunk is what findOld reads of a counted chunk's header: the
// record numbers it claims and its last record's offset.
type countedChunk struct {
	idRange
	lastOff uint32
	// times: the record header times of its first record and of the
	// record at lastOff (0 where none is there), when taken from the
	// chunk's bytes (countedRange in a walk): findOld then reads none.
	times       bool
	first, last uint64
}

// recordTimeIn is the record header time of the record at chunk offset o
// of chunk c, 0 when no record header is there; ok is false when c ends
// before that record header (a chunk cut short: read it from the file,
// as findOld's recordTime does).
func recordTimeIn(c []byte, o uint32) (t uint64, ok bool) {
	if o < chunkHeaderSize || o > chunkSize-recordHeaderSize {
		return 0, true
	}
	if int(o)+recordHeaderSize > len(c) {
		return 0, false
	}
	b := c[o : o+recordHeaderSize]
	if !bytes.Equal(b[:4], recordMagic) {
		return 0, true
	}
	return binary.LittleEndian.Uint64(b[16:]), true
}

// countedRange returns what findOld reads of the header of chunk slot i
// (c: its bytes as read, from its start): ok when the header is intact
// and counts records.
func countedRange(i int, c []byte) (countedChunk, bool) {
	if len(c) < chunkHeaderSize || !intactChunkHeader(c[:chunkHeaderSize]) {
		return countedChunk{}, false
	}
	h := parseChunkFields(c[:chunkHeaderSize])
	r := countedChunk{idRange: idRange{h.FirstRecordID, h.LastRecordID, i}, lastOff: h.LastRecordOffset}
	first, ok1 := recordTimeIn(c, chunkHeaderSize)
	last, ok2 := recordTimeIn(c, h.LastRecordOffset)
	r.times, r.first, r.last = ok1 && ok2, first, last
	return r, h.LastRecordID != 0 && h.FirstRecordID <= h.LastRecordID
}

// findOld judges the file's chunks (oldChunks); counted, when not nil,
// gives the counted chunks' headers as it reads them (countedRange of
// every counted slot, the intact ones, in file order). exact is false when
// a read failed (an I/O error): the judgement may differ from one whose
// reads succeed.
func (s *source) findOld(counted []countedChunk) (r *oldJudged, exact bool) {
	le := binary.LittleEndian
	exact = true
	hdr := make([]byte, chunkHeaderSize+recordHeaderSize)
	readAt := func(b []byte, off int64) int {
		n, err := s.ra.ReadAt(b, off)
		if readFailed(err) {
			exact = false
		}
		return n
	}
	// header reads chunk slot i's header; ok when intact and it counts
	// records.
	header := func(i int) (chunkHeader, bool) {
		off := s.base + int64(i)*chunkSize
		n := readAt(hdr[:chunkHeaderSize], off)
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
		if n := readAt(b, s.base+int64(i)*chunkSize+int64(o)); n < recordHeaderSize || !bytes.Equal(b[:4], recordMagic) {
			return 0
		}
		return le.Uint64(b[16:])
	}
	var maxID, newest uint64
	// counted: the numbers of the counted chunks, as their headers claim.
	if counted == nil {
		for i := 0; i < min(s.hdrN, s.nslots); i++ {
			if h, ok := header(i); ok {
				counted = append(counted, countedChunk{idRange: idRange{h.FirstRecordID, h.LastRecordID, i}, lastOff: h.LastRecordOffset})
			}
		}
	}
	ranges := make([]idRange, len(counted))
	for k, c := range counted {
		ranges[k] = c.idRange
	}
	// firstRecord returns the bytes of the first record of chunk slot i,
	// or nil.
	firstRecord := func(i int) []byte {
		b := make([]byte, recordHeaderSize)
		off := s.base + int64(i)*chunkSize + chunkHeaderSize
		if n := readAt(b, off); n < recordHeaderSize || !bytes.Equal(b[:4], recordMagic) {
			return nil
		}
		size := int64(le.Uint32(b[4:]))
		if size < minRecordSize || size > chunkSize-chunkHeaderSize {
			return nil
		}
		r := make([]byte, size)
		if n := readAt(r, off); int64(n) < size {
			return nil
		}
		return r
	}
	// copyOf: slots a and b begin with the same record, byte for byte:
	// one is a copy of the other (whole, or at an earlier state), the
	// log's own records, not another log's.
	copyOf := func(a, b int) bool {
		ra, rb := firstRecord(a), firstRecord(b)
		return ra != nil && bytes.Equal(ra, rb)
	}
	// written: the record header times of a counted chunk's first record
	// and of the last its header claims (0 where none), asked only for
	// the few chunks whose numbers skip ahead (foreignChunks): from the
	// chunk's bytes when a walk read them (countedRange), else read.
	bySlot := make(map[int]countedChunk, len(counted))
	for _, c := range counted {
		bySlot[c.slot] = c
	}
	written := func(slot int) (first, last uint64) {
		if c := bySlot[slot]; c.times {
			return c.first, c.last
		}
		return recordTime(slot, chunkHeaderSize), recordTime(slot, bySlot[slot].lastOff)
	}
	foreign := foreignChunks(ranges, s.firstChunk, s.nextID, !s.dirty && s.ringCounted, copyOf, written)
	old := make(map[int]bool)
	for i := range foreign {
		old[i] = true
	}
	if s.hdrN >= s.nslots {
		return &oldJudged{old, foreign}, exact // no chunk past the count to judge
	}
	var cur []idRange // the numbers of the current chunks, as their headers claim
	maxSlot := -1     // the slot of the current chunk that claims maxID
	for _, c := range counted {
		if foreign[c.slot] != "" {
			continue
		}
		cur = append(cur, c.idRange)
		if c.hi >= maxID {
			maxID, maxSlot = c.hi, c.slot
		}
		newest = max(newest, recordTime(c.slot, c.lastOff))
	}
	var olds []idRange
	for i := s.hdrN; i < s.nslots; i++ {
		h, ok := header(i)
		if !ok {
			continue
		}
		first := recordTime(i, chunkHeaderSize)
		used := h.FirstRecordID <= maxID
		earlier := first != 0 && first < newest
		beyond := beyondLag(h.FirstRecordID, maxID, maxSlot, i)
		if !s.dirty && (used || h.FirstRecordID > maxID+1 && earlier || beyond) || s.dirty && (used || beyond) && earlier {
			old[i] = true
			olds = append(olds, idRange{h.FirstRecordID, h.LastRecordID, i})
			continue
		}
		cur = append(cur, idRange{h.FirstRecordID, h.LastRecordID, i})
		if h.LastRecordID >= maxID {
			maxID, maxSlot = h.LastRecordID, i
		}
		newest = max(newest, recordTime(i, h.LastRecordOffset))
	}
	for _, i := range ringChunks(cur, olds) {
		delete(old, i)
	}
	return &oldJudged{old, foreign}, exact
}

// beyondLag reports whether first, the first record number of the chunk
// in slot i, skips more numbers past
// maxID (the highest number a current chunk's header claims, that of slot
// maxSlot, -1 for none) than a log that wrote slot i after slot maxSlot
// can have given in between: the records that chunk holds past its
// header's claim (a dirty file's chunk headers may lag) and those of the
// slots between, each at most maxChunkRecords. A chunk so numbered was not
// written after the current ones in this file's ring: Windows writes a
// log's chunks in file order, numbering its records one after another
// (see foreignChunks); it is what a log cleared since left, or another
// log's chunk copied or carved into the file.
func beyondLag(first, maxID uint64, maxSlot, i int) bool {
	if maxSlot < 0 || i <= maxSlot {
		return false
	}
	hidden := uint64(i-maxSlot) * maxChunkRecords
	return first > maxID && first-maxID-1 > hidden
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

// foreignChunks returns, of the chunks the file header counts (counted:
// the record numbers their intact headers claim, in file order), those
// that cannot be the log's own, each with why: a chunk of another log
// copied or carved into the file (a carve that pasted another log's chunk
// into a gap, a chunk overwritten by another file's block). Read as the
// log's, such a chunk gives the log records it never wrote: another
// machine's events, and a "now" taken from its numbers. It is read as an
// old chunk instead (Options.Recover yields its records as
// RecoveredUnallocated) and its problem names it.
//
// Windows numbers a log's records one after another and writes its chunks
// in file order, wrapping to the first slot (MS-EVEN6 and libyal's
// "Windows XML Event Log (EVTX)" notes: the file header's first and last
// chunk numbers are the oldest and the newest chunk of the ring, its next
// record identifier the number the next record gets, written when the log
// is closed). So, read from the oldest chunk (first) on, the counted
// chunks' numbers ascend, each chunk's above the last one's (numbers may
// be missing where chunks were zeroed: lost records, not another log's).
// A chunk is foreign when
//
//   - the header binds the chunks (bound, below) and the chunk holds
//     numbers at or past its next record identifier, which the log had
//     not given to any record, while another counted chunk lies below it
//     (a header whose next record identifier no counted chunk lies below
//     is contradicted by every chunk, not evidence against one); or
//   - it lies in no longest ascending run of the counted chunks (read from
//     the oldest), and either the header binds the chunks, or it shares
//     record numbers with a chunk that lies in every such run: two chunks
//     of one log never hold the same number.
//
// The header binds the chunks (bound) when it was closed cleanly (not
// dirty) and its ring is the slots it counts: its oldest and newest chunk
// numbers name slots 0 and hdrN-1, or, wrapped, a newest chunk just
// before the oldest (source.ringCounted). Every header of the samples
// closed cleanly does (and so do the dirty ones). A header whose ring is
// other slots than those it counts describes the log as it was some
// chunks ago: a wrapped log whose header lags (TestWrappedLogHeaderUndercounts:
// oldest chunk 3 of 6, 4 counted, newest chunk 0, next record identifier
// 141) has written, since, the slots after its newest chunk (1 and 2,
// records 141 to 160) and counts a slot before its oldest that holds the
// ring's oldest records or an older generation of them (91..100 below
// 101): its next record identifier and its ring's order say nothing of
// them, and such a header is judged as a dirty one.
//
// A dirty header may lag behind the chunks (it counts fewer, and older,
// chunks and numbers than the file holds) and a shadow copy of a live log
// holds chunks of several turns of its ring (the RemoteConnectionManager
// and RdpCoreTS samples of omerbenamram/evtx hold counted chunks in no
// order, none sharing a number), so of a dirty log only a chunk sharing
// numbers is judged; a chunk that two longest runs disagree on (a tie) is
// judged by the first rule alone. It costs O(n log n) in the chunks, and
// nothing beyond one pass when the numbers ascend, as they do in a log
// Windows wrote.
func foreignChunks(counted []idRange, first int, nextID uint64, bound bool, copyOf func(a, b int) bool, written func(slot int) (first, last uint64)) map[int]string {
	if len(counted) == 0 {
		return nil
	}
	why := make(map[int]string)
	// The chunks in ring order: from the oldest slot on, wrapping. A
	// header claiming more records than a chunk can hold is damaged, not
	// another log's (its claim is judged where the records are read:
	// TestImplausibleHeaderClaimIsAProblem); it takes no part.
	ring := slices.DeleteFunc(slices.Clone(counted), func(r idRange) bool { return r.hi-r.lo >= maxChunkRecords })
	if first > 0 {
		at, _ := slices.BinarySearchFunc(ring, first, func(r idRange, s int) int { return cmp.Compare(r.slot, s) })
		ring = append(ring[at:], ring[:at]...)
	}
	// The next record identifier binds the chunks only when one of them
	// lies below it: a header that no counted chunk agrees with (each
	// numbered at or past it) says nothing of them.
	if bound && nextID > 0 && slices.ContainsFunc(ring, func(r idRange) bool { return r.hi < nextID }) {
		ring = slices.DeleteFunc(ring, func(r idRange) bool {
			if r.hi >= nextID {
				why[r.slot] = fmt.Sprintf("its header numbers its records %d to %d, at or past %d, the next record identifier of the file header, which was closed cleanly: the log had not numbered them", r.lo, r.hi, nextID)
				return true
			}
			return false
		})
	}
	// A chunk whose numbers skip ahead of the chunk before it in ring
	// order by more than that chunk and the slots between can hold
	// (beyondLag), and whose first record was written before that
	// chunk's last, was not written after it: another log's chunk.
	// Shadow copies of a live log hold chunks in no order (above), but
	// each written after the one before it where its numbers are higher;
	// a clock set back between two chunks leaves their numbers in
	// sequence. It reads one record header or two of such a chunk and
	// the one before it, and none of a log whose numbers run on.
	if written != nil && len(ring) > 1 {
		prev := ring[0]
		ring = slices.DeleteFunc(ring, func(r idRange) bool {
			if r.slot == prev.slot {
				return false
			}
			if beyondLag(r.lo, prev.hi, prev.slot, r.slot) {
				_, last := written(prev.slot)
				first, _ := written(r.slot)
				if first != 0 && last != 0 && first < last {
					between := ""
					if n := r.slot - prev.slot - 1; n > 0 {
						between = fmt.Sprintf(" and the %s between", plural.N(n, "slot"))
					}
					why[r.slot] = fmt.Sprintf("its header numbers its records %d to %d, skipping %d numbers past record %d, the last that chunk %d (the one before it in the log's ring) claims: more than chunk %d%s can hold beyond its claim (at most %d records a chunk); "+
						"and its first record was written at %s, before chunk %d's last record (%s): Windows writes a log's chunks in ring order, numbering its records one after another, so the log did not write it after chunk %d",
						r.lo, r.hi, r.lo-prev.hi-1, prev.hi, prev.slot, prev.slot, between, maxChunkRecords,
						FormatTime(FiletimeToTime(first)), prev.slot, FormatTime(FiletimeToTime(last)), prev.slot)
					return true
				}
			}
			prev = r
			return false
		})
	}
	ascending := true
	for k := 1; k < len(ring) && ascending; k++ {
		ascending = ring[k].lo > ring[k-1].hi
	}
	if ascending {
		return why
	}
	// f[k]: the longest ascending run ending with ring[k]; g[k]: the
	// longest starting with it (the same, over the ring reversed and its
	// numbers mirrored).
	f := ascendingRuns(ring)
	rev := make([]idRange, len(ring))
	for k, r := range ring {
		rev[len(ring)-1-k] = idRange{math.MaxUint64 - r.hi, math.MaxUint64 - r.lo, r.slot}
	}
	g := ascendingRuns(rev)
	slices.Reverse(g)
	longest := slices.Max(f)
	// A chunk lies in every longest run when it lies in one and no other
	// chunk of one takes its place (the same f).
	inRun := make([]bool, len(ring))
	places := make(map[int]int)
	for k := range ring {
		if inRun[k] = f[k]+g[k]-1 == longest; inRun[k] {
			places[f[k]]++
		}
	}
	var sure []idRange
	for k, r := range ring {
		if inRun[k] && places[f[k]] == 1 {
			sure = append(sure, r)
		}
	}
	slices.SortFunc(sure, func(a, b idRange) int { return cmp.Compare(a.lo, b.lo) })
	for k, r := range ring {
		if inRun[k] {
			continue
		}
		// The chunk of every longest run whose numbers it shares, if any.
		at, _ := slices.BinarySearchFunc(sure, r.lo, func(s idRange, lo uint64) int {
			if s.hi < lo {
				return -1
			}
			return 1
		})
		if at < len(sure) && sure[at].lo <= r.hi {
			s := sure[at]
			if s.lo == r.lo && copyOf != nil && copyOf(s.slot, r.slot) {
				// A copy of the log's own chunk (a chunk copied within
				// the file): its records are the log's, read as
				// duplicates (TestDuplicateChunk).
				continue
			}
			why[r.slot] = fmt.Sprintf("its header numbers its records %d to %d, as chunk %d, which is in order with the log's other chunks, numbers its records %d to %d: two chunks of one log never hold the same number", r.lo, r.hi, s.slot, s.lo, s.hi)
			continue
		}
		if bound {
			// The order starts at the slot the header names oldest,
			// whatever it holds (ring[0] is another slot when that
			// one's header is damaged or it is another log's chunk:
			// TestForeignChunkOrderNamesHeadersOldest).
			why[r.slot] = fmt.Sprintf("its header numbers its records %d to %d, out of the order of the log's other %d counted chunks, whose numbers ascend in ring order from slot %d, the oldest chunk the file header (closed cleanly) names", r.lo, r.hi, longest, first)
		}
	}
	return why
}

// ascendingRuns returns, for each range of rs, the length of the longest
// run of rs ending with it in which each range's numbers lie above the
// last one's: patience sorting on the ranges, O(n log n).
func ascendingRuns(rs []idRange) []int {
	out := make([]int, len(rs))
	var tails []uint64 // tails[k]: the lowest hi that ends a run of k+1
	for i, r := range rs {
		// The runs that r can follow end below r.lo.
		k, _ := slices.BinarySearch(tails, r.lo) // tails[:k] < r.lo
		if k == len(tails) {
			tails = append(tails, r.hi)
		} else {
			tails[k] = min(tails[k], r.hi)
		}
		out[i] = k + 1
	}
	return out
}
