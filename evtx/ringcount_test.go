package evtx_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// ringLog writes a circular log of 60 System events a minute apart, 10
// per chunk (6 chunks), numbered from first, its oldest chunk at file
// position oldest and its file header counting under chunks fewer than it
// holds (the newest chunks of a wrapped log copied from a running or
// crashed VM whose header lags). Each chunk position of stale holds
// instead what it held one ring earlier: the same position of the log
// numbered and written 60 records (an hour) before.
func ringLog(t *testing.T, first uint64, oldest, under int, dirty bool, stale ...int) []byte {
	t.Helper()
	write := func(first uint64) []byte {
		base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(first) * time.Minute)
		var evs []*evtx.Event
		for i := range 60 {
			ev := evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013)
			ev.RecordID = first + uint64(i)
			evs = append(evs, ev)
		}
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10, OldestChunk: oldest, UndercountChunks: under, Dirty: dirty})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := write(first)
	if len(stale) > 0 {
		older := write(first - 60)
		for _, s := range stale {
			off := 4096 + s*65536
			copy(b[off:off+65536], older[off:off+65536])
		}
	}
	return b
}

// ids returns the record numbers from..to.
func ids(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// TestWrappedLogHeaderUndercounts: the chunks past the file header's count
// of a wrapped log whose header lags are the log's current chunks when
// their numbers chain to the current ones (oldChunks): the chunks between
// the wrap and the count (numbers below the lowest counted), or those
// holding the numbers between two counted chunks (the wrap inside the
// count). They were judged old, as a chunk left by an earlier use of the
// file: their records were not read as current and, when their numbers lay
// between two counted chunks, LostRecords named them lost though the file
// holds them (oldest 1, 4 uncounted: "lost: 110..151", 40 records that
// evtxexport -m all reads). A chunk of an older generation (what its
// position held a ring earlier) stays old, and the records no chunk holds
// are lost. Each case is read plainly, by the walk of the record headers
// (LostRecords, LastWritten) and compared with libevtx's evtxexport -m
// all, which reads every chunk: the current records are those it reads
// less those of stale chunks.
func TestWrappedLogHeaderUndercounts(t *testing.T) {
	cases := []struct {
		name          string
		oldest, under int
		stale         []int
		current       []uint64
		lost          string
		left          []uint64 // records the file holds that are not current
		zero          []int    // chunk positions zeroed
	}{
		// Positions of the file: 0..oldest-1 hold the newest chunks.
		{"wrap inside the count, two uncounted", 3, 2, nil, ids(101, 160), "", nil, nil},
		{"wrap inside the count, four uncounted", 1, 4, nil, ids(101, 160), "", nil, nil},
		{"the newest chunk uncounted", 5, 1, nil, ids(101, 160), "", nil, nil},
		{"the count ends before the wrap", 3, 4, nil, ids(101, 160), "", nil, nil},
		{"one chunk counted", 3, 5, nil, ids(101, 160), "", nil, nil},
		{"one chunk counted, the wrap after it", 1, 5, nil, ids(101, 160), "", nil, nil},
		// A stale chunk between uncounted chunks of the run between two
		// counted ones: its records (61..70) are not current, records
		// 121..130 are lost.
		{"a stale chunk inside the run", 1, 4, []int{3}, slices.Concat(ids(101, 120), ids(131, 160)), "120..131", ids(61, 70), nil},
		// Below the lowest counted number the ring is followed down from
		// it: a stale chunk (51..60) stops it, and the chunk before it
		// (101..110), which nothing chains to, is left old.
		{"a stale chunk below the lowest", 3, 4, []int{4}, ids(121, 160), "", slices.Concat(ids(51, 60), ids(101, 110)), nil},
		// An older generation of the oldest uncounted chunk: 91..100
		// are the numbers just below the oldest current ones (a ring
		// holds 60 records): its records are the log's, read as current.
		{"the newest chunk stale, uncounted", 5, 1, []int{4}, ids(91, 150), "", nil, nil},
		// An uncounted chunk zeroed: its records are lost inside the run
		// (121..130); below the lowest, the chain down stops at it, and
		// the chunk before it (101..110) is left old.
		{"an uncounted chunk zeroed inside the run", 1, 4, nil, slices.Concat(ids(101, 120), ids(131, 160)), "120..131", nil, []int{3}},
		{"an uncounted chunk zeroed below the lowest", 3, 4, nil, ids(121, 160), "", ids(101, 110), []int{4}},
	}
	lib := ""
	if _, err := exec.LookPath("evtxexport"); err == nil {
		lib = t.TempDir()
	}
	for _, c := range cases {
		for _, dirty := range []bool{false, true} {
			name := fmt.Sprintf("%s (dirty %v)", c.name, dirty)
			b := ringLog(t, 101, c.oldest, c.under, dirty, c.stale...)
			for _, z := range c.zero {
				clear(b[4096+z*65536 : 4096+(z+1)*65536])
			}
			for _, walk := range []bool{false, true} {
				restore := evtx.SetLostScanOff(walk)
				rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				var got []uint64
				for {
					ev, err := rd.Next()
					if err != nil {
						break
					}
					got = append(got, ev.RecordID)
				}
				slices.Sort(got)
				if !slices.Equal(got, c.current) {
					t.Errorf("%s: current records %v, want %v", name, got, c.current)
				}
				if l := lostLine(rd.LostRecords()); len(l) < len(c.lost) || l[:len(c.lost)] != c.lost || (c.lost == "") != (l == "") {
					t.Errorf("%s (walk %v): lost %q, want %q", name, walk, l, c.lost)
				}
				restore()
			}
			rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if first, last := rd.WrittenEnds(); first == nil || last == nil || first.RecordID != c.current[0] || last.RecordID != c.current[len(c.current)-1] {
				t.Errorf("%s: WrittenEnds %v..%v, want records %d..%d", name, first, last, c.current[0], c.current[len(c.current)-1])
			}
			if lib == "" {
				continue
			}
			p := filepath.Join(lib, "ring.evtx")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("evtxexport", "-f", "xml", "-m", "all", p).Output()
			if err != nil {
				t.Fatalf("evtxexport: %v", err)
			}
			var all []uint64
			for _, m := range regexp.MustCompile(`<EventRecordID>(\d+)<`).FindAllSubmatch(out, -1) {
				id, _ := strconv.ParseUint(string(m[1]), 10, 64)
				all = append(all, id)
			}
			slices.Sort(all)
			want := slices.Sorted(slices.Values(slices.Concat(c.current, c.left)))
			if !slices.Equal(all, want) {
				t.Errorf("%s: evtxexport -m all reads %v, want %v", name, all, want)
			}
		}
	}
}
