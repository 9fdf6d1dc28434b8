package evtx

// damagedRecordID tells the record number of the record at off (size
// bytes, record header id id) of chunk bytes c with header h, when the
// header's id cannot be right: the chunk header is intact (signature and
// header checksum right, the chunk whole, its free space offset inside
// it) and so vouches that the records before its free space offset are
// numbered FirstRecordID..LastRecordID, the record lies there, its id does
// not, and the records checksum is wrong (the record area was damaged: a
// bit flipped in an id's high byte made record 39 of a 123-record log
// number 2305843009213693991, the last-written record, moving "now" 6
// days back). The record's own System/EventRecordID, when it lies in the
// header's range, is then its number (Windows writes the two equal; an
// exported log renumbers both the records and its chunk headers, so an
// EventRecordID outside the range decides nothing). It returns that
// number and true, or id and false. dec returns the chunk's decoder.
//
// scanChunk (what Next yields) and walkChunk (LastWritten's candidates)
// both ask it, so that both give each record the same number.
func damagedRecordID(h *chunkHeader, c []byte, off, size int, id uint64, dec func() *chunkDecoder) (uint64, bool) {
	if h == nil || !h.SignatureOK || !h.ChecksumOK || h.RecordsChecksumOK || len(c) < chunkSize {
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
