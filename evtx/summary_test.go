package evtx

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
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
