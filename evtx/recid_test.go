package evtx

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// flipRecordIDHighByte returns the System log of the tls-36871-10013
// scenario (123 records, EventRecordIDs 1..123, one chunk) with one bit
// flipped in the high byte of record 39's record header id: the record
// header then says 2305843009213693991, the chunk's records checksum no
// longer matches, its header still does.
func flipRecordIDHighByte(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	for off := fileHeaderBlock + chunkHeaderSize; off+recordHeaderSize <= fileHeaderBlock+chunkSize; {
		if !bytes.Equal(b[off:off+4], recordMagic) {
			t.Fatalf("no record at %#x", off)
		}
		if le.Uint64(b[off+8:]) == 39 {
			b[off+15] ^= 0x20
			return b
		}
		off += int(le.Uint32(b[off+4:]))
	}
	t.Fatal("no record 39")
	return nil
}

// TestDamagedRecordIDKeepsLastWritten: one flipped bit in a record
// header's id made record 39 the log's last-written record (the highest
// record number): analyze took its TimeCreated, 6 days before the log's
// real last record, as "now", and the two Schannel 36871 events of the
// last day fell outside the window ("not detected"), while dump called the
// log an export with 1 record renumbered. The chunk header, intact, counts
// records 1..123 before its free space offset, so the id is damage: the
// record is read with its own EventRecordID, 39, and the damage is listed
// as a problem, the same with a window that decodes nothing.
func TestDamagedRecordIDKeepsLastWritten(t *testing.T) {
	b := flipRecordIDHighByte(t)
	rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1, Name: "System.evtx"})
	if err != nil {
		t.Fatal(err)
	}
	first, last := rd.WrittenEnds()
	if first == nil || last == nil || first.RecordID != 1 || last.RecordID != 123 || last.System.EventRecordID != 123 {
		t.Fatalf("written ends %v, %v; want records 1 and 123", first, last)
	}
	n := 0
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ev.RecordID != ev.System.EventRecordID {
			t.Errorf("record %d has EventRecordID %d", ev.RecordID, ev.System.EventRecordID)
		}
	}
	if n != 123 {
		t.Errorf("%d records, want 123", n)
	}
	const want = "record number 2305843009213693991 lies outside the chunk header's range 1..123"
	for _, o := range []Options{{Workers: 1}, {Workers: 1, Since: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		o.Name = "System.evtx"
		rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		var msgs []string
		for _, e := range rd.Errors() {
			msgs = append(msgs, e.Error())
		}
		if !strings.Contains(strings.Join(msgs, "\n"), want) || rd.Stats().Problems != len(msgs) {
			t.Errorf("since %v: problems %q (%d counted); want %q", o.Since, msgs, rd.Stats().Problems, want)
		}
	}
}
