package evtx

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// File header flags.
const (
	FlagDirty = 0x1 // the log was not closed cleanly
	FlagFull  = 0x2 // the log is full
)

// FileHeader is the parsed EVTX file header (the first 128 bytes of the
// first 4096-byte block).
type FileHeader struct {
	FirstChunk   uint64 // number of the oldest chunk
	LastChunk    uint64 // number of the newest chunk
	NextRecordID uint64
	HeaderSize   uint32 // 128
	MinorVersion uint16 // 1 or 2
	MajorVersion uint16 // 3
	BlockSize    uint16 // 4096
	ChunkCount   uint16 // chunks the header accounts for (dirty logs undercount)
	Flags        uint32 // FlagDirty, FlagFull
	Checksum     uint32 // CRC32 of the first 120 bytes

	SignatureOK bool // the file starts with "ElfFile\0"
	ChecksumOK  bool // Checksum matches
}

// Dirty reports whether the dirty flag is set.
func (h FileHeader) Dirty() bool { return h.Flags&FlagDirty != 0 }

// Full reports whether the full flag is set.
func (h FileHeader) Full() bool { return h.Flags&FlagFull != 0 }

// Options control a Reader.
type Options struct {
	// Since and Until bound the event's TimeCreated (inclusive; zero
	// means unbounded): the Reader yields exactly the events a full read
	// yields whose TimeCreatedOf lies in the window, and those for which
	// TimeCreatedOf is false (no single, plain TimeCreated: their consumer
	// judges them). Records outside are counted in Stats.Skipped; those
	// whose TimeCreated is read without decoding (the shape Windows writes)
	// are not decoded, so damage inside their bodies is not found (damage
	// to record headers and checksums is reported whatever the window).
	// The record header time plays no part: exported logs borrow it from
	// other records or leave it 0.
	Since, Until time.Time
	// Filter, when set, is asked about each intact record in the window
	// before it is decoded, with what the record's System part says
	// (provider, event id, computer, TimeCreated, header time), read without building the
	// event; records it declines are not decoded and are counted in
	// Stats.Filtered (so, as for skipped records, damage inside their
	// bodies is not found; one whose BinXML values name a definition that
	// does not resolve is decoded all the same, and when it does not
	// decode it counts in Stats.BadRecords, not in Filtered: each record
	// counts once). A record whose summary cannot be read is decoded. Filter is called from the decoding goroutines, concurrently.
	// While it runs, Summary.Data reads an EventData field of the record
	// without decoding it.
	Filter func(Summary) bool
	// Workers is the number of chunks decoded in parallel; 0 (or less)
	// means min(runtime.GOMAXPROCS(0), MaxWorkers), and more than MaxWorkers
	// means MaxWorkers. With 1 the reader starts no goroutine.
	Workers int
	// Progress, when set, is called by Next each time it moves to the next
	// chunk, with StageReading and the bytes of the input read so far.
	Progress func(Progress)
	// Name is the file name used in FormatError.File and Event.Source.File.
	Name string
	// Recover also yields the old records found in chunk slack and in old
	// chunks past the file header's count (see Stats.Stale), after every
	// record of the log's current contents, each with Event.Recovered set
	// to RecoveredSlack or RecoveredUnallocated. A slack record that is a
	// copy of a current one (same record id and header time) is counted in
	// Stats.Duplicates instead, whether or not the window or Filter
	// yields that one. They must pass the same checks as any
	// record: one whose template was overwritten comes as a partial event
	// (Event.Partial) or not at all (Stats.SlackUnreadable), and each such
	// problem is reported. Since and Until apply to them as to current
	// records, by TimeCreated (one decoded in part, without a TimeCreated,
	// comes whatever the window), Filter by their summary.
	Recover bool
	// MaxErrors bounds the problems Errors keeps: the first MaxErrors in
	// the order Errors lists them (0 means DefaultMaxErrors; negative
	// keeps every one). Stats.Problems counts them all. A damaged log
	// yields a problem per gap or bad record: bench/run's System log with
	// every other record broken has 262,081, and analyze of it peaked at
	// 100 MiB keeping them all, 53 MiB with the default bound.
	MaxErrors int
	// Context, when set, stops the read once it is done (cancelled or
	// past its deadline): Next returns an error wrapping the context's
	// (errors.Is(err, context.Canceled) holds) before it takes the next
	// chunk, and so do the other passes over the file (LastWritten,
	// WrittenEnds, Log.Prime), within one chunk slot's work (64 KiB) of
	// each goroutine: their answers are then those of a read that failed,
	// which the caller that cancelled does not use, and which no memo of
	// the Log keeps. nil: never stopped. See cancel.go.
	Context context.Context

	// member is the archive member Log.Open reads (nil for a file, and
	// for bytes given to NewReaderOptions): the problems that give a
	// shell command copying a log out of the input give one that reads
	// the member (copyOutCommand).
	member *Log
}

// DefaultMaxErrors is the number of problems a Reader keeps unless
// Options.MaxErrors says otherwise.
const DefaultMaxErrors = 10000

// Reader yields the events of an EVTX log in file order: chunk by chunk,
// records by offset inside a chunk.
//
// A Reader with Workers > 1 decodes chunks in goroutines of its own, at
// most about 2×Workers chunks ahead of Next. They stop when Next returns
// io.EOF, when Close is called, or when the Reader becomes unreachable
// (garbage collected). Call Close when you stop before io.EOF to release
// them at once. A Reader is not safe for concurrent use.
//
// Make a Reader with NewReader or NewReaderOptions. The zero Reader holds
// no log: its Next returns ErrNoReader, Close returns nil, and the other
// methods report nothing (nil, zero counts, the zero time). Methods on a
// nil *Reader panic.
type Reader struct {
	src   *source
	hdr   FileHeader
	stats Stats
	errs  []*FormatError
	// maxErrs bounds errs (Options.MaxErrors; negative: no bound).
	maxErrs int
	// seen holds the records yielded, by their bytes, each with whether
	// it was decoded in full (a copy decoded in full is still yielded
	// after one decoded in part).
	seen map[recKey]bool
	// spans holds each chunk's candSpan as Next read it, and spansDone
	// tells that Next has read every chunk (LostRecords then takes them
	// rather than walking the record headers again); at io.EOF Next
	// judges the list itself (currentSpans) and clears both.
	spans     []candSpan
	spansDone bool
	// judged holds the spans Next refined and claimed at io.EOF for
	// claimProblems (judgedSet: it did), which LostRecords takes rather
	// than walk, refine and claim them again (Reader.lostSpans).
	judged    []candSpan
	judgedSet bool
	// inDups lists the copies not yielded (duplicates) that Recovered or
	// Partial still count, by the key of the record they copy; a merged
	// log takes them out where that record is a copy from another part.
	inDups []inDup
	// bad: chunkResult.bad of every chunk read.
	bad []badRecord
	// gaps: chunkResult.gaps of every chunk read.
	gaps []gapKey
	// stale: chunkResult.stale of every chunk read.
	stale []recKey
	// staleOld are those of stale in old chunks (Stats.StaleOldChunks).
	staleOld []recKey
	// foreign: chunkResult.foreign of every chunk read that has one.
	foreign []gapKey
	// mergePart tells that the Reader reads a part of a merged log, which
	// alone needs inDups and bad (kept only then: they grow with the log).
	mergePart bool
	// merged is set for a Reader over copies of a log (Merge).
	merged *merged
	// partials: chunkResult.partials of every chunk read, for
	// settlePartial; noSettle is set for settlePartial's own read; held
	// the (record id, header time) of the records decoded in part that
	// settlePartial found held in full (a merged log's tally leaves their
	// copies alone).
	partials [][2]uint64
	noSettle bool
	held     map[[2]uint64]bool
	// pc: the records the window passed over or the Filter declined,
	// whose later copies the plain read drops (passedCopy).
	pc passedCopies

	next int // next chunk slot (sequential mode)
	// Options.Recover: the chunks with slack records, the (record id,
	// header time) of every current record yielded, and the position of
	// the slack pass (-1 before it starts).
	recover    bool
	slackSlots []int
	live       map[[2]uint64]struct{}
	slackNext  int
	cur        *chunkResult
	pos        int       // next event of cur
	pipe       *pipeline // nil until the first Next in parallel mode
	eof        bool
	// trailing are problems found before reading that Errors lists after
	// the reader's own, at io.EOF: a log cut at a chunk boundary (named at
	// the file's end), the later logs of the file, a damaged archive
	// member.
	trailing []*FormatError
	progress func(Progress)
	closed   bool
	cleanup  runtime.Cleanup
	// view is set for a Reader of one computer's records (Log.ForComputer).
	view *view
	// ctx is Options.Context (nil: none).
	ctx context.Context
}

// Empty reports, before the first Next, whether Next is sure to yield no
// event and call no Options.Filter: the Log's memo (Log.Open) shows every
// chunk slot of the file unused or holding only records whose TimeCreated
// lies outside the window (the chunks Next would take from the memo
// without reading them, whose results hold no event), and no slack is
// read (Options.Recover off). It reads nothing; false when it cannot
// tell (no memo, a merged log, Next called) or when some chunk must be
// read. A caller that wants the events alone, and not Stats, Errors or
// LostRecords (which the whole read gives), need not call Next when it
// is true: three reads of analyze of bench/run's volume (the grouping's
// records of FILETIME 0 and the two clock-jump reads, windows no record
// of its 4,110-chunk System log lies in) each took some 7 M instructions
// to walk the memo's chunks (TestEmptyYieldsNothing).
func (rd *Reader) Empty() bool {
	if rd.merged != nil || rd.src == nil || rd.recover || rd.next > 0 || rd.pipe != nil || rd.cur != nil || rd.eof || rd.closed {
		return false
	}
	return rd.src.memo.answersAll(rd.src.nslots, rd.src.win)
}

// chunkOwn is s.chunk(i) for a chunk a Reader reads without goroutines,
// with a template cache of the pool (getTmplCache), given back when the
// chunk is scanned: nothing the scan returns refers to the cache (a
// pipeline's goroutine scans its next chunk with the same cache while
// Next holds the last one's result). A cache made for each Reader
// compiled again every definition of its chunks: 20 caches and about
// 800 compiles in analyze of bench/run's volume, whose small logs, slack
// chunks and plain reads go this way.
func chunkOwn(s *source, i int) *chunkResult {
	cache := getTmplCache()
	defer putTmplCache(cache)
	return s.chunk(i, cache)
}

// source is what chunk workers need; it does not reference the Reader, so
// an abandoned Reader can be collected and its pipeline stopped.
type source struct {
	ra   io.ReaderAt
	size int64
	base int64 // offset of chunk 0
	// nslots is the number of chunk slots a pass reads: those of the
	// input (fileSlots) less the trailing ones dataSlots leaves out.
	nslots int
	// fileSlots is the number of chunk slots of the input (of the first
	// log, where later logs follow it), the last one perhaps partial.
	fileSlots int
	hdrN      int
	// dirty: the file header's dirty flag is set, or the header cannot be
	// trusted, so chunk headers may lag behind the records written (see
	// slackRule).
	dirty bool
	// inUse: the file header is intact (hdrOK) and its dirty flag is
	// set: the log was in use when the file was copied or the machine
	// stopped (tailUnwritten).
	inUse bool
	// newest is what isNewest reads of the chunk headers, once asked
	// (shared by the copies of the source a pass makes).
	newest  *newestChunk
	hdrOK   bool       // the file header is intact: its chunk count can be believed
	old     *oldChunks // chunks past the count left by an earlier use of the file
	win     window
	name    string
	workers int
	memo    *windowMemo // of the Log opened, or nil (memo.go)
	// memoFrom is the record number below which the scan that primes the
	// record memo does not keep a chunk's records (0: it keeps all), a
	// hint from the file header (primeFrom).
	memoFrom uint64
	// nextID is the file header's next record identifier when the header
	// is intact (hdrOK), else 0: the records numbered below it were
	// written (LostRecords' newest run).
	nextID uint64
	// firstChunk is the file header's oldest chunk number when the header
	// is intact (hdrOK) and it names a counted slot, else 0: where the
	// counted chunks' ring of record numbers starts (foreignChunks).
	firstChunk int
	// ringCounted: the header is intact (hdrOK) and its oldest and newest
	// chunk numbers name, as a ring, exactly the slots it counts (0 to
	// hdrN-1: first 0 and last hdrN-1, or a wrapped ring whose last chunk
	// is the slot before its first). A header whose ring is other slots
	// lags behind a wrapped log (foreignChunks).
	ringCounted bool
	// ctx is Options.Context (nil: none): the passes that read the
	// chunks without Next stop at their next chunk once it is done.
	ctx context.Context
}

// NewReader returns a Reader of the EVTX log in r, which holds size bytes.
// See NewReaderOptions.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	return NewReaderOptions(r, size, Options{})
}

// NewReaderOptions returns a Reader of the EVTX log in r with options o.
// It reads the file header and checks that the input is EVTX-like: the
// error wraps ErrNotEVTX when neither the file header signature nor any
// chunk signature is present. Problems in the file header that do not
// stop reading (checksum, version, counts) are returned by Errors, not
// here.
//
// A nil r is refused with an error wrapping ErrNilReaderAt that names
// o.Name.
func NewReaderOptions(r io.ReaderAt, size int64, o Options) (*Reader, error) {
	if r == nil {
		if o.Name == "" {
			return nil, ErrNilReaderAt
		}
		return nil, fmt.Errorf("%s: %w", o.Name, ErrNilReaderAt)
	}
	if size < 0 {
		size = 0
	}
	w := o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = min(w, MaxWorkers)
	win := newWindow(o.Since, o.Until)
	win.filter = o.Filter
	win.passed = o.Recover && (win.active || o.Filter != nil)
	r = withContext(r, o.Context)
	src := &source{ra: r, size: size, base: fileHeaderBlock, win: win, name: o.Name, workers: w, newest: &newestChunk{}, ctx: o.Context}
	rd := &Reader{src: src, progress: o.Progress, recover: o.Recover, slackNext: -1, maxErrs: o.MaxErrors, ctx: o.Context}
	if rd.maxErrs == 0 {
		rd.maxErrs = DefaultMaxErrors
	}
	rd.stats.Size = size
	// The file header's problems are kept once sorted by offset, so that
	// a bound keeps the first of them, not the first found.
	var hdrErrs []*FormatError
	fail := func(off int64, err error) {
		hdrErrs = append(hdrErrs, &FormatError{File: o.Name, Offset: off, Chunk: -1, Err: err})
	}

	var hb [fileHeaderSize]byte
	n, err := r.ReadAt(hb[:min(int64(len(hb)), size)], 0)
	if err != nil && err != io.EOF {
		return nil, &FormatError{File: o.Name, Chunk: -1, Err: fmt.Errorf("evtx: read file header: %w", err)}
	}
	h := hb[:n]
	switch {
	case len(h) >= 8 && bytes.Equal(h[:8], fileMagic):
		rd.hdr.SignatureOK = true
		if len(h) < fileHeaderSize {
			fail(int64(len(h)), fmt.Errorf("%w: truncated file header: %d of %d bytes", ErrCorrupt, len(h), fileHeaderSize))
		} else {
			rd.parseHeader(h, fail)
		}
	case len(h) >= 8 && bytes.Equal(h[:8], chunkMagic):
		// A bare chunk (or chunks) without file header.
		src.base = 0
		fail(0, fmt.Errorf("%w: no file header, input starts with a chunk", ErrCorrupt))
	default:
		src.nslots = slots(size, src.base)
		if !src.anyChunk() {
			return nil, &FormatError{File: o.Name, Chunk: -1, Err: notEVTX(r, size, h, o)}
		}
		fail(0, fmt.Errorf("%w: file header signature missing", ErrCorrupt))
	}
	src.nslots = slots(size, src.base)
	src.hdrN = int(rd.hdr.ChunkCount)
	src.hdrOK = rd.hdr.SignatureOK && rd.hdr.ChecksumOK
	src.old = &oldChunks{}
	// Looked for whatever the first log's start: a log whose file header
	// signature is lost, or bare chunks (base 0), followed by another log
	// holds that log's header at a chunk slot just as an intact log does.
	nextLogAt := int64(-1) // where a second log starts, if one does
	first := span{ra: r, size: size, start: 0, base: src.base, hdrOK: src.hdrOK, hdrN: src.hdrN}
	if later := first.laterLogs(); len(later) > 0 {
		// The log ends where another begins: its chunks are not at
		// this log's chunk offsets (they follow a file header block of
		// their own), so read as this log's they were damaged chunks
		// whose records straddle the slots, decoded in part, and runs
		// of records numbered as the other log's were called lost.
		// Each later log is named by a problem of its own, with the
		// command that copies out its bytes and no others. Said after
		// the log's own problems, at the end of the read
		// (Reader.trailing): errors are kept in file order.
		rd.stats.UnreadBytes += size - later[0].at
		prev := first
		for i, ap := range later {
			end := size
			if i+1 < len(later) {
				end = later[i+1].at
			}
			rd.trailing = append(rd.trailing, &FormatError{File: o.Name, Offset: ap.at, Chunk: -1,
				Err: laterLogProblem(o, prev, ap, i+2, end, size, i+1 == maxLaterLogs)})
			prev = spanAt(r, size, ap.at)
		}
		at := later[0].at
		nextLogAt = at
		size = at
		rd.stats.Size, src.size, src.nslots = at, at, slots(at, src.base)
	}
	if rd.hdr.SignatureOK && src.base == fileHeaderBlock && src.hdrN > src.nslots && (size <= src.base || (size-src.base)%chunkSize == 0) {
		// Chunks the header counts lie past the end of the file: the log
		// was cut (a partial copy, a full disk). A cut at a chunk boundary,
		// or inside the file header's block, leaves no truncated chunk to
		// report, so it is said here; a cut inside a chunk is reported by
		// that chunk, at its offset (errors stay in file order).
		ends := "the file ends"
		if nextLogAt >= 0 {
			// The count runs past where the next log starts.
			ends = "this log ends where another starts,"
		}
		// It names the end of the file, after every chunk: said at the
		// end of the read, before the later logs that start there
		// (Reader.trailing), so that errors stay in file order (a
		// damaged chunk's problem came after it: FuzzReader
		// 731799c09d3c7585).
		rd.trailing = slices.Insert(rd.trailing, 0, &FormatError{File: o.Name, Offset: size, Chunk: -1,
			Err: fmt.Errorf("%w: truncated file: the file header counts %s (%d bytes), %s after %s",
				ErrCorrupt, plural.N(src.hdrN, "chunk"), int64(fileHeaderBlock)+int64(src.hdrN)*chunkSize, ends, plural.N(size, "byte"))})
	}
	src.fileSlots = src.nslots
	src.nslots = src.dataSlots()
	slices.SortStableFunc(hdrErrs, func(a, b *FormatError) int { return cmp.Compare(a.Offset, b.Offset) })
	rd.keepErrs(hdrErrs...)
	rd.stats.HeaderChunks = src.hdrN
	rd.stats.Dirty = rd.hdr.Dirty()
	src.dirty = rd.hdr.Dirty() || !rd.hdr.ChecksumOK
	src.inUse = src.hdrOK && rd.hdr.Dirty()
	if src.hdrOK {
		src.memoFrom = primeFrom(rd.hdr.NextRecordID)
		src.nextID = rd.hdr.NextRecordID
		if n := uint64(max(src.hdrN, 0)); rd.hdr.FirstChunk < n {
			src.firstChunk = int(rd.hdr.FirstChunk)
			src.ringCounted = rd.hdr.LastChunk == (rd.hdr.FirstChunk+n-1)%n
		}
	}
	rd.stats.Full = rd.hdr.Full()
	return rd, nil
}

func slots(size, base int64) int {
	if size <= base {
		return 0
	}
	return int((size - base + chunkSize - 1) / chunkSize)
}

func (rd *Reader) parseHeader(h []byte, fail func(int64, error)) {
	le := binary.LittleEndian
	hd := &rd.hdr
	hd.FirstChunk = le.Uint64(h[8:])
	hd.LastChunk = le.Uint64(h[16:])
	hd.NextRecordID = le.Uint64(h[24:])
	hd.HeaderSize = le.Uint32(h[32:])
	hd.MinorVersion = le.Uint16(h[36:])
	hd.MajorVersion = le.Uint16(h[38:])
	hd.BlockSize = le.Uint16(h[40:])
	hd.ChunkCount = le.Uint16(h[42:])
	hd.Flags = le.Uint32(h[120:])
	hd.Checksum = le.Uint32(h[124:])
	sum := crc32.ChecksumIEEE(h[:120])
	hd.ChecksumOK = sum == hd.Checksum
	if !hd.ChecksumOK {
		fail(124, fmt.Errorf("%w: file header CRC32 %#08x, stored %#08x", ErrChecksum, sum, hd.Checksum))
	}
	if hd.MajorVersion != 3 || (hd.MinorVersion != 1 && hd.MinorVersion != 2) {
		fail(36, fmt.Errorf("%w: version %d.%d", ErrUnsupportedVersion, hd.MajorVersion, hd.MinorVersion))
	}
	if hd.HeaderSize != fileHeaderSize {
		fail(32, fmt.Errorf("%w: header size %d, want %d", ErrCorrupt, hd.HeaderSize, fileHeaderSize))
	}
	if hd.BlockSize != fileHeaderBlock {
		fail(40, fmt.Errorf("%w: header block size %d, want %d", ErrCorrupt, hd.BlockSize, fileHeaderBlock))
	}
}

// intactChunkHeader reports whether b starts with a chunk header whose
// signature and CRC32 are right.
func intactChunkHeader(b []byte) bool {
	return len(b) >= chunkHeaderSize && bytes.Equal(b[:8], chunkMagic) && chunkHeaderCRC(b) == binary.LittleEndian.Uint32(b[124:])
}

// dataFinder is an input that can say where its data lies: nextData
// returns the first offset at or after off that is not in a hole (a
// sparse file's unwritten range, which reads as zeros), or an offset
// past the end when none is, and ok false when it cannot tell.
type dataFinder interface {
	nextData(off int64) (int64, bool)
}

// anyChunk reports whether some chunk slot starts with the chunk signature.
func (s *source) anyChunk() bool { return s.chunkFrom(0) >= 0 }

// chunkFrom returns the first chunk slot from slot i on that starts with
// the chunk signature, or -1 when none does.
func (s *source) chunkFrom(i int) int {
	var b [8]byte
	holes, _ := s.ra.(dataFinder)
	for ; i < s.nslots; i++ {
		off := s.base + int64(i)*chunkSize
		// A slot starting in a hole (zeros) holds no signature: the
		// look goes on at the first slot at or after the hole's end.
		if holes != nil {
			if d, ok := holes.nextData(off); ok && d > off {
				if d >= s.base+int64(s.nslots)*chunkSize {
					return -1
				}
				i = int((d-s.base+chunkSize-1)/chunkSize) - 1
				continue
			}
		}
		if n, _ := s.ra.ReadAt(b[:], off); n == len(b) && bytes.Equal(b[:], chunkMagic) {
			return i
		}
	}
	return -1
}

// dataSlots returns the number of chunk slots a pass over the log needs
// to read: all of them (nslots) but the trailing ones that lie wholly in a
// hole of the input (a sparse file's unwritten range, which reads as
// zeros: dataFinder) and that the file header does not count. Such a slot
// reads as an all-zero chunk, which gives nothing (no record, count or
// problem: scanChunkAs, the early return for all-zero bytes, partial
// slot or not), so leaving it out changes no answer (TestSparseLogSameAsPlain,
// TestSparseHoleTailSlots); a 1 MiB log followed by a 20 GiB hole had each
// of its passes walk 327,680 such slots (55 s of CPU and 205 MiB for
// analyze). It asks the input where its data lies, at most about
// log2(nslots) times (binary search: no data from a slot on means none from
// any later slot on); an input that cannot tell is read whole.
func (s *source) dataSlots() int {
	holes, ok := s.ra.(dataFinder)
	if !ok {
		return s.nslots
	}
	// The slots the file header counts are read whatever they hold: an
	// all-zero one is a problem (its records are lost).
	lo, hi := min(s.nslots, max(s.hdrN, 0)), s.nslots
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		d, ok := holes.nextData(s.base + int64(m)*chunkSize)
		if !ok {
			return s.nslots
		}
		if d >= s.size {
			hi = m // no data from slot m to the end
		} else {
			lo = m + 1
		}
	}
	return lo
}

// tailUnwritten says whether the zeros that end chunk slot i and cut a
// record (zeroTail) are a page the log's writer had not yet written to
// disk (unwrittenTailProblem), and what after the chunk shows it: the
// file header, intact, has its dirty flag set (the log was in use), and
// what follows the chunk is this log's, not another log's whose zeroed
// file header the zeros could be (zeroTailProblem): no chunk slot after it
// holds a chunk (the unused slots of a log's file), or the next slot holds
// a chunk, its header intact, whose first record number follows the last
// that h, the chunk's own intact header, counts (the log's next chunk). A
// chunk after it numbered otherwise, or a header not intact, leaves the
// zeros to zeroTailProblem; so does a next chunk that is old (oldChunks),
// another log's chunk numbered on from this one among them
// (foreignChunks): it is not the log's next chunk. It is asked only when
// zeroTail holds, of a chunk read as the log's (not old: callUnwritten),
// and reads the slots after i (8 bytes each, holes passed over) and the
// next slot's header.
func (s *source) tailUnwritten(i int, h *chunkHeader) (string, bool) {
	if !s.inUse {
		return "", false
	}
	next := s.chunkFrom(i + 1)
	if next < 0 {
		return "no chunk slot after it holds a chunk", true
	}
	if next != i+1 || !h.SignatureOK || !h.ChecksumOK || s.isOld(next) {
		return "", false
	}
	var b [chunkHeaderSize]byte
	if n, _ := s.ra.ReadAt(b[:], s.base+int64(next)*chunkSize); n < len(b) || !intactChunkHeader(b[:]) {
		return "", false
	}
	if nh := parseChunkFields(b[:]); h.LastRecordNumber+1 != nh.FirstRecordNumber || nh.FirstRecordNumber == 0 {
		return "", false
	}
	return fmt.Sprintf("the next chunk slot holds the log's next chunk (its first record number %d follows this chunk's last, %d)", h.LastRecordNumber+1, h.LastRecordNumber), true
}

// cutWhileWritten says whether the record that ends the records of chunk
// slot i, cut short (its trailing size copy differs from its header's
// size, and no record follows it in the chunk), is one the event log
// service was writing when the log stopped, and what shows it: the file
// header, intact, has its dirty flag set (the log was in use), and the
// chunk is the log's newest, the slot whose intact chunk header counts
// the highest record number (isNewest). Windows writes records one
// after the other at the end of its newest chunk, so that is where a
// crash or a copy of a log in use cuts one (libevtx, "Corruption
// scenario: event record mismatch between size and copy of size":
// a file "copied while event record ... was being written",
// https://github.com/libyal/libevtx/blob/main/documentation/Windows%20XML%20Event%20Log%20(EVTX).asciidoc).
// Elsewhere nothing tells such a cut from damage (nor where the chunk
// header counts records after it: brokenWhy says so instead). The caller
// asks only of a chunk it reads as the log's (not old, see oldChunks);
// speculated: as chunkJob.speculated.
func (s *source) cutWhileWritten(i int, speculated bool) (string, bool) {
	if s == nil || !s.inUse || !s.isNewest(i, speculated) {
		return "", false
	}
	return "the file header's dirty flag is set (the log was in use) and this is the last record of the log's newest chunk", true
}

// isNewest reports whether chunk slot i, read as one of the log's, is
// the log's newest: its intact chunk header counts a higher last record
// number than every other slot of the log's. A slot that is old (see
// oldChunks: another log's chunk pasted in, an earlier use's chunk past
// the count) takes no part: another log's chunk numbered past the log's
// newest is not the log's newest chunk (TestCutRecordWordingForeignChunk).
// Two slots of the log's counting the same number leave none proven the
// newest. It reads each slot's header once (the first time it is asked:
// only for a record cut short, cutWhileWritten). speculated (a scan of
// writtenEnds' speculation, chunkJob.speculated) takes the counted slots
// as the log's while their judgement is not made, as that walk does: it
// reads the file again if the judgement calls one old, so the answer
// stands only when it is the judgement's.
func (s *source) isNewest(i int, speculated bool) bool {
	nc := s.newest
	if nc == nil {
		return false
	}
	nc.once.Do(func() {
		var b [chunkHeaderSize]byte
		for k := 0; k < s.nslots; k++ {
			if n, _ := s.ra.ReadAt(b[:], s.base+int64(k)*chunkSize); n < len(b) || !intactChunkHeader(b[:]) {
				continue
			}
			nc.lasts = append(nc.lasts, slotLast{k, parseChunkFields(b[:]).LastRecordNumber})
		}
	})
	at, ok := slices.BinarySearchFunc(nc.lasts, i, func(l slotLast, i int) int { return cmp.Compare(l.slot, i) })
	if !ok {
		return false
	}
	for _, l := range nc.lasts {
		if l.slot == i || l.last < nc.lasts[at].last {
			continue
		}
		if speculated && l.slot < s.hdrN && s.old != nil && s.old.res.Load() == nil || !s.isOld(l.slot) {
			return false
		}
	}
	return true
}

// newestChunk is what isNewest reads once: the last record number of
// each slot whose chunk header is intact, in slot order.
type newestChunk struct {
	once  sync.Once
	lasts []slotLast
}

// slotLast is the last record number the chunk header of slot slot counts.
type slotLast struct {
	slot int
	last uint64
}

// chunk reads and scans chunk slot i into a buffer of its own, with the
// templates of cache (nil: none).
func (s *source) chunk(i int, cache *tmplCache) *chunkResult {
	if res := s.memo.skip(i, s.win, s.name); res != nil {
		return res
	}
	off := s.base + int64(i)*chunkSize
	n := min(int64(chunkSize), s.size-off)
	pooled, buf, got, err := readChunkInto(s.ra, off, int(n))
	res := s.scanRead(i, off, buf, got, err, s.win, cache, nil, nil, nil, false)
	// Nothing refers to the bytes any more: decoding copies every name,
	// string and binary value out of the chunk.
	chunkBufs.Put(pooled)
	return res
}

// scanRead scans chunk slot i, whose read at off into buf got bytes and
// err, with window w, and keeps the result in the memo unless the read
// failed. hdr, if not nil, is the header headerInto parses from buf[:got];
// cands, if not nil, is given the records walkChunk would give it
// (chunkJob.cands); into, if not nil, is where the result is made
// (chunkJob.into). current scans the chunk as one of the log's current
// chunks without asking the judgement (writtenEnds' speculation).
func (s *source) scanRead(i int, off int64, buf []byte, got int, err error, w window, cache *tmplCache, hdr *chunkHeader, cands func(writtenCand), into *chunkResult, current bool) *chunkResult {
	if err == io.EOF && got == len(buf) {
		err = nil
	}
	// The record memo serves a chunk read whole; a short read's bytes
	// are not those it was made from.
	var rc *recCursor
	if err == nil && got == len(buf) && s.memo.recording() {
		recs := s.memo.recsOf(i)
		// The scan that primes the memo (it alone gives hdr) keeps
		// only the chunks that may stay in it.
		keep := hdr == nil || s.memoFrom == 0 || hdr.LastRecordNumber >= s.memoFrom
		if hdr == nil && recs != nil && recs.ck&ckKnown != 0 && got >= chunkHeaderSize {
			h := parseChunkFields(buf[:got])
			h.ChecksumOK, h.RecordsChecksumOK = recs.ck&ckHeader != 0, recs.ck&ckRecords != 0
			hdr = &h
		}
		rc = newRecCursor(recs, keep)
	}
	var old bool
	var foreign string
	if !current {
		old, foreign = s.isOld(i), s.foreignWhy(i)
	}
	res := scanChunk(buf[:got], chunkJob{index: i, off: off, hdrChunks: s.hdrN, hdrOK: s.hdrOK, dirty: s.dirty, old: old, foreign: foreign, speculated: current, more: i+1 < s.fileSlots, src: s, cache: cache, hdr: hdr, recs: rc, cands: cands, into: into}, w, s.name)
	if err != nil && err != io.EOF {
		// An I/O error: read what could be read, report the rest.
		res.errs = append(res.errs, &FormatError{File: s.name, Offset: off + int64(got), Chunk: i, Err: fmt.Errorf("evtx: read chunk: %w", err)})
		slices.SortStableFunc(res.errs, func(a, b *FormatError) int { return cmp.Compare(a.Offset, b.Offset) })
	} else {
		s.memo.keep(i, res)
		s.memo.keepRecs(i, res.recs)
	}
	if rc != nil {
		s.memo.noteHits(rc.hits)
		rc.release()
	}
	return res
}

// Header returns the parsed file header.
func (rd *Reader) Header() FileHeader { return rd.hdr }

// Stats returns the counts so far; they are complete after Next has
// returned io.EOF.
func (rd *Reader) Stats() Stats {
	if rd.merged != nil {
		return rd.merged.stats()
	}
	s := rd.stats
	s.times()
	return s
}

// keepErrs counts errs in Stats.Problems and keeps those that fit under
// the bound of Options.MaxErrors.
func (rd *Reader) keepErrs(errs ...*FormatError) {
	rd.stats.Problems += len(errs)
	if rd.maxErrs >= 0 {
		errs = errs[:min(len(errs), max(0, rd.maxErrs-len(rd.errs)))]
	}
	rd.errs = append(rd.errs, errs...)
}

// Errors returns the problems found so far, in file order (the file
// header's first), up to the bound of Options.MaxErrors: the first ones;
// Stats.Problems counts every one. The list is complete after Next has
// returned io.EOF. The caller may keep the slice and append to it
// (its capacity is its length, so an append never writes into the
// Reader's list); the *FormatError values are shared with the Reader
// and later calls, so change a copy, not them.
func (rd *Reader) Errors() []*FormatError {
	if rd.merged != nil {
		return rd.merged.errors()
	}
	return slices.Clip(rd.errs)
}

// Next returns the next event, or io.EOF after the last one. Damage in the
// file does not stop it: it is reported by Errors and counted in Stats.
// Next returns another error only if Close was called (ErrClosed) or
// Options.Context is done: then, before it takes the next chunk, an error
// wrapping the context's (errors.Is(err, context.Canceled)), from then on;
// the Reader's goroutines have stopped when it returns it, and Stats and
// Errors hold what was read before.
func (rd *Reader) Next() (*Event, error) {
	if rd.closed {
		return nil, ErrClosed
	}
	if rd.merged != nil {
		return rd.merged.next()
	}
	if rd.src == nil {
		return nil, ErrNoReader // the zero Reader
	}
	for {
		if rd.cur != nil && rd.pos < len(rd.cur.events) {
			i := rd.pos
			rd.pos++
			k := rd.cur.keys[i]
			ev := rd.cur.events[i]
			if len(rd.cur.mayCopy) > 0 || len(rd.pc.spans[0]) > 0 || len(rd.pc.spans[1]) > 0 {
				rd.passedCopy(i, k)
			}
			if full, dup := rd.seen[k]; dup && (full || ev.Partial != "") {
				rd.uncount(ev)
				if r := rd.cur.recovered[i]; rd.mergePart && (r || ev.Partial != "") {
					rd.inDups = append(rd.inDups, inDup{k: k, recovered: r, partial: ev.Partial != "", idft: [2]uint64{ev.RecordID, TimeToFiletime(ev.Written)}})
				}
				continue
			}
			if rd.recover {
				lk := [2]uint64{ev.RecordID, TimeToFiletime(ev.Written)}
				if ev.Recovered == "" {
					if rd.live == nil {
						rd.live = make(map[[2]uint64]struct{})
					}
					rd.live[lk] = struct{}{}
				} else if _, dup := rd.live[lk]; dup {
					// An old copy of a record the log still holds.
					rd.uncount(ev)
					continue
				}
			}
			if rd.seen == nil {
				rd.seen = make(map[recKey]bool)
			}
			rd.seen[k] = ev.Partial == ""
			if rd.view.drops(ev) {
				// Decoded (its summary could not be read), of another
				// host or none: as if the Filter had declined it.
				rd.stats.Records--
				if ev.Recovered != "" {
					rd.stats.SlackRead--
				}
				rd.stats.Filtered++
				continue
			}
			return ev, nil
		}
		if rd.cur != nil {
			rd.cur = nil // let the chunk's events go
		}
		if rd.eof {
			return nil, io.EOF
		}
		if err := ctxErr(rd.ctx); err != nil {
			// Stopped: per chunk, at most a chunk's work after the cancel.
			if rd.pipe != nil {
				rd.pipe.close()
				rd.pipe = nil
				rd.cleanup.Stop()
			}
			return nil, stoppedError(rd.src.name, err)
		}
		var res *chunkResult
		ok := false
		if rd.slackNext < 0 {
			res, ok = rd.nextChunk()
			if ok && res.span.ok {
				if rd.spans == nil {
					// One allocation for the whole read: grown by
					// append, the list of a 4,110-chunk log was
					// copied a dozen times in every pass.
					rd.spans = make([]candSpan, 0, rd.src.nslots)
				}
				rd.spans = append(rd.spans, res.span)
			}
			rd.spansDone = !ok
		}
		if !ok {
			if rd.pipe != nil {
				rd.pipe.close()
				rd.pipe = nil
				rd.cleanup.Stop()
			}
			if res, ok = rd.nextSlack(); !ok {
				rd.eof = true
				rd.settlePartial()
				// Claims of the headers LostRecords does not believe
				// are problems (the same spans as LostRecords').
				spans := rd.judgeSpans(rd.currentSpans(true))
				rd.keepErrs(rd.src.claimProblems(spans)...)
				rd.judged, rd.judgedSet = spans, true
				rd.keepErrs(rd.trailing...)
				rd.trailing = nil
				return nil, io.EOF
			}
		}
		if rd.recover && res.slack && rd.slackNext < 0 {
			rd.slackSlots = append(rd.slackSlots, res.index)
		}
		if len(res.passed) > 0 {
			// Current records the window passed over: their slack copies
			// are copies all the same (the live set of Next).
			if rd.live == nil {
				rd.live = make(map[[2]uint64]struct{})
			}
			for _, lk := range res.passed {
				rd.live[lk] = struct{}{}
			}
		}
		rd.stats.add(&res.st)
		if !rd.noSettle {
			rd.partials = append(rd.partials, res.partials...)
		}
		if rd.mergePart {
			rd.bad = append(rd.bad, res.bad...)
			rd.gaps = append(rd.gaps, res.gaps...)
			for _, i := range res.staleOld {
				rd.staleOld = append(rd.staleOld, res.stale[i])
			}
			rd.stale = append(rd.stale, res.stale...)
			if res.foreign != nil {
				rd.foreign = append(rd.foreign, *res.foreign)
			}
		}
		rd.keepErrs(res.errs...)
		pass := 0
		if rd.slackNext >= 0 {
			pass = 1
		}
		rd.pc.take(res, pass, rd.src.nslots)
		rd.cur, rd.pos = res, 0
		if rd.progress != nil {
			rd.progress(Progress{Log: rd.src.name, Stage: StageReading, Total: rd.src.size,
				Done: min(rd.src.size, rd.src.base+int64(res.index+1)*chunkSize)})
		}
	}
}

// settlePartial takes out of Stats.Partial the records decoded in part
// that the file also holds decoded in full: a record of the log's current
// contents (not chunk slack, which Options.Recover alone reads) with the
// same record number and record header time (a copy of its bytes keeps
// both; a header time of 0, as exports leave it, tells nothing) that
// decodes in full, e.g. in a chunk that still has the templates where
// the copy in part lies in a chunk half overwritten by another's. Such a
// record is one record, held in full, as the rules' windows count it
// (rules.Input.PartialInPeriod). Whether the copy in full was yielded,
// passed over by the window or declined by the Filter, the count is the
// same: one more read of the file, only when records were decoded in
// part, decodes every record whose number and header time are those of
// one of them (its Filter declines the others from their summary). Its
// FormatErrors are not kept: the copy in part's problem stays listed
// (that copy is damaged). A read error of that pass leaves the count as
// it was. Each part of a merged log is settled so, as a file of its own;
// the merged log's tally takes out of the others' copies only those the
// part did not settle (held).
func (rd *Reader) settlePartial() {
	if rd.noSettle || rd.merged != nil || len(rd.partials) == 0 {
		return
	}
	want := make(map[[2]uint64]int, len(rd.partials))
	for _, k := range rd.partials {
		if k[1] != 0 {
			want[k]++
		}
	}
	rd.partials = nil
	if len(want) == 0 {
		return
	}
	full := rd.src.memo.settledFull(want, func(ask map[[2]uint64]int) (map[[2]uint64]bool, bool) {
		return settleRead(rd.src.ra, rd.src.size, rd.src.name, ask)
	})
	for k, n := range want {
		if full[k] {
			rd.stats.Partial -= n
			rd.stats.PartialHeld += n
			if rd.held == nil {
				rd.held = map[[2]uint64]bool{}
			}
			rd.held[k] = true
		}
	}
}

// settleRead is settlePartial's read of the file (ra, size bytes, named
// name): it decodes every record whose record number and header time are
// a key of want, and returns those keys of which a current record decodes
// in full, and whether every read of ra succeeded (ok false: a chunk not
// read may hold one).
func settleRead(ra io.ReaderAt, size int64, name string, want map[[2]uint64]int) (full map[[2]uint64]bool, ok bool) {
	fw := &failWatch{ra: ra}
	o := Options{Name: name, Workers: 1, MaxErrors: 1, Filter: func(s Summary) bool {
		_, ok := want[[2]uint64{s.RecordID, TimeToFiletime(s.Written)}]
		return ok
	}}
	r2, err := NewReaderOptions(fw, size, o)
	if err != nil {
		return nil, false
	}
	r2.noSettle = true
	defer r2.Close()
	full = map[[2]uint64]bool{}
	for {
		ev, err := r2.Next()
		if err != nil {
			break
		}
		if ev.Partial == "" && ev.Recovered == "" {
			full[[2]uint64{ev.RecordID, TimeToFiletime(ev.Written)}] = true
		}
	}
	return full, !fw.failed.Load()
}

// failWatch is an io.ReaderAt that notes whether a read failed (an error
// other than io.EOF).
type failWatch struct {
	ra     io.ReaderAt
	failed atomic.Bool
}

func (f *failWatch) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.ra.ReadAt(p, off)
	if err != nil && err != io.EOF {
		f.failed.Store(true)
	}
	return n, err
}

// inDup is a duplicate Recovered or Partial counts (Reader.inDups).
type inDup struct {
	k                  recKey
	recovered, partial bool
	idft               [2]uint64 // record id and header time (Reader.held)
}

// uncount moves an event not yielded, because it is a copy of one yielded
// before, from the counts of yielded events to Stats.Duplicates. It stays
// in Recovered and Partial, which count records whether yielded or not:
// a window or filter that passes over the copy, or the one it copies,
// cannot tell it for a copy, and must not change them.
func (rd *Reader) uncount(ev *Event) {
	rd.stats.Duplicates++
	rd.stats.Records--
	if ev.Recovered != "" {
		rd.stats.SlackRead--
	}
}

// nextSlack scans the next chunk with slack records (Options.Recover),
// after every chunk has been read once.
func (rd *Reader) nextSlack() (*chunkResult, bool) {
	if !rd.recover {
		return nil, false
	}
	if rd.slackNext < 0 {
		rd.slackNext = 0
	}
	if rd.slackNext >= len(rd.slackSlots) {
		rd.slackSlots = nil
		return nil, false
	}
	i := rd.slackSlots[rd.slackNext]
	rd.slackNext++
	s := *rd.src
	s.win.slackOnly = true
	res := chunkOwn(&s, i)
	// The first pass counted the rest of the chunk.
	res.st = Stats{Records: res.st.Records, SlackRead: res.st.SlackRead, SlackUnreadable: res.st.SlackUnreadable, Partial: res.st.Partial}
	return res, true
}

func (rd *Reader) nextChunk() (*chunkResult, bool) {
	s := rd.src
	if s.workers <= 1 || s.nslots <= 1 {
		if rd.next >= s.nslots {
			return nil, false
		}
		rd.next++
		return chunkOwn(s, rd.next-1), true
	}
	if rd.pipe == nil {
		rd.pipe = startPipeline(s)
		rd.cleanup = runtime.AddCleanup(rd, (*pipeline).signal, rd.pipe)
	}
	it, ok := <-rd.pipe.order
	if !ok {
		return nil, false
	}
	if it.ch == nil {
		return it.res, true // the memo's answer
	}
	res := <-it.ch
	<-rd.pipe.decoding
	// ch is empty and no goroutine holds it any more: the next chunk's
	// result may come in it (pipeline.free).
	select {
	case rd.pipe.free <- it.ch:
	default:
	}
	return res, true
}

// Close stops the Reader's goroutines, if any, and waits for them. After
// Close, Next returns ErrClosed; Stats, Errors and the other counts keep
// what was read before. Close does not close the io.ReaderAt, and may be
// called more than once (it then does nothing).
func (rd *Reader) Close() error {
	rd.closed = true
	if rd.merged != nil {
		rd.merged.close()
	}
	if rd.pipe != nil {
		rd.pipe.close()
		rd.pipe = nil
		rd.cleanup.Stop()
	}
	rd.cur = nil
	return nil
}

// pipeline decodes chunks in worker goroutines and hands the results to
// Next in file order. order carries one item per chunk, in order: the
// memo's result of a chunk it answers (windowMemo.skip), else the channel
// a worker sends the chunk's result on. decoding holds a token for each
// chunk handed to a worker whose result Next has not taken: its capacity
// bounds the chunks read ahead (2 per worker). order's bounds the memo's
// answers queued beside them: a read whose window excludes most chunks
// (analyze reads bench/run's 4,110-chunk System log six times, three of
// them answered by the memo alone) took a goroutine switch every two
// chunks and three channel operations a chunk more when every chunk went
// through a result channel and order held 2 per worker. free holds result
// channels Next has emptied, for later chunks: one made for each chunk
// was 112 bytes, 2.6 MiB of the 96 MiB analyze of bench/run's volume
// allocated.
type pipeline struct {
	order    chan pipeItem
	decoding chan struct{}
	free     chan chan *chunkResult
	stop     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

// pipeItem is one chunk's place in pipeline.order: the memo's result
// (res, ch nil), or the channel its result comes on.
type pipeItem struct {
	ch  chan *chunkResult
	res *chunkResult
}

// memoAhead is how many of the memo's answers pipeline.order holds beyond
// the chunks read ahead.
const memoAhead = 64

func startPipeline(s *source) *pipeline {
	w := s.workers
	p := &pipeline{
		order:    make(chan pipeItem, 2*w+memoAhead),
		decoding: make(chan struct{}, 2*w),
		free:     make(chan chan *chunkResult, 2*w+2),
		stop:     make(chan struct{}),
	}
	type job struct {
		i  int
		ch chan *chunkResult
	}
	jobs := make(chan job)
	p.wg.Add(1 + w)
	go func() {
		defer p.wg.Done()
		defer close(jobs)
		defer close(p.order)
		for i := 0; i < s.nslots; i++ {
			// A chunk the memo answers needs no worker: handing it to
			// one cost a goroutine switch per chunk, most of a pass
			// whose window excludes nearly every chunk.
			if res := s.memo.skip(i, s.win, s.name); res != nil {
				select {
				case p.order <- pipeItem{res: res}:
				case <-p.stop:
					return
				}
				continue
			}
			select {
			case p.decoding <- struct{}{}:
			case <-p.stop:
				return
			}
			var ch chan *chunkResult
			select {
			case ch = <-p.free:
			default:
				ch = make(chan *chunkResult, 1)
			}
			select {
			case p.order <- pipeItem{ch: ch}:
			case <-p.stop:
				return
			}
			select {
			case jobs <- job{i, ch}:
			case <-p.stop:
				return
			}
		}
	}()
	for range w {
		go func() {
			defer p.wg.Done()
			cache := getTmplCache() // one per goroutine
			defer putTmplCache(cache)
			for j := range jobs {
				j.ch <- s.chunk(j.i, cache) // buffered: never blocks
			}
		}()
	}
	return p
}

// signal tells the goroutines to stop without waiting for them.
func (p *pipeline) signal() { p.once.Do(func() { close(p.stop) }) }

// close stops the goroutines and waits until they have exited.
func (p *pipeline) close() {
	p.signal()
	p.wg.Wait()
}

// File is a Reader of a file it opened (Open, OpenOptions, Log.Open).
// Close of the zero File returns nil; its other methods, those of its nil
// *Reader, panic.
type File struct {
	*Reader
	f      *os.File // nil for an archive member read into memory
	remove string   // temporary file to delete on Close
	// removeCleanup deletes remove when the File is dropped without
	// Close; Close stops it.
	removeCleanup runtime.Cleanup
}

// Open opens the named EVTX file. See OpenOptions.
func Open(name string) (*File, error) { return OpenOptions(name, Options{}) }

// OpenOptions opens the named EVTX file with options o; o.Name defaults to
// name.
//
// Only regular files are read: a named pipe (FIFO), socket, device or
// directory is refused with an error naming it (ErrNotRegular), without
// blocking (the file is opened non-blocking where the system has that,
// then checked).
func OpenOptions(name string, o Options) (*File, error) {
	return openFile(name, o, nil)
}

// openFile is OpenOptions with the memo of log l (nil: none).
// maxSizelessFile bounds what openFile reads of a file whose size is
// given as 0 (a file of /proc or /sys), held in memory.
const maxSizelessFile = 64 << 20

func openFile(name string, o Options, l *Log) (*File, error) {
	f, err := openRegular(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(name, fi.Mode())
	}
	if o.Name == "" {
		o.Name = name
	}
	if fi.Size() == 0 {
		// A file whose size is given as 0 may hold bytes all the same (a
		// file of /proc or /sys): read it as a stream, up to
		// maxSizelessFile, rather than call it empty.
		b, err := io.ReadAll(io.LimitReader(f, maxSizelessFile+1))
		f.Close()
		if err != nil {
			return nil, &FormatError{File: o.Name, Chunk: -1, Err: fmt.Errorf("evtx: its size is given as 0; reading it as a stream: %w", err)}
		}
		if len(b) > maxSizelessFile {
			return nil, &FormatError{File: o.Name, Chunk: -1, Err: fmt.Errorf("%w: its size is given as 0 (a file of /proc or /sys?) but it holds more than %d bytes, the most read so: copy it into a file and give that", ErrLimit, maxSizelessFile)}
		}
		rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			return nil, err
		}
		return &File{Reader: rd}, nil
	}
	rd, err := NewReaderOptions(readAtFile(f), fi.Size(), o)
	if err != nil {
		f.Close()
		return nil, err
	}
	if l != nil {
		rd.src.memo = l.memoFor(fi)
	}
	return &File{Reader: rd, f: f}, nil
}

// Close stops the Reader and closes the file Open opened (and removes the
// temporary copy of an archive member). LastWritten, WrittenEnds and
// NewestTime read the file, so after Close they find nothing: nil and the
// zero time, as for a log without records, and no problem is reported
// (a Reader made by NewReader, whose io.ReaderAt Close leaves open, still
// answers them). A second Close returns the error of closing a closed
// file (wrapping os.ErrClosed), as *os.File's does.
//
// Make a File with Open, OpenOptions or Log.Open. Close of the zero File
// returns nil, and of a nil *File os.ErrInvalid, as *os.File's; the zero
// File's other methods panic (they are its nil *Reader's).
func (f *File) Close() error {
	if f == nil {
		return os.ErrInvalid
	}
	if f.Reader != nil {
		f.Reader.Close()
	}
	var err error
	if f.f != nil {
		err = f.f.Close()
	}
	if f.remove != "" {
		f.removeCleanup.Stop()
		if rerr := os.Remove(f.remove); err == nil {
			err = rerr
		}
		f.remove = ""
	}
	return err
}

// HeldInFull reports, once Next has returned io.EOF, whether ev, a record
// decoded in part (Event.Partial) that rd yielded, is one its own file
// also holds decoded in full (a copy in a chunk that lacks the templates
// of the other's, Stats.PartialHeld): one record, yielded twice, counted
// in full. A copy with a record header time of 0 is never held so, as
// Stats counts it. Of a merged log (Merge), the file ev was read from
// (Event.Source) answers; false for an event of none of its files, and
// before io.EOF.
func (rd *Reader) HeldInFull(ev *Event) bool {
	if ev == nil || ev.Partial == "" {
		return false
	}
	k := [2]uint64{ev.RecordID, TimeToFiletime(ev.Written)}
	if k[1] == 0 {
		return false
	}
	if rd.merged != nil {
		for _, f := range rd.merged.files {
			if f.Reader != nil && f.Reader.src != nil && f.Reader.src.name == ev.Source.File {
				return f.Reader.held[k]
			}
		}
		return false
	}
	return rd.held[k]
}
