package evtx

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// LastWritten (and WrittenEnds) give exactly what reading every event and
// keeping the highest (lowest) record number gives (the first in file order among equal
// numbers), with the same decoded event, over every sample log of the
// project and the shared samples and cases (when present).
func TestLastWrittenEqualsFullRead(t *testing.T) {
	var paths []string
	for _, g := range []string{"../testdata/evtx/*.evtx", "../testdata/evtx/scenarios/*/*.evtx", "../../shared/samples/*.evtx", "../../shared/cases/*/*.evtx", "../../shared/cases/*/*/*.evtx"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	if len(paths) < 40 {
		t.Fatalf("%d logs", len(paths))
	}
	differ := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1, Name: p})
		if err != nil {
			continue // not an EVTX file (a negative sample)
		}
		first, got := rd.WrittenEnds()
		if lw := rd.LastWritten(); lw != got && (lw == nil || got == nil || lw.RecordID != got.RecordID || lw.Source != got.Source) {
			t.Errorf("%s: LastWritten and WrittenEnds disagree", p)
		}
		var want, wantFirst *Event
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if want == nil || ev.RecordID > want.RecordID {
				want = ev
			}
			if wantFirst == nil || ev.RecordID < wantFirst.RecordID {
				wantFirst = ev
			}
		}
		switch {
		case first == nil && wantFirst == nil:
		case first == nil || wantFirst == nil:
			t.Errorf("%s: first-written %v, full read %v", filepath.Base(p), first, wantFirst)
		case first.RecordID != wantFirst.RecordID || first.Source != wantFirst.Source || !bytes.Equal(first.AppendXML(nil), wantFirst.AppendXML(nil)):
			t.Errorf("%s: first-written record %d at %d, full read record %d at %d", filepath.Base(p), first.RecordID, first.Source.Offset, wantFirst.RecordID, wantFirst.Source.Offset)
		}
		switch {
		case got == nil && want == nil:
		case got == nil || want == nil:
			t.Errorf("%s: LastWritten %v, full read %v", filepath.Base(p), got, want)
		case got.RecordID != want.RecordID || got.Source != want.Source || !bytes.Equal(got.AppendXML(nil), want.AppendXML(nil)):
			t.Errorf("%s: LastWritten record %d at %d, full read record %d at %d", filepath.Base(p), got.RecordID, got.Source.Offset, want.RecordID, want.Source.Offset)
		}
		if want != nil && !want.System.TimeCreated.Equal(rd.Stats().Last) {
			differ++ // the last-written record is not the one with the newest header time
		}
	}
	t.Logf("%d logs; in %d the last-written record's TimeCreated is not the newest header time", len(paths), differ)
}
