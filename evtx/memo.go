package evtx

import (
	"os"
	"slices"
	"sync"
	"time"
)

// This file lets a Log opened several times (rules and fleet each open a
// log for a few passes with different windows) skip the chunks an earlier
// pass found entirely outside a window, without reading them again.
//
// The memo never changes an answer. A chunk is remembered only when a
// pass read it whole with an active window and every current record of it
// had its TimeCreated read without decoding (chunkResult.allCheap). A
// later pass whose window excludes the span [tmin, tmax] of those times
// decodes, filters and yields none of them: its counts and problems
// depend on the chunk's bytes alone, and are those of the earlier pass
// with every current record skipped and without the problems of the
// records it decoded (windowMemo.keep). That pass gets them without
// reading the chunk. The
// memo belongs to one file: it is dropped when the file's identity, size,
// modification time or (where the system keeps one) status change time
// changes between opens; the change time tells a file rewritten in place
// whose modification time was set back, as cp -p, rsync -t and tar do
// (TestWindowMemoDropsRewrittenFile). TestWindowMemoEqualsRead checks
// reads after other windows against fresh reads.

// windowMemo is the memo of one Log (see the file comment).
type windowMemo struct {
	mu     sync.Mutex
	fi     os.FileInfo // the file it describes
	chunks map[int]*chunkMemo
	// unused has bit i set when chunk i is an unused slot (all zero,
	// nothing counted: chunkResult.unused), whose result is the same
	// whatever the window: a bit rather than a chunkMemo, so that a file
	// zero-filled to gigabytes does not fill the memo (4 GiB of zeros
	// raised the peak RSS of analyze from 105 to 154 MiB that way).
	unused []uint64
	served int // chunk reads answered (tests check the memo is used)
	walks  int // writtenEnds walks of the file (tests check Prime's is shared)
	// problems is how many problems the chunks held keep, at most
	// maxMemoProblems.
	problems int
	// ends are where WrittenEnds found the first- and last-written
	// records (nil: none), once it has looked.
	ends *[2]*writtenCand
	// endsBusy is closed when the WrittenEnds that is looking (nil: none)
	// is done: a second one waits for it instead of reading the file
	// again (Log.Prime runs the first while the caller does other work).
	endsBusy chan struct{}
	// firstChannel is what FirstChannel found (nil: not looked yet).
	firstChannel *string
	// recs is what the memo holds of chunks' records (recmemo.go), by
	// chunk index; recHeap orders them for giving up, and recBytes counts
	// their bytes (guarded by recMemoMu).
	recs     map[int]*chunkRecs
	recHeap  recHeap
	recBytes *int64
	recHits  int  // values the record memo served (tests check it is used)
	recMade  int  // chunkRecs made (tests check what the prime's scan keeps)
	recOn    bool // Log.Prime turned the record memo on
	// settled holds, for each (record number, header time) a read's
	// settlePartial asked about, whether a current record with them
	// decodes in full (settledFull); settleReads counts the reads of the
	// file it made (tests check the memo answers the rest).
	settled     map[[2]uint64]bool
	settleReads int
	// kept holds what callers asked the memo to keep (File.Remember),
	// by their keys; kept counts the answers it gave (tests check it).
	kept     map[any]any
	keptHits int
	// old is the judgement of the file's chunks (oldChunks), once a
	// reader made it from reads that did not fail.
	old *oldJudged
	// speculating counts the WrittenEnds walks that scan the counted
	// chunks as current before their judgement is made (writtenEnds):
	// while one does, skip serves no chunk, since what it keeps of a
	// chunk later judged another log's is not what a read gives.
	speculating int
	// judging, while a walk speculates (specOwner's), is closed when it
	// has made its judgement: a reader of another source that needs one
	// waits for it rather than reading every chunk header (judged).
	judging   chan struct{}
	specOwner *source
}

// awaitJudged waits, when a walk of another source than s speculates,
// until it has made its judgement, and returns the judgement m keeps (nil:
// none).
func (m *windowMemo) awaitJudged(s *source) *oldJudged {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	ch, owner := m.judging, m.specOwner
	m.mu.Unlock()
	if ch != nil && owner != s {
		<-ch
	}
	return m.oldJudged()
}

// oldJudged returns the judgement m keeps, or nil.
func (m *windowMemo) oldJudged() *oldJudged {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.old
}

// keepOld keeps r as the judgement of the file's chunks.
func (m *windowMemo) keepOld(r *oldJudged) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.old == nil {
		m.old = r
	}
}

// speculate notes that a walk of s starts scanning counted chunks before
// their judgement (see speculating); the function it returns notes that
// the judgement is made (judging), and the one that returns, that the
// walk is done speculating.
func (m *windowMemo) speculate(s *source) (judgedNow func(), done func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.speculating++
	ch := make(chan struct{})
	if m.judging == nil {
		m.judging, m.specOwner = ch, s
	}
	var once, doneOnce sync.Once
	judgedNow = func() {
		once.Do(func() {
			m.mu.Lock()
			if m.judging == ch {
				m.judging, m.specOwner = nil, nil
			}
			m.mu.Unlock()
			close(ch)
		})
	}
	return judgedNow, func() {
		doneOnce.Do(func() {
			judgedNow()
			m.mu.Lock()
			m.speculating--
			m.mu.Unlock()
		})
	}
}

// forgetScans drops the results of chunk reads m keeps (a walk's that
// scanned as current a chunk judged another log's, see speculating);
// what it holds of records (recs) depends on the chunks' bytes alone and
// stays.
func (m *windowMemo) forgetScans() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.chunks = make(map[int]*chunkMemo)
	m.unused = nil
	m.problems = 0
}

// chunkMemo is what reading a chunk gave: its counts and problems, and the
// span of its records' TimeCreated (none when timed is false).
type chunkMemo struct {
	errs       []*FormatError
	tmin, tmax time.Time
	timed      bool
	// res is the result skip gives for the chunk, its counts (st), slack
	// and the span of its records' numbers (span); without problems (none
	// names the file) it is shared by every skip: readers only read a
	// chunk result. A pass whose window excludes nearly every chunk
	// allocated one per chunk (some 600 bytes; 2.5 MiB a pass over
	// bench/run's System log); made at the first skip rather than with
	// the memo, they were still 4.9 MiB of the 105 MiB analyze of
	// bench/run's volume allocated.
	res chunkResult
}

// maxMemoChunks bounds the chunks one memo holds (about 1.1 KiB each, the
// result skip gives included): 65,536 chunks are a 4 GiB log.
const maxMemoChunks = 1 << 16

// maxMemoErrs bounds the problems a remembered chunk may have.
const maxMemoErrs = 8

// maxMemoProblems bounds the problems one memo holds (a few hundred bytes
// each, so at most about 1 MiB): a damaged chunk past it is read again
// rather than remembered. Without it a log of 65,535 chunks with 8
// problems each held 524,280 of them, on top of those each reading pass
// collects: analyze of such a 4 GiB log peaked at 459 MiB, 390 MiB with
// this bound (368 MiB before WrittenEnds filled the memo; the rest is the
// reader's own list of every problem). A variable for tests.
var maxMemoProblems = 4096

// memoCell holds a Log's memo; copies of the Log (Merge) share it.
// first is the file as the Log's first Open found it, last as the latest
// Open that found it otherwise did (nil: none did): Log.Changed.
type memoCell struct {
	mu          sync.Mutex
	m           *windowMemo
	first, last os.FileInfo
}

// sameFile reports whether a and b describe one file with the same
// contents, as far as its metadata tells: the same file (os.SameFile),
// size, modification time and change time (where the system has one:
// cp -p, rsync -t and tar set the modification time back).
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && changeTime(a).Equal(changeTime(b))
}

// FileChange is a log file that changed between two opens of one Log: the
// first Open found it as it was (Size bytes, modified at ModTime), a later
// one as it is (NewSize, NewModTime); NewSize < Size is a file truncated,
// one the same size rewritten in place. Path is the file's path.
type FileChange struct {
	Path                string
	Size, NewSize       int64
	ModTime, NewModTime time.Time
}

// Changed returns how the file of l changed while l was used: nil when
// every Open of l (or of a part of it, for a merged Log) found the file
// as the first did, by its size, modification time and change time (a
// file replaced by another counts too). The memo is dropped on such a
// change, so each read gives the file's contents at its Open, but what
// reads before the change gave (a reference time, a channel, a grouping)
// came from the former contents: a caller that combines several reads
// says so. nil for an archive member or a Log not made by Find, whose
// opens are not compared.
func (l *Log) Changed() *FileChange {
	for _, p := range l.parts {
		if c := p.Changed(); c != nil {
			return c
		}
	}
	c := l.memo
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil
	}
	return &FileChange{Path: l.file, Size: c.first.Size(), NewSize: c.last.Size(), ModTime: c.first.ModTime().UTC(), NewModTime: c.last.ModTime().UTC()}
}

// memoFor returns l's memo for the file fi, a new one when fi is not the
// file the memo describes, or nil when l keeps none.
func (l *Log) memoFor(fi os.FileInfo) *windowMemo {
	c := l.memo
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == nil {
		c.first = fi
	} else if !sameFile(c.first, fi) {
		c.last = fi
	}
	m := c.m
	if m == nil || !sameFile(m.fi, fi) {
		m = &windowMemo{fi: fi, chunks: map[int]*chunkMemo{}}
		c.m = m
	}
	return m
}

// skip returns the result of chunk i under window w when the memo shows
// that every record of it lies outside w, else nil.
func (m *windowMemo) skip(i int, w window, name string) *chunkResult {
	if m == nil || !w.active || w.slackOnly || w.passed {
		return nil
	}
	m.mu.Lock()
	if m.speculating > 0 {
		m.mu.Unlock()
		return nil
	}
	if i>>6 < len(m.unused) && m.unused[i>>6]&(1<<(i&63)) != 0 {
		m.served++
		m.mu.Unlock()
		return &chunkResult{index: i}
	}
	cm := m.chunks[i]
	if cm == nil || cm.timed && !(!w.since.IsZero() && cm.tmax.Before(w.since) || !w.until.IsZero() && cm.tmin.After(w.until)) {
		m.mu.Unlock()
		return nil
	}
	m.served++
	if len(cm.errs) == 0 {
		m.mu.Unlock()
		return &cm.res
	}
	m.mu.Unlock()
	res := new(chunkResult)
	*res = cm.res
	for _, e := range cm.errs {
		e2 := *e
		e2.File = name
		res.errs = append(res.errs, &e2)
	}
	return res
}

// answersAll reports whether skip would answer each of the first n chunk
// slots under window w: every record of the file lies outside w, as far as
// a read can tell without reading a chunk (Reader.Empty). It counts no
// chunk read as served.
func (m *windowMemo) answersAll(n int, w window) bool {
	if m == nil || !w.active || w.slackOnly || w.passed {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.speculating > 0 {
		return false
	}
	for i := range n {
		if i>>6 < len(m.unused) && m.unused[i>>6]&(1<<(i&63)) != 0 {
			continue
		}
		cm := m.chunks[i]
		if cm == nil || cm.timed && !(!w.since.IsZero() && cm.tmax.Before(w.since) || !w.until.IsZero() && cm.tmin.After(w.until)) {
			return false
		}
	}
	return true
}

// lacks reports whether m is a memo that does not hold chunk i.
func (m *windowMemo) lacks(i int) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.chunks[i]
	return !ok
}

// keep remembers, from res, the result of reading chunk i whole, what a
// read whose window excludes every record of it gives: the same counts
// but that every current record is skipped (none filtered, yielded,
// partial or undecodable; Recovered counts them all the same), and the problems less those of
// records decoded because they lay in res's window.
func (m *windowMemo) keep(i int, res *chunkResult) {
	if m == nil || !res.allCheap {
		return
	}
	if res.unused {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i>>6 >= len(m.unused) {
			m.unused = append(m.unused, 0)
		}
		m.unused[i>>6] |= 1 << (i & 63)
		return
	}
	st := res.st
	st.Skipped = res.cheap
	st.Filtered, st.Records, st.Partial, st.BadRecords = 0, 0, 0, 0
	// Every current record is passed over: each is one of the records
	// Next would consider yielding (span), all read cheaply.
	cm := &chunkMemo{tmin: res.tmin, tmax: res.tmax, timed: res.timed,
		res: chunkResult{index: i, st: st, slack: res.slack, span: res.span,
			passedLo: res.span.lo.id, passedHi: res.span.hi.id, passedAny: res.span.ok}}
	for _, e := range res.errs {
		if slices.Contains(res.werrs, e) {
			continue
		}
		e2 := *e
		cm.errs = append(cm.errs, &e2)
	}
	if len(cm.errs) > maxMemoErrs {
		return // a damaged chunk: read it again rather than hold its problems
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	problems := m.problems + len(cm.errs)
	old := m.chunks[i]
	if old != nil {
		problems -= len(old.errs)
	}
	if problems > maxMemoProblems || old == nil && len(m.chunks) >= maxMemoChunks {
		return
	}
	m.chunks[i], m.problems = cm, problems
}

// settleMemoOff turns settledFull's memo off (tests compare both ways).
var settleMemoOff = false

// maxSettled bounds the keys one memo's settled holds (17 bytes and a
// map slot each): past it a read's keys are not kept.
const maxSettled = 1 << 16

// settledFull returns, of the keys of want (record number, header time of
// records decoded in part), those of which a current record of the file
// decodes in full: what read (Reader.settlePartial's pass over the file)
// gives for want. The answer depends on the file's bytes alone, so a memo
// keeps it per key, for every key asked, and calls read only with the
// keys it lacks: each Reader of a log with records decoded in part (rules
// read bench/run's volume's RemoteConnectionManager log about a dozen
// times) read the whole file again. A read that failed (ok false) is not
// kept: a later read whose reads succeed may find more. m may be nil.
func (m *windowMemo) settledFull(want map[[2]uint64]int, read func(ask map[[2]uint64]int) (full map[[2]uint64]bool, ok bool)) map[[2]uint64]bool {
	if m == nil || settleMemoOff {
		full, _ := read(want)
		return full
	}
	full := map[[2]uint64]bool{}
	ask := map[[2]uint64]int{}
	m.mu.Lock()
	for k, n := range want {
		if f, ok := m.settled[k]; ok {
			if f {
				full[k] = true
			}
		} else {
			ask[k] = n
		}
	}
	m.mu.Unlock()
	if len(ask) == 0 {
		return full
	}
	got, ok := read(ask)
	for k := range got {
		full[k] = true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleReads++
	if !ok || len(m.settled)+len(ask) > maxSettled {
		return full
	}
	if m.settled == nil {
		m.settled = make(map[[2]uint64]bool, len(ask))
	}
	for k := range ask {
		m.settled[k] = got[k]
	}
	return full
}

// Remember returns the value the memo of f's log holds under key, else
// compute's v, which it then holds under key when keep is set. The memo
// describes the file as this File's Open found it and is dropped when the
// file changes (Log.Changed), so a value computed from reads of the log
// is given again only for the file it was computed from. A File that
// keeps no memo (of an archive member, of a merged Log, of a Log not made
// by Find, or opened by path) calls compute every time. Two calls that
// find nothing held both compute; the first value kept stays. compute
// must give the same value whichever call runs it (a pure function of
// the log's contents): Remember is for the answers of whole passes over a
// log that several callers ask for (rules.TimedWrittenEnds' export check,
// asked by fleet grouping and by the engine).
func (f *File) Remember(key any, compute func() (v any, keep bool)) any {
	var m *windowMemo
	if f.Reader != nil && f.merged == nil && f.src != nil {
		m = f.src.memo
	}
	if m == nil {
		v, _ := compute()
		return v
	}
	m.mu.Lock()
	if v, ok := m.kept[key]; ok {
		m.keptHits++
		m.mu.Unlock()
		return v
	}
	m.mu.Unlock()
	v, keep := compute()
	if !keep {
		return v
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kept == nil {
		m.kept = map[any]any{}
	}
	if _, ok := m.kept[key]; !ok {
		m.kept[key] = v
	}
	return v
}
