package evtx

import (
	"fmt"
	"slices"
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
type CutLoss struct {
	// Known tells whether which records were lost can be told; Newest
	// then whether they are the newest (else old ones of a log that
	// wrapped, its newest records in the copy). None (Known, not
	// Newest) says it is proven that the cut lost no record: the file
	// ends in the free space of the last chunk its file header counts
	// (see cutLostNone).
	Known, Newest, None bool
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
	if why, ok := rd.cutLostNone(cut, spans); ok {
		return CutLoss{Known: true, None: true, Why: why}
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
	switch {
	case len(drops) > 1:
		return CutLoss{Why: "its chunks' record numbers fall back more than once, as no ring of chunks does"}
	case len(drops) == 1:
		d := drops[0]
		if last.hi+1 >= cs[0].lo {
			return CutLoss{Why: fmt.Sprintf("its chunks' record numbers fall back after chunk %d, but no number is missing between the last chunk before the cut, ending at record %d, and the first chunk, beginning at %d", cs[d].slot, last.hi, cs[0].lo)}
		}
		if hdr.SignatureOK && hdr.ChecksumOK && !hdr.Dirty() && hdr.LastChunk != uint64(cs[d].slot) {
			return CutLoss{Why: fmt.Sprintf("its chunks' record numbers fall back after chunk %d, but its file header, closed cleanly, names chunk %d as the newest", cs[d].slot, hdr.LastChunk)}
		}
		return CutLoss{Known: true, AfterID: last.hi, BeforeID: cs[0].lo,
			Why: fmt.Sprintf("the log had wrapped: its chunks' record numbers fall back from %d (chunk %d, the newest, before the cut) to %d (chunk %d)", cs[d].hi, cs[d].slot, cs[d+1].lo, cs[d+1].slot)}
	case cs[0].slot == 0 && cs[0].lo == 1:
		return CutLoss{Known: true, Newest: true, Why: "the log had not wrapped: its first chunk holds record 1, and the chunks' record numbers rise to the cut"}
	case cs[0].slot == 0 && hdr.SignatureOK && hdr.ChecksumOK && !hdr.Dirty() && int(hdr.LastChunk) == last.slot && hdr.NextRecordID == last.hi+1 && hdr.FirstChunk == uint64(last.slot+1):
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
	case hdr.SignatureOK && hdr.ChecksumOK && hdr.LastChunk >= uint64(cut) && hdr.LastChunk < uint64(max(s.hdrN, cut+1)) && hdr.NextRecordID > maxHi+1:
		// Believed only when the header counts records past every one
		// read: one that counts none (a dirty header lagging the chunks,
		// which names a chunk written before those the log wrapped onto
		// in slot 0 on; or the chunk the cut falls in, read to its end)
		// does not say the newest were lost.
		return CutLoss{Known: true, Newest: true, Why: fmt.Sprintf("its file header names chunk %d, at or after the cut, as the newest", hdr.LastChunk)}
	}
	why := fmt.Sprintf("its chunks' record numbers rise from %d to %d at the cut, and its first chunk read does not begin at record 1: the chunks after the cut held the oldest records if the log had wrapped with its newest chunk before the cut, else the newest", cs[0].lo, last.hi)
	switch {
	case !hdr.SignatureOK || !hdr.ChecksumOK:
		why += "; its file header, damaged, cannot tell which"
	case hdr.Dirty():
		why += "; its file header, not closed cleanly (dirty), may lag the chunks and cannot tell which"
	default:
		why += fmt.Sprintf("; its file header names chunk %d and next record %d, which does not tell which", hdr.LastChunk, hdr.NextRecordID)
	}
	return CutLoss{Why: why}
}

// cutLostNone tells whether a copy that ends inside chunk slot cut (a
// copy cut short in its last chunk) provably lost no record: it ends in
// that chunk's free space. The chunk header's free space offset is where
// the records written end, its "event records checksum" a CRC32 of the
// bytes from the end of the 512-byte header up to it, and its last event
// record identifier the newest record it holds (libyal's "Windows XML
// Event Log (EVTX)", chunk header); the file header's chunk count and
// next record identifier count the chunks and records written. So when
//
//   - the file header is intact and closed cleanly (a dirty header, and
//     the chunk headers of a log in use, may lag the records written:
//     Windows writes records past a chunk's free space offset, and
//     chunks past the header's count, before it updates them),
//   - it counts the chunk the cut falls in as its last (ChunkCount is
//     cut+1) and its newest (LastChunk), and
//   - that chunk's header is intact, its free space offset lies in the
//     copy, the records checksum matches the bytes up to it, its last
//     record identifier is the last record read of that chunk and the
//     file header's next record identifier is the one after it,
//
// every record the chunk header and the file header count is in the copy
// and the bytes cut off are the chunk's unused space: the cut lost no
// record. Only a header marked clean that lags the chunks (a lie: Windows
// clears the dirty flag when it closes the log, the header then current)
// would hide records written after it; a copy cannot show that, and a
// clean header is believed here as LostRecords believes its count. It is
// not proven otherwise, and CutLoss says what it says of a cut that lost
// records.
func (rd *Reader) cutLostNone(cut int, spans []candSpan) (string, bool) {
	s, hdr := rd.src, rd.hdr
	off := s.base + int64(cut)*chunkSize
	if s.size <= off || (s.size-s.base)%chunkSize == 0 {
		return "", false // cut at a chunk boundary: a whole chunk is missing
	}
	if !hdr.SignatureOK || !hdr.ChecksumOK || hdr.Dirty() || int(hdr.ChunkCount) != cut+1 || hdr.LastChunk != uint64(cut) {
		return "", false
	}
	n := s.size - off
	if n < chunkHeaderSize {
		return "", false
	}
	c := make([]byte, n)
	if _, err := s.ra.ReadAt(c, off); err != nil {
		return "", false
	}
	h := parseChunkHeader(c)
	if !h.SignatureOK || !h.ChecksumOK || !h.RecordsChecksumOK || int64(h.FreeSpaceOffset) > n {
		return "", false
	}
	var readHi uint64
	read := false
	for i := range spans {
		if sp := &spans[i]; sp.ok && sp.lo.slot == cut {
			readHi, read = max(readHi, sp.hi.id), true
		}
	}
	if !read || readHi != h.LastRecordID || hdr.NextRecordID != h.LastRecordID+1 {
		return "", false
	}
	return fmt.Sprintf("no record its headers count is lost: the copy ends %d bytes into chunk %d, after its free space offset %d (the records checksum over the bytes before it matches), and its last record, %d, is read; its file header, closed cleanly, counts %d chunks, names chunk %d as the newest and record %d as the next to be written",
		n, cut, h.FreeSpaceOffset, h.LastRecordID, hdr.ChunkCount, hdr.LastChunk, hdr.NextRecordID), true
}
