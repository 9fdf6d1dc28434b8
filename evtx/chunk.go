package evtx

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"time"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// Layout constants of the EVTX format.
const (
	fileHeaderBlock  = 4096  // the file header occupies the first block
	fileHeaderSize   = 128   // bytes of the file header that carry fields
	chunkSize        = 65536 // every chunk is 64 KiB
	chunkHeaderSize  = 512   // chunk header incl. string and template tables
	recordHeaderSize = 24    // "**\0\0", size, record id, written FILETIME
	minRecordSize    = 28    // header plus the trailing size copy
	recordAlign      = 8     // records start at 8-byte boundaries
)

var (
	fileMagic   = []byte("ElfFile\x00")
	chunkMagic  = []byte("ElfChnk\x00")
	recordMagic = []byte("**\x00\x00")
)

// recordMagicWord is recordMagic read as a little-endian uint32.
const recordMagicWord = 0x2a2a

// chunkHeader is the parsed header of one 64 KiB chunk.
type chunkHeader struct {
	FirstRecordNumber uint64
	LastRecordNumber  uint64
	FirstRecordID     uint64
	LastRecordID      uint64
	HeaderSize        uint32
	LastRecordOffset  uint32 // offset of the last record inside the chunk
	FreeSpaceOffset   uint32 // offset of the first unused byte inside the chunk
	RecordsChecksum   uint32 // CRC32 of bytes 512..FreeSpaceOffset
	Flags             uint32
	Checksum          uint32 // CRC32 of bytes 0..120 and 128..512

	// Bytes 128..512, the chunk's hash tables of names (64 offsets) and
	// template definitions (32), are not kept: the decoder finds names and
	// definitions at the offsets the records give, and a header copied by
	// value (a few times a chunk) stays small.

	SignatureOK       bool // bytes 0..8 are "ElfChnk\0"
	ChecksumOK        bool // Checksum matches
	RecordsChecksumOK bool // RecordsChecksum matches (false if not checkable)
}

// parseChunkHeader decodes the header of chunk c (len(c) >= chunkHeaderSize).
func parseChunkHeader(c []byte) chunkHeader {
	h := parseChunkFields(c)
	h.ChecksumOK = chunkHeaderCRC(c) == h.Checksum
	if fs := int(h.FreeSpaceOffset); fs >= chunkHeaderSize && fs <= len(c) {
		h.RecordsChecksumOK = crc32.ChecksumIEEE(c[chunkHeaderSize:fs]) == h.RecordsChecksum
	}
	return h
}

// parseChunkFields is parseChunkHeader without the two checksums
// (ChecksumOK and RecordsChecksumOK false): the record memo holds them.
func parseChunkFields(c []byte) chunkHeader {
	le := binary.LittleEndian
	h := chunkHeader{
		FirstRecordNumber: le.Uint64(c[8:]),
		LastRecordNumber:  le.Uint64(c[16:]),
		FirstRecordID:     le.Uint64(c[24:]),
		LastRecordID:      le.Uint64(c[32:]),
		HeaderSize:        le.Uint32(c[40:]),
		LastRecordOffset:  le.Uint32(c[44:]),
		FreeSpaceOffset:   le.Uint32(c[48:]),
		RecordsChecksum:   le.Uint32(c[52:]),
		Flags:             le.Uint32(c[120:]),
		Checksum:          le.Uint32(c[124:]),
	}
	h.SignatureOK = bytes.Equal(c[:8], chunkMagic)
	return h
}

// salvageSpan reports whether the record signature at off, whose size
// fields fail recordAt, may be read as the next-off bytes up to the next
// intact record at next: both size fields are 0 (Windows has written
// such records), or one of the two copies of the size is that span and
// the other is damaged (a byte of the header's size, or of the trailing
// copy, changed: "a record header claims 1703 bytes but the trailing size
// copy is 67110912" of a record of 1624 bytes whose trailing copy, and the
// next record, say 1624). The caller decodes it and keeps it only when
// it decodes to its own record number (its EventRecordID).
//
// A record whose signature is damaged (a byte of "**\x00\x00" changed)
// is read so only when both size copies are that span.
func salvageSpan(c []byte, off, next int) bool {
	if next <= off || next-off < minRecordSize {
		return false
	}
	span := uint32(next - off)
	lead, trail := binary.LittleEndian.Uint32(c[off+4:]), binary.LittleEndian.Uint32(c[next-4:])
	if !bytes.Equal(c[off:off+4], recordMagic) {
		return lead == span && trail == span
	}
	return lead == 0 && trail == 0 || lead == span || trail == span
}

// recordAt reports whether a plausible record starts at off in c: the
// signature, a size of at least minRecordSize that stays inside c, and a
// trailing copy of the size equal to it. It returns the size (a record's
// only when ok). It is small enough for the compiler to inline.
func recordAt(c []byte, off int) (int, bool) {
	if off < 0 || off+recordHeaderSize > len(c) {
		return 0, false
	}
	h := c[off : off+8 : off+8]
	size := int(binary.LittleEndian.Uint32(h[4:]))
	if binary.LittleEndian.Uint32(h[:4]) != recordMagicWord || size < minRecordSize || size > len(c)-off {
		return 0, false
	}
	return size, int(binary.LittleEndian.Uint32(c[off+size-4:off+size])) == size
}

// nextRecord returns the offset of the first plausible record at or after
// off (at recordAlign alignment), or -1.
func nextRecord(c []byte, off int) int {
	if r := off % recordAlign; r != 0 {
		off += recordAlign - r
	}
	for off+recordHeaderSize <= len(c) {
		i := bytes.Index(c[off:], recordMagic)
		if i < 0 {
			return -1
		}
		p := off + i
		if p%recordAlign != 0 {
			off = p + (recordAlign - p%recordAlign)
			continue
		}
		if _, ok := recordAt(c, p); ok {
			return p
		}
		off = p + recordAlign
	}
	return -1
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// lastNonZero returns the index after the last non-zero byte of b (0 if
// b is all zero).
func lastNonZero(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i + 1
		}
	}
	return 0
}

// chunkJob describes one chunk slot of a file.
type chunkJob struct {
	index     int   // chunk index, 0-based
	off       int64 // offset of the chunk in the file
	hdrChunks int   // chunk count the file header claims
	hdrOK     bool  // the file header is intact: its count can be believed
	dirty     bool  // the file was not closed cleanly (see slackRule)
	// old: the chunk is old (oldChunks: past the file header's count and
	// left by an earlier use of the file, or another log's, foreign): all
	// its records are old.
	old bool
	// speculated: the chunk, one the file header counts, is read as the
	// log's before the judgement of the chunks is made (writtenEnds'
	// speculation, which reads the file again if the judgement calls a
	// counted chunk old): what the scan asks of other chunks takes the
	// counted ones as the log's too (source.isNewest).
	speculated bool
	// foreign: why the chunk, one the file header counts, is not the
	// log's (foreignChunks); "" when it is. Such a chunk is old too.
	foreign string
	// more: the input holds a chunk slot after this one (zeroTail).
	more bool
	// src, if not nil, is the source the chunk was read from, asked
	// whether zeros that end the chunk's slot and cut a record are a page
	// the log's writer had not yet written to disk (source.tailUnwritten).
	src *source
	// cache holds the templates the reading goroutine compiled from
	// earlier chunks (tmplcache.go); nil compiles every one.
	cache *tmplCache
	// hdr, if not nil, is the chunk's header as parseChunkHeader parses
	// it (headerInto): the checksums are computed once when the chunk's
	// records were walked before (WrittenEnds).
	hdr *chunkHeader
	// recs, if not nil, serves and collects the records' TimeCreated and
	// summaries an earlier pass over the chunk read (recmemo.go).
	recs *recCursor
	// cands, if not nil, is called with each record Next would consider
	// yielding, as walkChunk finds them (WrittenEnds's candidates, found
	// by the scan that primes the memo rather than by a walk of their
	// own).
	cands func(writtenCand)
	// into, if not nil, is where the result is made (what it held is
	// dropped), for a caller that keeps nothing of a result once the next
	// is made: the scan that primes the memo made one per chunk and
	// dropped it (4.7 MiB of bench/run's System log).
	into *chunkResult
}

// recKey identifies a record's bytes for de-duplication (byte-identical
// copies of a chunk, or of a record, are yielded once).
type recKey struct {
	id   uint64
	size uint32
	sum  uint32
}

// badRecord is a current record that did not decode (chunkResult.bad).
type badRecord struct {
	k         recKey
	recovered bool
}

// gapKey names an unreadable span by its size and CRC32 (chunkResult.gaps).
type gapKey struct{ size, sum uint32 }

// chunkResult is what scanning one chunk produced, in offset order.
type chunkResult struct {
	index  int
	events []*Event
	keys   []recKey // keys[i] belongs to events[i]
	// recovered[i] tells whether events[i] lies where the headers do not
	// account for it.
	recovered []bool
	errs      []*FormatError
	st        Stats // counts of this chunk only (Chunks, BadChunks, Records ...)
	// slack tells that the chunk holds intact records in its slack (read
	// by a second, slack-only scan when Options.Recover is set).
	slack bool
	// allCheap tells that the window was active and every current record
	// of the chunk (cheap of them) had its TimeCreated read without
	// decoding, all in [tmin, tmax] (no time when there were none): a
	// window that excludes that span reads the chunk to the result of
	// windowMemo.keep. werrs are the problems found in records decoded
	// because they lay in the window.
	allCheap bool
	cheap    int
	// unused tells that the chunk is all zero and nothing of it is
	// counted (an unused slot): the memo keeps one bit for it.
	unused     bool
	tmin, tmax time.Time
	timed      bool
	werrs      []*FormatError
	// passed lists the (record id, header time) of the current records
	// the window passed over or the filter declined, when window.passed
	// is set.
	passed [][2]uint64
	// passedLo..passedHi spans the record ids of the records the window
	// passed over or the filter declined (passedAny: there were some):
	// current records, or slack records in Options.Recover's slack pass.
	// A record decoded elsewhere in part, without a TimeCreated or a
	// summary, may be a copy of one of them, which the plain read would
	// have yielded and then dropped the copy (Reader.passedCopy). A
	// chunk the memo answers spans every current record (windowMemo.skip).
	passedLo, passedHi uint64
	passedAny          bool
	// mayCopy lists, in order, the indexes of the events whose record id
	// lay in passedLo..passedHi as it was when they were read: a record
	// passed over before them in the chunk may hold their bytes.
	mayCopy []int
	// partials lists the (record id, header time) of the records counted
	// in Partial, for Reader.settlePartial.
	partials [][2]uint64
	// bad lists the current records that did not decode (BadRecords),
	// each with whether the headers account for it (Recovered): a merged
	// log counts one held by another of its logs once.
	bad []badRecord
	// gaps lists the spans of the record area counted in UnreadBytes, by
	// their bytes: a merged log counts a span another of its logs holds
	// once.
	gaps []gapKey
	// stale lists the records counted in Stale, by their bytes: a merged
	// log counts one another of its logs holds once.
	stale []recKey
	// staleOld indexes those of stale that lie in old chunks
	// (Stats.StaleOldChunks).
	staleOld []int
	// foreign names the chunk by its size and CRC32 when it is counted
	// in ForeignChunks: a merged log counts one another of its logs
	// holds once.
	foreign *gapKey
	// span is the lowest- and highest-numbered of the records Next would
	// consider yielding (chunkJob.cands' records), for LostRecords.
	span candSpan
	// recs is what this scan read of the chunk's records for the record
	// memo to keep (chunkJob.recs), or nil.
	recs *recCursor
	// verifiedFrom and verifiedTo are the file offsets of the record area
	// the chunk's two checksums vouch for, [512, free space offset) of the
	// chunk, when its header checksum and its records checksum both
	// verify (and it is a chunk of the log's current contents); both 0
	// otherwise. A merged log prefers a record read there to a copy of it
	// with other content read elsewhere (merged.take).
	verifiedFrom, verifiedTo int64
}

// window is the [since, until] filter on TimeCreated (Options.Since and
// Until) and the summary filter.
type window struct {
	since, until time.Time // inclusive; zero means unbounded
	active       bool
	filter       func(Summary) bool // Options.Filter, or nil
	// slackOnly makes scanChunk read only the records of the chunk's
	// slack (Options.Recover's second pass): the rest of the chunk was
	// read, counted and reported by the first.
	slackOnly bool
	// passed makes scanChunk list the current records the window passes
	// over or the filter declines (chunkResult.passed): with
	// Options.Recover, a slack copy of such a record is still a copy, as
	// in a read without the window or the filter.
	passed bool
}

func newWindow(since, until time.Time) window {
	return window{since: since, until: until, active: !since.IsZero() || !until.IsZero()}
}

// contains reports whether TimeCreated t lies in the window.
func (w window) contains(t time.Time) bool {
	if !w.active {
		return true
	}
	if !w.since.IsZero() && t.Before(w.since) {
		return false
	}
	return w.until.IsZero() || !t.After(w.until)
}

// admits reports whether a decoded event passes the window: its plain
// TimeCreated (TimeCreatedOf) lies in it, or it has none (its consumer
// judges it).
func (w window) admits(ev *Event) bool {
	if !w.active {
		return true
	}
	t, ok := plainTimeCreated(ev.Root)
	return !ok || w.contains(t)
}

// scanChunk reads every intact record of chunk c (the bytes of chunk slot
// j, possibly shorter than 64 KiB at the end of a file).
//
// When the unguarded scan gives up, the guarded one starts over from what
// the record memo's cursor held before it (j.recs), and passes to
// j.cands only the candidates after those the first already passed: the
// two scans find the same candidates in the same order (they do not
// depend on how TimeCreated is read).
func scanChunk(c []byte, j chunkJob, w window, name string) *chunkResult {
	if !chunkGuardOff {
		cp := j.recs.checkpoint()
		emitted := 0
		j1 := j
		if cands := j.cands; cands != nil {
			j1.cands = func(c writtenCand) {
				emitted++
				cands(c)
			}
		}
		if res := scanChunkAs(c, j1, w, name, false); res != nil {
			return res
		}
		j.recs.rollback(cp)
		if cands := j.cands; cands != nil && emitted > 0 {
			j.cands = func(c writtenCand) {
				if emitted > 0 {
					emitted--
					return
				}
				cands(c)
			}
		}
	}
	return scanChunkAs(c, j, w, name, true)
}

// chunkGuardOff makes scanChunk read every TimeCreated by readTime, which
// recovers from a panic of its own, never by readTimeLean under the
// chunk's recovery (tests compare the two ways).
var chunkGuardOff = false

// scanChunkAs is scanChunk. When guarded, it reads every record's
// TimeCreated by readTime, which recovers from a panic of its read; else
// by readTimeLean, which does not: a panic there ends the scan, which
// returns nil, and scanChunk scans the chunk again, guarded. Nothing of
// the first scan is kept but what the chunk's decoding memoises, which
// changes no answer.
func scanChunkAs(c []byte, j chunkJob, w window, name string, guarded bool) (res *chunkResult) {
	var dec *chunkDecoder
	if !guarded {
		defer func() {
			if dec != nil && dec.leanRead && recover() != nil {
				res = nil
			}
		}()
	}
	if res = j.into; res != nil {
		*res = chunkResult{index: j.index}
	} else {
		res = &chunkResult{index: j.index}
	}
	if len(c) == 0 || allZero(c) {
		if len(c) > 0 && j.hdrOK && j.index < j.hdrChunks && !w.slackOnly {
			// The intact file header counts this chunk as in use: its
			// records were lost (zeroed by a crash or a damaged copy).
			res.st.Chunks, res.st.BadChunks = 1, 1
			res.errs = append(res.errs, &FormatError{File: name, Offset: j.off, Chunk: j.index,
				Err: fmt.Errorf("%w: chunk %d is all zero, though the file header counts %s in use: its records are lost", ErrCorrupt, j.index, plural.N(j.hdrChunks, "chunk"))})
		}
		// No record, so every current record was read cheaply: a
		// window's memo (windowMemo.keep) serves the next passes the
		// same result without reading the chunk again (a log with a
		// zeroed 1 GiB tail read each zero chunk 14 times).
		res.allCheap = w.active && !w.slackOnly
		res.unused = len(res.errs) == 0
		return res // an unused (preallocated) chunk slot
	}
	res.st.Chunks = 1
	inSlack := false // the record at hand lies in the chunk's slack
	fail := func(off int, rec uint64, err error) {
		if w.slackOnly && !inSlack {
			return // reported by the first pass
		}
		res.errs = append(res.errs, &FormatError{File: name, Offset: j.off + int64(off), Chunk: j.index, Record: rec, Err: err})
	}
	if len(c) < chunkHeaderSize {
		res.st.BadChunks = 1
		fail(0, 0, fmt.Errorf("%w: truncated chunk: %d of %d bytes", ErrCorrupt, len(c), chunkSize))
		return res
	}
	var h chunkHeader
	if j.hdr != nil {
		h = *j.hdr
	} else {
		h = parseChunkHeader(c)
	}
	res.span.noteHeader(&h, len(c))
	if j.foreign != "" && !w.slackOnly {
		res.st.ForeignChunks = 1
		res.foreign = &gapKey{size: uint32(len(c)), sum: crc32.ChecksumIEEE(c)}
		fail(0, 0, fmt.Errorf("%w: chunk %d is not this log's (another log's chunk, copied or carved into the file): %s; its records are read as old records, not as the log's (Options.Recover yields them: evtxrdp dump --recover prints them)", ErrCorrupt, j.index, j.foreign))
	}
	trusted := true
	switch {
	case !h.SignatureOK:
		trusted = false
		fail(0, 0, fmt.Errorf("%w: chunk signature missing (% x)", ErrCorrupt, c[:8]))
	case !h.ChecksumOK:
		trusted = false
		fail(124, 0, fmt.Errorf("%w: chunk header CRC32 %#08x, stored %#08x", ErrChecksum, chunkHeaderCRC(c), h.Checksum))
	}
	if len(c) < chunkSize {
		trusted = false
		fail(len(c), 0, fmt.Errorf("%w: truncated chunk: %d of %d bytes", ErrCorrupt, len(c), chunkSize))
	}
	free := int(h.FreeSpaceOffset)
	if trusted && (free < chunkHeaderSize || free > len(c)) {
		trusted = false
		fail(48, 0, fmt.Errorf("%w: free space offset %#x outside the chunk", ErrCorrupt, free))
	}
	if !trusted {
		res.st.BadChunks = 1
	} else if !h.RecordsChecksumOK {
		fail(52, 0, fmt.Errorf("%w: records CRC32 %#08x, stored %#08x", ErrChecksum, crc32.ChecksumIEEE(c[chunkHeaderSize:free]), h.RecordsChecksum))
	}
	// The record area the headers account for: up to the free space offset
	// of a trusted header, else everything up to the last non-zero byte.
	area := free
	if !trusted && !(h.SignatureOK && h.RecordsChecksumOK) {
		// The records checksum vouches for the free space offset even when
		// the header checksum is wrong.
		area = lastNonZero(c)
	}
	damaged := !trusted || !h.RecordsChecksumOK
	beyondCount := j.index >= j.hdrChunks
	if !damaged && !beyondCount && !j.old {
		res.verifiedFrom, res.verifiedTo = j.off+chunkHeaderSize, j.off+int64(free)
	}
	// Every record of a damaged chunk or one beyond the header's count is
	// recovered, and one numbered above lastID (the chunk header's last
	// record id; none when 0).
	allRecovered, lastID := damaged || beyondCount, h.LastRecordID
	if lastID == 0 {
		lastID = math.MaxUint64
	}
	// Past the free space offset of a header that can be believed lie the
	// newest records of a chunk whose header was not yet updated (their
	// record ids continue the chunk's), and the slack: what remains of an
	// earlier use of the chunk, or of the log before it was cleared.
	rule := newSlackRule(h, slackBelieved(h, len(c)), len(c), j.dirty)

	decoder := func() *chunkDecoder {
		if dec == nil {
			dec = j.cache.decoder(c)
		}
		return dec
	}
	le := binary.LittleEndian
	off := chunkHeaderSize
	// The records whose TimeCreated readTime reads as a FILETIME are
	// judged and noted in FILETIMEs: the window as the FILETIMEs it holds
	// (inFT: any; ftLo..ftHi, every FILETIME when the window is not
	// active, none when it holds none), their span (cheapFT, made times
	// when the chunk is done) and what noteRead notes (run, noted before
	// any other record's noteRead or noteEvent and when the chunk is
	// done).
	ftLo, ftHi, inFT := w.ftRange()
	switch {
	case !w.active:
		ftLo, ftHi = 0, math.MaxUint64
	case !inFT:
		ftLo, ftHi = 1, 0
	}
	var run ftRun
	var cheapFT ftSpan
	// allCheap stays true while every current record is read cheaply.
	res.allCheap = w.active && !w.slackOnly
	// failW reports a problem of a record decoded because it lies in the
	// window.
	failW := func(off int, rec uint64, err error) {
		n := len(res.errs)
		fail(off, rec, err)
		if len(res.errs) > n {
			res.werrs = append(res.werrs, res.errs[n])
		}
	}
	// damage counts and reports what decoding the record at off (size
	// bytes, record id id) found wrong: not decodable (err), or ev decoded
	// in part.
	recovered := false // of the record at hand
	// sr lets the Filter read the fields of the record it is given
	// (Summary.Data), one call at a time.
	sr := summaryRec{dec: decoder}
	damage := func(off, size int, id uint64, ev *Event, err error) {
		switch {
		case err != nil && inSlack:
			res.st.SlackUnreadable++
			fail(off, id, fmt.Errorf("record of %d bytes in chunk slack not decodable: %w", size, err))
		case err != nil:
			res.st.BadRecords++
			res.bad = append(res.bad, badRecord{recKey{id: id, size: uint32(size), sum: crc32.ChecksumIEEE(c[off : off+size])}, recovered})
			failW(off, id, fmt.Errorf("record of %d bytes not decodable: %w", size, err))
		default:
			res.st.Partial++
			res.partials = append(res.partials, [2]uint64{id, TimeToFiletime(ev.Written)})
			where := ""
			if inSlack {
				where = " in chunk slack"
			}
			failW(off, id, fmt.Errorf("%w: record%s decoded in part (values kept, names unknown): %s", ErrCorrupt, where, ev.Partial))
		}
	}
	// The records the loop would read cheaply and pass over as outside the
	// window are passed over by passOver, in a chunk whose records
	// checksum is right read in a first pass with a window; the record it
	// stops at after reading its TimeCreated is at readAt (rtAt, cheapAt:
	// read as the loop reads it). A filter plays no part there: the loop
	// asks it only about records inside the window (TestPassOverEqualsLoop
	// scans with and without one), so a filtered read, and the walk that
	// makes one alongside (speculate.go), pass over the rest as fast.
	fast := !guarded && !passOverOff && w.active && !w.slackOnly && !j.old && h.RecordsChecksumOK
	readAt := -1
	var rtAt recordTime
	var cheapAt bool
	// passNext: passOver is tried at the next record. After it stops at a
	// record the loop reads, the loop reads on until it passes over one
	// by TimeCreated: inside a window (a filtered read's period, most of
	// a chunk) passOver would stop at every record, reading its
	// TimeCreated for the loop at the cost of a call and its set-up (+53 M
	// instructions over analyze of bench/run's volume, tried at every
	// record). Either reads a record alike, so which does changes nothing.
	passNext := true
	for off+recordHeaderSize <= len(c) {
		if fast && passNext {
			d := decoder()
			d.leanRead = true
			off, rtAt, cheapAt, readAt = passOver(c, off, free, d, &rule, res, &run, &cheapFT, ftLo, ftHi, allRecovered, lastID, w.passed, j)
			d.leanRead = false
			passNext = false
			if off+recordHeaderSize > len(c) {
				break
			}
		}
		// Until the record at off is placed: the problems of gaps and
		// salvaged records are the first pass's (never the slack pass's).
		inSlack, recovered = false, false
		size, ok := recordAt(c, off)
		var ev *Event
		salvaged := false
		if !ok {
			next := nextRecord(c, off+recordAlign)
			end := next
			if end < 0 {
				end = len(c)
			}
			// A record whose size fields are both zero but which runs up to
			// the next intact record (Windows has written such records) is
			// read with that extent, if it decodes to its own record id.
			// (It is decoded even outside the window, so that the same
			// problems are reported whatever the window.)
			if next > 0 && salvageSpan(c, off, next) {
				id := le.Uint64(c[off+8:])
				// (Not one of an old chunk, whose records are all old:
				// walkCands skips those chunks.)
				if !w.slackOnly && !j.old {
					res.noteCand(j.cands, writtenCand{id: id, slot: j.index, off: off, size: next - off, salvaged: true})
				}
				d := decoder()
				d.anySignature = true
				e, err := decodeSafely(d, off, next-off)
				d.anySignature = false
				if err == nil && e.System.EventRecordID == id {
					ev, size, salvaged = e, next-off, true
					why := "record size fields are 0"
					switch lead, trail := le.Uint32(c[off+4:]), le.Uint32(c[next-4:]); {
					case !bytes.Equal(c[off:off+4], recordMagic):
						why = fmt.Sprintf("the record signature is damaged (% x)", c[off:off+4])
					case lead != 0 || trail != 0:
						why = fmt.Sprintf("the record header claims %d bytes and the trailing size copy %d (one of them damaged)", lead, trail)
					}
					fail(off, id, fmt.Errorf("%w: %s; read as the %s up to the next record", ErrCorrupt, why, plural.N(size, "byte")))
				}
			}
			if !salvaged {
				// Report the part of the gap that lies in the record area.
				if gapEnd := min(end, area); gapEnd > off {
					res.st.UnreadBytes += int64(gapEnd - off)
					res.gaps = append(res.gaps, gapKey{size: uint32(gapEnd - off), sum: crc32.ChecksumIEEE(c[off:gapEnd])})
					var cut string
					if next < 0 && j.src != nil && !j.old {
						cut, _ = j.src.cutWhileWritten(j.index, j.speculated)
					}
					fail(off, brokenID(c, off), fmt.Errorf("%w: %s at chunk offset %#x..%#x hold%s no readable record%s%s", ErrCorrupt, plural.N(gapEnd-off, "byte"), off, gapEnd, plural.Word(gapEnd-off, "s", ""), brokenWhy(c, off, h, cut), gapRecords(c, h, off, gapEnd, next)))
					if next < 0 && j.more && zeroTail(c, off) {
						if why, ok := callUnwritten(j, &h); ok {
							fail(chunkSize-fileHeaderBlock, 0, unwrittenTailProblem(j, off, why))
						} else {
							fail(chunkSize-fileHeaderBlock, 0, zeroTailProblem(j, off))
						}
					}
				}
				if next < 0 {
					break
				}
				off = next
				continue
			}
		}
		id := le.Uint64(c[off+8 : off+16])
		if !salvaged && !j.old && idSuspect(&h, rule.vouched, c, off, size, id) {
			if own, beside, ok := damagedRecordID(&h, c, off, size, id, decoder); ok {
				switch {
				case beside != "":
					where := "whose header is not believed"
					if rule.vouched {
						where = "at or past the chunk header's free space offset"
					}
					fail(off, own, fmt.Errorf("%w: the record header's record number %d, in a chunk %s, differs from its EventRecordID %d, and %s: read as its EventRecordID %d", ErrCorrupt, id, where, own, beside, own))
				default:
					why := "the records checksum is wrong"
					if h.RecordsChecksumOK {
						why = "its EventRecordID lies inside it (the records checksum is right: a number damaged before it was computed, or crafted)"
					}
					fail(off, own, fmt.Errorf("%w: the record header's record number %d lies outside the chunk header's range %d..%d and %s: read as its EventRecordID %d", ErrCorrupt, id, h.FirstRecordID, h.LastRecordID, why, own))
				}
				id = own
			}
		}
		ft := le.Uint64(c[off+16 : off+24])
		// Every record of an old chunk is old, a salvaged one too.
		inSlack = j.old || !salvaged && rule.slack(off, id)
		if inSlack && !j.old && rule.tornCurrent(decoder, off, size) {
			inSlack = false // a torn record's own EventRecordID decides
		}
		if !inSlack && !salvaged && !w.slackOnly {
			res.noteCand(j.cands, writtenCand{id: id, slot: j.index, off: off, size: size})
		}
		if inSlack {
			if !w.slackOnly {
				res.st.Stale++
				if j.old {
					res.st.StaleOldChunks++
					res.staleOld = append(res.staleOld, len(res.stale))
				}
				res.stale = append(res.stale, recKey{id: id, size: uint32(size), sum: crc32.ChecksumIEEE(c[off : off+size])})
				res.slack = true
				off += size
				continue
			}
		} else {
			if w.slackOnly {
				off += size
				continue
			}
		}
		if salvaged {
			res.allCheap = false
		}
		recovered = salvaged || allRecovered || off >= free || id > lastID
		// Every current record's header time counts, whatever becomes of
		// it (slack records are old: the first pass counts them in Stale).
		if !inSlack {
			res.st.noteTime(ft)
			if ft == 0 {
				res.st.ZeroWritten++
			}
			// Counted whatever becomes of the record (skipped, filtered,
			// undecodable or yielded), so that no window changes it.
			if recovered {
				res.st.Recovered++
			}
		}
		if ev == nil {
			var rt recordTime
			cheap := false
			if w.active || w.filter != nil {
				var hit bool
				switch d := decoder(); {
				case off == readAt:
					rt, cheap = rtAt, cheapAt
				default:
					if rt, cheap, hit = j.recs.lookupTime(off, size); hit {
						break
					}
					if guarded {
						rt, cheap = d.readTime(off, size)
					} else {
						d.leanRead = true
						rt, cheap = d.readTimeLean(off, size)
						d.leanRead = false
					}
					j.recs.noteTime(off, size, rt, cheap)
				}
			}
			if cheap {
				var in bool
				if rt.fromFT() {
					// As noteRead, noteCheap and contains would, in
					// FILETIMEs (ftRun, ftRange).
					if !inSlack {
						run.note(id, ft, rt.ft, rt.eventRecordID, rt.hasID)
						res.cheap++
						cheapFT.note(rt.ft)
					}
					in = ftLo <= rt.ft && rt.ft <= ftHi
				} else {
					if !inSlack {
						run.flush(&res.st)
						res.st.noteRead(id, ft, *rt.created, rt.eventRecordID, rt.hasID)
						res.noteCheap(*rt.created)
					}
					in = w.contains(*rt.created)
				}
				if !in {
					// Outside the window by TimeCreated: not decoded.
					res.notePassedOver(id, ft, inSlack, w.passed, &res.st.Skipped)
					off += size
					passNext = true
					continue
				}
			} else {
				res.allCheap = false
			}
			if w.filter != nil {
				if s, ok := j.recs.summarize(decoder, off, size); ok {
					s.Written, s.RecordID, s.Damaged = FiletimeToTime(ft), id, damaged
					s.Verified = !damaged && !salvaged && off+size <= free && id <= lastID
					if cheap {
						s.TimeCreated = rt.time()
						if rt.hasID {
							s.EventRecordID = rt.eventRecordID
						}
					}
					sr.gen++
					sr.off, sr.size, sr.live = off, size, true
					s.rec, s.gen = &sr, sr.gen
					pass := w.filter(s)
					sr.live = false
					if !pass {
						// Not yielded; but a record whose BinXML values do
						// not resolve is decoded all the same, so that the
						// problem the plain read finds in it is found (a
						// cheap TimeCreated read implies they resolve).
						bad := false
						if !cheap && !decoder().nestedResolve(off, size) {
							if e, err := decodeSafely(decoder(), off, size); err != nil || e.Partial != "" {
								damage(off, size, id, e, err)
								bad = err != nil
							}
						}
						// One that does not decode is counted in
						// BadRecords (or SlackUnreadable) alone, as the
						// plain read counts it, not in Filtered too: each
						// record counts in one of Records, Skipped,
						// Filtered, BadRecords and Duplicates, whatever
						// the filter (TestFilterCountsPartition). Nor is
						// it passed over: the plain read yields no copy of
						// it to drop.
						if !bad {
							res.notePassedOver(id, ft, inSlack, w.passed, &res.st.Filtered)
						}
						off += size
						continue
					}
				}
			}
			var err error
			ev, err = decodeSafely(decoder(), off, size)
			if err != nil {
				damage(off, size, id, nil, err)
				off += size
				continue
			}
			if !cheap && !inSlack {
				run.flush(&res.st)
				res.st.noteEvent(id, ft, ev)
			}
		} else if !inSlack {
			run.flush(&res.st)
			res.st.noteEvent(id, ft, ev)
		}
		// A record decoded in part counts, and is reported, whether or not
		// the window yields it (its time may be plain: the template of its
		// EventData was overwritten), as in the plain read.
		if ev.Partial != "" {
			damage(off, size, id, ev, nil)
		}
		// A record decoded in full (its time could not be read cheaply, or
		// a salvaged one) is judged by its plain TimeCreated.
		if !w.admits(ev) {
			res.notePassedOver(id, ft, inSlack, w.passed, &res.st.Skipped)
			off += size
			continue
		}
		ev.RecordID = id
		ev.Written = FiletimeToTime(ft)
		ev.Source = Position{File: name, Chunk: j.index, Offset: j.off + int64(off)}
		ev.Damaged = damaged
		if inSlack {
			ev.Recovered = RecoveredSlack
			if j.old {
				ev.Recovered = RecoveredUnallocated
			}
			res.st.SlackRead++
			recovered = false
		}
		if res.passedAny && res.passedLo <= id && id <= res.passedHi {
			res.mayCopy = append(res.mayCopy, len(res.events))
		}
		res.events = append(res.events, ev)
		res.keys = append(res.keys, recKey{id: id, size: uint32(size), sum: crc32.ChecksumIEEE(c[off : off+size])})
		res.recovered = append(res.recovered, recovered)
		res.st.Records++
		off += size
	}
	run.flush(&res.st)
	if cheapFT.set {
		widen(&res.tmin, &res.tmax, &res.timed, FiletimeToTime(cheapFT.min))
		widen(&res.tmin, &res.tmax, &res.timed, FiletimeToTime(cheapFT.max))
	}
	if j.recs != nil {
		j.recs.finish(h, res.tmax)
		res.recs = j.recs
	}
	slices.SortStableFunc(res.errs, func(a, b *FormatError) int { return cmp.Compare(a.Offset, b.Offset) })
	return res
}

// notePassed widens res.passedLo..passedHi to record id id, of a record
// the window passed over or the filter declined.
func (res *chunkResult) notePassed(id uint64) {
	if !res.passedAny {
		res.passedLo, res.passedHi, res.passedAny = id, id, true
		return
	}
	res.passedLo, res.passedHi = min(res.passedLo, id), max(res.passedHi, id)
}

// notePassedOver notes that record id, of header time ft, is passed over
// (outside the window, or declined by the filter), not yielded: counted in
// *count (Stats.Skipped or Stats.Filtered) unless it is an old record of
// chunk slack, and kept in res.passed when keep (window.passed).
func (res *chunkResult) notePassedOver(id, ft uint64, inSlack, keep bool, count *int) {
	res.notePassed(id)
	if inSlack {
		return
	}
	*count++
	if keep {
		res.passed = append(res.passed, [2]uint64{id, ft})
	}
}

// noteCand notes c, a record Next would consider yielding, in res.span,
// and gives it to cands (chunkJob.cands) if not nil.
func (res *chunkResult) noteCand(cands func(writtenCand), c writtenCand) {
	res.span.note(c)
	if cands != nil {
		cands(c)
	}
}

// passOverOff makes scanChunk read every record in its loop, none passed
// over by passOver (tests compare the two ways).
var passOverOff = false

// passOver passes over the records of chunk c from off on that scanChunk's
// loop reads cheaply (by readTimeLean, with decoder d) and passes over as
// outside the window: current records (before the free space offset free,
// in a chunk that is not old and whose records checksum is right, read in
// a first pass with a window and no filter) with a TimeCreated read as a
// FILETIME outside lo..hi. It notes each as the loop does (rule, res, run,
// span; recovered when allRecovered or its id is above lastID; listed in
// res.passed when passed) and returns the offset of the first record it
// does not pass over, which the loop reads; and when it read that one's
// TimeCreated, what it read (rt, cheap) and readAt, the record's offset,
// else -1. As the loop, it reads a TimeCreated the record memo holds from
// it and notes one it reads there (j.recs), and gives each record it
// passes over to j.cands.
func passOver(c []byte, off, free int, d *chunkDecoder, rule *slackRule, res *chunkResult, run *ftRun, span *ftSpan, lo, hi uint64, allRecovered bool, lastID uint64, passed bool, j chunkJob) (next int, rt recordTime, cheap bool, readAt int) {
	le := binary.LittleEndian
	for off < free && off+recordHeaderSize <= len(c) {
		size, ok := recordAt(c, off)
		if !ok {
			break
		}
		var hit bool
		if rt, cheap, hit = j.recs.lookupTime(off, size); !hit {
			rt, cheap = d.readTimeLean(off, size)
			j.recs.noteTime(off, size, rt, cheap)
		}
		if !cheap || !rt.fromFT() || lo <= rt.ft && rt.ft <= hi {
			return off, rt, cheap, off
		}
		h := c[off : off+recordHeaderSize : off+recordHeaderSize]
		id, ft := le.Uint64(h[8:16]), le.Uint64(h[16:24])
		if !rule.trust || id < rule.firstID || id > rule.hdrLast || !rule.vouched && !nextNumbered(c, off+size, id+1) {
			// Its number outside the chunk header's range, or one no
			// header vouches for and the next record's does not
			// continue (idSuspect): the loop asks damagedRecordID
			// (records before free lie in the range in a sound chunk,
			// so this costs nothing there).
			return off, rt, cheap, off
		}
		res.noteCand(j.cands, writtenCand{id: id, slot: j.index, off: off, size: size})
		rule.lastID = max(rule.lastID, id) // rule.slack before free
		res.st.noteTime(ft)
		if ft == 0 {
			res.st.ZeroWritten++
		}
		if allRecovered || id > lastID {
			res.st.Recovered++
		}
		run.note(id, ft, rt.ft, rt.eventRecordID, rt.hasID)
		res.cheap++
		span.note(rt.ft)
		res.notePassedOver(id, ft, false, passed, &res.st.Skipped)
		off += size
	}
	return off, recordTime{}, false, -1
}

// slackRule tells the records of a chunk's slack from its current ones,
// asked in offset order. A record past the free space offset of a header
// that can be believed is current when its record id continues the chunk's
// records (the header was not updated after it was written) or, in a file
// that was not closed cleanly (dirty flag, or a damaged file header), when
// its id lies above the chunk header's last record id: Windows updates a
// chunk header after the records, so in a live or shadow copy the header
// can lag, and a shadow copy taken while a chunk was rewritten holds blocks
// of both uses (the VSS RemoteConnectionManager sample's chunk 1: header
// 401513..401596, records 463046..463076 past its free space offset, the
// log's newest). Any other record there is what remains of an earlier use
// of the chunk or of a log that was cleared (numbering restarts at 1 after
// a clear, so in a cleanly closed file even higher ids past the free space
// offset are old: the fakenevtx Security samples).
type slackRule struct {
	free    int
	known   bool
	dirty   bool
	firstID uint64
	hdrLast uint64 // the chunk header's last record id
	lastID  uint64 // highest record id of the current records so far
	// vouched tells that the chunk header vouches for the numbers of the
	// records before its free space offset (headerVouches).
	vouched bool
	// trust: the header's free space offset can be believed
	// (slackBelieved). When it cannot (a dirty log's current chunk, whose
	// checksums lag its records), a record numbered at or below one read
	// before it in the chunk is slack: a chunk's records are written in
	// rising order from its start, so what follows them with lower numbers
	// is an earlier use's. Such records were read as current, decoded in
	// part, and shortened the run of records called lost.
	trust bool
}

// slackBelieved tells whether the free space offset of header h of a
// chunk of n bytes can be believed (newSlackRule): the header is trusted
// (signature, header checksum, a whole chunk, a free space offset inside
// it), or its records checksum vouches for the offset. scanChunk and
// walkChunk judge alike.
func slackBelieved(h chunkHeader, n int) bool {
	free := int(h.FreeSpaceOffset)
	trusted := h.SignatureOK && h.ChecksumOK && n >= chunkSize && free >= chunkHeaderSize && free <= n
	return trusted || h.SignatureOK && h.RecordsChecksumOK
}

// newSlackRule returns the rule for a chunk of n bytes with header h;
// believed tells whether the header's free space offset can be trusted
// (header checksum, or records checksum, intact); dirty whether the file
// was not closed cleanly.
func newSlackRule(h chunkHeader, believed bool, n int, dirty bool) slackRule {
	free := int(h.FreeSpaceOffset)
	return slackRule{
		free: free,
		// A header that counts no record yet (a chunk started but never
		// updated) says nothing about what follows its free space offset:
		// those are the chunk's first records.
		known:   believed && n == chunkSize && free >= chunkHeaderSize && free <= n && h.LastRecordID != 0,
		dirty:   dirty,
		firstID: h.FirstRecordID,
		hdrLast: h.LastRecordID,
		vouched: headerVouches(&h, n),
		trust:   believed,
	}
}

// slack reports whether the record at chunk offset off with record id id
// lies in the slack.
func (r *slackRule) slack(off int, id uint64) bool {
	if !r.trust && r.lastID != 0 && id <= r.lastID {
		return true
	}
	if r.known && off >= r.free && !(r.dirty && id > r.hdrLast) && id != r.lastID+1 && (r.lastID != 0 || id != r.firstID) {
		return true
	}
	r.lastID = max(r.lastID, id)
	return false
}

// decodeSafely calls the decoder and turns a panic (a decoder bug) into an
// error, so one bad record cannot take the process down.
func decodeSafely(d *chunkDecoder, off, size int) (ev *Event, err error) {
	defer func() {
		if p := recover(); p != nil {
			ev, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrCorrupt, p)
		}
	}()
	ev, err = d.decodeRecord(off, size)
	if err == nil && ev == nil {
		err = fmt.Errorf("%w: no event", ErrCorrupt)
	}
	return ev, err
}

// brokenID returns the record id of a record header at off that failed
// the checks, or 0 if there is no record signature there.
func brokenID(c []byte, off int) uint64 {
	if off+recordHeaderSize <= len(c) && bytes.Equal(c[off:off+4], recordMagic) {
		return binary.LittleEndian.Uint64(c[off+8:])
	}
	return 0
}

// gapRecords names the records whose bytes an unreadable gap of chunk c
// (off..end, the next intact record at next, -1 for none) held, by the
// record numbers around it: from the one after the last intact record
// before the gap (the chunk header's first record id when none is, and
// the header's signature and checksum are right) to the one before the
// record at next (the header's last record id when there is none). Windows
// numbers a chunk's records one after another, and the chunk header holds
// its first and last event record identifiers (libyal/libevtx
// evtx_chunk.h, "first_event_record_identifier" and
// "last_event_record_identifier"), so those records were written there
// and are not read: no other problem, count or lost run (LostRecords returns only the
// runs between chunks) names them. It returns "" when the numbers around
// the gap are not known or leave none between them (bytes that were no
// record), name more records than the gap could hold (a damaged
// number), or name one an intact record elsewhere in the chunk has. It
// reads only c, so the text is the same whatever else was read.
func gapRecords(c []byte, h chunkHeader, off, end, next int) string {
	le := binary.LittleEndian
	headerOK := h.SignatureOK && h.ChecksumOK
	var prev uint64
	var read []uint64 // the numbers of the chunk's intact records
	for o := chunkHeaderSize; o >= 0 && o+recordHeaderSize <= len(c); {
		size, ok := recordAt(c, o)
		if !ok || o < off && o+size > off {
			o = nextRecord(c, o+recordAlign)
			continue
		}
		id := le.Uint64(c[o+8:])
		read = append(read, id)
		if o < off {
			prev = id
		}
		o += size
	}
	var lo, hi uint64
	switch {
	case prev != 0:
		lo = prev + 1
	case headerOK && h.FirstRecordID != 0:
		lo = h.FirstRecordID
	default:
		return ""
	}
	switch {
	case next >= 0:
		if _, ok := recordAt(c, next); !ok {
			return ""
		}
		hi = le.Uint64(c[next+8:]) - 1
	case headerOK && h.LastRecordID != 0:
		hi = h.LastRecordID
	default:
		return ""
	}
	if hi < lo || hi-lo >= uint64((end-off)/minRecordSize) {
		return ""
	}
	for _, id := range read {
		if id >= lo && id <= hi {
			return "" // held elsewhere in the chunk: the numbers are out of order
		}
	}
	if hi == lo {
		return fmt.Sprintf("; by the record numbers around it, record %d was written here and is not read", lo)
	}
	return fmt.Sprintf("; by the record numbers around it, records %d to %d (%d) were written here and are not read", lo, hi, hi-lo+1)
}

// brokenWhy explains why the record header at off of chunk c (header h)
// failed the checks. A record whose trailing size copy differs from its
// header's size is, where cut says why (source.cutWhileWritten: the last
// record of a dirty log's newest chunk), one the event log service was
// writing when the log stopped; elsewhere it is cut short or damaged,
// which the bytes do not tell apart. Not where the chunk header, intact,
// counts records after it: the service wrote those after this one, whose
// bytes are gone too (omerbenamram's HelloForBusiness sample: record 6
// runs past chunk offset 0x1000, from where the chunk is zeros, while its
// header counts records up to 20, the last at 0x25c0).
func brokenWhy(c []byte, off int, h chunkHeader, cut string) string {
	id := brokenID(c, off)
	if id == 0 {
		return ""
	}
	size := int(binary.LittleEndian.Uint32(c[off+4:]))
	switch {
	case size < minRecordSize:
		return fmt.Sprintf(" (a record header claims %s)", plural.N(size, "byte"))
	case size > len(c)-off:
		return fmt.Sprintf(" (a record header claims %d bytes, past the end of the chunk)", size)
	default:
		claim := fmt.Sprintf(" (a record header claims %d bytes but the trailing size copy is %d: ", size, binary.LittleEndian.Uint32(c[off+size-4:]))
		if h.SignatureOK && h.ChecksumOK && h.LastRecordID > id && h.FirstRecordID <= id {
			n := h.LastRecordID - id
			return claim + fmt.Sprintf("the record is cut short or damaged: the chunk header counts %s written after it, up to record %d)", plural.N(n, "record"), h.LastRecordID)
		}
		if cut != "" {
			return claim + fmt.Sprintf("the record was being written when the log stopped: %s)", cut)
		}
		return claim + "the record is cut short or damaged)"
	}
}

func chunkHeaderCRC(c []byte) uint32 {
	crc := crc32.NewIEEE()
	crc.Write(c[:120])
	crc.Write(c[128:chunkHeaderSize])
	return crc.Sum32()
}

// ftRange returns the FILETIMEs whose times (FiletimeToTime) lie in the
// active window w: lo..hi when any is (ok), exactly those for which
// w.contains(FiletimeToTime(ft)) holds, as FiletimeToTime is strictly
// increasing (TestWindowFiletimeRange compares the two).
func (w window) ftRange() (lo, hi uint64, ok bool) {
	first, last := FiletimeToTime(0), FiletimeToTime(math.MaxUint64)
	lo, hi = 0, math.MaxUint64
	if !w.since.IsZero() && w.since.After(first) {
		if w.since.After(last) {
			return 0, 0, false
		}
		// TimeToFiletime truncates to 100 ns: the FILETIME at or before
		// since; the next one when it is before.
		lo = TimeToFiletime(w.since)
		if FiletimeToTime(lo).Before(w.since) {
			lo++
		}
	}
	if !w.until.IsZero() && w.until.Before(last) {
		if w.until.Before(first) {
			return 0, 0, false
		}
		hi = TimeToFiletime(w.until) // at or before until
	}
	return lo, hi, lo <= hi
}

// ftRun is what noteRead would note of a run of records whose
// TimeCreated are FILETIMEs, noted in order (note) and given to a Stats
// in one step (flush) with the same result: counts add up, the span of
// times is that of its ends, and the last-written record is the run's
// first with the highest (record number, TimeCreated), which takes the
// Stats' place only when higher, as it would have in order
// (FiletimeToTime is strictly increasing, so FILETIMEs compare as their
// times). A TimeCreated of FILETIME 0 is counted and left out of the
// rest, and one before 1980 or after the year 9999 left out of the last-written record
// (usableFT), as noteRead leaves them out.
type ftRun struct {
	ids, renumbered int
	timed           bool // min and max hold values
	min, max        uint64
	best            bool // bestID etc. hold values
	bestID, bestFT  uint64
	bestERID        uint64
	bestExported    bool
	pending         bool // something to flush
}

// note notes record number id with header time hdr, TimeCreated FILETIME
// tc and EventRecordID erid when hasID, as noteRead does.
func (r *ftRun) note(id, hdr, tc, erid uint64, hasID bool) {
	r.pending = true
	read, renumbered, exported, erid := idNote(id, hdr, erid, hasID)
	r.ids += read
	r.renumbered += renumbered
	if tc == 0 {
		return
	}
	if !r.timed {
		r.min, r.max, r.timed = tc, tc, true
	} else {
		r.min, r.max = min(r.min, tc), max(r.max, tc)
	}
	if usableFT(tc) && (!r.best || id > r.bestID || id == r.bestID && tc > r.bestFT) {
		r.bestID, r.bestFT, r.bestERID, r.bestExported, r.best = id, tc, erid, exported, true
	}
}

// flush gives s what noteRead would have noted of the run's records, in
// their order, and empties the run.
func (r *ftRun) flush(s *Stats) {
	if !r.pending {
		return
	}
	s.IDsRead += r.ids
	s.Renumbered += r.renumbered
	if r.best {
		s.noteLast(r.bestID, FiletimeToTime(r.bestFT), r.bestExported, r.bestERID)
	}
	if r.timed {
		widen(&s.FirstCreated, &s.LastCreated, &s.created, FiletimeToTime(r.min))
		widen(&s.FirstCreated, &s.LastCreated, &s.created, FiletimeToTime(r.max))
	}
	*r = ftRun{}
}

// ftSpan is the span of FILETIMEs noted.
type ftSpan struct {
	min, max uint64
	set      bool
}

func (p *ftSpan) note(ft uint64) {
	if !p.set {
		p.min, p.max, p.set = ft, ft, true
		return
	}
	p.min, p.max = min(p.min, ft), max(p.max, ft)
}

// noteCheap counts a current record whose TimeCreated t was read cheaply
// and widens the span of those times.
func (r *chunkResult) noteCheap(t time.Time) {
	r.cheap++
	widen(&r.tmin, &r.tmax, &r.timed, t)
}

// widen widens the span [first, last] (none when !set) to hold t.
func widen(first, last *time.Time, set *bool, t time.Time) {
	if !*set {
		*first, *last, *set = t, t, true
		return
	}
	if t.Before(*first) {
		*first = t
	}
	if t.After(*last) {
		*last = t
	}
}

// zeroTail reports whether chunk c, a whole chunk slot, ends in a file
// header block (4 KiB) of zeros into which the chunk's unreadable bytes
// from off run (a record started before it, or the chunk's records,
// which its free space offset says run on, stop at it): where a log cut a file
// header block before a chunk's end is followed by another log whose file
// header is zeroed, that header lies there, and that log's chunks on the
// cut log's chunk offsets (nextLog finds such a header by what is left of
// it, headerInSlot; zeroed, nothing is left).
func zeroTail(c []byte, off int) bool {
	tail := chunkSize - fileHeaderBlock
	// The zeros start at the block, not before it (a few zero bytes of
	// the record before it aside): a crash that left a chunk's newest
	// records unwritten zeroes from where they start, wherever that is
	// (sample_with_a_bad_chunk_magic: 57,000 bytes of chunk 0).
	const near = 64
	if len(c) != chunkSize || off > tail || !allZero(c[tail:]) {
		return false
	}
	from := tail - near // what runs up to the block: the record at off, or the one before it
	if off < tail {
		from = max(off, from)
	}
	return !allZero(c[from:tail])
}

// zeroTailProblem is the problem zeroTail's zeros get, at their offset:
// the chunks after them may be another log's, which no byte tells apart.
// They are read as they were (nothing is dropped on a guess); the problem
// names where they start so that they can be copied out and read alone.
func zeroTailProblem(j chunkJob, off int) error {
	tail := j.off + chunkSize - fileHeaderBlock
	return fmt.Errorf("%w: the last %d bytes of chunk slot %d (offset %#x to %#x) are zeros, and the chunk's unreadable bytes from chunk offset %#x run into them: "+
		"a file header block's size at a chunk slot's end, as where a log cut a file header block before a chunk's end (a copy cut at a 4 KiB block) "+
		"is followed by another log whose file header is zeroed; then the chunks from offset %#x on may be another log's, "+
		"read here as this log's own (or as old chunks past its file header's count), which no byte tells apart; "+
		"to read them as a log of their own, copy the bytes from offset %#x to the end into a file and give that file",
		ErrCorrupt, fileHeaderBlock, j.index, tail, tail+fileHeaderBlock, off, tail+fileHeaderBlock, tail)
}

// unwrittenTailProblem is the problem zeroTail's zeros get, at their
// offset, where the file header says that the log was in use (its dirty
// flag set) and nothing after the chunk is another log's
// (source.tailUnwritten): the page the log's writer had not yet written
// to disk, as a crash or a copy of a log in use leaves it, not damage.
//
// Windows' event log service keeps the chunk it writes mapped in memory
// (A. Schuster, "Evtx Chunk Header",
// https://computer.forensikblog.de/en/2007/07/evtx-chunk-header.html),
// so that its pages reach the disk when the memory manager writes them,
// not in record order; the dirty flag means "there are unsaved changes",
// the file and chunk headers then "may not reflect the status of the
// file" (A. Schuster, "Evtx File Header",
// https://computer.forensikblog.de/en/2007/07/evtx-file-header.html). A
// dirty Security.evtx with a block of zeros right after an event record in
// a chunk is among libevtx's corruption scenarios, read as a file "copied
// while event record ... was being written"
// (https://github.com/libyal/libevtx/blob/main/documentation/Windows%20XML%20Event%20Log%20(EVTX).asciidoc,
// "Corrupt event record" and "Corruption scenario: event record mismatch
// between size and copy of size"). A chunk slot's last 4 KiB is one such
// page.
func unwrittenTailProblem(j chunkJob, off int, after string) error {
	tail := j.off + chunkSize - fileHeaderBlock
	return fmt.Errorf("%w: the last %d bytes of chunk slot %d (offset %#x to %#x) are zeros, and the chunk's unreadable bytes from chunk offset %#x run into them; "+
		"the file header's dirty flag is set (the log was in use, not closed, when the file was copied or the machine stopped) and %s: "+
		"a page of the chunk that the event log service had not yet written to disk, as a crash or a copy of a log in use leaves it, not damage; "+
		"the records written there are not in the file",
		ErrUnwritten, fileHeaderBlock, j.index, tail, tail+fileHeaderBlock, off, after)
}

// callUnwritten asks j.src, when set, about the chunk whose header is h
// (source.tailUnwritten), when it is read as the log's: the zeros of an
// old chunk (another log's, or an earlier use's) are no page the log's
// writer was writing.
func callUnwritten(j chunkJob, h *chunkHeader) (string, bool) {
	if j.src == nil || j.old {
		return "", false
	}
	return j.src.tailUnwritten(j.index, h)
}
