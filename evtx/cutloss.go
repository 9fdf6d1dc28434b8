package evtx

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// CutLoss says which records a copy cut short lost: the records of the
// chunk slots at and after the cut (a file that ends before the chunks
// its file header counts, or inside a chunk). A log is a ring of 64 KiB
// chunks: Windows writes them in slot order, and once the file is full
// it overwrites the oldest, from slot 0 on, so in file order the slots
// hold, from the one after the current (newest) chunk, the oldest records
// to the newest. The cut slots held the newest records when the log had
// not wrapped, or when the current chunk lies at or after the cut; when
// the current chunk lies before the cut in a log that wrapped, they held
// old records, numbered between the last chunk before the cut and the
// first chunk of the file, and the newest records are in the copy. The
// file header (libyal's "Windows XML Event Log (EVTX)": first and last
// chunk number, next record identifier, flags 0x1 dirty and 0x2 full) and
// each chunk header (first and last event record number) give what is
// needed; a dirty header lags the chunks, so it is believed only clean.
//
// That the cut lost no record is never said: what a copy cut short held
// after the cut is not in it. A copy that ends in the free space of its
// newest chunk, after every record the headers count, lost none if no
// record was written after those, and the newest if one was (in that
// chunk's space past the cut, or in a chunk after it). The file header
// does not tell: one marked dirty (the log was open when the disk was
// copied) lags the chunks written after it, and so does one marked clean
// that was not written last (a copy of its bytes from before the chunks
// after the cut were). CutLoss then says it cannot tell, and Counted.
type CutLoss struct {
	// Known tells whether which records were lost can be told; Newest
	// then whether they are the newest (else old ones of a log that
	// wrapped, its newest records in the copy).
	Known, Newest bool
	// Counted (never with Known) says that the copy ends inside the
	// chunk holding the newest record read, in zero bytes after that
	// record and past the chunk's free space offset, and that no header
	// counts a record after it or a chunk after the cut (the file
	// header's next record identifier and chunk count, the chunk
	// header's last record): whether the cut lost any record cannot be
	// told. Why says what else may be (old records of a log that
	// wrapped).
	Counted bool
	// AfterID and BeforeID bound the record numbers of the old records
	// lost (Known, not Newest): the last record before the cut and the
	// first of the file's first chunk read; BeforeID is 0 when the
	// records lost are older than every record read (no chunk after the
	// cut came back round to slot 0: the file's first chunk then holds
	// the oldest record read).
	AfterID, BeforeID uint64
	// Why says what told it, or, when not Known, why it cannot be told.
	Why string
}

// CutLoss tells which records the file lost where it is cut short (see
// CutLoss), from its chunks' record numbers read (LostRecords' spans) and
// its file header. Call it after Next has returned io.EOF; of copies read
// as one (Merge) it says it cannot be told.
func (rd *Reader) CutLoss() CutLoss {
	if rd.merged != nil {
		return CutLoss{Why: "copies are read as one"}
	}
	s := rd.src
	if s == nil {
		return CutLoss{Why: "the file holds no chunk"}
	}
	cut := int((s.size - s.base) / chunkSize) // slots wholly before the cut
	if s.size < s.base {
		cut = 0
	}
	type chunk struct {
		slot   int
		lo, hi uint64
	}
	spans := rd.lostSpans()
	var cs []chunk
	for i := range spans {
		sp := &spans[i]
		if !sp.ok {
			continue
		}
		lo, hi := sp.bounds()
		cs = append(cs, chunk{sp.lo.slot, lo, hi})
	}
	slices.SortStableFunc(cs, func(a, b chunk) int { return a.slot - b.slot })
	for i := 1; i < len(cs); i++ {
		if cs[i].slot == cs[i-1].slot {
			// A chunk holding records of two uses of it (a shadow copy
			// taken while it was written anew): its order in the ring
			// is not one.
			return CutLoss{Why: fmt.Sprintf("chunk %d holds records of two uses of it", cs[i].slot)}
		}
	}
	if len(cs) == 0 {
		return CutLoss{Why: "no chunk before the cut holds a readable record"}
	}
	// The file header counts records past every one read: the newest
	// records lost (a header lags the chunks, never leads them).
	for _, l := range s.lostRuns(spans, false) {
		if l.Newest {
			return CutLoss{Known: true, Newest: true, Why: fmt.Sprintf("its file header counts records up to %d written, and none after %d is read", l.BeforeID-1, l.AfterID)}
		}
	}
	var drops []int // i: chunk i+1 starts below chunk i's end
	for i := 0; i+1 < len(cs); i++ {
		if cs[i+1].lo <= cs[i].hi {
			drops = append(drops, i)
		}
	}
	last := cs[len(cs)-1]
	var maxHi uint64 // the highest record number read
	for _, c := range cs {
		maxHi = max(maxHi, c.hi)
	}
	hdr := rd.hdr
	intact := hdr.SignatureOK && hdr.ChecksumOK
	tail := rd.cutTail(cut, spans, maxHi)
	// lost tells what proves that the cut lost records, "" when nothing
	// does: a record the copy holds the start of, numbered after every
	// record read, or chunks the file header counts (in use: a header
	// lags the chunks, never leads them) at or after the cut.
	lost := ""
	whole := cut // chunk slots wholly in the copy
	if tail.kind != tailBoundary {
		whole++
	}
	switch {
	case tail.kind == tailRecordCut:
		lost = tail.why
	case intact && int(hdr.ChunkCount) > whole:
		lost = fmt.Sprintf("its file header counts %s and the copy holds %d whole", plural.N(int(hdr.ChunkCount), "chunk"), cut)
	}
	switch {
	case len(drops) > 1:
		return CutLoss{Why: "its chunks' record numbers fall back more than once, as no ring of chunks does"}
	case len(drops) == 1:
		d := drops[0]
		if last.hi+1 >= cs[0].lo {
			return CutLoss{Why: fmt.Sprintf("its chunks' record numbers fall back after chunk %d, but no number is missing between the last chunk before the cut, ending at record %d, and the first chunk, beginning at %d", cs[d].slot, last.hi, cs[0].lo)}
		}
		if intact && !hdr.Dirty() && hdr.LastChunk != uint64(cs[d].slot) {
			return CutLoss{Why: fmt.Sprintf("its chunks' record numbers fall back after chunk %d, but its file header, closed cleanly, names chunk %d as the newest", cs[d].slot, hdr.LastChunk)}
		}
		if minLo := slices.MinFunc(cs, func(a, b chunk) int { return cmp.Compare(a.lo, b.lo) }).lo; intact && hdr.NextRecordID <= minLo {
			// Windows updates the file header seconds after the chunks,
			// not a lap of the ring later: one older than every record
			// read is a generation of the log older than its chunks, as
			// a shadow copy's can be, whose chunks may be of several
			// generations too, not one ring (the public sample
			// 2-vss_0-...RdpCoreTS%4Operational.evtx: slot 0 holds
			// records 6334916 to 6335044, slot 1 6022401 to 6022530, and
			// its newest, 6952972, are in slot 7; its header's next
			// record is 5993558).
			return CutLoss{Why: fmt.Sprintf("its chunks' record numbers fall back after chunk %d, but its file header names record %d as the next to be written, before every record read (from %d): it is of an older generation of the log than the chunks, which may be of several generations, not one ring", cs[d].slot, hdr.NextRecordID, minLo)}
		}
		return CutLoss{Known: true, AfterID: last.hi, BeforeID: cs[0].lo,
			Why: fmt.Sprintf("the log had wrapped: its chunks' record numbers fall back from %d (chunk %d, the newest, before the cut) to %d (chunk %d)", cs[d].hi, cs[d].slot, cs[d+1].lo, cs[d+1].slot)}
	case cs[0].slot == 0 && cs[0].lo == 1 && lost != "":
		return CutLoss{Known: true, Newest: true, Why: "the log had not wrapped: its first chunk holds record 1, and the chunks' record numbers rise to the cut; " + lost}
	case tail.kind == tailRecordCut:
		// A record numbered after every one read is lost: the newest,
		// whether or not the log wrapped.
		return CutLoss{Known: true, Newest: true, Why: lost}
	case cs[0].slot == 0 && cs[0].lo == 1:
		c := CutLoss{Why: "the log had not wrapped: its first chunk holds record 1, and the chunks' record numbers rise to the cut; " + tail.why + ": the cut lost the newest records if any was written after those, else none, which a copy cut short cannot show (" + headerLag(hdr) + ")"}
		c.Counted = tail.kind == tailFree && rd.countedRead(cut, maxHi)
		return c
	case cs[0].slot == 0 && intact && !hdr.Dirty() && int(hdr.LastChunk) == last.slot && hdr.NextRecordID == last.hi+1 && hdr.FirstChunk == uint64(last.slot+1):
		// last.slot is before the cut, or the chunk the cut falls in,
		// read to the header's last record. The header must name the
		// chunk after it the oldest, as a wrapped ring's does (its
		// newest chunk is followed by its oldest): a header marked clean
		// that lags the chunks (it counts them only up to an older one,
		// its first and last chunk then not adjacent) would otherwise
		// be believed, and the newest records, lost after the cut,
		// called old ones.
		where := "before the cut"
		if last.slot >= cut {
			where = "the one the cut falls in, read to that record"
		}
		return CutLoss{Known: true, AfterID: 0, BeforeID: cs[0].lo,
			Why: fmt.Sprintf("the log had wrapped (its first chunk read begins at record %d) and its file header, closed cleanly, names chunk %d, %s, as the newest and record %d as the last written", cs[0].lo, last.slot, where, last.hi)}
	case intact && hdr.LastChunk >= uint64(cut) && hdr.LastChunk < uint64(max(s.hdrN, cut+1)) && hdr.NextRecordID > maxHi+1:
		// Believed only when the header counts records past every one
		// read: one that counts none (a dirty header lagging the chunks,
		// which names a chunk written before those the log wrapped onto
		// in slot 0 on; or the chunk the cut falls in, read to its end)
		// does not say the newest were lost.
		return CutLoss{Known: true, Newest: true, Why: fmt.Sprintf("its file header names chunk %d, at or after the cut, as the newest", hdr.LastChunk)}
	}
	why := fmt.Sprintf("its chunks' record numbers rise from %d to %d at the cut, and its first chunk read does not begin at record 1: the chunks after the cut held the oldest records if the log had wrapped with its newest chunk before the cut, else the newest", cs[0].lo, last.hi)
	if lost == "" {
		why += ", if they held any (" + tail.why + ")"
	}
	switch {
	case !intact:
		why += "; its file header, damaged, cannot tell which"
	case hdr.Dirty():
		why += "; its file header, not closed cleanly (dirty), may lag the chunks and cannot tell which"
	default:
		why += fmt.Sprintf("; its file header names chunk %d and next record %d, which does not tell which", hdr.LastChunk, hdr.NextRecordID)
	}
	return CutLoss{Why: why, Counted: lost == "" && tail.kind == tailFree && rd.countedRead(cut, maxHi)}
}

// headerLag says why the file header hdr cannot tell whether records
// were written after those the copy holds: what Windows writes after it
// updates the header is not counted in it.
func headerLag(hdr FileHeader) string {
	switch {
	case !hdr.SignatureOK || !hdr.ChecksumOK:
		return "its file header is damaged"
	case hdr.Dirty():
		return "its file header, not closed cleanly (dirty: the log was open when the file was copied), lags what was written after it"
	}
	return fmt.Sprintf("its file header, marked closed cleanly, counts %s and names record %d as the next to be written, but one copied before the chunks after the cut were written counts them no more than one that is current does", plural.N(int(hdr.ChunkCount), "chunk"), hdr.NextRecordID)
}

// The ends of a copy cut short (cutTail).
const (
	// tailBoundary: the copy ends at a chunk boundary.
	tailBoundary = iota
	// tailRecordCut: the copy ends inside a record whose start it holds,
	// numbered after every record read.
	tailRecordCut
	// tailFree: the copy ends inside a chunk, after the newest record
	// read, which that chunk holds and its header counts (or counts
	// fewer), and every byte after that record is zero: no record had
	// begun there.
	tailFree
	// tailOther: anything else (the cut inside a chunk header, bytes
	// after the newest record that are not a record, a chunk header
	// that cannot be believed).
	tailOther
)

// cutEnd is what the copy shows where it is cut (cutTail).
type cutEnd struct {
	kind int
	why  string
}

// cutTail says what the copy shows where it ends, inside chunk slot cut
// or at its start: a record cut short, whose record header (signature,
// size, record identifier; libyal's "Windows XML Event Log (EVTX)",
// event record) begins right after the newest record read and whose size
// runs past the end of the copy, numbered after maxHi, is a record
// written and lost (where no record of the chunk is read, the first,
// right after the chunk header); zero bytes after the newest record read, up to the
// end of the copy, in a chunk whose header can be believed (signature,
// and its header or records checksum) and counts no record past it, are
// the chunk's free space as far as the copy holds it. Windows writes a
// chunk's records one after the other from the end of its header, so a
// record written after the newest one read would begin right after it.
func (rd *Reader) cutTail(cut int, spans []candSpan, maxHi uint64) cutEnd {
	s := rd.src
	off := s.base + int64(cut)*chunkSize
	if s.size <= off || (s.size-s.base)%chunkSize == 0 {
		return cutEnd{tailBoundary, fmt.Sprintf("the copy ends at the end of chunk %d", cut-1)}
	}
	n := s.size - off
	if n < chunkHeaderSize {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, inside its header", n, cut)}
	}
	var hi writtenCand
	read := false
	for i := range spans {
		if sp := &spans[i]; sp.ok && sp.lo.slot == cut && (!read || sp.hi.id > hi.id) {
			hi, read = sp.hi, true
		}
	}
	if read && hi.id != maxHi {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, whose records read are not the newest", n, cut)}
	}
	c := make([]byte, n)
	if _, err := s.ra.ReadAt(c, off); err != nil {
		return cutEnd{tailOther, fmt.Sprintf("chunk %d could not be read again: %v", cut, err)}
	}
	end := chunkHeaderSize // no record of the chunk read: its first
	if read {
		end = hi.off + hi.size
	} else {
		hi.id = maxHi
	}
	if end < chunkHeaderSize || end > len(c) {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, inside record %d", n, cut, hi.id)}
	}
	le := binary.LittleEndian
	h := parseChunkHeader(c)
	if end+16 <= len(c) && bytes.Equal(c[end:end+4], recordMagic) {
		size := int(le.Uint32(c[end+4:]))
		id := le.Uint64(c[end+8:])
		if id == hi.id+1 && size >= minRecordSize && size <= chunkSize-end && end+size > len(c) && rd.currentPast(c, h, end, id) {
			return cutEnd{tailRecordCut, fmt.Sprintf("the copy ends %d bytes into chunk %d, inside record %d (%d bytes from offset %d, after record %d, the newest read)", n, cut, id, size, end, hi.id)}
		}
	}
	if !read {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, none of whose records is read", n, cut)}
	}
	if !allZero(c[end:]) {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, and the bytes after its newest record read, %d, are not a record it holds", n, cut, hi.id)}
	}
	if !h.SignatureOK || !(h.ChecksumOK || h.RecordsChecksumOK) || int(h.FreeSpaceOffset) > end || h.LastRecordID > hi.id {
		return cutEnd{tailOther, fmt.Sprintf("the copy ends %d bytes into chunk %d, whose header cannot be believed or counts records past %d, the newest read", n, cut, hi.id)}
	}
	return cutEnd{tailFree, fmt.Sprintf("the copy ends %d bytes into chunk %d, in zero bytes after record %d, the newest read, at offset %d, past the free space offset %d its header counts records to", n, cut, hi.id, end, h.FreeSpaceOffset)}
}

// currentPast tells whether the record numbered id at offset end of
// chunk c (header h), right after the records before it, is one of the
// log's current records by the rule the reader reads a whole chunk by
// (slackRule): before the free space offset of a header that can be
// believed, or past it numbered after the header's last record in a log
// not closed cleanly, or continuing, one by one, the records from the free
// space offset on, the first numbered after the header's last record.
// Past the free space offset of a file closed cleanly, higher numbers that
// do not continue the chunk's are what remains of the log before it was
// cleared (numbering restarts at 1 after a clear: the fakenevtx Security
// samples), not records written after the newest.
func (rd *Reader) currentPast(c []byte, h chunkHeader, end int, id uint64) bool {
	free := int(h.FreeSpaceOffset)
	if !slackBelieved(h, chunkSize) || free < chunkHeaderSize || end < free || h.LastRecordID == 0 {
		return true
	}
	if rd.src.dirty && id > h.LastRecordID {
		return true
	}
	prev, off := h.LastRecordID, free
	for off < end {
		size, ok := recordAt(c, off)
		if !ok || binary.LittleEndian.Uint64(c[off+8:]) != prev+1 {
			return false
		}
		prev++
		off += size
	}
	return off == end && id == prev+1
}

// countedRead tells whether every record the file header counts is read:
// it is damaged (counts nothing), or counts no chunk after slot cut and
// no record after maxHi, the newest read.
func (rd *Reader) countedRead(cut int, maxHi uint64) bool {
	hdr := rd.hdr
	if !hdr.SignatureOK || !hdr.ChecksumOK {
		return true
	}
	return int(hdr.ChunkCount) <= cut+1 && hdr.NextRecordID <= maxHi+1
}
