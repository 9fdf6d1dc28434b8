package evtxtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// chunkChecksums returns the records checksum (CRC32 of bytes 512..free)
// and the header checksum (CRC32 of bytes 0..120 and 128..512) of the
// chunk b whose free space offset is free.
func chunkChecksums(b []byte, free uint32) (records, header uint32) {
	h := crc32.NewIEEE()
	h.Write(b[:120])
	h.Write(b[128:chunkHeaderSize])
	return crc32.ChecksumIEEE(b[chunkHeaderSize:free]), h.Sum32()
}

// SetChunkChecksums makes the two checksums of chunk, a 64 KiB chunk of a
// file Bytes wrote whose bytes a test changed, right again (records at 52,
// header at 124), from the free space offset it holds.
func SetChunkChecksums(chunk []byte) {
	le := binary.LittleEndian
	r, _ := chunkChecksums(chunk, le.Uint32(chunk[48:]))
	le.PutUint32(chunk[52:], r)
	_, h := chunkChecksums(chunk, le.Uint32(chunk[48:]))
	le.PutUint32(chunk[124:], h)
}

// RetypeLastRecordID changes, in the first chunk of b (a file Bytes
// wrote), the type of the last record's EventRecordID value from UInt64 to
// Real64 and makes the chunk's checksums right: an EventRecordID that is
// not an integer, which a reader does not take for one. It fails when the
// record holds other than one UInt64 value (the writer gives EventRecordID
// the only one of a System record).
func RetypeLastRecordID(b []byte) error {
	ch := b[fileHeaderBlock : fileHeaderBlock+chunkSize]
	last := int(binary.LittleEndian.Uint32(ch[44:]))
	free := int(binary.LittleEndian.Uint32(ch[48:]))
	desc := []byte{8, 0, 0x0a, 0} // a value descriptor: 8 bytes of UInt64
	if bytes.Count(ch[last:free], desc) != 1 {
		return errors.New("evtxtest: the last record holds other than one UInt64 value")
	}
	ch[last+bytes.Index(ch[last:free], desc)+2] = 0x0c // Real64
	SetChunkChecksums(ch)
	return nil
}

// OverwriteChunkHalf copies the second half of chunk src of b, a log file
// (a 4 KiB file header, then 64 KiB chunks, as Bytes writes it or a real
// sample holds them), over the second half of chunk dst, leaving both
// chunks' checksums as they were: a copy of a log taken while a chunk was
// rewritten, whose records in the copied half name templates that chunk
// dst does not hold (they decode in part) and are held in full in chunk
// src. It panics when b does not hold both chunks.
func OverwriteChunkHalf(b []byte, dst, src int) {
	const hdr, chunk = 4096, 65536
	d, s := hdr+dst*chunk, hdr+src*chunk
	copy(b[d+chunk/2:d+chunk], bytes.Clone(b[s+chunk/2:s+chunk]))
}
