package evtx

import (
	"container/heap"
	"runtime"
	"slices"
	"sync"
	"time"
)

// This file lets the passes over a Log that follow its first read reuse,
// record by record, what an earlier pass computed from a chunk: the
// verdicts of the chunk header's two checksums, each record's TimeCreated
// read without decoding (readTime) and each record's Summary
// (summarize). analyze reads a System log whole once (WrittenEnds: every
// record's TimeCreated), then the records of its grouping period
// (summaries), then those of the rules' window (summaries again, and the
// records the queries may match decoded); before this memo the last two
// passes read the TimeCreated and the summary of each of their records
// again.
//
// The memo never changes an answer. readTime, summarize and
// parseChunkHeader are functions of the chunk's bytes and the record's
// offset and size alone (a record's budgets are its own: TestDecodeOrderFree),
// so a value kept from an earlier pass over the same bytes is the value
// a new call would compute; the memo belongs to a windowMemo, which is
// dropped when the file changes between opens. scanChunk asks for each
// value where it computed it, by offset and size, and computes what the
// memo lacks; TestRecordMemoEqualsRead compares reads served by it with
// fresh ones and with the memo off.
//
// Memory is bounded for the whole process (maxRecMemoBytes): a fleet
// holds many Logs at once. A Log keeps the chunks whose records' latest
// TimeCreated is the latest (windows run back from the last-written
// record, so the newest chunks are those read again), giving up its
// oldest to keep a newer one; past the bound a chunk is not kept. The
// bound is small, and an entry compact (24 bytes a TimeCreated, 40 a
// summary), because the garbage collector lets the heap grow to several
// times what stays live (cmd/evtxrdp sets GOGC to 400): with 8 MiB of
// larger entries, made for every chunk and most dropped, analyze of
// bench/run's volume peaked at 98 MiB rather than 59, its page faults
// costing more system time than the memo saved.

// recMemoOff turns the record memo off (tests compare both ways).
var recMemoOff = false

// maxRecMemoBytes bounds the bytes the record memos of all Logs hold
// (recMemoBytes counts them): about 170,000 records' TimeCreated, or
// 100,000 summaries. A variable for tests.
var maxRecMemoBytes int64 = 4 << 20

var (
	recMemoMu    sync.Mutex
	recMemoBytes int64
)

// memoTime is readTime's result for the record at off (size bytes).
// Only results of a FILETIME TimeCreated, and failures, are kept.
type memoTime struct {
	off, size uint16
	ok, hasID bool
	ft        uint64
	id        uint64 // EventRecordID, when hasID
}

// memoSum is summarize's result for the record at off (size bytes): ok,
// and the provider, event id and computer (summarize sets no other field;
// a result that does is not kept).
type memoSum struct {
	off, size          uint16
	ok                 bool
	eventID            uint16
	provider, computer string
}

// Checksum verdicts of a chunk header (chunkRecs.ck).
const (
	ckKnown   = 1 << iota // the verdicts are kept
	ckHeader              // ChecksumOK
	ckRecords             // RecordsChecksumOK
)

// chunkRecs is what the memo holds of one chunk. It is never changed once
// made: a pass that adds to it makes a new one.
type chunkRecs struct {
	ck    uint8
	times []memoTime // by offset
	sums  []memoSum  // by offset
	tmax  time.Time  // the latest TimeCreated of the chunk's records (eviction order)
}

// Sizes used for the bound (the strings of summaries are interned per
// chunk: a chunk names a few providers and computers).
const (
	memoTimeBytes = 24
	memoSumBytes  = 40
	chunkRecBytes = 96
)

func recBytes(times, sums int) int64 {
	return chunkRecBytes + int64(times)*memoTimeBytes + int64(sums)*memoSumBytes
}

func (r *chunkRecs) bytes() int64 { return recBytes(len(r.times), len(r.sums)) }

// The buffers a scan collects values in, reused: most are not kept.
var (
	timeBufs = sync.Pool{New: func() any { b := make([]memoTime, 0, 256); return &b }}
	sumBufs  = sync.Pool{New: func() any { b := make([]memoSum, 0, 256); return &b }}
)

// recCursor looks up, in offset order, the values a chunkRecs snapshot
// holds, and collects those computed anew when keep is set.
type recCursor struct {
	old        *chunkRecs // nil: none
	ti, si     int        // next entries of old to look at
	keep       bool
	times      *[]memoTime // from timeBufs, when keep
	sums       *[]memoSum  // from sumBufs, once one is collected
	newT, newS bool        // something was computed anew
	hits       int         // values served (tests check the memo is used)
	// Set by finish: the chunk header's checksum verdicts and the
	// records' latest TimeCreated.
	ck   uint8
	tmax time.Time
}

func newRecCursor(old *chunkRecs, keep bool) *recCursor {
	if recMemoOff {
		return &recCursor{}
	}
	rc := &recCursor{old: old, keep: keep}
	if keep {
		rc.times = timeBufs.Get().(*[]memoTime)
	}
	return rc
}

// recCheckpoint is a recCursor's state, to return to (rollback).
type recCheckpoint struct {
	rc     recCursor
	nt, ns int
	valid  bool
}

// checkpoint returns rc's state (rc nil: none).
func (rc *recCursor) checkpoint() recCheckpoint {
	if rc == nil {
		return recCheckpoint{}
	}
	cp := recCheckpoint{rc: *rc, valid: true}
	if rc.times != nil {
		cp.nt = len(*rc.times)
	}
	if rc.sums != nil {
		cp.ns = len(*rc.sums)
	}
	return cp
}

// rollback returns rc to the state cp holds: what was read since is
// forgotten.
func (rc *recCursor) rollback(cp recCheckpoint) {
	if rc == nil || !cp.valid {
		return
	}
	times, sums := rc.times, rc.sums
	*rc = cp.rc
	rc.times, rc.sums = times, sums
	if times != nil {
		*times = (*times)[:cp.nt]
	}
	if sums != nil {
		*sums = (*sums)[:cp.ns]
	}
}

// release returns rc's buffers; rc is not used after.
func (rc *recCursor) release() {
	if rc.times != nil {
		*rc.times = (*rc.times)[:0]
		timeBufs.Put(rc.times)
		rc.times = nil
	}
	if rc.sums != nil {
		*rc.sums = (*rc.sums)[:0]
		sumBufs.Put(rc.sums)
		rc.sums = nil
	}
}

// lookupTime returns readTime's result for the record at off (size
// bytes) when the memo holds it (hit; rc nil: never).
func (rc *recCursor) lookupTime(off, size int) (rt recordTime, ok, hit bool) {
	if rc == nil || rc.old == nil {
		return recordTime{}, false, false
	}
	ts := rc.old.times
	for rc.ti < len(ts) && int(ts[rc.ti].off) < off {
		rc.ti++
	}
	if rc.ti >= len(ts) || int(ts[rc.ti].off) != off || int(ts[rc.ti].size) != size {
		return recordTime{}, false, false
	}
	m := ts[rc.ti]
	rc.hits++
	if rc.keep {
		*rc.times = append(*rc.times, m)
	}
	if !m.ok {
		return recordTime{}, false, true
	}
	return recordTime{ft: m.ft, eventRecordID: m.id, hasID: m.hasID}, true, true
}

// noteTime notes readTime's result (rt, ok) for the record at off (size
// bytes), read anew (rc nil: nothing).
func (rc *recCursor) noteTime(off, size int, rt recordTime, ok bool) {
	if rc == nil || !rc.keep || ok && !rt.fromFT() || off > 0xffff || size > 0xffff {
		return
	}
	*rc.times = append(*rc.times, memoTime{off: uint16(off), size: uint16(size), ok: ok, hasID: rt.hasID, ft: rt.ft, id: rt.eventRecordID})
	rc.newT = true
}

// summarize is d().summarize(off, size), from the memo when it holds it
// (rc nil: never).
func (rc *recCursor) summarize(d func() *chunkDecoder, off, size int) (Summary, bool) {
	if rc == nil {
		return d().summarize(off, size)
	}
	if rc.old != nil {
		ss := rc.old.sums
		for rc.si < len(ss) && int(ss[rc.si].off) < off {
			rc.si++
		}
		if rc.si < len(ss) && int(ss[rc.si].off) == off && int(ss[rc.si].size) == size {
			m := ss[rc.si]
			rc.hits++
			if rc.keep {
				rc.appendSum(m)
			}
			return Summary{Provider: m.provider, EventID: m.eventID, Computer: m.computer}, m.ok
		}
	}
	s, ok := d().summarize(off, size)
	if rc.keep && off <= 0xffff && size <= 0xffff && s == (Summary{Provider: s.Provider, EventID: s.EventID, Computer: s.Computer}) {
		rc.appendSum(memoSum{off: uint16(off), size: uint16(size), ok: ok, eventID: s.EventID, provider: s.Provider, computer: s.Computer})
		rc.newS = true
	}
	return s, ok
}

func (rc *recCursor) appendSum(m memoSum) {
	if rc.sums == nil {
		rc.sums = sumBufs.Get().(*[]memoSum)
	}
	*rc.sums = append(*rc.sums, m)
}

// finish notes, after the scan, the chunk header h's checksum verdicts
// and the records' latest TimeCreated tmax (zero: none).
func (rc *recCursor) finish(h chunkHeader, tmax time.Time) {
	rc.ck = ckKnown
	if h.ChecksumOK {
		rc.ck |= ckHeader
	}
	if h.RecordsChecksumOK {
		rc.ck |= ckRecords
	}
	rc.tmax = tmax
}

// changed reports whether rc read something its snapshot lacks.
func (rc *recCursor) changed() bool {
	return rc.keep && (rc.newT || rc.newS || rc.old == nil || rc.old.ck == 0)
}

// build returns the chunkRecs of rc's snapshot and what it read (entries
// it did not look at kept), each slice of its exact size, strings
// interned.
func (rc *recCursor) build() *chunkRecs {
	r := &chunkRecs{ck: rc.ck, tmax: rc.tmax}
	var ot []memoTime
	var os []memoSum
	if rc.old != nil {
		ot, os = rc.old.times, rc.old.sums
		if rc.old.tmax.After(r.tmax) {
			r.tmax = rc.old.tmax
		}
	}
	// What the scan did not add to is old's, shared (never changed).
	if rc.newT {
		r.times = mergeByOff(ot, *rc.times, func(m memoTime) uint16 { return m.off })
	} else {
		r.times = ot
	}
	if !rc.newS {
		r.sums = os
		return r
	}
	r.sums = mergeByOff(os, *rc.sums, func(m memoSum) uint16 { return m.off })
	names := map[string]string{}
	intern := func(s string) string {
		if v, ok := names[s]; ok {
			return v
		}
		names[s] = s
		return s
	}
	for i := range r.sums {
		r.sums[i].provider, r.sums[i].computer = intern(r.sums[i].provider), intern(r.sums[i].computer)
	}
	return r
}

// mergeByOff merges a and b, each sorted by offset, keeping b's entry
// where both hold one offset, into a new slice of the exact size.
func mergeByOff[T any](a, b []T, off func(T) uint16) []T {
	if len(a) == 0 {
		return slices.Clone(b)
	}
	n, i, j := 0, 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && off(a[i]) < off(b[j]):
			i++
		case i == len(a) || off(b[j]) < off(a[i]):
			j++
		default:
			i++
			j++
		}
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]T, 0, n)
	i, j = 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && off(a[i]) < off(b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || off(b[j]) < off(a[i]):
			out = append(out, b[j])
			j++
		default:
			out = append(out, b[j])
			i++
			j++
		}
	}
	return out
}

// recHeap orders the chunks a memo holds records of by their tmax, the
// oldest first.
type recHeap struct {
	idx  []int
	tmax []time.Time
}

func (h *recHeap) Len() int           { return len(h.idx) }
func (h *recHeap) Less(a, b int) bool { return h.tmax[a].Before(h.tmax[b]) }
func (h *recHeap) Swap(a, b int) {
	h.idx[a], h.idx[b] = h.idx[b], h.idx[a]
	h.tmax[a], h.tmax[b] = h.tmax[b], h.tmax[a]
}
func (h *recHeap) Push(x any) {
	e := x.(recHeapEntry)
	h.idx = append(h.idx, e.i)
	h.tmax = append(h.tmax, e.tmax)
}

// recHeapEntry is what recHeap.Push is given: chunk i and its tmax.
type recHeapEntry struct {
	i    int
	tmax time.Time
}

func (h *recHeap) Pop() any {
	n := len(h.idx) - 1
	i := h.idx[n]
	h.idx, h.tmax = h.idx[:n], h.tmax[:n]
	return i
}

// noteHits adds n values served by the record memo to m's count.
func (m *windowMemo) noteHits(n int) {
	if m == nil || n == 0 {
		return
	}
	m.mu.Lock()
	m.recHits += n
	m.mu.Unlock()
}

// recording reports whether m is a memo whose record memo is on
// (Log.Prime).
func (m *windowMemo) recording() bool {
	if m == nil || recMemoOff {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.recOn
}

// recsOf returns what m holds of chunk i's records, or nil.
func (m *windowMemo) recsOf(i int) *chunkRecs {
	if m == nil || recMemoOff {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.recs[i]
}

// keepRecs keeps what the scan rc of chunk i read as what m holds of the
// chunk's records, within the process's bound: m gives up the chunks of
// its oldest records, older than rc's, until it fits; if it still does
// not, nothing is kept (and what m held of chunk i stays). The entries
// are copied out of rc's buffers only when kept.
func (m *windowMemo) keepRecs(i int, rc *recCursor) {
	if m == nil || rc == nil || recMemoOff || !rc.changed() {
		return
	}
	nt, ns := len(*rc.times), 0
	if rc.sums != nil {
		ns = len(*rc.sums)
	}
	if rc.old != nil {
		nt, ns = nt+len(rc.old.times), ns+len(rc.old.sums) // at most
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	recMemoMu.Lock()
	defer recMemoMu.Unlock()
	if m.recs == nil {
		m.recs = map[int]*chunkRecs{}
		// What m holds counts until m is collected (a Log dropped, or a
		// memo replaced because its file changed).
		m.recBytes = new(int64)
		runtime.AddCleanup(m, func(n *int64) {
			recMemoMu.Lock()
			recMemoBytes -= *n
			recMemoMu.Unlock()
		}, m.recBytes)
	}
	old := m.recs[i]
	var oldBytes int64
	if old != nil {
		oldBytes = old.bytes()
	}
	fits := func(need int64) bool { return recMemoBytes+need-oldBytes <= maxRecMemoBytes }
	for !fits(recBytes(nt, ns)) && m.recHeap.Len() > 0 {
		j := m.recHeap.idx[0]
		if j == i || !m.recHeap.tmax[0].Before(rc.tmax) {
			break
		}
		heap.Pop(&m.recHeap)
		if c := m.recs[j]; c != nil {
			recMemoBytes -= c.bytes()
			*m.recBytes -= c.bytes()
			delete(m.recs, j)
		}
	}
	if !fits(recBytes(nt, ns)) {
		return
	}
	r := rc.build()
	m.recMade++
	need := r.bytes() - oldBytes
	recMemoBytes += need
	*m.recBytes += need
	m.recs[i] = r
	if old == nil {
		heap.Push(&m.recHeap, recHeapEntry{i, r.tmax})
		return
	}
	for k, j := range m.recHeap.idx {
		if j == i {
			m.recHeap.tmax[k] = r.tmax
			heap.Fix(&m.recHeap, k)
			break
		}
	}
}

// primeFrom returns the record number from which the scan that primes the
// record memo keeps chunks (source.memoFrom), for a log whose intact file
// header gives next as the next record number: the memo keeps the chunks
// of the latest records (keepRecs), so a log read in file order from its
// oldest chunk made and dropped an entry for each of its chunks (12.9 of
// the 97 MiB analyze allocated on bench/run's volume). The memo holds
// about maxRecMemoBytes/memoTimeBytes records' times; a quarter more are
// kept for the slack of chunks and of logs whose records are out of order.
// The header is a hint: where it is wrong the memo holds other chunks, and
// answers are the same (TestRecordMemoEqualsRead).
func primeFrom(next uint64) uint64 {
	n := uint64(maxRecMemoBytes / memoTimeBytes)
	n += n / 4
	if next <= n {
		return 0
	}
	return next - n
}
