package evtxtest

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestFlipRecordNumber: the record FlipRecordNumber names is the one
// flipped (record 25 of MinuteLog's 50 is chunk 2's fifth), a chunk or
// record the file does not hold is an error that changes nothing.
func TestFlipRecordNumber(t *testing.T) {
	b, err := MinuteLog(50, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != fileHeaderBlock+5*chunkSize {
		t.Fatalf("%d bytes, want 5 chunks", len(b))
	}
	before := bytes.Clone(b)
	for _, c := range [][2]int{{5, 0}, {4, 10}, {-1, 0}, {0, -1}} {
		if _, _, err := FlipRecordNumber(b, c[0], c[1]); err == nil || !bytes.Equal(b, before) {
			t.Errorf("chunk %d, record %d: error %v, file changed %v; want an error and no change", c[0], c[1], err, !bytes.Equal(b, before))
		}
	}
	le := binary.LittleEndian
	off, orig, err := FlipRecordNumber(b, 2, 4)
	if err != nil || orig != 25 || string(b[off:off+4]) != "**\x00\x00" || le.Uint64(b[off+8:]) != 25|1<<40 {
		t.Fatalf("record 25: offset %#x, number %d, error %v", off, orig, err)
	}
	ch := b[fileHeaderBlock+2*chunkSize : fileHeaderBlock+3*chunkSize]
	if r, h := chunkChecksums(ch, le.Uint32(ch[48:])); r != le.Uint32(ch[52:]) || h != le.Uint32(ch[124:]) {
		t.Errorf("chunk 2's checksums are wrong after the flip")
	}
	if !bytes.Equal(b[:fileHeaderBlock+2*chunkSize], before[:fileHeaderBlock+2*chunkSize]) || !bytes.Equal(b[fileHeaderBlock+3*chunkSize:], before[fileHeaderBlock+3*chunkSize:]) {
		t.Errorf("bytes outside chunk 2 changed")
	}
}

// TestConflictLog: ConflictLog's address lies where it says, in chunk 1.
func TestConflictLog(t *testing.T) {
	cb, at, err := ConflictLog()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(bytes.ReplaceAll(cb[at:at+2*len(ConflictAddress)], []byte{0}, nil)); got != ConflictAddress || at < fileHeaderBlock+chunkSize || at >= fileHeaderBlock+2*chunkSize {
		t.Errorf("ConflictLog: %q at %#x, want %q in chunk 1", got, at, ConflictAddress)
	}
}
