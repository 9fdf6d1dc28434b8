package evtx_test

import (
	"bytes"
	"os"
	"testing"
	"time"

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
		if n < 100 || st.Partial+st.PartialHeld == 0 {
			t.Fatalf("%d records in chunk 3, %d partial: the copy proves little", n, st.Partial+st.PartialHeld)
		}
	}
}

// A record decoded in part that the file also holds decoded in full is
// one record held in full: Stats.Partial does not count it, PartialHeld
// does, whatever the window and the filter. Before, the 65 records of
// chunk 1's overwritten half (copies of chunk 3's, decoded in full there)
// were "65 records decoded in part" in dump's summary and analyze's
// partial_records, while analyze's windows counted each once, in full
// (rules TestPartialCopyInFileCountsOnceInWindow). A record decoded in
// part with no copy in full (chunk 3 zeroed) still counts.
func TestPartialHeldInFullNotCounted(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	const hdr, chunk = 4096, 65536
	c1, c3 := hdr+chunk, hdr+3*chunk
	held := bytes.Clone(b)
	copy(held[c1+chunk/2:c1+chunk], b[c3+chunk/2:c3+chunk])
	lone := bytes.Clone(held)
	clear(lone[c3 : c3+chunk])
	partials := func(d []byte) int {
		_, evs, _ := readLines(t, d, evtx.Options{Workers: 1})
		n := 0
		for _, ev := range evs {
			if ev.Partial != "" {
				n++
			}
		}
		return n
	}
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name          string
		d             []byte
		partial, held int
	}{
		{"held in full", held, 0, partials(held)},
		{"no copy in full", lone, partials(lone), 0},
	} {
		if c.partial+c.held < 50 {
			t.Fatalf("%s: %d records in part: the copy proves little", c.name, c.partial+c.held)
		}
		for _, o := range []evtx.Options{
			{Workers: 1},
			{Workers: 4},
			{Workers: 2, Since: far},
			{Workers: 1, Filter: func(evtx.Summary) bool { return false }},
		} {
			_, _, st := readLines(t, c.d, o)
			if st.Partial != c.partial || st.PartialHeld != c.held {
				t.Errorf("%s, window %v, filter %v, %d workers: %d records decoded in part, %d held in full; want %d and %d",
					c.name, !o.Since.IsZero(), o.Filter != nil, o.Workers, st.Partial, st.PartialHeld, c.partial, c.held)
			}
		}
	}
}
