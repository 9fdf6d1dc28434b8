package evtx

import (
	"container/heap"
	"runtime"
	"sync"
	"time"
)

// This file lets the passes over a Log that follow its first read reuse,
// record by record, what an earlier pass computed from a chunk: the
// chunk's parsed header (its two checksums), each record's TimeCreated
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
// oldest to keep a newer one; past the bound a chunk is not kept.

// recMemoOff turns the record memo off (tests compare both ways).
var recMemoOff = false

// maxRecMemoBytes bounds the bytes the record memos of all Logs hold
// (recMemoBytes counts them): about 260,000 records' TimeCreated, or
// 70,000 summaries. A variable for tests.
var maxRecMemoBytes int64 = 8 << 20

var (
	recMemoMu    sync.Mutex
	recMemoBytes int64
)

// memoTime is readTime's result for the record at off (size bytes).
// Only results of a FILETIME TimeCreated, and failures, are kept.
type memoTime struct {
	off, size uint32
	ok        bool
	hasID     bool
	ft        uint64
	id        uint64 // EventRecordID, when hasID
}

// memoSum is summarize's result for the record at off (size bytes).
type memoSum struct {
	off, size uint32
	ok        bool
	s         Summary
}

// chunkRecs is what the memo holds of one chunk. It is never changed once
// made: a pass that adds to it makes a new one.
type chunkRecs struct {
	hdr   *chunkHeader // parseChunkHeader of the chunk, or nil
	times []memoTime   // by offset
	sums  []memoSum    // by offset
	tmax  time.Time    // the latest TimeCreated of the chunk's records (eviction order)
}

// Sizes used for the bound: a memoTime, and a memoSum less its strings
// (interned per chunk: a chunk names a few providers and computers).
const (
	memoTimeBytes = 32
	memoSumBytes  = 112
	chunkRecBytes = 256 // the struct, its header and its slices' headers
)

func (r *chunkRecs) bytes() int64 {
	return chunkRecBytes + int64(len(r.times))*memoTimeBytes + int64(len(r.sums))*memoSumBytes
}

// recCursor looks up, in offset order, the values a chunkRecs snapshot
// holds, and collects those computed anew when keep is set.
type recCursor struct {
	old        *chunkRecs // nil: none
	ti, si     int        // next entries of old to look at
	keep       bool
	times      []memoTime
	sums       []memoSum
	newT, newS bool // something was computed anew
	names      map[string]string
	hits       int // values served (tests check the memo is used)
}

func newRecCursor(old *chunkRecs, keep bool) *recCursor {
	if recMemoOff {
		return &recCursor{}
	}
	rc := &recCursor{old: old, keep: keep}
	if keep {
		// A chunk of a Windows log holds some 100-200 records.
		n := 160
		if old != nil {
			n = max(len(old.times), 16)
		}
		rc.times = make([]memoTime, 0, n)
	}
	return rc
}

// readTime is d().readTime(off, size), from the memo when it holds it
// (rc nil: never).
func (rc *recCursor) readTime(d func() *chunkDecoder, off, size int) (recordTime, bool) {
	if rc == nil {
		return d().readTime(off, size)
	}
	if rc.old != nil {
		ts := rc.old.times
		for rc.ti < len(ts) && int(ts[rc.ti].off) < off {
			rc.ti++
		}
		if rc.ti < len(ts) && int(ts[rc.ti].off) == off && int(ts[rc.ti].size) == size {
			m := ts[rc.ti]
			rc.hits++
			if rc.keep {
				rc.times = append(rc.times, m)
			}
			if !m.ok {
				return recordTime{}, false
			}
			return recordTime{ft: m.ft, fromFT: true, eventRecordID: m.id, hasID: m.hasID}, true
		}
	}
	rt, ok := d().readTime(off, size)
	if rc.keep && (!ok || rt.fromFT) {
		rc.times = append(rc.times, memoTime{off: uint32(off), size: uint32(size), ok: ok, hasID: rt.hasID, ft: rt.ft, id: rt.eventRecordID})
		rc.newT = true
	}
	return rt, ok
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
				rc.sums = append(rc.sums, m)
			}
			return m.s, m.ok
		}
	}
	s, ok := d().summarize(off, size)
	if rc.keep {
		if rc.names == nil {
			rc.names = map[string]string{}
		}
		k := s
		k.Provider, k.Computer = rc.intern(s.Provider), rc.intern(s.Computer)
		rc.sums = append(rc.sums, memoSum{off: uint32(off), size: uint32(size), ok: ok, s: k})
		rc.newS = true
	}
	return s, ok
}

func (rc *recCursor) intern(s string) string {
	if v, ok := rc.names[s]; ok {
		return v
	}
	rc.names[s] = s
	return s
}

// result returns the chunkRecs to keep after a scan of the chunk whose
// parsed header is hdr and records' latest TimeCreated tmax (zero: none),
// or nil when the scan added nothing to old. What old holds and the scan
// did not ask for (a pass that looked at fewer records) is kept.
func (rc *recCursor) result(hdr *chunkHeader, tmax time.Time) *chunkRecs {
	if !rc.keep || !rc.newT && !rc.newS && (rc.old == nil || rc.old.hdr != nil || hdr == nil) {
		return nil
	}
	r := &chunkRecs{hdr: hdr, tmax: tmax}
	var ot []memoTime
	var os []memoSum
	if rc.old != nil {
		ot, os = rc.old.times, rc.old.sums
		if r.hdr == nil {
			r.hdr = rc.old.hdr
		}
		if rc.old.tmax.After(r.tmax) {
			r.tmax = rc.old.tmax
		}
	}
	r.times = mergeByOff(ot, rc.times, func(m memoTime) uint32 { return m.off })
	r.sums = mergeByOff(os, rc.sums, func(m memoSum) uint32 { return m.off })
	return r
}

// mergeByOff merges a and b, each sorted by offset, keeping b's entry
// where both hold one offset.
func mergeByOff[T any](a, b []T, off func(T) uint32) []T {
	if len(a) == 0 {
		return b
	}
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
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
	e := x.([2]any)
	h.idx = append(h.idx, e[0].(int))
	h.tmax = append(h.tmax, e[1].(time.Time))
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

// recsOf returns what m holds of chunk i's records, or nil.
func (m *windowMemo) recsOf(i int) *chunkRecs {
	if m == nil || recMemoOff {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.recs[i]
}

// keepRecs keeps r as what m holds of chunk i's records, within the
// process's bound: m gives up the chunks of its oldest records, older
// than r's, until r fits; if it still does not, r is not kept (and what m
// held of chunk i stays).
func (m *windowMemo) keepRecs(i int, r *chunkRecs) {
	if m == nil || r == nil || recMemoOff {
		return
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
	need := r.bytes()
	if old != nil {
		need -= old.bytes()
	}
	for recMemoBytes+need > maxRecMemoBytes && m.recHeap.Len() > 0 {
		j := m.recHeap.idx[0]
		if j == i || !m.recHeap.tmax[0].Before(r.tmax) {
			break
		}
		heap.Pop(&m.recHeap)
		if c := m.recs[j]; c != nil {
			recMemoBytes -= c.bytes()
			*m.recBytes -= c.bytes()
			delete(m.recs, j)
		}
	}
	if recMemoBytes+need > maxRecMemoBytes {
		return
	}
	recMemoBytes += need
	*m.recBytes += need
	m.recs[i] = r
	if old == nil {
		heap.Push(&m.recHeap, [2]any{i, r.tmax})
	} else {
		for k, j := range m.recHeap.idx {
			if j == i {
				m.recHeap.tmax[k] = r.tmax
				heap.Fix(&m.recHeap, k)
				break
			}
		}
	}
}
