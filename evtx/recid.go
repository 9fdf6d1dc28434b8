package evtx

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
// the file offset, both numbers and the chunk's range. idInRange is the
// check they make first, on every record.
func damagedRecordID(h *chunkHeader, c []byte, off, size int, id uint64, dec func() *chunkDecoder) (uint64, bool) {
	if h == nil || !h.SignatureOK || !h.ChecksumOK || len(c) < chunkSize {
		return id, false
	}
	free := int(h.FreeSpaceOffset)
	if free < chunkHeaderSize || free > len(c) || off >= free || h.FirstRecordID > h.LastRecordID ||
		id >= h.FirstRecordID && id <= h.LastRecordID {
		return id, false
	}
	var own uint64
	if rt, ok := dec().readTime(off, size); ok && rt.hasID {
		own = rt.eventRecordID
	} else if ev, err := decodeSafely(dec(), off, size); err == nil {
		own = ev.System.EventRecordID
	} else {
		return id, false
	}
	if own < h.FirstRecordID || own > h.LastRecordID {
		return id, false
	}
	return own, true
}

// idInRange reports whether record number id lies in the range of chunk
// header h, FirstRecordID..LastRecordID: then damagedRecordID keeps it,
// and the callers on every record need not call it.
func idInRange(h *chunkHeader, id uint64) bool {
	return id >= h.FirstRecordID && id <= h.LastRecordID
}
