package evtx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// damagedRecordID tells the record number of the record at off (size
// bytes, record header id id) of chunk bytes c with header h, when the
// header's id cannot be right: the chunk header is intact (signature and
// header checksum right, the chunk whole, its free space offset inside
// it) and so vouches that the records before its free space offset are
// numbered FirstRecordID..LastRecordID, the record lies there, its id does
// not, and its own System/EventRecordID lies in that range. That
// EventRecordID is then its number (Windows writes the two equal; an
// exported log renumbers both the records and its chunk headers, so an
// EventRecordID outside the range decides nothing).
//
// Whether the records checksum is right does not matter. Wrong, the
// record area was damaged: a bit flipped in an id's high byte made record
// 39 of a 123-record log number 2305843009213693991, the last-written
// record, moving "now" 6 days back. Right, the number was damaged before
// the checksums were computed, or crafted: record 25 of 50 numbered
// 1099511627801 (bit 40) was the last-written record, "now" its time 25
// minutes early and the log called an export (its last-written record
// "renumbered"); two witnesses, the chunk header and the record's
// EventRecordID, outweigh the one number. It returns that number and
// true, or id and false. dec returns the chunk's decoder.
//
// scanChunk (what Next yields, and passOver, which leaves such a record to
// it) and walkChunk (LastWritten's candidates) all ask it, so that each
// gives the record the same number; the problem scanChunk reports names
// the file offset, both numbers and the chunk's range (or, decided by the
// neighbours, their numbers). idSuspect is the check they make first, on
// every record.
func damagedRecordID(h *chunkHeader, c []byte, off, size int, id uint64, dec func() *chunkDecoder) (uint64, string, bool) {
	if h == nil || !headerVouches(h, len(c)) || off >= int(h.FreeSpaceOffset) {
		// No chunk header vouches for the record's number: its
		// neighbours may.
		return neighbouredRecordID(c, off, size, id, dec)
	}
	if h.FirstRecordID > h.LastRecordID || id >= h.FirstRecordID && id <= h.LastRecordID {
		return id, "", false
	}
	own, ok := ownRecordID(dec, off, size)
	if !ok {
		return id, "", false
	}
	if own < h.FirstRecordID || own > h.LastRecordID {
		return id, "", false
	}
	return own, "", true
}

// idInRange reports whether record number id lies in the range of chunk
// header h, FirstRecordID..LastRecordID: then damagedRecordID keeps it
// when the header vouches for it (idSuspect).
func idInRange(h *chunkHeader, id uint64) bool {
	return id >= h.FirstRecordID && id <= h.LastRecordID
}

// headerVouches reports whether chunk header h of a chunk of n bytes
// vouches for the numbers of the records before its free space offset
// (damagedRecordID): its signature and header checksum are right, the
// chunk is whole and the free space offset lies inside it.
func headerVouches(h *chunkHeader, n int) bool {
	free := int(h.FreeSpaceOffset)
	return h.SignatureOK && h.ChecksumOK && n >= chunkSize && free >= chunkHeaderSize && free <= n
}

// idSuspect reports whether the number id of the record at off (size
// bytes) of chunk c, header h, must be asked of damagedRecordID: it lies
// outside the header's range, or the header does not vouch for it
// (headerVouches false, vouched) and the record after it is not numbered
// id+1. scanChunk, passOver and walkChunk ask it alike.
func idSuspect(h *chunkHeader, vouched bool, c []byte, off, size int, id uint64) bool {
	return !idInRange(h, id) || !vouched && !nextNumbered(c, off+size, id+1)
}

// nextNumbered reports whether an intact record at off of chunk c has
// number id.
func nextNumbered(c []byte, off int, id uint64) bool {
	_, ok := recordAt(c, off)
	return ok && binary.LittleEndian.Uint64(c[off+8:]) == id
}

// neighbouredRecordID tells the number of the record at off (size bytes,
// record header number id) of chunk c when no chunk header vouches for
// it (damagedRecordID): its own System/EventRecordID, when that differs
// from id and the intact records right beside it (the one that ends where
// it starts, found by its size's copy in its last four bytes, and the
// one that starts where it ends) are numbered one before and one after
// that EventRecordID, each of them there is, and at least one is.
// Windows writes the record number equal to the EventRecordID and
// numbers a chunk's records one after another, so the record and its
// neighbours are witnesses against the one number: with the chunk
// header's checksum wrong, record 25 of 50 numbered 1099511627801 (bit
// 40 flipped, the records checksum right) was the last-written record,
// and analyze's reference time ("now") 25 minutes early
// (TestFlippedNumberNotLastWritten). An exported log renumbers its
// records from 1 and keeps their EventRecordIDs, so its neighbours'
// numbers do not continue an EventRecordID: its numbers are kept, as
// are those of two neighbouring records both damaged
// (TestFlippedNeighboursKept). The neighbours are asked first, from
// their record headers: a record whose number they continue (an old
// record of the slack, most often) is not decoded. It returns that
// number, words naming the neighbours' numbers, and true; or id, "" and
// false. dec returns the chunk's decoder.
func neighbouredRecordID(c []byte, off, size int, id uint64, dec func() *chunkDecoder) (uint64, string, bool) {
	le := binary.LittleEndian
	var prev, next uint64
	hasPrev, hasNext := false, false
	if off >= chunkHeaderSize+4 && off <= len(c) {
		if ps := int(le.Uint32(c[off-4:])); ps > 0 && off-ps >= chunkHeaderSize {
			if sz, ok := recordAt(c, off-ps); ok && sz == ps {
				prev, hasPrev = le.Uint64(c[off-ps+8:]), true
			}
		}
	}
	if _, ok := recordAt(c, off+size); ok {
		next, hasNext = le.Uint64(c[off+size+8:]), true
	}
	// The number the neighbours say the record has.
	var want uint64
	switch {
	case hasPrev && hasNext:
		if prev == math.MaxUint64 || next != prev+2 {
			return id, "", false
		}
		want = prev + 1
	case hasPrev:
		if prev == math.MaxUint64 {
			return id, "", false
		}
		want = prev + 1
	case hasNext:
		if next == 0 {
			return id, "", false
		}
		want = next - 1
	default:
		return id, "", false
	}
	if want == id {
		return id, "", false
	}
	own, ok := ownRecordID(dec, off, size)
	if !ok {
		return id, "", false
	}
	if own != want {
		return id, "", false
	}
	var words []string
	if hasPrev {
		words = append(words, fmt.Sprintf("the record before it is numbered %d", prev))
	}
	if hasNext {
		words = append(words, fmt.Sprintf("the record after it is numbered %d", next))
	}
	return own, strings.Join(words, " and "), true
}

// ownRecordID returns the System/EventRecordID of the record at off (size
// bytes) of the chunk dec decodes: read cheaply with its TimeCreated, else
// from the record decoded; false when neither reads it.
func ownRecordID(dec func() *chunkDecoder, off, size int) (uint64, bool) {
	if rt, ok := dec().readTime(off, size); ok && rt.hasID {
		return rt.eventRecordID, true
	}
	if ev, err := decodeSafely(dec(), off, size); err == nil {
		return ev.System.EventRecordID, true
	}
	return 0, false
}
