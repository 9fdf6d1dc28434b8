package evtx

import (
	"bytes"
	"io"
	"testing"
)

// TestRefineKeepsExtent: refining a chunk's span (refine, splitGenerations)
// cuts it into its run, outliers and inner gaps, and keeps beside them the
// chunk's whole extent, the lowest and highest numbers of all its records
// (candSpan.extent), which a header claim true to the records is judged
// by (claimProblems: it took them from a second copy of the spans,
// chunkHolds). On every sample, and on each one's damaged copy, every
// refined span's extent is the span's before refining; and some spans
// were cut (the test checks something).
func TestRefineKeepsExtent(t *testing.T) {
	cut := 0
	for name, b := range testLogs(t) {
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)])
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		for _, in := range [][]byte{b, d} {
			rd, err := NewReader(bytes.NewReader(in), int64(len(in)))
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := rd.Next(); err == io.EOF {
					break
				}
			}
			spans := rd.currentSpans(false)
			before := make([][2]uint64, len(spans))
			for i := range spans {
				before[i] = [2]uint64{spans[i].lo.id, spans[i].hi.id}
			}
			rd.src.refineSpans(spans)
			rd.src.claimSpans(spans)
			for i := range spans {
				if !spans[i].ok {
					continue
				}
				if lo, hi := spans[i].extent(); lo != before[i][0] || hi != before[i][1] {
					t.Errorf("%s: chunk %d: extent %d..%d after refining, %d..%d before", name, spans[i].lo.slot, lo, hi, before[i][0], before[i][1])
				}
				if spans[i].lo.id != before[i][0] || spans[i].hi.id != before[i][1] {
					cut++
				}
			}
			rd.Close()
		}
	}
	if cut == 0 {
		t.Fatal("no span was cut by refining: the test checks nothing")
	}
}
