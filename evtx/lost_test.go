package evtx_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// lostLog writes 60 System events a minute apart, 10 per chunk (6
// chunks), with o, and zeroes the chunks at the file positions zero.
func lostLog(t *testing.T, o evtxtest.Options, zero ...int) ([]byte, []time.Time) {
	t.Helper()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	var times []time.Time
	for i := range 60 {
		at := base.Add(time.Duration(i) * time.Minute)
		evs = append(evs, evtxtest.EventLog(at, 6013))
		times = append(times, at)
	}
	o.MaxRecordsPerChunk = 10
	b, err := evtxtest.Bytes(evs, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zero {
		off := 4096 + z*65536
		clear(b[off : off+65536])
	}
	return b, times
}

// lostLogFile writes lostLog (default options, the chunks zero zeroed)
// to dir/name/System.evtx and returns it as Find finds it.
func lostLogFile(t *testing.T, dir, name string, zero ...int) *evtx.Log {
	t.Helper()
	b, _ := lostLog(t, evtxtest.Options{}, zero...)
	p := filepath.Join(dir, name, "System.evtx")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return findOne(t, p)
}

func lostOf(t *testing.T, b []byte) []evtx.LostSpan {
	t.Helper()
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return rd.LostRecords()
}

// TestLostRecordsBetweenChunks: the records of chunks zeroed between two
// chunks that hold records are lost, whether the file header counts the
// zeroed chunks (a crash) or not (a dirty log whose header lags: a shadow
// copy of a log whose newest chunks were not flushed, as the public
// sample 2-vss_7-System.evtx, where records 1156 to 1417 are missing and
// nothing said so); LostRecords names the run and the records either
// side, with their TimeCreated. An intact log, a wrapped one and a log
// whose last chunks are zero and not counted by the file header
// (preallocated) lose none (TestLostRecordsNewest: counted, they do).
func TestLostRecordsBetweenChunks(t *testing.T) {
	cases := []struct {
		name string
		o    evtxtest.Options
		zero []int
		want [][2]uint64 // AfterID, BeforeID
	}{
		{"intact", evtxtest.Options{}, nil, nil},
		{"wrapped", evtxtest.Options{OldestChunk: 2}, nil, nil},
		{"zeroed, counted", evtxtest.Options{}, []int{2}, [][2]uint64{{20, 31}}},
		{"zeroed, not counted", evtxtest.Options{Dirty: true, UndercountChunks: 4}, []int{2, 3}, [][2]uint64{{20, 41}}},
		{"two runs", evtxtest.Options{}, []int{1, 4}, [][2]uint64{{10, 21}, {40, 51}}},
		{"wrapped, zeroed across the wrap", evtxtest.Options{OldestChunk: 2}, []int{0}, [][2]uint64{{40, 51}}},
		// Preallocated: the file header counts 5 chunks and records up
		// to 50; the sixth chunk, zero, never held any.
		{"last chunks zero, not counted", evtxtest.Options{UndercountChunks: 1}, []int{5}, nil},
		{"first chunk zero", evtxtest.Options{}, []int{0}, nil},
	}
	for _, c := range cases {
		b, times := lostLog(t, c.o, c.zero...)
		got := lostOf(t, b)
		if len(got) != len(c.want) {
			t.Errorf("%s: %d runs lost, want %d: %+v", c.name, len(got), len(c.want), got)
			continue
		}
		for i, w := range c.want {
			g := got[i]
			if g.AfterID != w[0] || g.BeforeID != w[1] || g.Count() != w[1]-w[0]-1 {
				t.Errorf("%s: run %d: %d..%d, want %d..%d", c.name, i, g.AfterID, g.BeforeID, w[0], w[1])
				continue
			}
			if g.After == nil || g.Before == nil || !g.After.System.TimeCreated.Equal(times[w[0]-1]) || !g.Before.System.TimeCreated.Equal(times[w[1]-1]) {
				t.Errorf("%s: run %d: the records either side are not records %d and %d as written: %+v", c.name, i, w[0], w[1], g)
			}
		}
	}
}

// TestLostRecordsNewest: the newest records, which the file header's next
// record identifier counts written, are lost when no chunk holds them
// (the last chunk zeroed in a crash or an unflushed copy): a run with
// Newest set, after the newest record the file holds, with no record
// after it. The public williballenthin system.evtx with its last chunk
// zeroed (header: next record id 13528, 9 chunks) was read as a log whose
// last-written record is 13472, and analyze judged the 24 hours before it
// "read and covers it", where a copy cut short at the same place was not
// checked. A header that lags behind the chunks (a dirty log: every
// public sample whose header counts fewer records than its chunks hold)
// loses nothing, nor does a wrapped log; a run between chunks is still
// returned before the newest run, and a chunk whose records all read but
// whose header is damaged changes nothing.
func TestLostRecordsNewest(t *testing.T) {
	cases := []struct {
		name   string
		o      evtxtest.Options
		zero   []int
		want   [][2]uint64 // AfterID, BeforeID
		newest bool        // the last run is the newest records
	}{
		{"last chunk zeroed", evtxtest.Options{}, []int{5}, [][2]uint64{{50, 61}}, true},
		{"last two chunks zeroed", evtxtest.Options{}, []int{4, 5}, [][2]uint64{{40, 61}}, true},
		{"dirty, last chunk zeroed", evtxtest.Options{Dirty: true}, []int{5}, [][2]uint64{{50, 61}}, true},
		{"a run between, and the newest", evtxtest.Options{}, []int{1, 5}, [][2]uint64{{10, 21}, {50, 61}}, true},
		{"wrapped, newest chunk zeroed", evtxtest.Options{OldestChunk: 2}, []int{1}, [][2]uint64{{50, 61}}, true},
		{"header lags, last chunk intact", evtxtest.Options{Dirty: true, UndercountChunks: 2}, nil, nil, false},
		{"half-written chunk not counted", evtxtest.Options{Dirty: true, UncountRecords: 3}, nil, nil, false},
		{"bad file header checksum", evtxtest.Options{BadFileHeaderCRC: true}, []int{5}, nil, false},
	}
	for _, c := range cases {
		b, times := lostLog(t, c.o, c.zero...)
		got := lostOf(t, b)
		if len(got) != len(c.want) {
			t.Errorf("%s: %d runs lost, want %d: %+v", c.name, len(got), len(c.want), got)
			continue
		}
		for i, w := range c.want {
			g := got[i]
			last := i == len(c.want)-1
			if g.AfterID != w[0] || g.BeforeID != w[1] || g.Count() != w[1]-w[0]-1 || g.Newest != (last && c.newest) {
				t.Errorf("%s: run %d: %d..%d newest %v, want %d..%d newest %v", c.name, i, g.AfterID, g.BeforeID, g.Newest, w[0], w[1], last && c.newest)
				continue
			}
			if g.After == nil || !g.After.System.TimeCreated.Equal(times[w[0]-1]) {
				t.Errorf("%s: run %d: the record before it is not record %d as written: %+v", c.name, i, w[0], g.After)
			}
			if g.Newest && g.Before != nil {
				t.Errorf("%s: run %d: newest run with a record after it: %+v", c.name, i, g.Before)
			}
		}
	}
}

// TestLostRecordsHeldByTheirChunk: a record whose bytes are in a chunk but
// do not read (its record header broken: unreadable bytes the reader
// reports) is held by that chunk, whose intact header claims it, and is
// not also a lost record "not in the file". A chunk's first or last record
// so broken made a run of lost records of it, the only records of a
// chunk a gap between chunks could name: the public sample
// sample_with_a_bad_chunk_magic.evtx, whose chunk 9 holds records up to
// 45949, the last ones half written, was said to lose records 45933 to
// 45962 where only 45950 to 45962 are in no chunk.
func TestLostRecordsHeldByTheirChunk(t *testing.T) {
	// breakRecord zeroes the record header of the n-th record (from 0,
	// -1 the last) of chunk i.
	breakRecord := func(b []byte, i, n int) {
		c := b[4096+i*65536 : 4096+(i+1)*65536]
		free := int(binary.LittleEndian.Uint32(c[48:]))
		var offs []int
		for off := 512; off < free; off += int(binary.LittleEndian.Uint32(c[off+4:])) {
			offs = append(offs, off)
		}
		if n < 0 {
			n += len(offs)
		}
		clear(c[offs[n] : offs[n]+24])
	}
	cases := []struct {
		name  string
		zero  []int
		broke [][2]int // chunk, record
		want  [][2]uint64
	}{
		{"first record broken", nil, [][2]int{{2, 0}}, nil},
		{"last record broken", nil, [][2]int{{2, -1}}, nil},
		{"both ends broken", nil, [][2]int{{1, -1}, {2, 0}}, nil},
		{"last record broken before a zeroed chunk", []int{3}, [][2]int{{2, -1}}, [][2]uint64{{30, 41}}},
		{"first record broken after a zeroed chunk", []int{1}, [][2]int{{2, 0}}, [][2]uint64{{10, 21}}},
	}
	for _, c := range cases {
		b, _ := lostLog(t, evtxtest.Options{}, c.zero...)
		for _, br := range c.broke {
			breakRecord(b, br[0], br[1])
		}
		for _, walk := range []bool{false, true} {
			restore := evtx.SetLostScanOff(walk)
			rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := rd.Next(); err != nil {
					break
				}
			}
			if st := rd.Stats(); st.UnreadBytes == 0 {
				t.Errorf("%s: no unreadable bytes reported: the record was not broken", c.name)
			}
			got := rd.LostRecords()
			restore()
			if len(got) != len(c.want) {
				t.Errorf("%s (walk %v): %d runs lost, want %d: %s", c.name, walk, len(got), len(c.want), lostLine(got))
				continue
			}
			for i, w := range c.want {
				if got[i].AfterID != w[0] || got[i].BeforeID != w[1] {
					t.Errorf("%s (walk %v): run %d: %d..%d, want %d..%d", c.name, walk, i, got[i].AfterID, got[i].BeforeID, w[0], w[1])
				}
			}
		}
	}
	f, err := evtx.Open("../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := f.LostRecords()
	if len(got) == 0 || got[0].AfterID != 45949 || got[0].BeforeID != 45963 {
		t.Errorf("bad chunk magic sample: first run %s, want 45949..45963 (chunk 9's header claims up to 45949)", lostLine(got))
	}
}

// TestLostRecordsOfCopiesReadAsOne: of copies read as one (Merge), the
// runs every copy lost are lost, once; a run another copy holds records
// of is not. LostRecords of a merged log was nil whatever its copies
// lacked: a VSS System log missing records 1156 to 1417 and a copy of it
// (analyze reads them as one) lacking the same chunks made every rule's
// System log "read and covers it" for windows in those records' time,
// where the log given alone is not covered.
func TestLostRecordsOfCopiesReadAsOne(t *testing.T) {
	dir := t.TempDir()
	open := func(name string, zero ...int) *evtx.Log { return lostLogFile(t, dir, name, zero...) }
	cases := []struct {
		name  string
		parts []*evtx.Log
		want  string
	}{
		{"both lack chunk 2", []*evtx.Log{open("a", 2), open("b", 2)}, "20..31 20@2024-05-01T00:19:00Z 31@2024-05-01T00:30:00Z; "},
		{"both lack chunk 2, one chunk 4 too", []*evtx.Log{open("c", 2), open("d", 2, 4)}, "20..31 20@2024-05-01T00:19:00Z 31@2024-05-01T00:30:00Z; "},
		{"each holds what the other lacks", []*evtx.Log{open("e", 2), open("f", 4)}, ""},
		{"one intact", []*evtx.Log{open("g", 1, 3), open("h")}, ""},
	}
	for _, c := range cases {
		for _, rev := range []bool{false, true} {
			parts := slices.Clone(c.parts)
			if rev {
				slices.Reverse(parts)
			}
			f, err := evtx.Merge(parts...).Open(evtx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := lostAfterRead(t, f.Reader); got != c.want {
				t.Errorf("%s (reversed %v): lost %q, want %q", c.name, rev, got, c.want)
			}
			f.Close()
		}
	}
}

// TestLostRecordsOfCopiesBeforeEOF: copies read as one are judged once
// read (an export among them is told by reading it): before, nil.
func TestLostRecordsOfCopiesBeforeEOF(t *testing.T) {
	dir := t.TempDir()
	var parts []*evtx.Log
	for _, name := range []string{"a", "b"} {
		parts = append(parts, lostLogFile(t, dir, name, 2))
	}
	f, err := evtx.Merge(parts...).Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Next()
	if got := f.LostRecords(); got != nil {
		t.Errorf("after one Next: %s, want nil", lostLine(got))
	}
	if got := lostAfterRead(t, f.Reader); got == "" {
		t.Error("after the read: no run lost, want 20..31")
	}
}

// TestLostRecordsKeepsTheNewestRuns: of a log with more runs of lost
// records than LostRecords returns (100), it returns the newest, those
// with the highest record numbers: windows run back from the last-written
// record, and the first 100 left out the runs in the window, so a log
// that lost records there was judged to cover it. 240 records, one per
// chunk, every other chunk zeroed: 119 runs of one record.
func TestLostRecordsKeepsTheNewestRuns(t *testing.T) {
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 240 {
		evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 1})
	if err != nil {
		t.Fatal(err)
	}
	for z := 1; z < 239; z += 2 { // records 2, 4, ... 238
		off := 4096 + z*65536
		clear(b[off : off+65536])
	}
	for _, plain := range []bool{false, true} {
		restore := evtx.SetLostScanOff(plain)
		rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
		}
		got := rd.LostRecords()
		restore()
		if len(got) != 100 {
			t.Fatalf("walk %v: %d runs, want the 100 newest of 119", plain, len(got))
		}
		if first, last := got[0], got[len(got)-1]; first.AfterID != 39 || first.BeforeID != 41 || last.AfterID != 237 || last.BeforeID != 239 {
			t.Errorf("walk %v: runs %d..%d to %d..%d, want 39..41 to 237..239 (the newest)", plain, first.AfterID, first.BeforeID, last.AfterID, last.BeforeID)
		}
		if got[len(got)-1].Before == nil || !got[len(got)-1].Before.System.TimeCreated.Equal(base.Add(238*time.Minute)) {
			t.Errorf("walk %v: the record after the newest run is not record 239 as written", plain)
		}
	}
}

// TestLostNewestOfCopiesReadAsOne: of copies read as one, the newest
// records one copy lost and another holds only some of are lost from
// the newest record a copy holds: a copy whose last chunk is zeroed
// (records 51 to 60 lost, its file header counting them written) read
// with an older copy holding records 1 to 55 lost records 56 to 60,
// after record 55 of the older copy. The run was dropped whole because
// the older copy held some of it, so that analyze of the two called
// record 55 the last-written record and gave no warning, where the
// damaged copy alone warns that the VM logged after it.
func TestLostNewestOfCopiesReadAsOne(t *testing.T) {
	dir := t.TempDir()
	damaged := lostLogFile(t, dir, "damaged", 5)
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := range 55 {
		evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
	}
	p := filepath.Join(dir, "older", "System.evtx")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 10}); err != nil {
		t.Fatal(err)
	}
	older := findOne(t, p)
	intact := lostLogFile(t, dir, "intact")
	for _, c := range []struct {
		name  string
		parts []*evtx.Log
		want  string
	}{
		{"damaged and older", []*evtx.Log{damaged, older}, "55..61 55@2024-05-01T00:54:00Z -; "},
		{"damaged and intact", []*evtx.Log{damaged, intact}, ""},
		{"older and intact", []*evtx.Log{older, intact}, ""},
	} {
		for _, rev := range []bool{false, true} {
			parts := slices.Clone(c.parts)
			if rev {
				slices.Reverse(parts)
			}
			f, err := evtx.Merge(parts...).Open(evtx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := lostAfterRead(t, f.Reader)
			if got != c.want {
				t.Errorf("%s (reversed %v): lost %q, want %q", c.name, rev, got, c.want)
			}
			if ls := f.LostRecords(); got != "" && (len(ls) != 1 || !ls[0].Newest) {
				t.Errorf("%s (reversed %v): the run is not marked Newest: %+v", c.name, rev, ls)
			}
			f.Close()
		}
	}
}
