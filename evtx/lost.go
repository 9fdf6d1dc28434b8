package evtx

import (
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
	type span struct{ lo, hi writtenCand }
	var spans []span
	slot := -1
	s.walkCands(0, s.nslots, func(c writtenCand) {
		if c.slot != slot {
			slot = c.slot
			spans = append(spans, span{c, c})
			return
		}
		sp := &spans[len(spans)-1]
		if c.id < sp.lo.id {
			sp.lo = c
		}
		if c.id > sp.hi.id {
			sp.hi = c
		}
	}, new(atomic.Bool))
	// A chunk's records run from its lowest to its highest number (a
	// record number outside them is damage the reader reports); the chunks
	// in record order leave out what no chunk holds.
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.lo.id < b.lo.id:
			return -1
		case a.lo.id > b.lo.id:
			return 1
		}
		return 0
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
