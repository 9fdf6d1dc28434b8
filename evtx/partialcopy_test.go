package evtx_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// A record whose bytes lie both in a chunk that resolves its templates and
// in one that does not (the second half of a chunk overwritten by the
// second half of another, as in a copy taken while a chunk was rewritten)
// decodes in full from the first and only in part from the second. The
// reader yields each record once, by its bytes; it kept the copy it met
// first, the partial one, and dropped the full decode as its duplicate:
// 65 events of omerbenamram's system.evtx came out without names, data
// or provider (and analyze never uses a partial event as evidence). The
// full decode is yielded now, wherever it lies.
func TestPartialCopyYieldsFullRecord(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	const hdr, chunk = 4096, 65536
	d := bytes.Clone(b)
	c1, c3 := hdr+chunk, hdr+3*chunk
	copy(d[c1+chunk/2:c1+chunk], b[c3+chunk/2:c3+chunk])

	_, clean, _ := readLines(t, b, evtx.Options{Workers: 1})
	for _, workers := range []int{1, 4} {
		_, got, st := readLines(t, d, evtx.Options{Workers: workers})
		full := map[uint64]string{}
		for _, ev := range got {
			if ev.Partial == "" {
				full[ev.RecordID] = string(ev.AppendXML(nil))
			}
		}
		n := 0
		for _, ev := range clean {
			if ev.Source.Chunk != 3 {
				continue // chunk 3 is intact in the copy
			}
			n++
			if x, ok := full[ev.RecordID]; !ok {
				t.Errorf("workers %d: record %d of the intact chunk 3 not yielded in full", workers, ev.RecordID)
			} else if x != string(ev.AppendXML(nil)) {
				t.Errorf("workers %d: record %d: %s, want %s", workers, ev.RecordID, x, ev.AppendXML(nil))
			}
		}
		if n < 100 || st.Partial == 0 {
			t.Fatalf("%d records in chunk 3, %d partial: the copy proves little", n, st.Partial)
		}
	}
}
