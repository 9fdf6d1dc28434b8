package evtx

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

// holeReader is an input with holes: the bytes outside its data extents
// are zero, and nextData says where the next extent starts, as lseek's
// SEEK_DATA does for a sparse file. It counts the reads made through it.
type holeReader struct {
	b     []byte
	data  [][2]int64   // extents [start, end), in order
	reads atomic.Int64 // ReadAt is called from the reader's goroutines
}

func (h *holeReader) ReadAt(p []byte, off int64) (int, error) {
	h.reads.Add(1)
	return bytes.NewReader(h.b).ReadAt(p, off)
}

func (h *holeReader) nextData(off int64) (int64, bool) {
	for _, e := range h.data {
		if e[1] > off {
			return max(e[0], off), true
		}
	}
	return math.MaxInt64, true
}

// holeLayout builds a file of parts, the zero ones holes: each part is
// bytes (data) or a count of zero bytes (a hole).
func holeLayout(parts ...any) *holeReader {
	h := &holeReader{}
	for _, p := range parts {
		switch p := p.(type) {
		case []byte:
			h.data = append(h.data, [2]int64{int64(len(h.b)), int64(len(h.b) + len(p))})
			h.b = append(h.b, p...)
		case int:
			h.b = append(h.b, make([]byte, p)...)
		}
	}
	return h
}

// TestAppendedLogHoleSkip: looking for another log past a log's chunks
// skips the offsets whose bytes lie in a hole (a sparse file's zero tail,
// truncate -s +256M) and answers as reading each: the events, counts and
// problems of a read are the same with the shortcut and without it
// (noHoleSkip), for a log followed by a hole, by a hole and another log
// (intact or with its header damaged), a log whose own header is broken,
// a log cut inside a chunk, and extents that do not fall on chunk
// boundaries. Where the hole lies past the log's chunks, the shortcut
// reads none of the hole's slots, where the plain way reads each (a 64 MiB
// hole: 1024 reads).
func TestAppendedLogHoleSkip(t *testing.T) {
	logs := testLogs(t)
	a := logs["fukusuket__evtx-parser__samples__System.evtx"]
	b := logs["michkoll__fakenevtx__tests__data__System.evtx"]
	if a == nil || b == nil {
		t.Fatal("samples missing")
	}
	broken := slices.Clone(a)
	broken[124] ^= 0xff
	bd := slices.Clone(b)
	bd[124] ^= 0xff
	cut := a[:fileHeaderBlock+chunkSize+30000]
	const hole = 64 << 20
	layouts := map[string][]any{
		"zero tail":              {a, hole},
		"hole then log":          {a, hole, b, hole},
		"hole then damaged":      {a, hole, bd},
		"broken first":           {broken, hole, b},
		"cut then hole and log":  {cut, hole + 4096, b},
		"unaligned extents":      {a, 3000, []byte("junk"), hole + 5000, b[:chunkSize+fileHeaderBlock+7], hole},
		"hole in the first log":  {a[:fileHeaderBlock+chunkSize], chunkSize, a[fileHeaderBlock+2*chunkSize:], b},
		"header at the hole end": {a, hole - fileHeaderBlock, b},
	}
	for name, parts := range layouts {
		t.Run(name, func(t *testing.T) {
			var got [2]string
			var reads [2]int
			for k, skip := range []bool{true, false} {
				noHoleSkip = !skip
				h := holeLayout(parts...)
				r, err := NewReaderOptions(h, int64(len(h.b)), Options{Workers: 2, Name: "holes.evtx"})
				noHoleSkip = false
				if err != nil {
					t.Fatal(err)
				}
				reads[k] = int(h.reads.Load())
				evs := readAll(t, r)
				got[k] = fmt.Sprintf("%s\n%+v\n%v", xmlOf(evs), r.Stats(), r.Errors())
				r.Close()
			}
			if got[0] != got[1] {
				t.Errorf("the read with the hole shortcut differs from the plain read:\n%.2000s\nwant\n%.2000s", got[0], got[1])
			}
			t.Logf("reads opening: %d with the shortcut, %d without", reads[0], reads[1])
			// Where the hole lies past the first log's chunks, its
			// slots are not read.
			saves := name != "hole in the first log" && name != "broken first"
			if reads[0] > reads[1] || saves && reads[1]-reads[0] < hole/chunkSize {
				t.Errorf("opening read %d times with the shortcut, %d without: want at least %d fewer (a read a slot of the hole)", reads[0], reads[1], hole/chunkSize)
			}
		})
	}
}

// TestAppendedLogSparseFile: a log file with a zero tail that is a hole
// (truncate -s +64M) and another log after it, opened by name (Open reads
// a file's holes with lseek where the system has it), reads as it does
// from the same bytes in memory, which no hole is known in.
func TestAppendedLogSparseFile(t *testing.T) {
	logs := testLogs(t)
	a := logs["fukusuket__evtx-parser__samples__System.evtx"]
	b := slices.Clone(logs["michkoll__fakenevtx__tests__data__System.evtx"])
	b[124] ^= 0xff
	p := filepath.Join(t.TempDir(), "sparse.evtx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	const hole = 64 << 20
	if _, err := f.Write(a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, int64(len(a)+hole)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	mem := readBytes(t, data, Options{Workers: 2, Name: p})
	fl, err := OpenOptions(p, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	evs := readAll(t, fl.Reader)
	got := fmt.Sprintf("%s\n%+v\n%v", xmlOf(evs), fl.Stats(), fl.Errors())
	want := fmt.Sprintf("%s\n%+v\n%v", xmlOf(mem.events), mem.stats, mem.errs)
	if got != want {
		t.Errorf("the file read by name differs from its bytes read in memory:\n%.2000s\nwant\n%.2000s", got, want)
	}
	if e := findErr(mem.errs, ErrCorrupt, "its file header is damaged"); e == nil || e.Offset != int64(len(a)+hole) {
		t.Errorf("problem %v, want the second log named at %#x", e, len(a)+hole)
	}
}
