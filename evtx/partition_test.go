package evtx_test

import (
	"bytes"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestFilterCountsPartition: a read with a Filter counts each record the
// full read counts in one bucket: Records + Filtered + BadRecords +
// Duplicates is the full read's Records + BadRecords + Duplicates, and
// BadRecords is the full read's. A record the Filter declines that does not
// decode is in BadRecords, not in Filtered too (the damaged system.evtx
// below counted 248 yielded + 34 filtered of its 281 decodable records,
// and its 37 undecodable ones as well), with a Filter that declines half
// the records and one that declines all (those whose summary cannot be
// read are decoded and yielded, not asked about).
func TestFilterCountsPartition(t *testing.T) {
	half := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	none := func(evtx.Summary) bool { return false }
	exercised := false // a log the Filter reads whose records partly do not decode
	for name, b := range sampleLogs(t) {
		// Every 509th byte of the record areas of the first three chunks
		// flipped, as TestWindowEqualsFilteredRead damages them.
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)])
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		for _, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", d}} {
			_, _, all := readLines(t, v.b, evtx.Options{Workers: 1})
			for _, f := range []struct {
				name   string
				filter func(evtx.Summary) bool
			}{{"even event ids", half}, {"none", none}} {
				for _, workers := range []int{1, 3} {
					_, _, st := readLines(t, v.b, evtx.Options{Workers: workers, Filter: f.filter})
					if st.BadRecords != all.BadRecords {
						t.Errorf("%s, Filter %s, %d workers: BadRecords %d, the full read's %d", v.name, f.name, workers, st.BadRecords, all.BadRecords)
					}
					n, want := st.Records+st.Skipped+st.Filtered+st.BadRecords+st.Duplicates, all.Records+all.BadRecords+all.Duplicates
					if n != want {
						t.Errorf("%s, Filter %s, %d workers: %d yielded + %d skipped + %d filtered + %d undecodable + %d duplicates = %d, the full read's %d + %d + %d = %d",
							v.name, f.name, workers, st.Records, st.Skipped, st.Filtered, st.BadRecords, st.Duplicates, n,
							all.Records, all.BadRecords, all.Duplicates, want)
					}
					if st.BadRecords > 0 && st.Filtered > 0 {
						exercised = true
					}
				}
			}
		}
	}
	if !exercised {
		t.Fatal("no log read with a Filter held records that do not decode: the test checks nothing")
	}
}
