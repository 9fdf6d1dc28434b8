package evtx_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestWrittenEndsPastManyUndecodable: when the 150 highest- and 150
// lowest-numbered records do not decode (more than one walk of the record
// headers keeps), the ends are the first records that do, as a full read
// finds them.
func TestWrittenEndsPastManyUndecodable(t *testing.T) {
	evs := evtxtest.Noise(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Minute, 600)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 50})
	if err != nil {
		t.Fatal(err)
	}
	broken := 0
	for off := 4096; off+512 <= len(b); off += 65536 {
		c := b[off:min(len(b), off+65536)]
		for p := 512; p+24 <= len(c); {
			if string(c[p:p+4]) != "**\x00\x00" {
				break
			}
			size := int(binary.LittleEndian.Uint32(c[p+4:]))
			if id := binary.LittleEndian.Uint64(c[p+8:]); id <= 150 || id > 450 {
				c[p+24] = 0xff // no BinXML token: the body does not decode
				broken++
			}
			p += size
		}
	}
	if broken != 300 {
		t.Fatalf("broke %d records", broken)
	}
	r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, last := r.WrittenEnds()
	if first == nil || last == nil || first.RecordID != 151 || last.RecordID != 450 {
		t.Fatalf("written ends %v, %v; want records 151 and 450", first, last)
	}
}
