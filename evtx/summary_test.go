package evtx

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A record's Summary says what its decoded System says, for every record
// of every real sample whose summary can be read; and nearly all can.
func TestSummaryMatchesDecode(t *testing.T) {
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("samples: %d, %v", len(paths), err)
	}
	read, unreadable := 0, 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		base := int64(fileHeaderBlock)
		if bytes.HasPrefix(b, chunkMagic) {
			base = 0
		}
		rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1})
		if err != nil {
			continue
		}
		decs := map[int]*chunkDecoder{}
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			start := base + int64(ev.Source.Chunk)*chunkSize
			c := b[start:min(start+chunkSize, int64(len(b)))]
			off := int(ev.Source.Offset - start)
			size := int(binary.LittleEndian.Uint32(c[off+4:]))
			d := decs[ev.Source.Chunk]
			if d == nil {
				d = newChunkDecoder(c)
				decs[ev.Source.Chunk] = d
			}
			s, ok := d.summarize(off, size)
			if !ok {
				unreadable++
				continue
			}
			read++
			if s.Provider != ev.System.Provider.Name || s.EventID != ev.System.EventID || s.Computer != ev.System.Computer {
				t.Errorf("%s record %d: summary %q %d %q, decoded %q %d %q", filepath.Base(p), ev.RecordID,
					s.Provider, s.EventID, s.Computer, ev.System.Provider.Name, ev.System.EventID, ev.System.Computer)
			}
		}
	}
	t.Logf("summaries equal to the decoded System: %d; not summarised (decoded in full instead): %d", read, unreadable)
	if read < 25000 || unreadable > read/100 {
		t.Errorf("summarised %d records, %d not", read, unreadable)
	}
}

// Options.Filter decodes exactly the records it accepts; the others are
// counted in Stats.Filtered.
func TestFilter(t *testing.T) {
	b := readSample(t, cleanSample)
	all := readBytes(t, b, Options{})
	want := map[uint64]bool{}
	for _, ev := range all.events {
		if ev.System.EventID == 7036 {
			want[ev.RecordID] = true
		}
	}
	if len(want) == 0 || len(want) == len(all.events) {
		t.Fatalf("sample has %d of %d events with id 7036: pick another id", len(want), len(all.events))
	}
	got := readBytes(t, b, Options{Workers: 2, Filter: func(s Summary) bool { return s.EventID == 7036 }})
	if len(got.events) != len(want) {
		t.Errorf("filtered read yielded %d events, want %d", len(got.events), len(want))
	}
	for _, ev := range got.events {
		if !want[ev.RecordID] {
			t.Errorf("record %d (event %d) passed the filter", ev.RecordID, ev.System.EventID)
		}
	}
	if got.stats.Filtered != len(all.events)-len(want) {
		t.Errorf("Stats.Filtered = %d, want %d", got.stats.Filtered, len(all.events)-len(want))
	}
	if !got.stats.Last.Equal(all.stats.Last) || !got.stats.First.Equal(all.stats.First) {
		t.Errorf("First/Last must cover filtered records too")
	}
}

// TestSummaryNamesAsQueries: over crafted element and attribute names
// (prefixed, doubly prefixed, empty prefix, other case, near misses,
// duplicates), wherever the Summary reads a record, what it says is what a
// query reads: the Provider/@Name and EventID values reachable through
// names that pass NameIs, the test the query evaluator (rules/xpath) uses.
// So the provider/event id pre-filter and the evaluator accept exactly the
// same names.
func TestSummaryNamesAsQueries(t *testing.T) {
	names := func(local string) []string {
		return []string{local, "e:" + local, "a:b:" + local, ":" + local, local + ":", "x" + local, "e:x" + local,
			strings.ToLower(local), "xmlns:" + local, "xmlns"}
	}
	type shape struct{ sys, prov, attr, eid, dup string }
	var shapes []shape
	for _, n := range names("System") {
		shapes = append(shapes, shape{sys: n, prov: "Provider", attr: "Name", eid: "EventID"})
	}
	for _, n := range names("Provider") {
		shapes = append(shapes, shape{sys: "System", prov: n, attr: "Name", eid: "EventID"})
		shapes = append(shapes, shape{sys: "System", prov: "Provider", attr: "Name", eid: "EventID", dup: n})
	}
	for _, n := range names("Name") {
		shapes = append(shapes, shape{sys: "System", prov: "Provider", attr: n, eid: "EventID"})
	}
	for _, n := range names("EventID") {
		shapes = append(shapes, shape{sys: "System", prov: "Provider", attr: "Name", eid: n})
	}
	read, declined := 0, 0
	for _, sh := range shapes {
		w := newBXW()
		off, size := w.record(1, testFT, func() {
			w.fragment()
			w.open("Event", false, -1)
			w.closeStart()
			w.open(sh.sys, false, -1)
			w.closeStart()
			w.open(sh.prov, true, -1)
			w.attr(sh.attr, false)
			w.text("Schannel")
			w.closeEmpty()
			if sh.dup != "" {
				w.open(sh.dup, true, -1)
				w.attr("Name", false)
				w.text("Other")
				w.closeEmpty()
			}
			w.open(sh.eid, false, -1)
			w.closeStart()
			w.text("36871")
			w.end()
			w.end()
			w.end()
			w.eof()
		})
		sum, ok := newChunkDecoder(w.b).summarize(off, size)
		ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
		if err != nil {
			t.Fatalf("%+v: %v", sh, err)
		}
		// What a query reads, by the evaluator's name test.
		var provs, eids []string
		for _, sys := range ev.Root.Children {
			if !NameIs(sys.Name, "System") {
				continue
			}
			for _, c := range sys.Children {
				if NameIs(c.Name, "Provider") {
					for _, a := range c.Attrs {
						if NameIs(a.Name, "Name") && !isXMLNSName(a.Name) {
							provs = append(provs, a.Value.String())
						}
					}
				}
				if NameIs(c.Name, "EventID") {
					eids = append(eids, c.Text())
				}
			}
		}
		if !ok {
			declined++
			continue
		}
		read++
		wantProv, wantID := "", ""
		if len(provs) > 1 || len(eids) > 1 {
			t.Errorf("%+v: summary %+v, but a query sees providers %q and event ids %q", sh, sum, provs, eids)
			continue
		}
		if len(provs) == 1 {
			wantProv = provs[0]
		}
		if len(eids) == 1 {
			wantID = eids[0]
		}
		gotID := ""
		if sum.EventID != 0 {
			gotID = strconv.Itoa(int(sum.EventID))
		}
		if sum.Provider != wantProv || gotID != wantID {
			t.Errorf("%+v: summary says provider %q, event id %q; a query reads %q, %q", sh, sum.Provider, gotID, wantProv, wantID)
		}
	}
	if read < 10 || declined < 10 {
		t.Errorf("read %d, declined %d summaries: the crafted names should exercise both", read, declined)
	}
}
