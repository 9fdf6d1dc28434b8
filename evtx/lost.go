package evtx

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// LostSpan is a run of record numbers a log's current records skip: the
// record numbered AfterID is followed, in the order Windows wrote them,
// by the one numbered BeforeID, and the BeforeID−AfterID−1 records
// between were written (Windows numbers a log's records one after
// another, across chunks and around a wrapped log alike) but are not in
// the file: chunks zeroed or overwritten in a crash or a damaged copy
// (a shadow copy of a log whose newest chunks were not yet flushed holds
// all-zero chunks where the file header, not updated, counts none), or
// chunks whose records are all unreadable. After and Before are those two
// records decoded, nil when one does not decode; the lost records lie
// between their TimeCreated.
type LostSpan struct {
	AfterID, BeforeID uint64
	After, Before     *Event
}

// Count is the number of records lost.
func (l LostSpan) Count() uint64 { return l.BeforeID - l.AfterID - 1 }

// maxLostSpans bounds the spans LostRecords returns (each costs two
// decodes); a log damaged more often than that reports the first ones.
const maxLostSpans = 100

// LostRecords returns the runs of record numbers missing between the
// current records of the log (those Next yields without a window: not the
// old records of chunk slack), in record-number order, at most 100 of
// them: the numbers between chunks, none of which holds them (a gap
// inside one chunk is damage reported as unreadable bytes or
// undecodable records, and is not returned). It reads the record headers once and does not move Next. Of copies read as
// one (Merge), it returns nil: a copy may hold what another lacks, and an
// export numbers its records anew.
func (rd *Reader) LostRecords() []LostSpan {
	if rd.merged != nil {
		return nil
	}
	s := rd.src
	spans := rd.spans
	if !rd.spansDone || lostScanOff {
		// Next has not read every chunk: the record headers are walked.
		spans = nil
		slot := -1
		s.walkCands(0, s.nslots, func(c writtenCand) {
			if c.slot != slot {
				slot = c.slot
				spans = append(spans, candSpan{})
			}
			spans[len(spans)-1].note(c)
		}, new(atomic.Bool))
	}
	return s.lostBetween(slices.Clone(spans))
}

// lostScanOff makes LostRecords walk the record headers even after Next
// has read every chunk, rather than take each chunk's span from that
// read (tests compare the two ways).
var lostScanOff = false

// candSpan is the lowest- and highest-numbered records of one chunk that
// Next would consider yielding (walkCands' records), the first in file
// order of each number; ok is false before the first.
type candSpan struct {
	lo, hi writtenCand
	ok     bool
}

// note notes record c, met after those noted before in file order (a
// record noted again changes nothing: a chunk scanned a second time,
// guarded, notes its records again).
func (sp *candSpan) note(c writtenCand) {
	switch {
	case !sp.ok:
		sp.lo, sp.hi, sp.ok = c, c, true
	case c.id < sp.lo.id:
		sp.lo = c
	case c.id > sp.hi.id:
		sp.hi = c
	}
}

// lostBetween returns the runs of record numbers no chunk's span holds
// (LostRecords), with the records either side decoded; it sorts spans.
func (s *source) lostBetween(spans []candSpan) []LostSpan {
	// A chunk's records run from its lowest to its highest number (a
	// record number outside them is damage the reader reports); the chunks
	// in record order leave out what no chunk holds.
	slices.SortFunc(spans, func(a, b candSpan) int {
		return cmp.Or(cmp.Compare(a.lo.id, b.lo.id), cmp.Compare(a.lo.slot, b.lo.slot))
	})
	var lost []LostSpan
	for i := 0; i+1 < len(spans) && len(lost) < maxLostSpans; i++ {
		cur := spans[i]
		next := spans[i+1]
		if next.lo.id <= cur.hi.id+1 || cur.hi.id == ^uint64(0) {
			if next.hi.id > cur.hi.id {
				continue
			}
			spans[i+1].hi = cur.hi // next lies inside cur: cur's end goes on
			continue
		}
		lost = append(lost, LostSpan{AfterID: cur.hi.id, BeforeID: next.lo.id,
			After: s.decodeCand(&cur.hi, nil), Before: s.decodeCand(&next.lo, nil)})
	}
	return lost
}
