package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// appended is where another log starts in a file (span.nextLog).
type appended struct {
	at int64 // the offset of its file header
	// damaged: its file header is not intact; what says it is there is
	// a chunk of it, at chunk (a file header block and whole chunks on),
	// whose header claims records first to last.
	damaged     bool
	chunk       int64
	first, last uint64
	// zeros: the chunk slot before it is all zeros, and may be its file
	// header and first chunk, zeroed (walkBack).
	zeros bool
	// inSlot: its damaged file header lies in the last file header block
	// of a chunk slot of the log before it (headerInSlot), its chunks on
	// that log's chunk offsets; sigKept: that header's signature is
	// intact (its checksum wrong), else its fixed fields are.
	inSlot, sigKept bool
}

// span is one log of an input that may hold several one after the
// other, as far as finding where the next starts needs: the input
// (ra, its size), where the log starts (start: its file header, or its
// first chunk for bare chunks), its chunk slot 0 (base), and its file
// header's chunk count when that header is intact (hdrOK).
type span struct {
	ra          io.ReaderAt
	size        int64
	start, base int64
	hdrOK       bool
	hdrN        int
}

// spanAt is the log whose file header lies at off, read as a span.
func spanAt(ra io.ReaderAt, size, off int64) span {
	sp := span{ra: ra, size: size, start: off, base: off + fileHeaderBlock}
	var h [fileHeaderSize]byte
	if n, _ := ra.ReadAt(h[:], off); n == len(h) && bytes.Equal(h[:8], fileMagic) && crc32.ChecksumIEEE(h[:120]) == binary.LittleEndian.Uint32(h[124:]) {
		sp.hdrOK = true
		sp.hdrN = int(binary.LittleEndian.Uint16(h[42:]))
	}
	return sp
}

// maxLaterLogs bounds the logs looked for after the first: past it, the
// last one named is said to run to the end of the input.
const maxLaterLogs = 64

// laterLogs returns where each log after sp's starts, in file order
// (nextLog, on each log found in turn), at most maxLaterLogs of them.
func (sp span) laterLogs() []appended {
	var out []appended
	for len(out) < maxLaterLogs {
		a, ok := sp.nextLog()
		if !ok || a.at <= sp.start {
			break
		}
		out = append(out, a)
		sp = spanAt(sp.ra, sp.size, a.at)
	}
	return out
}

// nextLog returns where another log starts after sp's: the first chunk
// slot that holds, in place of a chunk, the file header of another log
// (its signature and CRC32 right), or, when that header is damaged (its
// checksum wrong, its signature overwritten or zeroed), a slot that holds
// no chunk with an intact chunk header a file header block (4 KiB) into
// it: a log's first chunk follows its file header block, and no chunk of
// this log can lie there, off its chunk offsets. Such a file is a log
// followed by another's (cat a.evtx b.evtx, a carve that ran on). A
// complete log ends at a chunk boundary, so the second log's header falls
// on one. The slots looked at are those past the chunks the file header
// counts when it is intact (a log's own chunks lie within its count, or
// past it only where the header lags: usually no slot at all, so reading
// a log costs nothing more), and every slot when it is not: its CRC32
// wrong, its signature lost, or no file header at all (bare chunks, whose
// slots start at offset 0).
//
// A second log after a first that was cut inside a chunk is at no
// boundary: when no slot holds a file header and the file is not whole
// chunks (a cut log, or one followed by another), the offsets a file
// header block and whole chunks before the end of the file are looked at
// (a small read each), where the header of a complete last log lies, and
// when one is found, intact or damaged, the bytes before it are searched
// for an earlier log (firstLogMark): an intact file header, or an intact
// chunk header off this log's chunk offsets; a last log itself cut is not
// found. A log of whole chunks costs nothing more.
//
// The slot found is where the other log's header lies only if that
// header or its first chunk is whole; when both are damaged, the first
// intact chunk found is a later one of that log, and its header lies
// whole chunks before: walkBack finds it.
//
// Each offset looked at costs one read of a file header block and a
// chunk header (4.5 KiB); where the input can tell where its data lies
// (a sparse file's holes, which read as zeros: dataFinder), the offsets
// whose bytes lie in a hole are not read, as zeros hold neither header.
func (sp span) nextLog() (appended, bool) {
	nslots := slots(sp.size, sp.base)
	from := 0
	if sp.hdrOK {
		from = sp.hdrN
	}
	if sp.base+int64(from)*chunkSize <= sp.start {
		// Bare chunks: slot 0 is this log's start.
		from = int((sp.start-sp.base)/chunkSize) + 1
	}
	if from < nslots {
		if a, ok := sp.scanAppended(sp.base+int64(from)*chunkSize, sp.base+int64(nslots)*chunkSize); ok {
			if h, ok := sp.headerInSlot(nslots, a.at); ok {
				return h, true
			}
			return sp.walkBack(a), true
		}
	}
	if a, ok := sp.headerInSlot(nslots, sp.size); ok {
		return a, true
	}
	if sp.size > sp.base && (sp.size-sp.base)%chunkSize != 0 {
		// The logs after the first, complete, are each a file header
		// block and whole chunks: the second's header lies that far
		// before the end, or the last's does. Those offsets alone are
		// looked at, so that a cut log costs a small read a chunk slot,
		// not a read of the whole file on every open.
		last := sp.size - fileHeaderBlock
		lo := max(sp.base, sp.start+1)
		if last >= lo {
			if a, ok := sp.scanAppended(last-(last-lo)/chunkSize*chunkSize, last+1); ok {
				// With more logs after it, the header found is the
				// last's, or a chunk of the log before the last: the
				// bytes before it are searched for an earlier log
				// (this file holds logs after the first, so the
				// search is paid only then).
				if e, ok := sp.firstLogMark(lo, a.at); ok {
					a = e
				}
				return sp.walkBack(a), true
			}
		}
	}
	return appended{}, false
}

// headerInSlot returns the file header of another log that lies in the
// last file header block of one of sp's chunk slots: a log cut inside a
// chunk exactly a file header block before the chunk's end (a copy cut at
// a 4 KiB block, one in 16 of such cuts) and followed by another puts that
// log's chunks on sp's own chunk offsets, where they read as sp's chunks,
// and the file is whole chunks, so nextLog's other looks find nothing.
// The header is intact, or damaged with a mark of it left (headerMark:
// its signature, its checksum wrong, or its fixed fields, its signature
// overwritten); one zeroed leaves no mark, and that log's chunks then
// cannot be told from sp's. The blocks are looked at (a 128-byte read
// each, 4 KiB where the fixed fields are to be checked) only where sp's
// slots may hold more than sp's counted chunks: its file header is not
// intact, or counts chunks past the input's end (sp was cut), or its
// slots may hold more than its chunks (mayHoldMore); a log whose slots
// past its count are empty, or that has none, costs three reads at most.
// A log cut in an earlier chunk whose next log holds an intact chunk in
// sp's last counted slot and none in the slot after is not found. Only
// the blocks below below are looked at (a later log found already).
func (sp span) headerInSlot(nslots int, below int64) (appended, bool) {
	if sp.hdrOK && sp.hdrN > 0 && sp.hdrN <= nslots && !sp.mayHoldMore() {
		return appended{}, false
	}
	holes, _ := sp.ra.(dataFinder)
	if noHoleSkip {
		holes = nil
	}
	for j := 1; j < nslots; j++ {
		off := sp.base + int64(j)*chunkSize - fileHeaderBlock
		if off >= below {
			break
		}
		if off <= sp.start {
			continue
		}
		if holes != nil {
			if d, ok := holes.nextData(off); ok && d >= off+fileHeaderSize {
				// The slots whose header block starts before the
				// data at d less a header's size lie in the same hole:
				// the look goes on at the first one that reaches d (one
				// call a hole, not one a slot: a 20 GiB hole has 327,680).
				j = max(j, int((d-sp.base+fileHeaderBlock-fileHeaderSize)/chunkSize))
				continue
			}
		}
		if a, ok := sp.slotHeader(j); ok {
			return a, true
		}
	}
	return appended{}, false
}

// mayHoldMore reports whether the chunk slots of sp, whose file header is
// intact and counts hdrN chunks, 0 < hdrN <= the slots the input holds,
// may hold more than its chunks (headerInSlot): the first slot past the
// count holds an intact chunk header (the header lags, or another log's
// chunk lies there), the file header block before that slot holds a
// mark of a file header (sp cut a block before its last counted chunk's
// end, the next log's first chunk damaged), or the last slot counted
// holds no intact chunk header (sp's own last chunk lies there: another
// log's bytes, when sp was cut in an earlier chunk and that log holds
// fewer chunks than sp's count). Three reads at most.
func (sp span) mayHoldMore() bool {
	h := make([]byte, chunkHeaderSize)
	if n, _ := sp.ra.ReadAt(h, sp.base+int64(sp.hdrN)*chunkSize); n == len(h) && intactChunkHeader(h) {
		return true
	}
	if _, ok := sp.slotHeader(sp.hdrN); ok {
		return true
	}
	n, _ := sp.ra.ReadAt(h, sp.base+int64(sp.hdrN-1)*chunkSize)
	return n < len(h) || !intactChunkHeader(h)
}

// slotHeader returns the file header, intact or with a mark of it left
// (headerMark), that lies in the file header block before sp's chunk
// slot j (headerInSlot).
func (sp span) slotHeader(j int) (appended, bool) {
	off := sp.base + int64(j)*chunkSize - fileHeaderBlock
	var h [fileHeaderSize]byte
	if n, _ := sp.ra.ReadAt(h[:], off); n < len(h) {
		return appended{}, false
	}
	if bytes.Equal(h[:8], fileMagic) && crc32.ChecksumIEEE(h[:120]) == binary.LittleEndian.Uint32(h[124:]) {
		return appended{at: off}, true
	}
	le := binary.LittleEndian
	sig := bytes.Equal(h[:8], fileMagic)
	if !sig && (le.Uint32(h[32:]) != fileHeaderSize || le.Uint16(h[38:]) != 3 || le.Uint16(h[40:]) != fileHeaderBlock) {
		return appended{}, false
	}
	if !sig {
		// The fixed fields alone: the block must be zero past them,
		// as a file header block is (headerFields).
		b := make([]byte, fileHeaderBlock)
		if n, _ := sp.ra.ReadAt(b, off); n < len(b) || !headerFields(b) {
			return appended{}, false
		}
	}
	a := appended{at: off, damaged: true, inSlot: true, sigKept: sig, chunk: off + fileHeaderBlock}
	c := make([]byte, chunkHeaderSize)
	if n, _ := sp.ra.ReadAt(c, a.chunk); n == len(c) && intactChunkHeader(c) {
		f := parseChunkFields(c)
		a.first, a.last = f.FirstRecordID, f.LastRecordID
	}
	return a, true
}

// noHoleSkip makes scanAppended read every offset, holes or not (tests
// compare the two ways).
var noHoleSkip = false

// scanAppended looks at the offsets from start to below end in steps of
// a chunk for another log's start (nextLog), the first found.
func (sp span) scanAppended(start, end int64) (appended, bool) {
	buf := make([]byte, fileHeaderBlock+chunkHeaderSize)
	holes, _ := sp.ra.(dataFinder)
	if noHoleSkip {
		holes = nil
	}
	for off := start; off < end && off < sp.size; off += chunkSize {
		if holes != nil {
			// The bytes looked at, off to off+len(buf), lie in a
			// hole when the next data is past them: the first offset
			// whose bytes reach it is read next.
			d, ok := holes.nextData(off)
			if ok && d >= sp.size {
				break
			}
			if ok && d >= off+int64(len(buf)) {
				off += (d - off - int64(len(buf))) / chunkSize * chunkSize
				continue
			}
		}
		n, _ := sp.ra.ReadAt(buf, off)
		b := buf[:n]
		if len(b) >= fileHeaderSize && bytes.Equal(b[:8], fileMagic) && crc32.ChecksumIEEE(b[:120]) == binary.LittleEndian.Uint32(b[124:]) {
			return appended{at: off}, true
		}
		if len(b) == len(buf) && !intactChunkHeader(b) && intactChunkHeader(b[fileHeaderBlock:]) {
			return damagedStart(off, off+fileHeaderBlock, b[fileHeaderBlock:]), true
		}
	}
	return appended{}, false
}

// damagedStart is a log start at off whose file header is not intact,
// found by its chunk at chunk, whose header is h.
func damagedStart(off, chunk int64, h []byte) appended {
	f := parseChunkFields(h)
	return appended{at: off, damaged: true, chunk: chunk, first: f.FirstRecordID, last: f.LastRecordID}
}

// firstLogMark returns the first mark of another log in sp's bytes from
// lo to below end: an intact file header (that log's start), or an
// intact chunk header off sp's chunk offsets (a chunk of another log,
// whose header lies a file header block before it, or whole chunks more
// when its first chunk is damaged: walkBack). It reads every byte
// (signatureWithin's way).
func (sp span) firstLogMark(lo, end int64) (appended, bool) {
	from := lo
	for from < end {
		at, what, ok := signatureWithin(sp.ra, from, min(end+chunkHeaderSize, sp.size), true)
		if !ok || at >= end {
			return appended{}, false
		}
		if what == sigFileHeader {
			return appended{at: at}, true
		}
		if (at-sp.base)%chunkSize != 0 && at-fileHeaderBlock >= lo {
			h := make([]byte, chunkHeaderSize)
			sp.ra.ReadAt(h, at)
			return damagedStart(at-fileHeaderBlock, at, h), true
		}
		from = at + 1
	}
	return appended{}, false
}

// walkBack returns where the log found at a starts: a itself when its
// file header is intact, else the lowest of the offsets whole chunks
// before it that hold the start of that same log, each step on while the
// chunk slot stepped onto holds a mark of a log's start and none of sp's
// own chunks:
//
//   - marks of another log's start: the file header signature (its
//     CRC32 wrong, else the step ends there, at an intact header), the
//     file header's fixed fields (its signature overwritten), the
//     chunk signature a file header block on (where that log's first
//     chunk lies, its header's CRC32 wrong), or a file header block that
//     is zero past its 128 header bytes, as a log's is, before a record
//     a chunk header on (that log's first record, its chunk header
//     overwritten);
//   - marks of sp's own chunk, on sp's chunk offsets: the chunk
//     signature, or a record where a chunk's first lies.
//
// A mark of the file header ends the walk: that is where the log starts.
// A slot of zeros holds no mark: it may be the other log's header and
// first chunk zeroed, or a slot of sp's that was never used (a log's
// file holds more slots than its header counts, zero), and the two
// cannot be told apart; the bytes are zeros either way, so nothing is
// lost, and zeros says so (the problem names it).
func (sp span) walkBack(a appended) appended {
	if !a.damaged {
		return a
	}
	lo := max(sp.base, sp.start+1)
	buf := make([]byte, fileHeaderBlock+chunkSize)
	if n, _ := sp.ra.ReadAt(buf[:fileHeaderBlock], a.at); n == fileHeaderBlock && headerMark(buf) {
		return a
	}
	for s := a.at - chunkSize; s >= lo; s -= chunkSize {
		n, _ := sp.ra.ReadAt(buf, s)
		b := buf[:n]
		if len(b) < fileHeaderBlock+chunkHeaderSize {
			break
		}
		if (s-sp.base)%chunkSize == 0 && (bytes.Equal(b[:8], chunkMagic) || firstRecord(b)) {
			break
		}
		if bytes.Equal(b[:8], fileMagic) && crc32.ChecksumIEEE(b[:120]) == binary.LittleEndian.Uint32(b[124:]) {
			return appended{at: s}
		}
		if headerMark(b) {
			a.at = s
			return a
		}
		if !bytes.Equal(b[fileHeaderBlock:fileHeaderBlock+8], chunkMagic) && !(allZero(b[fileHeaderSize:fileHeaderBlock]) && firstRecord(b[fileHeaderBlock:])) {
			a.zeros = allZero(b[:min(len(b), int(a.at-s)+fileHeaderBlock)])
			return a
		}
		a.at = s
	}
	return a
}

// headerMark reports whether b starts with what is left of a file header
// whose checksum is wrong: its signature, or its fixed fields.
func headerMark(b []byte) bool {
	return bytes.Equal(b[:8], fileMagic) || headerFields(b)
}

// headerFields reports whether b starts with the fixed fields of a file
// header, whatever its signature and checksum: a header size of 128, major
// version 3 and a header block of 4096 bytes, the block zero past the
// header.
func headerFields(b []byte) bool {
	le := binary.LittleEndian
	return len(b) >= fileHeaderBlock && le.Uint32(b[32:]) == fileHeaderSize && le.Uint16(b[38:]) == 3 &&
		le.Uint16(b[40:]) == fileHeaderBlock && allZero(b[fileHeaderSize:fileHeaderBlock])
}

// firstRecord reports whether c, a chunk, holds a plausible record where
// a chunk's first lies, past its header.
func firstRecord(c []byte) bool {
	_, ok := recordAt(c, chunkHeaderSize)
	return ok
}

// ordinals name the logs of a file by their place in it, from the
// second.
var ordinals = []string{"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}

// logOrdinal names the n-th log of a file (n from 2) and the file a
// command copies it into.
func logOrdinal(n int) (name, file string) {
	if n-2 < len(ordinals) {
		name = ordinals[n-2]
		return name, strings.ToUpper(name) + ".evtx"
	}
	return fmt.Sprintf("log number %d", n), fmt.Sprintf("LOG%d.evtx", n)
}

// laterLogProblem is the problem that names the n-th log of the input
// (n from 2), found at ap after the log prev, its bytes running to end:
// where it starts and what says so, that it is not read, and the command
// that copies out its bytes and no others (the input ending at size).
// last: no more logs were looked for after it (maxLaterLogs).
func laterLogProblem(o Options, prev span, ap appended, n int, end, size int64, last bool) error {
	at := ap.at
	this, these := "this log", "this log's"
	if n > 2 {
		p, _ := logOrdinal(n - 1)
		this, these = "the "+p+" log", "the "+p+" log's"
	}
	where, aligned := "at a chunk boundary", true
	if n > 2 {
		where = "at a chunk boundary of the " + this[4:]
	}
	if (at-prev.base)%chunkSize != 0 {
		// The log before it was cut inside a chunk: that chunk is read
		// up to here, as a truncated one.
		where, aligned = fmt.Sprintf("inside chunk slot %d (%s was cut there)", (at-prev.base)/chunkSize, this), false
		if n > 2 {
			where = fmt.Sprintf("inside chunk slot %d of the %s (that log was cut there)", (at-prev.base)/chunkSize, this[4:])
		}
	}
	what := "another log's file header (ElfFile, checksum right) " + where
	switch {
	case ap.inSlot:
		// Its file header is damaged, but what is left of it lies where
		// a file header block follows a log cut a block before a
		// chunk's end: its chunks lie on the chunk offsets of the log
		// before it, where they would read as that log's.
		left := "its ElfFile signature, its checksum wrong"
		if !ap.sigKept {
			left = "its fixed fields (header size 128, major version 3, a 4096-byte header block, zeros to the block's end), its signature overwritten"
		}
		what = fmt.Sprintf("another log starts here, %s: its file header is damaged, but what is left of it lies here (%s), "+
			"in the last %d bytes of a chunk slot: %s was cut a file header block before a chunk's end, and that log's chunks, from offset %#x on, "+
			"lie on %s chunk offsets, where they would read as %s own",
			where, left, fileHeaderBlock, this, ap.chunk, these, these)
		if ap.last != 0 {
			what += fmt.Sprintf(" (its first chunk's header, its checksum right, claims records %d to %d)", ap.first, ap.last)
		}
	case ap.damaged:
		// Its file header is damaged, but a chunk of it lies a file
		// header block and whole chunks past it, off the chunk offsets
		// of the log before it.
		what = fmt.Sprintf("another log starts here, %s: its file header is damaged (no ElfFile signature with its checksum right), "+
			"but a chunk of that log (ElfChnk, header checksum right, records %d to %d) lies %d bytes on, at offset %#x, "+
			"where a log's chunks follow its file header block and where no chunk of %s can lie "+
			"(%s chunks lie at whole %d-byte steps from offset %#x)",
			where, ap.first, ap.last, ap.chunk-at, ap.chunk, this, these, chunkSize, prev.base)
		if k := (ap.chunk - at - fileHeaderBlock) / chunkSize; k > 0 {
			what += fmt.Sprintf("; the %s before that chunk %s that log's first %s, damaged too (each holds a mark of it: "+
				"its file header signature, its chunk signature, or its first record, a file header block on)",
				plural.N(k, "chunk slot"), plural.Word(k, "is", "are"), plural.Noun(k, "chunk"))
		}
		if ap.zeros {
			what += fmt.Sprintf("; the %d bytes before this offset are zeros, read as part of %s: they may be that log's file header and first chunk, zeroed, "+
				"which no byte tells apart from an unused chunk slot of %s; no record is lost either way, and the copy below starts with them, at offset %#x, "+
				"so that it leaves out nothing of that log whichever they are (its chunks stay whole chunks from the copy's start: the zeros read as an empty slot)",
				chunkSize, this, this, at-chunkSize)
		}
	}
	ord, file := logOrdinal(n)
	more := ""
	if last && end == size {
		more = fmt.Sprintf(" (no more logs are looked for after the first %d: more may follow in these bytes)", maxLaterLogs+1)
	}
	from := at
	if ap.zeros {
		// Its start cannot be known: the copy starts at the earliest
		// it can be, the zeros before at (walkBack), rather than cut a
		// chunk slot that may be the log's.
		from = at - chunkSize
	}
	copyOut := copyOutRange(o, from, end, size, file, aligned)
	return fmt.Errorf("%w: %s: the file holds a %s log from here (logs concatenated, or a carved file), "+
		"which is not read as part of the first: its %s %s counted unread%s; "+
		"to read it, copy it into a file of its own (%s) and give that file",
		ErrCorrupt, what, ord, plural.N(end-at, "byte"), plural.Word(end-at, "is", "are"), more, copyOut)
}
