package evtx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the reader. Seeds: the small real
// samples in testdata/evtx and the Velocidex OOM crasher. The reader must
// not panic, hang or allocate without bound, and what it reports must be
// consistent.
func FuzzReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(realSamplesDir, "*.evtx"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 70000 {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, workers := range []int{1, 3} {
			r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: workers, Name: "fuzz"})
			if err != nil {
				if !errors.Is(err, ErrNotEVTX) {
					t.Fatalf("NewReader: %v", err)
				}
				return
			}
			_ = r.NewestTime() // must not panic or hang, and must not move Next
			fw, lw := r.WrittenEnds()
			var highest, lowest *Event
			n := 0
			for {
				ev, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if highest == nil || ev.RecordID > highest.RecordID {
					highest = ev
				}
				if lowest == nil || ev.RecordID < lowest.RecordID {
					lowest = ev
				}
				if ev == nil || ev.Source.Offset < 0 || ev.Source.Offset >= int64(len(b)) {
					t.Fatalf("event %+v outside the input", ev)
				}
				if workers == 1 {
					// Render what was decoded (must not panic).
					_ = ev.AppendXML(nil)
					_ = ev.AppendText(nil, n)
				}
				n++
			}
			// LastWritten is the plain read's highest record number.
			if (lw == nil) != (highest == nil) || lw != nil && (lw.RecordID != highest.RecordID || lw.Source != highest.Source) {
				t.Fatalf("LastWritten %+v, highest record read %+v", lw, highest)
			}
			if (fw == nil) != (lowest == nil) || fw != nil && (fw.RecordID != lowest.RecordID || fw.Source != lowest.Source) {
				t.Fatalf("first-written %+v, lowest record read %+v", fw, lowest)
			}
			st := r.Stats()
			if st.Records != n {
				t.Fatalf("Stats.Records = %d, yielded %d", st.Records, n)
			}
			if st.Recovered > st.Records || st.BadChunks > st.Chunks || st.UnreadBytes > int64(len(b)) {
				t.Fatalf("inconsistent stats %+v", st)
			}
			last := int64(-1)
			for _, e := range r.Errors() {
				if e.File != "fuzz" || e.Err == nil {
					t.Fatalf("bad FormatError %#v", e)
				}
				if strings.Contains(e.Error(), "decoder panic") {
					t.Fatalf("decoder panicked: %v", e)
				}
				if e.Offset < last {
					t.Fatalf("errors out of file order: %v after offset %#x", e, last)
				}
				last = e.Offset
			}
			r.Close()

			// A filtered read: yielded plus passed-over records cover at
			// least what the plain read yielded. (A record whose summary
			// cannot be read is decoded whatever the filter would say, so
			// what it yields need not pass the filter.)
			fr, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: workers,
				Filter: func(s Summary) bool { return s.EventID%2 == 0 }})
			if err != nil {
				t.Fatalf("NewReader with a filter: %v", err)
			}
			for {
				_, err := fr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
			}
			if fs := fr.Stats(); fs.Records+fs.Filtered+fs.BadRecords+fs.Stale+fs.Duplicates < n {
				t.Fatalf("filtered read: %+v; the plain read yielded %d", fs, n)
			}
			fr.Close()
		}
	})
}
