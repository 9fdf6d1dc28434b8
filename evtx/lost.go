package evtx

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// LostSpan is a run of record numbers a log's current records skip: the
// record numbered AfterID is followed, in the order Windows wrote them,
// by the one numbered BeforeID, and the BeforeID−AfterID−1 records
// between were written (Windows numbers a log's records one after
// another, across chunks and around a wrapped log alike) but are not
// among its current records; Count of them are not in the file at all
// (the others, Slack, are old records of chunk slack):
// chunks zeroed or overwritten in a crash or a damaged copy
// (a shadow copy of a log whose newest chunks were not yet flushed holds
// all-zero chunks where the file header, not updated, counts none), or
// chunks whose records are all unreadable. After and Before are those two
// records decoded, nil when one does not decode; the lost records lie
// between their TimeCreated.
//
// Newest marks the run of the newest records: the file header's next
// record identifier (BeforeID) says records up to BeforeID−1 were written,
// but no chunk holds AfterID+1 or any later record (the last chunk zeroed
// in a crash or an unflushed copy, or its records overwritten), or the
// header of the chunk holding the newest records claims records up to
// BeforeID−1 (the larger of the two) and those after AfterID do not read
// (the chunk's last records zeroed or cut off). AfterID is then at least
// the number of every record read, a record read apart from its chunk's
// run (a dirty log's record past its chunk's free space offset numbered
// above the header's claim) included: records claimed but not read before
// one read are damage inside the chunk, not the newest. Before is
// then nil: there is no record after the run, and the lost records lie
// after After's TimeCreated. Windows updates the file header's next record
// identifier when it flushes the log, after the chunks, so a header that
// lags (a dirty log) counts fewer records than the chunks hold, never
// more (none of the 48 public logs of /work/shared/samples does, dirty or
// not; MS-EVEN6 and libyal's "Windows XML Event Log (EVTX)" notes give the
// field): a header that counts more shows records the file lost.
type LostSpan struct {
	AfterID, BeforeID uint64
	After, Before     *Event
	Newest            bool
	// ChunkCount marks a Newest run whose BeforeID−1 is the last record
	// id the newest chunk's header counts, more than the file header's
	// next record id says were written (a dirty log's file header lags).
	ChunkCount bool
	// NoneRead marks a Newest run of a log no chunk of which holds a
	// readable record (zeroed or overwritten in a crash or a damaged
	// copy) while its file header, its signature and checksum right,
	// counts records written: BeforeID is its next record id, and After
	// is nil. AfterID is 0, or, when the chunks in use the file header
	// counts could not hold that many records (each of the smallest
	// size), the number below the lowest they could hold: Count is then
	// how many records the file may have held, at most, not how many it
	// held (which is not known).
	NoneRead bool
	// Slack counts the numbers of the run that the file holds all the
	// same, as old records (Stats.Stale: in chunk slack, or in old chunks
	// past the file header's chunk count), which are not among the
	// current records and are yielded only with Options.Recover: a
	// record in the file is not lost, so Count leaves them out. A shadow
	// copy taken while a chunk was written anew on a later lap round the
	// log keeps the older use's last records past the new free space
	// offset (public sample 2-vss_0-...RdpCoreTS%4Operational.evtx: 73
	// records 6950920 to 6950997 in chunk 7's slack, inside the run
	// 6914519 to 6950997). Each is counted once, when its record header
	// is intact (decodable or not) and its header time does not lie
	// outside those of After and Before where they are known and not 0
	// (a log cleared numbers its records from 1 again: an older record
	// of the same number is another record).
	Slack uint64
}

// Count is the number of records lost: those numbered between AfterID and
// BeforeID that the file does not hold, not even as old records (Slack).
func (l LostSpan) Count() uint64 { return l.BeforeID - l.AfterID - 1 - l.Slack }

// maxLostSpans bounds the spans LostRecords returns (each costs two
// decodes); of a log damaged more often than that it returns the newest
// (the highest record numbers): windows run back from the last-written
// record, so those are the runs a window is judged by.
const maxLostSpans = 100

// LostRecords returns the runs of record numbers missing between the
// current records of the log (those Next yields without a window: not the
// old records of chunk slack), in record-number order, at most the
// newest 100 of them: the numbers between chunks, none of which holds
// them, and those between two records of one chunk next to each other in
// file order (its bytes there zeroed or overwritten: Windows numbers a
// chunk's records one after another, and a record whose header is intact,
// decodable or not, holds its number). A chunk holds the numbers from its
// lowest to its highest readable record's, but those inner runs, and, when its header's
// signature and checksum are right, those its header claims: its first or
// last records unreadable are that chunk's damage, not lost (After or
// Before is then nil). A record whose number lies apart from its chunk's
// run (a bit flipped in its record header, its checksums right: refine)
// does not widen the chunk's span: it holds its own number, which cuts a
// run it lies in, and, first or last in its chunk, the number next to
// the run's end (it is then After or Before, with its own RecordID)
// unless its own EventRecordID is another. A chunk holding records of two
// uses of it, numbers a lap round the log apart (a shadow copy taken
// while the chunk was written anew), holds each use's numbers, not those
// between (splitGenerations). It reads the record headers once and does not
// move Next. Of copies read as one (Merge), it returns the runs one copy
// lacks of which no other copy holds a record (each once): those every
// copy lost; of a run another copy holds some of, the numbers no copy
// holds (a copy may hold what another lacks: an older copy holds the
// first of the newest records a damaged newer copy lost, and the rest
// stay the newest lost). It returns nil when a copy is an export,
// which numbers its records anew, and before Next has returned io.EOF
// (what each copy is is known once it is read).
func (rd *Reader) LostRecords() []LostSpan {
	if rd.merged != nil {
		return rd.merged.lost()
	}
	if rd.src == nil {
		return nil // the zero Reader
	}
	s := rd.src
	return s.countSlack(s.lostRuns(rd.lostSpans(), true))
}

// lostSpans returns the spans LostRecords and claimProblems judge: each
// chunk's (currentSpans), refined, and widened to what its header claims.
// Next computes them once at io.EOF, for claimProblems, and keeps them;
// after that a copy of those is returned rather than the record headers
// walked (when Next had not read every chunk) and the chunks read again
// to refine them (unless lostReuseOff: TestLostSpansReused compares).
func (rd *Reader) lostSpans() []candSpan {
	if rd.judgedSet && !lostReuseOff && !lostScanOff {
		return slices.Clone(rd.judged)
	}
	return rd.judgeSpans(rd.currentSpans(false))
}

// judgeSpans refines spans, the span of each chunk with current records,
// in place, widens each to what its header claims, and returns them.
func (rd *Reader) judgeSpans(spans []candSpan) []candSpan {
	s := rd.src
	s.refineSpans(spans)
	// The chunks' headers may claim records of runs between chunks (held,
	// damaged), and the newest chunk's header records after its newest
	// one read (lost): read them whatever the file header's next record
	// id says (a dirty log's lags), one chunk header each.
	s.claimSpans(spans)
	return spans
}

// lostReuseOff makes LostRecords compute its spans again rather than take
// those Next computed at io.EOF (tests compare the two ways).
var lostReuseOff = false

// countSlack sets the Slack of each run of lost (LostSpan.Slack, sorted
// by AfterID and apart, as lostRuns gives them; After and Before decoded
// where they decode) from the old records of the file: the slack of
// every chunk and the records of old chunks. It reads the chunks again,
// only when there are runs (a damaged log), and returns lost.
func (s *source) countSlack(lost []LostSpan) []LostSpan {
	if len(lost) == 0 {
		return lost
	}
	held := make([][]uint64, len(lost))
	ftOf := func(ev *Event) uint64 {
		if ev == nil {
			return 0
		}
		return TimeToFiletime(ev.Written)
	}
	note := func(c []byte, k writtenCand) {
		i, _ := slices.BinarySearchFunc(lost, k.id, func(l LostSpan, id uint64) int {
			if l.BeforeID <= id {
				return -1
			}
			if l.AfterID >= id {
				return 1
			}
			return 0
		})
		if i >= len(lost) || k.id <= lost[i].AfterID || k.id >= lost[i].BeforeID {
			return
		}
		l := &lost[i]
		ft := binary.LittleEndian.Uint64(c[k.off+16:])
		if a := ftOf(l.After); ft != 0 && a != 0 && ft < a {
			return
		}
		if b := ftOf(l.Before); ft != 0 && b != 0 && ft > b {
			return
		}
		held[i] = append(held[i], k.id)
	}
	for slot := 0; slot < s.nslots; slot++ {
		off := s.base + int64(slot)*chunkSize
		pooled, buf, got, _ := readChunkInto(s.ra, off, int(min(int64(chunkSize), s.size-off)))
		c := buf[:max(got, 0)]
		if s.isOld(slot) {
			// Every record of an old chunk is old (scanChunk).
			for o := chunkHeaderSize; o+recordHeaderSize <= len(c); {
				size, ok := recordAt(c, o)
				if !ok {
					if o = nextRecord(c, o+recordAlign); o < 0 {
						break
					}
					continue
				}
				note(c, writtenCand{id: binary.LittleEndian.Uint64(c[o+8:]), slot: slot, off: o, size: size})
				o += size
			}
		} else {
			var h chunkHeader
			s.walkChunkStale(slot, c, headerInto(&h, c), func(writtenCand) {}, func(k writtenCand) { note(c, k) })
		}
		chunkBufs.Put(pooled)
	}
	for i, ids := range held {
		slices.Sort(ids)
		lost[i].Slack = uint64(len(slices.Compact(ids)))
	}
	return lost
}

// lostRuns is lostBetween followed by the run of the newest records that
// the file header counts written and no chunk holds (LostSpan.Newest),
// with the record before it decoded when decode is set.
func (s *source) lostRuns(spans []candSpan, decode bool) []LostSpan {
	lost := s.lostBetween(spans, decode)
	var top *candSpan
	var hi uint64
	for i := range spans {
		if !spans[i].ok {
			continue
		}
		if _, b := spans[i].bounds(); top == nil || b > hi {
			top, hi = &spans[i], b
		}
	}
	if top == nil {
		// No chunk holds a readable record, yet the file header, intact,
		// counts records written (its next record id) in chunks in use:
		// those are all the log's records, and none is read. Said as
		// the newest run, from the lowest number the chunks in use could
		// hold (records numbered lower were overwritten before, by
		// Windows, in a log that wrapped).
		if s.nextID > 1 && s.hdrN > 0 {
			held := uint64(s.hdrN) * (chunkSize - chunkHeaderSize) / minRecordSize
			after := uint64(0)
			if s.nextID-1 > held {
				after = s.nextID - 1 - held
			}
			lost = append(lost, LostSpan{AfterID: after, BeforeID: s.nextID, Newest: true, NoneRead: true})
		}
		return lost
	}
	after, before := hi, uint64(0)
	if s.nextID > hi+1 && s.nextIDBelieved(hi) {
		before = s.nextID
	}
	// The newest chunk's header claims records after its newest one read
	// (its last records zeroed in a crash or an unflushed copy, or cut
	// off): those were written, after every record the file holds, and
	// are not read. Inside a chunk that is damage like any gap, but the
	// newest records are what the reference time ("now", the last-written
	// record) is judged by, so they are the newest records lost.
	chunkCount := false
	if top.claimed {
		if readHi := top.hi.id + min(top.padHi, ^uint64(0)-top.hi.id); readHi < hi {
			after = readHi
			if hi+1 > before {
				before, chunkCount = hi+1, s.nextID != hi+1
			}
		}
	}
	// A record set apart from its chunk's run (refine) is read under its
	// own number, and may be the newest record read: in a dirty log, a
	// record past the free space offset of its chunk numbered above what
	// the header claims is current (slackRule). The newest records lost
	// lie after every record read: records claimed and not read before it
	// are its chunk's damage, not the newest (CI's FuzzReader input
	// 9a7c416b77838bbe gave records 18 to 20 as the newest lost while
	// record 788, past the free space offset, was read and printed).
	// So is a record of another chunk numbered above the newest chunk's
	// last record read, inside its header's claim: a chunk whose header
	// is lost (no signature) holding records the claim covers (FuzzReader
	// input d11663b562baff09: chunk 0 claims records 1 to 49 and reads 1
	// to 3, the headerless chunk 2 holds 23 to 26, and 26 was read while
	// 4 to 49 were named the newest lost).
	var apart *writtenCand
	for i := range spans {
		sp := &spans[i]
		if sp.ok && sp != top && sp.hi.id > after && (apart == nil || sp.hi.id > apart.id) {
			apart = &sp.hi
		}
		for j := range sp.outliers {
			if o := &sp.outliers[j]; o.id > after && (apart == nil || o.id > apart.id) {
				apart = o
			}
		}
	}
	if apart != nil {
		after = apart.id
	}
	if before <= after || before-after < 2 {
		return lost
	}
	l := LostSpan{AfterID: after, BeforeID: before, Newest: true, ChunkCount: chunkCount}
	switch {
	case !decode:
	case apart != nil:
		l.After = s.decodeCand(apart, nil)
	case after == top.hi.id:
		l.After = s.decodeCand(&top.hi, nil)
	}
	if len(lost) == maxLostSpans {
		lost = lost[1:]
	}
	return append(lost, l)
}

// nextIDBelieved reports whether the file header's next record
// identifier can count the records written when the newest record a chunk
// holds is numbered hi: one more than the chunks can hold past it (the
// file header's chunk count, and one more, each full of the smallest
// records) is no count of records written but a damaged value (the header
// checksum covers it, so hardly ever). A next record identifier at or
// below hi+1 is one a dirty log's header leaves (it lags) and is believed.
func (s *source) nextIDBelieved(hi uint64) bool {
	return s.nextID <= hi+1 || s.nextID-hi-1 <= uint64(s.hdrN+1)*(chunkSize-chunkHeaderSize)/minRecordSize
}

// claimProblems returns a problem for each claim of a header, its
// checksum right, that LostRecords does not believe (so that what it
// ignores is said, not silently left out): the file header's next record
// identifier more than the chunks could hold past the newest record
// (nextIDBelieved), and a chunk header's record range that ends before
// it starts, starts at 0 or is wider than a chunk holds records
// (headerClaim), its last record number not 0 (0 counts none: a chunk
// being written, not yet numbered) and the claim not the lowest and
// highest numbers of the records the chunk holds (then it is true of
// them: the gap between is the lost runs' to name). A range that is possible but does not hold the chunk's
// lowest-numbered record (claimRange) is not one: a chunk of a shadow copy
// taken while it was written anew holds such a header (chunk 2 of the
// public sample 2-vss_0-...RemoteConnectionManager%4Operational.evtx).
// spans are refined and claimed (claimSpans) as LostRecords' are; each
// keeps its chunk's lowest and highest record numbers beside the pieces
// refining cut (candSpan.extent).
func (s *source) claimProblems(spans []candSpan) []*FormatError {
	var errs []*FormatError
	for i := range spans {
		sp := &spans[i]
		if !sp.ok || !sp.hdr.sound || sp.hdr.ok || sp.hdr.rawLast == 0 {
			// A last record number of 0 counts no record: the header of
			// a chunk being written, not yet numbered (a dirty log's
			// newest chunk; the reader takes 0 so everywhere).
			continue
		}
		lo, hi := sp.bounds()
		first, last := sp.hdr.rawFirst, sp.hdr.rawLast
		if xlo, xhi := sp.extent(); first == xlo && last == xhi {
			// The claim is the chunk's own lowest and highest record
			// numbers: true to its records, whose gap the lost runs
			// name (a chunk holding records 1 to 16 and 4242 to 4243).
			continue
		}
		field, why := 32, ""
		switch {
		case first == 0:
			field, why = 24, "starts at record 0, which Windows never numbers"
		case last < first:
			why = "ends before it starts"
		case last-first >= maxChunkRecords:
			why = fmt.Sprintf("is wider than the %d records a chunk can hold", maxChunkRecords)
		}
		errs = append(errs, &FormatError{File: s.name, Offset: s.base + int64(sp.lo.slot)*chunkSize + int64(field), Chunk: sp.lo.slot,
			Err: fmt.Errorf("%w: the chunk header (its checksum right) claims records %d to %d, which %s: its records read are numbered %d to %d; the claim is not believed (records are read as they are)",
				ErrCorrupt, first, last, why, lo, hi)})
	}
	if s.nextID == 0 {
		return errs
	}
	top, found := uint64(0), false
	for i := range spans {
		if spans[i].ok {
			_, b := spans[i].bounds()
			top, found = max(top, b), true
		}
	}
	if found && !s.nextIDBelieved(top) {
		hdrAt := max(0, s.base-fileHeaderBlock)
		errs = append(errs, &FormatError{File: s.name, Offset: hdrAt + 24, Chunk: -1,
			Err: fmt.Errorf("%w: the file header (its checksum right) claims next record id %d, but the newest record the chunks hold is numbered %d and its %s could hold at most %d records more: the claim is not believed (records are read as they are; no newest records are counted lost)",
				ErrCorrupt, s.nextID, top, plural.N(s.hdrN, "chunk"), uint64(s.hdrN+1)*(chunkSize-chunkHeaderSize)/minRecordSize)})
	}
	slices.SortStableFunc(errs, func(a, b *FormatError) int { return cmp.Compare(a.Offset, b.Offset) })
	return errs
}

// currentSpans returns the span of each chunk with current records, for
// the caller to change: a copy of those Next noted when it has read every
// chunk, else walked. With take, Next's list itself is returned rather
// than a copy, and later calls walk (Next at io.EOF, after which nothing
// else reads the list: a copy was 1 MiB of bench/run's 4,110-chunk
// System log for each pass over it; TestLostSpansReused compares what
// LostRecords then computes again with the spans Next judged).
func (rd *Reader) currentSpans(take bool) []candSpan {
	if rd.spansDone && !lostScanOff {
		if !take {
			return slices.Clone(rd.spans)
		}
		spans := rd.spans
		rd.spans, rd.spansDone = nil, false
		return spans
	}
	// Next has not read every chunk: the record headers are walked.
	s := rd.src
	var spans []candSpan
	slot := -1
	s.walkCands(0, s.nslots, func(c writtenCand) {
		if c.slot != slot {
			slot = c.slot
			spans = append(spans, candSpan{})
		}
		spans[len(spans)-1].note(c)
	}, new(atomic.Bool))
	return spans
}

// lost is LostRecords of copies read as one: of each run a part lacks,
// the numbers no other part holds a record of, once each, in
// record-number order (trimRuns).
func (m *merged) lost() []LostSpan {
	type part struct {
		rd    *Reader
		spans []candSpan
		lost  []LostSpan
	}
	if m.cur < len(m.files) {
		return nil // not every part read: an export is not yet told
	}
	parts := make([]part, len(m.files))
	someLost := false
	for i, f := range m.files {
		if st := f.Reader.Stats(); st.Exported() || st.Renumbered > 0 {
			return nil // an export numbers its records anew
		}
		parts[i].rd = f.Reader
		parts[i].spans = f.Reader.lostSpans()
		if len(f.Reader.src.lostRuns(parts[i].spans, false)) > 0 {
			someLost = true
		}
	}
	if !someLost {
		return nil
	}
	others := func(i int) []partSpans {
		var o []partSpans
		for j := range parts {
			if j != i {
				o = append(o, partSpans{parts[j].rd.src, parts[j].spans})
			}
		}
		return o
	}
	for i := range parts {
		p := &parts[i]
		p.lost = p.rd.src.countSlack(trimRuns(p.rd.src.lostRuns(p.spans, true), others(i)))
	}
	var out []LostSpan
	for _, p := range parts {
	runs:
		for _, l := range p.lost {
			for _, o := range out {
				if o.AfterID == l.AfterID && o.BeforeID == l.BeforeID {
					continue runs
				}
			}
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b LostSpan) int { return cmp.Compare(a.AfterID, b.AfterID) })
	return out[max(0, len(out)-maxLostSpans):] // the newest, as lostBetween
}

// partSpans are the chunk spans (lostSpans) of one copy of a log read
// as one with others, and the copy they are of.
type partSpans struct {
	src   *source
	spans []candSpan
}

// trimRuns returns, of each run in lost (one copy's, in record-number
// order), the numbers that none of others holds a record of: a run
// others hold none of as it is, one they hold all of not at all, and one
// they hold some of as the runs between those records, each bounded by
// the record either side, decoded from the copy that holds it (After or
// Before nil where that copy holds the number but no record of it reads:
// a chunk's header claims it). Of a Newest run only the part after every
// record a copy holds stays Newest: an older copy holding records 281 to
// 302 of a damaged copy's newest run 281 to 309 leaves 303 to 309 lost,
// the newest, after record 302 (TestLostNewestOfCopiesReadAsOne). A
// NoneRead run trimmed is no longer one: some copy read its records.
func trimRuns(lost []LostSpan, others []partSpans) []LostSpan {
	if len(others) == 0 {
		return lost
	}
	type held struct {
		lo, hi     uint64
		loC, hiC   *writtenCand
		loSrc, hiS *source
	}
	var out []LostSpan
	for _, l := range lost {
		lo, hi := l.AfterID+1, l.BeforeID-1
		var hs []held
		for _, o := range others {
			for k := range o.spans {
				sp := &o.spans[k]
				if !sp.ok {
					continue
				}
				sLo, _ := sp.bounds()
				sp.subRuns(func(a, b uint64, aC, bC *writtenCand) {
					if a > hi || b < lo {
						return
					}
					if aC == nil && a == sLo && a == sp.lo.id {
						aC = &sp.lo
					}
					if bC == nil && b == sp.hi.id {
						bC = &sp.hi
					}
					hs = append(hs, held{a, b, aC, bC, o.src, o.src})
				})
				for m := range sp.outliers {
					if c := &sp.outliers[m]; c.id >= lo && c.id <= hi {
						hs = append(hs, held{c.id, c.id, c, c, o.src, o.src})
					}
				}
			}
		}
		if len(hs) == 0 {
			out = append(out, l)
			continue
		}
		slices.SortFunc(hs, func(a, b held) int { return cmp.Compare(a.lo, b.lo) })
		decode := func(c *writtenCand, src *source, id uint64) *Event {
			if c == nil || c.id != id {
				return nil
			}
			return src.decodeCand(c, nil)
		}
		// next is the lowest number not yet judged; after is the record
		// before it (l's After, or the highest record a copy holds).
		next, afterID, after := lo, l.AfterID, l.After
		var top held
		for _, h := range hs {
			if h.hi < next {
				continue
			}
			if h.lo > next {
				out = append(out, LostSpan{AfterID: afterID, BeforeID: h.lo, After: after, Before: decode(h.loC, h.loSrc, h.lo)})
			}
			next, afterID, top = h.hi+1, h.hi, h
			after = nil
			if next > hi {
				break
			}
		}
		if afterID == top.hi {
			after = decode(top.hiC, top.hiS, top.hi)
		}
		if next <= hi {
			out = append(out, LostSpan{AfterID: afterID, BeforeID: l.BeforeID, After: after, Before: l.Before, Newest: l.Newest, ChunkCount: l.ChunkCount})
		}
	}
	return out
}

// claimSpans widens each chunk's span to the record numbers its header
// claims (candSpan.claim), reading the header of each chunk.
//
// A span noted when its chunk was read (chunkResult.span) carries what
// that read's header claims (hdr), and its header is not read again: the
// read parsed the same bytes (a span walked by walkCands does not, and
// the header is read). On bench/run's volume the reads were 4,110 preads
// of 512 bytes a run of analyze. TestClaimSpansHeldEqualsRead compares
// the two ways.
func (s *source) claimSpans(spans []candSpan) {
	var buf [chunkHeaderSize]byte
	for i := range spans {
		sp := &spans[i]
		if sp.hdr.known && !claimHeldOff {
			sp.claimRange(sp.hdr.first, sp.hdr.last, sp.hdr.ok)
			continue
		}
		off := s.base + int64(sp.lo.slot)*chunkSize
		n := min(int64(chunkSize), s.size-off)
		if m, _ := s.ra.ReadAt(buf[:], off); m < len(buf) {
			continue
		}
		h := parseChunkHeader(buf[:])
		sp.claim(&h, int(n))
		known := sp.hdr.known
		sp.noteHeader(&h, int(n))
		sp.hdr.known = known
	}
}

// claimHeldOff makes claimSpans read every chunk's header again rather
// than take the claim its read noted (tests compare the two ways).
var claimHeldOff = false

// hdrClaim is what a chunk's header claims (headerClaim), noted when the
// chunk is read: first..last when ok; known is false when nothing was
// noted.
type hdrClaim struct {
	first, last uint64
	ok, known   bool
	// sound is set when the header's signature and checksum are right
	// and the chunk whole, rawFirst..rawLast the range it claims then,
	// believed or not (claimProblems).
	sound             bool
	rawFirst, rawLast uint64
}

// noteHeader notes what header h of the chunk of n bytes being read
// claims (see hdrClaim).
func (sp *candSpan) noteHeader(h *chunkHeader, n int) {
	first, last, ok := headerClaim(h, n)
	sp.hdr = hdrClaim{first: first, last: last, ok: ok, known: true}
	if h.SignatureOK && h.ChecksumOK && n >= chunkSize {
		sp.hdr.sound, sp.hdr.rawFirst, sp.hdr.rawLast = true, h.FirstRecordID, h.LastRecordID
	}
}

// lostScanOff makes LostRecords walk the record headers even after Next
// has read every chunk, rather than take each chunk's span from that
// read (tests compare the two ways).
var lostScanOff = false

// candSpan is the lowest- and highest-numbered records of one chunk that
// Next would consider yielding (walkCands' records), the first in file
// order of each number; ok is false before the first; n counts the
// records noted. Once refined (refine), lo and hi are those of the
// chunk's run of numbers, outliers aside.
type candSpan struct {
	lo, hi writtenCand
	ok     bool
	n      int
	// outliers are the chunk's records whose numbers refine set apart
	// from its run (a flipped bit in a record header whose checksums
	// are right), at most maxOutliers; padLo and padHi count those of
	// them before its lowest-numbered and after its highest-numbered
	// record in file order: Windows numbers a chunk's records in file
	// order, so each stands for the number next to the run's end.
	outliers     []writtenCand
	padLo, padHi uint64
	// padLoAt and padHiAt index the outliers that stand for the span's
	// ends, when padLo, padHi are not 0.
	padLoAt, padHiAt int
	// first..last is the range of record numbers the chunk's header
	// claims, when claimed (see claim): records of it that did not read
	// (damage the reader reports as unreadable bytes or undecodable
	// records) are held by the chunk all the same, not lost.
	first, last uint64
	claimed     bool
	// hdr is what the chunk's header claimed when the chunk was read
	// (noteHeader), which claimSpans takes rather than read it again.
	hdr hdrClaim
	// inner are the runs of numbers missing between two records of the
	// chunk's run next to each other in file order (refine): records
	// written there whose bytes hold no record any more (zeroed or
	// overwritten inside the chunk), each as the records either side.
	inner [][2]writtenCand
	// whole is the chunk's whole extent, the lowest and highest numbers
	// of all its records noted, kept by refine and splitGenerations
	// beside the pieces they cut (lo..hi, outliers, inner); set tells it
	// is (extent).
	whole struct {
		lo, hi uint64
		set    bool
	}
}

// extent returns the lowest and highest numbers of all the records of the
// chunk noted, whatever refining set apart or cut: what the chunk holds,
// first to last. A header claiming just that is true to the chunk's
// records (claimProblems), whose gaps the lost runs name.
func (sp *candSpan) extent() (lo, hi uint64) {
	if sp.whole.set {
		return sp.whole.lo, sp.whole.hi
	}
	return sp.lo.id, sp.hi.id
}

// keepWhole notes sp's extent in out, a span refining sp makes.
func (sp *candSpan) keepWhole(out *candSpan) {
	out.whole.lo, out.whole.hi = sp.extent()
	out.whole.set = true
}

// subRuns calls f with the runs of record numbers the chunk holds, in
// order: its bounds, cut at each of its inner gaps; loC and hiC are the
// records numbered lo and hi where the cut is at one (nil at the bounds:
// lostBetween finds those).
func (sp *candSpan) subRuns(f func(lo, hi uint64, loC, hiC *writtenCand)) {
	lo, hi := sp.bounds()
	var loC *writtenCand
	for i := range sp.inner {
		g := &sp.inner[i]
		f(lo, g[0].id, loC, &g[0])
		lo, loC = g[1].id, &g[1]
	}
	f(lo, hi, loC, nil)
}

// claim notes the record numbers that header h, of a chunk of n bytes
// whose records were noted, says the chunk holds: a header whose
// signature and checksum are right, whose range holds a noted record and
// is no wider than a chunk can hold. A chunk's first or last record
// unreadable is then damage inside the chunk, as one between two
// readable records is, not a run of lost records.
func (sp *candSpan) claim(h *chunkHeader, n int) {
	sp.claimRange(headerClaim(h, n))
}

// claimRange is claim given what the header claims (headerClaim).
func (sp *candSpan) claimRange(first, last uint64, ok bool) {
	if ok && sp.ok && sp.lo.id >= first && sp.lo.id <= last {
		sp.first, sp.last, sp.claimed = first, last, true
	}
}

// maxChunkRecords is the most records a chunk holds.
const maxChunkRecords = (chunkSize - chunkHeaderSize) / minRecordSize

// headerClaim returns the record numbers first..last that header h, of a
// chunk of n bytes, says the chunk holds, when it can be believed: its
// signature and checksum are right, the chunk is whole and the range is
// no wider than a chunk holds records.
func headerClaim(h *chunkHeader, n int) (first, last uint64, ok bool) {
	if h == nil || !h.SignatureOK || !h.ChecksumOK || n < chunkSize {
		return 0, 0, false
	}
	first, last = h.FirstRecordID, h.LastRecordID
	if first == 0 || last < first || last-first >= maxChunkRecords {
		return 0, 0, false
	}
	return first, last, true
}

// bounds returns the lowest and highest record numbers the chunk holds:
// those of its records noted (its run, once refined, widened by the
// outliers at its ends), widened to its header's claim.
func (sp *candSpan) bounds() (lo, hi uint64) {
	lo, hi = sp.lo.id-min(sp.padLo, sp.lo.id), sp.hi.id+min(sp.padHi, ^uint64(0)-sp.hi.id)
	if sp.claimed {
		lo, hi = min(lo, sp.first), max(hi, sp.last)
	}
	return lo, hi
}

// note notes record c, met after those noted before in file order.
func (sp *candSpan) note(c writtenCand) {
	sp.n++
	switch {
	case !sp.ok:
		sp.lo, sp.hi, sp.ok = c, c, true
	case c.id < sp.lo.id:
		sp.lo = c
	case c.id > sp.hi.id:
		sp.hi = c
	}
}

// maxOutliers bounds the records of a chunk refine sets apart: a chunk
// with more keeps the span of all its records' numbers.
const maxOutliers = 16

// refineSpans refines (refine) the span of each chunk whose records'
// numbers run wider than it has records (hi−lo+1 > n: one of them is
// numbered apart, or some between did not read), reading the chunk
// again; the others, every chunk of a sound log, cost nothing.
func (s *source) refineSpans(spans []candSpan) {
	var cs []writtenCand
	for i := range spans {
		sp := &spans[i]
		if !sp.ok || sp.hi.id-sp.lo.id < uint64(sp.n) {
			continue
		}
		slot := sp.lo.slot
		off := s.base + int64(slot)*chunkSize
		pooled, buf, got, _ := readChunkInto(s.ra, off, int(min(int64(chunkSize), s.size-off)))
		c := buf[:max(got, 0)]
		var h chunkHeader
		hdr := headerInto(&h, c)
		cs = cs[:0]
		s.walkChunk(slot, c, hdr, func(c writtenCand) { cs = append(cs, c) })
		sp.refine(c, cs, hdr)
		chunkBufs.Put(pooled)
	}
}

// refine sets apart, as outliers, the records of the chunk (cs, its
// records walkCands yields, in file order; h its header, of a chunk of n
// bytes) whose numbers lie apart from the chunk's run, so that one record
// whose record header's number has a bit flipped (its checksums right:
// crafted, or rotten before they were computed) does not widen the span
// of the chunk over a run of lost records after it. (Such a record lying
// before the free space offset of a header believed, its own
// EventRecordID in the header's range, is numbered by that EventRecordID
// already, damagedRecordID; refine sets apart the others: a salvaged
// record, one past the free space offset, one of a chunk whose header is
// not believed.) The run is, when the
// header can be believed (headerClaim) and holds a record: the numbers
// it claims, and those that continue it after its last record's offset,
// each record the next number (the records of a dirty chunk its header
// does not yet count); else the largest cluster of the records' numbers, none farther
// from the next than a chunk holds records (a tie is not decided: the span
// stays that of every record). An outlier before the run's first record
// in file order, or after its last, widens it by one at that end
// (padLo, padHi): it holds the number there, whatever its record header
// says, and so the span never leaves out a record the chunk holds; unless
// its own System/EventRecordID (Windows writes it equal to the record
// number) is read and is not that number: an old record of the chunk's
// slack, say, salvaged (its size fields zero), holds its own. Of more
// than maxOutliers outliers, nothing is set apart. c is the chunk's bytes.
func (sp *candSpan) refine(c []byte, cs []writtenCand, h *chunkHeader) {
	if len(cs) == 0 {
		return
	}
	n := len(c)
	inRun := make([]bool, len(cs))
	first, last, claimed := headerClaim(h, n)
	if claimed && !slices.ContainsFunc(cs, func(c writtenCand) bool { return c.id >= first && c.id <= last }) {
		claimed = false
	}
	if claimed {
		// Past the last record the header counts, each record takes the
		// next number: one set apart takes one too.
		end, skipped := last, uint64(0)
		for i, c := range cs {
			switch {
			case c.id >= first && c.id <= last:
				inRun[i] = true
			case c.off > int(h.LastRecordOffset) && c.id > end && c.id-end-1 <= skipped:
				inRun[i] = true
				end, skipped = c.id, 0
			case c.off > int(h.LastRecordOffset):
				skipped++
			}
		}
	} else {
		order := make([]int, len(cs))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cs[a].id, cs[b].id) })
		best, bestAt, tie := 0, 0, false
		for a := 0; a < len(order); {
			b := a + 1
			for b < len(order) && cs[order[b]].id-cs[order[b-1]].id <= maxChunkRecords {
				b++
			}
			switch {
			case b-a > best:
				best, bestAt, tie = b-a, a, false
			case b-a == best:
				tie = true
			}
			a = b
		}
		if tie {
			sp.splitGenerations(cs)
			return
		}
		for _, i := range order[bestAt : bestAt+best] {
			inRun[i] = true
		}
	}
	var run candSpan
	firstIn, lastIn := -1, -1
	for i, c := range cs {
		if inRun[i] {
			run.note(c)
			if firstIn < 0 {
				firstIn = i
			}
			lastIn = i
		}
	}
	if !run.ok || len(cs)-run.n > maxOutliers {
		// Too much set apart to be bit flips: the chunk may hold records
		// of two uses of it (splitGenerations), else the span stays that
		// of every record.
		sp.splitGenerations(cs)
		return
	}
	run.inner = innerGaps(cs, inRun)
	if run.n == len(cs) {
		sp.inner = run.inner // nothing set apart
		return
	}
	run.n = sp.n
	at := make([]int, len(cs)) // the index in outliers of cs[i]
	for i, c := range cs {
		if !inRun[i] {
			at[i] = len(run.outliers)
			run.outliers = append(run.outliers, c)
		}
	}
	// stands reports whether outlier o may hold number id: its own
	// EventRecordID is not read, or is id.
	var dec *chunkDecoder
	stands := func(o *writtenCand, id uint64) bool {
		if dec == nil {
			dec = newChunkDecoder(c)
		}
		rt, ok := dec.readTime(o.off, o.size)
		return !ok || !rt.hasID || rt.eventRecordID == id
	}
	// From each end of the run outward in file order.
	for i := firstIn - 1; i >= 0 && run.lo.id > run.padLo+1; i-- {
		if !inRun[i] && stands(&cs[i], run.lo.id-run.padLo-1) {
			run.padLo++
			run.padLoAt = at[i]
		}
	}
	for i := lastIn + 1; i < len(cs) && run.hi.id+run.padHi < ^uint64(0); i++ {
		if !inRun[i] && stands(&cs[i], run.hi.id+run.padHi+1) {
			run.padHi++
			run.padHiAt = at[i]
		}
	}
	run.hdr = sp.hdr // the chunk's header claims the same
	sp.keepWhole(&run)
	*sp = run
}

// splitGenerations makes the runs of the chunk (cs, its records in file
// order) the clusters of its records' numbers, none farther from the next
// than a chunk holds records, when at least two clusters hold two records
// or more: a chunk that holds records of two uses of it, the older left
// where the newer did not reach (a shadow copy taken while Windows was
// writing the chunk anew on a later lap round a circular log: public
// sample 2-vss_0-...RemoteConnectionManager%4Operational.evtx, whose
// chunk 1 holds records 401513..401596 and 463011..463076). The numbers
// between two clusters are not in the chunk, which holds no more records
// than maxChunkRecords: taken as one span (from the lowest number to the
// highest) they hid every run lost between them, 60,000 records there,
// and a log missing records in the window was called read and covering
// it. Clusters are cut as inner gaps (subRuns); a record alone in its
// cluster (a record number with a bit flipped) is set apart as an
// outlier, holding its own number only. With fewer than two such
// clusters nothing changes.
func (sp *candSpan) splitGenerations(cs []writtenCand) {
	if len(cs) < 4 {
		return
	}
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cs[a].id, cs[b].id) })
	type cluster struct{ a, b int } // order[a:b]
	var runs []cluster
	var alone []int
	for a := 0; a < len(order); {
		b := a + 1
		for b < len(order) && cs[order[b]].id-cs[order[b-1]].id <= maxChunkRecords {
			b++
		}
		if b-a >= 2 {
			runs = append(runs, cluster{a, b})
		} else {
			alone = append(alone, order[a])
		}
		a = b
	}
	if len(runs) < 2 {
		return
	}
	out := candSpan{ok: true, n: sp.n, hdr: sp.hdr}
	out.lo, out.hi = cs[order[runs[0].a]], cs[order[runs[len(runs)-1].b-1]]
	for k := 1; k < len(runs); k++ {
		out.inner = append(out.inner, [2]writtenCand{cs[order[runs[k-1].b-1]], cs[order[runs[k].a]]})
	}
	slices.Sort(alone) // file order
	for _, i := range alone {
		out.outliers = append(out.outliers, cs[i])
	}
	sp.keepWhole(&out)
	*sp = out
}

// innerGaps returns the gaps between the records of a chunk's run (cs[i]
// with inRun[i]) next to each other in file order whose numbers are not
// next to each other: Windows writes a chunk's records one after another,
// each numbered one past the one before, so the numbers between were
// written there and their bytes hold no record (a record whose header is
// intact is among cs, decodable or not). Two records with a record set
// apart between them (an outlier, which holds a number there) leave no
// gap. It returns none when the run's numbers do not rise in file order
// (nothing then says what lies where), or more than a chunk holds records.
func innerGaps(cs []writtenCand, inRun []bool) [][2]writtenCand {
	var gaps [][2]writtenCand
	prev, apart := -1, false
	for i := range cs {
		if !inRun[i] {
			apart = true
			continue
		}
		if prev >= 0 {
			a, b := cs[prev].id, cs[i].id
			if b <= a || b-a > maxChunkRecords {
				return nil
			}
			if b > a+1 && !apart {
				gaps = append(gaps, [2]writtenCand{cs[prev], cs[i]})
			}
		}
		prev, apart = i, false
	}
	return gaps
}

// lostBetween returns the runs of record numbers no chunk's span holds
// (LostRecords), with the records either side decoded when decode is set.
func (s *source) lostBetween(spans []candSpan, decode bool) []LostSpan {
	// A chunk's records run from its lowest to its highest number (a
	// record number outside them is damage the reader reports; one set
	// apart from the chunk's run, refine, is held alone), widened to what
	// its header claims (candSpan.claim); the chunks in record order
	// leave out what no chunk holds.
	type run struct {
		lo, hi   uint64
		loC, hiC *writtenCand // the records numbered lo and hi, if read
		slot     int
	}
	runs := make([]run, 0, len(spans))
	for i := range spans {
		sp := &spans[i]
		lo, hi := sp.bounds()
		var loC, hiC *writtenCand
		switch {
		case lo == sp.lo.id:
			loC = &sp.lo
		case sp.padLo > 0 && lo == sp.lo.id-min(sp.padLo, sp.lo.id):
			loC = &sp.outliers[sp.padLoAt] // the outlier that stands for it
		}
		switch {
		case hi == sp.hi.id:
			hiC = &sp.hi
		case sp.padHi > 0 && hi == sp.hi.id+min(sp.padHi, ^uint64(0)-sp.hi.id):
			hiC = &sp.outliers[sp.padHiAt]
		}
		// The chunk's runs, cut at its inner gaps (records zeroed or
		// overwritten inside it): those are lost as a run between
		// chunks is, unless another chunk holds them.
		sp.subRuns(func(a, b uint64, aC, bC *writtenCand) {
			r := run{lo: a, hi: b, loC: aC, hiC: bC, slot: sp.lo.slot}
			if a == lo {
				r.loC = loC
			}
			if b == hi {
				r.hiC = hiC
			}
			runs = append(runs, r)
		})
	}
	slices.SortFunc(runs, func(a, b run) int {
		return cmp.Or(cmp.Compare(a.lo, b.lo), cmp.Compare(a.slot, b.slot))
	})
	type gap struct{ after, before run }
	var gaps []gap
	for i := 0; i+1 < len(runs); i++ {
		cur := runs[i]
		next := runs[i+1]
		if next.lo <= cur.hi+1 || cur.hi == ^uint64(0) {
			if next.hi > cur.hi {
				continue
			}
			runs[i+1].hi, runs[i+1].hiC = cur.hi, cur.hiC // next lies inside cur: cur's end goes on
			continue
		}
		gaps = append(gaps, gap{cur, next})
	}
	// A record set apart from its chunk's run (candSpan.outliers) is in
	// the file under its number all the same: a run no chunk holds is
	// cut at it.
	var outs []writtenCand
	for i := range spans {
		outs = append(outs, spans[i].outliers...)
	}
	if len(outs) > 0 && len(gaps) > 0 {
		slices.SortFunc(outs, func(a, b writtenCand) int { return a.compare(&b, false) })
		var cut []gap
		for _, g := range gaps {
			i, _ := slices.BinarySearchFunc(outs, g.after.hi+1, func(o writtenCand, id uint64) int { return cmp.Compare(o.id, id) })
			for ; i < len(outs) && outs[i].id < g.before.lo; i++ {
				o := &outs[i]
				if o.id == g.after.hi {
					continue // a copy of a number met already
				}
				at := run{lo: o.id, hi: o.id, loC: o, hiC: o, slot: o.slot}
				if o.id > g.after.hi+1 {
					cut = append(cut, gap{g.after, at})
				}
				g.after = at
			}
			if g.after.hi+1 < g.before.lo {
				cut = append(cut, g)
			}
		}
		gaps = cut
	}
	// The newest runs are kept: windows end at the last-written record.
	gaps = gaps[max(0, len(gaps)-maxLostSpans):]
	lost := make([]LostSpan, 0, len(gaps))
	for _, g := range gaps {
		l := LostSpan{AfterID: g.after.hi, BeforeID: g.before.lo}
		if decode {
			l.After, l.Before = s.decodeCand(g.after.hiC, nil), s.decodeCand(g.before.loC, nil)
		}
		lost = append(lost, l)
	}
	return lost
}
