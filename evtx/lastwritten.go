package evtx

import (
	"cmp"
	"context"
	"encoding/binary"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LastWritten returns the log's last-written record, decoded: of the
// records Next yields when no window or filter is set, the one with the
// highest record number (record header id). Windows numbers the records of
// a log in the order it writes them, so this is the newest record whatever
// the machine's clock said when it was written (an exported log numbers
// its records in the order it saved them, the source log's order). It
// returns nil when the log holds no record that decodes. Its TimeCreated
// may be missing or not place it in time (Event.Time zero, or a time
// UsableTime refuses: a filtered export's last record of FILETIME 0);
// as "now", evtxrdp takes the last record written that gives one
// (rules.TimedWrittenEnds).
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
// wrapped around, the first-written record is the oldest one left. Of
// copies read as one (Merge), each copy's ends are compared by
// WrittenBefore. It costs one read of the record headers and does not
// move Next; the answer is exactly the plain one
// (TestLastWrittenEqualsFullRead).
func (rd *Reader) WrittenEnds() (first, last *Event) {
	if rd.view != nil {
		return rd.view.writtenEnds() // Log.ForComputer
	}
	if rd.merged != nil {
		// Each copy's ends, then across copies by WrittenBefore.
		for _, f := range rd.merged.files {
			fi, la := f.WrittenEnds()
			if fi != nil && (first == nil || WrittenBefore(fi, first)) {
				first = fi
			}
			if la != nil && (last == nil || WrittenBefore(last, la)) {
				last = la
			}
		}
		return first, last
	}
	if rd.src == nil {
		return nil, nil // the zero Reader
	}
	s := rd.src
	m := s.memo
	for m != nil {
		m.mu.Lock()
		e, busy := m.ends, m.endsBusy
		if e == nil && busy == nil {
			// This call looks; others wait for it (endsBusy).
			busy = make(chan struct{})
			m.endsBusy = busy
			m.walks++
			m.mu.Unlock()
			defer func() {
				m.mu.Lock()
				m.endsBusy = nil
				m.mu.Unlock()
				close(busy)
			}()
			break
		}
		m.mu.Unlock()
		if e != nil {
			return s.decodeCand(e[0], nil), s.decodeCand(e[1], nil)
		}
		// Another call is looking: its answer is this one's, unless its
		// read failed (then nothing is kept and this call looks itself).
		<-busy
	}
	var failed atomic.Bool
	fc, lc := s.writtenEnds(&failed)
	// The ends found while a read failed (an I/O error) are not kept: a
	// later reader of the same file, whose reads succeed, would be given
	// them (TestWrittenEndsMemoAfterReadError).
	if m != nil && !failed.Load() {
		m.mu.Lock()
		m.ends = &[2]*writtenCand{fc, lc}
		m.mu.Unlock()
	}
	return s.decodeCand(fc, nil), s.decodeCand(lc, nil)
}

// Prime reads the log as the first WrittenEnds of a File of it does (its
// record headers, and every chunk's TimeCreated span into its memo), so
// that the reads that follow find both in the memo; a WrittenEnds called
// meanwhile, from any goroutine, waits for it rather than reading the file
// a second time. It changes no answer: what the memo keeps does not
// depend on which read kept it (TestPrimeEqualsRead). It does nothing for
// a log that keeps no memo (an archive member, a merged log, a Log not
// made by Find), and nothing when the log cannot be opened: the reads
// that follow report why. workers is Options.Workers.
//
// Prime also turns on the log's record memo (recmemo.go): a caller that
// primes a log reads it again, and the passes from then on keep and reuse
// what they read of each record. A log read once (dump, query) keeps
// none: the memo would cost memory and time for nothing.
func (l *Log) Prime(workers int) { l.PrimeContext(context.Background(), workers) }

// PrimeContext is Prime, stopped once ctx is done (Options.Context): a
// prime stopped so keeps in the memo only the chunks read whole before,
// and the reads that follow read the rest. It returns an error wrapping
// ctx's when ctx was done before the prime ended, else nil (a log that
// cannot be opened is for the reads that follow to report).
func (l *Log) PrimeContext(ctx context.Context, workers int) error {
	if l.memo == nil || len(l.parts) > 0 || l.member != "" || l.err != nil {
		return ctxErr(ctx)
	}
	f, err := l.Open(Options{Workers: workers, Progress: func(Progress) {}, Context: ctx})
	if err != nil {
		if err := ctxErr(ctx); err != nil {
			return stoppedError(l.Path, err)
		}
		return nil
	}
	defer f.Close()
	if m := f.Reader.src.memo; m != nil {
		m.mu.Lock()
		m.recOn = true
		m.mu.Unlock()
	}
	f.WrittenEnds()
	if err := ctxErr(ctx); err != nil {
		return stoppedError(l.Path, err)
	}
	return nil
}

// WrittenBefore reports whether record a was written before record b, for
// records of two copies of one log (Merge): by their EventRecordID, the
// number the source log gave them, when both have one, else by record
// number. Record numbers of two copies are not comparable when one is an
// export (Event Viewer's "Save Filtered Log File As", wevtutil epl
// renumber the records from 1, keeping EventRecordID): beside a shadow copy
// whose records are numbered 4801..5050, a later export holding
// EventRecordID 5001..5100 numbers them 1..100, and by record number the
// shadow copy's EventRecordID 5050 was the last written and the export's
// 5001 the first. Within one copy the record number decides (WrittenEnds).
// It panics if a or b is nil.
func WrittenBefore(a, b *Event) bool {
	return numberedBefore(a.System.EventRecordID, a.RecordID, b.System.EventRecordID, b.RecordID)
}

// numberedBefore is WrittenBefore on the numbers: EventRecordIDs ea, eb
// (0 when not read) and record numbers ra, rb.
func numberedBefore(ea, ra, eb, rb uint64) bool {
	if ea != 0 && eb != 0 {
		return ea < eb
	}
	return ra < rb
}

// writtenCand is a record WrittenEnds considers: its record number, chunk
// slot, offset and extent in the chunk, and whether its size fields are
// zero (its extent then runs to the next record).
type writtenCand struct {
	id        uint64
	slot, off int
	size      int
	salvaged  bool
}

// before orders candidates by record number (descending when desc), then
// file order.
func (a *writtenCand) before(b *writtenCand, desc bool) bool {
	return a.compare(b, desc) < 0
}

// compare is before as a three-way comparison (for slices.SortFunc):
// negative when a comes before b, 0 for the same record.
func (a *writtenCand) compare(b *writtenCand, desc bool) int {
	if a.id != b.id {
		if (a.id > b.id) == desc {
			return -1
		}
		return 1
	}
	if a.slot != b.slot {
		return cmp.Compare(a.slot, b.slot)
	}
	return cmp.Compare(a.off, b.off)
}

// writtenEnds returns writtenEnd(false) and writtenEnd(true) with, in
// the usual case, one walk of the record headers for both: each worker
// keeps the k first candidates of its chunks in each order, and a second
// walk is needed only for an end none of whose k first candidates decodes.
//
// With a memo (a file a Log opened), the walk also scans each chunk it
// reads as a windowed read whose window excludes every TimeCreated would
// (primeWindow) and keeps the result in the memo, unless the memo has the
// chunk already: the chunk is in memory then, and the windowed reads that
// follow WrittenEnds (rules and fleet read from the last-written record's
// time back) are served from the memo for every chunk outside their
// window instead of reading the file again. What the memo keeps does not
// depend on the window of the read that kept it (windowMemo.keep), so
// this changes no answer; TestWindowMemoEqualsRead and
// TestWrittenEndsPrimesMemo compare it with fresh reads.
//
// The walk judges the chunks (oldChunks) from what it reads rather than
// by reading every chunk header first (judged), when it can: with a memo
// (the first walk of a Log, Prime's) and no judgement made yet, it walks
// and scans each counted chunk as current (as it is unless judged another
// log's, foreignChunks), noting its header (countedRange), and judges the
// chunks from those headers after the walk; findOld, given them, reads
// what it reads of the rest. A counted chunk the judgement calls another
// log's, once the walk scanned one so (that chunk, or another whose scan
// took the counted chunks as the log's: chunkJob.speculated), makes the
// walk start again, the judgement made, after the memo forgets the chunks
// the walk kept (forgetScans; while the walk speculates, the memo serves
// no chunk to other reads). So a whole log costs no read beyond the
// walk's, and the answer is the one a walk that judged first gives
// (TestSpeculativeJudgementEqualsRead, TestCutRecordWordingPrimed). A read
// that fails (an I/O error, see readFailed) sets failed.
func (s *source) writtenEnds(failed *atomic.Bool) (first, last *writtenCand) {
	const k = 64
	w := max(1, min(s.workers, s.nslots))
	// spec[i]: what the walk read of counted slot i's header, when it
	// walked the slot before the judgement was made.
	var spec []specSlot
	var judgedNow, specDone func()
	if s.memo != nil && s.old != nil && s.hdrOK && !speculateOff && s.old.res.Load() == nil && s.memo.oldJudged() == nil {
		spec = make([]specSlot, min(max(s.hdrN, 0), s.nslots))
		judgedNow, specDone = s.memo.speculate(s)
		defer specDone() // whatever happens: readers wait for it
	}
	los, his := make([][]writtenCand, w), make([][]writtenCand, w)
	// The workers take runs of writtenRun chunks in turn rather than a
	// fixed share each: a worker slowed by the caller's other work
	// (analyze loads its rules meanwhile) left the other idle at the end.
	// Each keeps the k first candidates of the chunks it read, and the
	// ends are the first of them all, whoever read which.
	var next atomic.Int64
	var wg sync.WaitGroup
	for p := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := topK{k: k}, topK{k: k, desc: true}
			cand := func(c writtenCand) {
				if !lo.skips(&c) {
					lo.add(c)
				}
				if !hi.skips(&c) {
					hi.add(c)
				}
			}

			var hbuf chunkHeader // the header of the chunk at hand
			// The scans' results, one at a time: what the memo keeps of
			// them it copies.
			var scratch chunkResult
			var cache *tmplCache
			if s.memo != nil {
				cache = getTmplCache()
				defer putTmplCache(cache)
			}
			for i, end := 0, 0; ; i++ {
				if i == end {
					i = int(next.Add(writtenRun) - writtenRun)
					if i >= s.nslots {
						break
					}
					end = min(i+writtenRun, s.nslots)
				}
				if ctxErr(s.ctx) != nil {
					// Stopped (Options.Context): what was found is as
					// after a failed read, kept by no memo.
					failed.Store(true)
					break
				}
				speculated := i < len(spec) && s.old.res.Load() == nil
				if !speculated && s.isOld(i) {
					continue // an old chunk: its records are not yielded by Next
				}
				off := s.base + int64(i)*chunkSize
				pooled, buf, got, err := readChunkInto(s.ra, off, int(min(int64(chunkSize), s.size-off)))
				if readFailed(err) {
					failed.Store(true)
				}
				// The chunk header is parsed (its checksums computed)
				// once, for the walk and the scan.
				c := buf[:max(got, 0)]
				hdr := headerInto(&hbuf, c)
				if speculated {
					r, ok := countedRange(i, c)
					spec[i] = specSlot{walked: true, ok: ok, c: r}
				}
				// A chunk the memo lacks is scanned, and the scan finds
				// the candidates; the others are walked for them.
				lacks := s.memo.lacks(i)
				fromScan := cand
				if scanCandsOff {
					fromScan = nil
				}
				if lacks {
					s.scanRead(i, off, buf, got, err, primeWindow, cache, hdr, fromScan, &scratch, speculated)
				}
				if !lacks || fromScan == nil {
					s.walkChunk(i, c, hdr, cand)
				}
				chunkBufs.Put(pooled)
			}
			los[p], his[p] = lo.first(), hi.first()
		}()
	}
	wg.Wait()
	if spec != nil {
		again := s.settleSpeculation(spec, failed.Load())
		judgedNow()
		if again {
			specDone()
			return s.writtenEnds(failed)
		}
	}
	end := func(cs []writtenCand, desc bool) *writtenCand {
		cs = firstCands(cs, k, desc)
		for i := range cs {
			if s.decodeCand(&cs[i], failed) != nil {
				c := cs[i]
				return &c
			}
		}
		if len(cs) < k {
			return nil // every candidate was tried
		}
		return s.writtenEnd(desc, &cs[len(cs)-1], 8*k, failed)
	}
	return end(slices.Concat(los...), false), end(slices.Concat(his...), true)
}

// specSlot is what writtenEnds read of a counted chunk slot's header
// before the judgement was made: walked, the slot was walked so; ok and c,
// its countedRange.
type specSlot struct {
	walked, ok bool
	c          countedChunk
}

// settleSpeculation makes the judgement after a walk that speculated
// (spec, see writtenEnds), from the headers it read when it walked every
// counted slot so and no read failed, else as judged does, and reports
// whether the walk must start again: it walked a slot as current and the
// judgement calls a counted slot old (that slot, walked as current, or
// one walked after the judgement was made meanwhile, which a speculated
// scan took as the log's: chunkJob.speculated). The memo then forgets
// the chunks the walk kept.
func (s *source) settleSpeculation(spec []specSlot, failed bool) (again bool) {
	whole := !failed
	counted := []countedChunk{} // not nil: findOld reads nothing of them
	for _, sp := range spec {
		whole = whole && sp.walked
		if sp.ok {
			counted = append(counted, sp.c)
		}
	}
	var r *oldJudged
	if whole {
		r = s.judgeFrom(counted)
	} else {
		r = s.judged()
	}
	walked := slices.ContainsFunc(spec, func(sp specSlot) bool { return sp.walked })
	for i := range spec {
		if walked && r.old[i] {
			s.memo.forgetScans()
			return true
		}
	}
	return false
}

// speculateOff makes writtenEnds judge the chunks before its walk (tests
// compare the two ways).
var speculateOff = false

// writtenRun is how many chunks (1 MiB) a writtenEnds worker takes at a
// time.
const writtenRun = 16

// scanCandsOff makes writtenEnds walk every chunk for its candidates
// (walkChunk) instead of taking them from the scan that primes the memo
// (tests compare the two ways).
var scanCandsOff = false

// primeWindow is a window that excludes every TimeCreated (FILETIME ends
// in the year 60056, SYSTEMTIME in 65535).
var primeWindow = window{active: true, since: time.Date(100000, 1, 1, 0, 0, 0, 0, time.UTC)}

// writtenEnd returns the first candidate, in the order of before, after
// after (nil: from the first) that decodes as Next yields it, or nil.
// Memory stays bounded: each walk of the record headers keeps the k first
// candidates after those already tried (k grows when none of them
// decodes, as in a hostile file). The walk is split over the reader's
// workers, each keeping the k first of its chunks. A read that fails sets
// failed.
func (s *source) writtenEnd(desc bool, after *writtenCand, k int, failed *atomic.Bool) *writtenCand {
	for ; ; k = min(k*8, 1<<16) {
		w := max(1, min(s.workers, s.nslots))
		parts := make([][]writtenCand, w)
		var wg sync.WaitGroup
		for p := range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				best := topK{k: k, desc: desc}
				s.walkCands(p*s.nslots/w, (p+1)*s.nslots/w, func(c writtenCand) {
					if after != nil && !after.before(&c, desc) {
						return // tried already
					}
					best.add(c)
				}, failed)
				parts[p] = best.first()
			}()
		}
		wg.Wait()
		best := firstCands(slices.Concat(parts...), k, desc)
		if len(best) == 0 {
			return nil
		}
		for i := range best {
			if s.decodeCand(&best[i], failed) != nil {
				c := best[i]
				return &c
			}
		}
		after = &best[len(best)-1]
	}
}

// topK keeps the k first candidates, in the order of before, of those
// added: a ring of at most k, sorted, whose logical entry 0 (at cs[head])
// is the first. A candidate after the last kept costs one comparison, and
// one before the first (record numbers rising through a log, for the
// descending end) takes the first place in constant time; others are
// inserted by binary search. first() is firstCands of every candidate
// added.
type topK struct {
	cs      []writtenCand
	head, n int
	k       int
	desc    bool
}

// at returns logical entry i (0 <= i < k). A comparison stands for the
// ring's modulo: a division per call was most of add's cost on a log
// read in file order, where every record is added.
func (t *topK) at(i int) *writtenCand {
	j := t.head + i
	if j >= t.k {
		j -= t.k
	}
	return &t.cs[j]
}

// skips reports whether add(c) would keep nothing new: t holds k
// candidates and c comes after the last of them by record number alone.
// It is small enough to inline, so that a walk through a log in file
// order (record numbers rising: after every one kept in ascending order)
// does not call add for most records.
func (t *topK) skips(c *writtenCand) bool {
	if t.n < t.k || t.n == 0 {
		return false
	}
	last := t.at(t.n - 1)
	return c.id != last.id && (c.id > last.id) != t.desc
}

func (t *topK) add(c writtenCand) {
	if t.k <= 0 {
		return
	}
	if t.cs == nil {
		t.cs = make([]writtenCand, t.k)
	}
	// before, by record number alone, for a candidate that comes before
	// the first kept (every record of a log read in file order, for the
	// descending end): it comes before the last too, which gives way when
	// t is full, and takes the first place, as below.
	if t.n > 0 {
		if f := &t.cs[t.head]; c.id != f.id && (c.id > f.id) == t.desc {
			if t.n == t.k {
				t.n--
			}
			if t.head--; t.head < 0 {
				t.head = t.k - 1
			}
			t.cs[t.head] = c
			t.n++
			return
		}
	}
	if t.n == t.k {
		if !c.before(t.at(t.n-1), t.desc) {
			return
		}
		t.n-- // the last gives way
	}
	if t.n == 0 || c.before(t.at(0), t.desc) {
		if t.head--; t.head < 0 {
			t.head = t.k - 1
		}
		t.cs[t.head] = c
		t.n++
		return
	}
	// The first logical entry after c (entry 0 is before it).
	lo, hi := 1, t.n
	for lo < hi {
		m := (lo + hi) / 2
		if t.at(m).before(&c, t.desc) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := t.n; i > lo; i-- {
		*t.at(i) = *t.at(i - 1)
	}
	*t.at(lo) = c
	t.n++
}

// first returns the kept candidates in order.
func (t *topK) first() []writtenCand {
	out := make([]writtenCand, t.n)
	for i := range out {
		out[i] = *t.at(i)
	}
	return out
}

// firstCands sorts cs by before and keeps the first k.
func firstCands(cs []writtenCand, k int, desc bool) []writtenCand {
	slices.SortFunc(cs, func(a, b writtenCand) int { return a.compare(&b, desc) })
	return cs[:min(len(cs), k)]
}

// walkCands calls fn with every record of chunk slots [from, to) that Next
// would consider yielding, in file order: the walk of scanChunk (intact records, and records whose
// size fields are zero but which run up to the next intact record), not
// the old records of chunk slack (Options.Recover's) or of old chunks. A
// read that fails sets failed.
func (s *source) walkCands(from, to int, fn func(writtenCand), failed *atomic.Bool) {
	for i := from; i < to; i++ {
		if s.isOld(i) {
			continue // an old chunk: its records are not yielded by Next
		}
		off := s.base + int64(i)*chunkSize
		pooled, buf, got, err := readChunkInto(s.ra, off, int(min(int64(chunkSize), s.size-off)))
		if readFailed(err) {
			failed.Store(true)
		}
		c := buf[:max(got, 0)]
		var h chunkHeader
		s.walkChunk(i, c, headerInto(&h, c), fn)
		chunkBufs.Put(pooled)
	}
}

// walkChunk calls fn with every record of chunk slot i, whose bytes are c
// and parsed header hdr (headerInto), that Next would consider yielding
// (see walkCands).
func (s *source) walkChunk(i int, c []byte, hdr *chunkHeader, fn func(writtenCand)) {
	s.walkChunkStale(i, c, hdr, fn, nil)
}

// walkChunkStale is walkChunk that also calls stale, when not nil, with
// every record of the chunk's slack (those scanChunk counts in
// Stats.Stale: intact record headers past the free space offset of a
// header believed, not continuing the chunk's record ids).
func (s *source) walkChunkStale(i int, c []byte, hdr *chunkHeader, fn, stale func(writtenCand)) {
	le := binary.LittleEndian
	var rule slackRule
	vouched := false
	if h := hdr; h != nil {
		rule = newSlackRule(*h, slackBelieved(*h, len(c)), len(c), s.dirty)
		vouched = headerVouches(h, len(c))
	}
	var dec *chunkDecoder
	decoder := func() *chunkDecoder {
		if dec == nil {
			dec = newChunkDecoder(c)
		}
		return dec
	}
	for off := chunkHeaderSize; off+recordHeaderSize <= len(c); {
		size, ok := recordAt(c, off)
		if !ok {
			next := nextRecord(c, off+recordAlign)
			if next > 0 && salvageSpan(c, off, next) {
				fn(writtenCand{id: le.Uint64(c[off+8:]), slot: i, off: off, size: next - off, salvaged: true})
			}
			if next < 0 {
				break
			}
			off = next
			continue
		}
		id := le.Uint64(c[off+8:])
		if hdr != nil && idSuspect(hdr, vouched, c, off, size, id) {
			if own, _, ok := damagedRecordID(hdr, c, off, size, id, decoder); ok {
				id = own // as scanChunk numbers it
			}
		}
		if !rule.slack(off, id) || rule.tornCurrent(decoder, off, size) {
			fn(writtenCand{id: id, slot: i, off: off, size: size})
		} else if stale != nil {
			stale(writtenCand{id: id, slot: i, off: off, size: size})
		}
		off += size
	}
}

// headerInto parses the header of chunk bytes c into h and returns h, or
// nil when c is too short to hold one.
func headerInto(h *chunkHeader, c []byte) *chunkHeader {
	if len(c) < chunkHeaderSize {
		return nil
	}
	*h = parseChunkHeader(c)
	return h
}

// tornCurrent reports whether the record at off, which r places in the
// slack, is current all the same: in a file not closed cleanly, a record
// torn by a shadow copy that mixed blocks of two uses of the chunk can
// carry an old record header before the body of a newer record (the VSS
// RemoteConnectionManager sample: header id 442663, EventRecordID 463139),
// and its own EventRecordID, above the chunk header's last record id,
// decides. scanChunk and walkCands both ask it; dec returns the chunk's
// decoder.
func (r *slackRule) tornCurrent(dec func() *chunkDecoder, off, size int) bool {
	if !r.dirty {
		return false
	}
	rt, ok := dec().readTime(off, size)
	return ok && rt.hasID && rt.eventRecordID > r.hdrLast
}

// decodeCand decodes candidate k as Next yields it, or returns nil. A
// read that fails sets failed (when not nil).
func (s *source) decodeCand(k *writtenCand, failed *atomic.Bool) *Event {
	if k == nil {
		return nil
	}
	off := s.base + int64(k.slot)*chunkSize
	pooled, buf, got, err := readChunkInto(s.ra, off, int(min(int64(chunkSize), s.size-off)))
	if failed != nil && readFailed(err) {
		failed.Store(true)
	}
	defer chunkBufs.Put(pooled)
	c := buf[:max(got, 0)]
	if k.off+k.size > len(c) {
		return nil
	}
	ev := decodeCandidate(c, k.off, k.size, k.id, k.salvaged)
	if ev != nil {
		ev.RecordID = k.id
		ev.Written = FiletimeToTime(binary.LittleEndian.Uint64(c[k.off+16:]))
		ev.Source = Position{File: s.name, Chunk: k.slot, Offset: off + int64(k.off)}
	}
	return ev
}

// decodeCandidate decodes the record at off as scanChunk would yield it,
// or returns nil where scanChunk yields nothing (a body that does not
// decode, a salvaged record that is not its own).
func decodeCandidate(c []byte, off, size int, id uint64, salvaged bool) *Event {
	d := newChunkDecoder(c)
	d.anySignature = salvaged // as scanChunk decodes it (salvageSpan)
	ev, err := decodeSafely(d, off, size)
	if err != nil || salvaged && ev.System.EventRecordID != id {
		return nil
	}
	return ev
}

// readFailed reports whether a read that returned err failed: an I/O
// error, not the end of the file (as scanRead decides what the memo keeps).
func readFailed(err error) bool { return err != nil && err != io.EOF }
