package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// scanOutcome is what reading b with o gives, as comparable text: every
// event (record id, offset, recovered or not, XML), Stats and the
// problems.
func scanOutcome(t *testing.T, b []byte, o Options) string {
	t.Helper()
	res := readBytes(t, b, o)
	var sb strings.Builder
	for _, ev := range res.events {
		fmt.Fprintf(&sb, "%d@%#x %q %s\n", ev.RecordID, ev.Source.Offset, ev.Recovered, ev.AppendXML(nil))
	}
	fmt.Fprintf(&sb, "%+v %v", res.stats, res.errs)
	return sb.String()
}

// timeWindows returns windows [since, until] (a zero end is open) on the
// TimeCreated of the events of b: none in them, after the latest, from
// the median on, up to the median, the middle half, and one second around
// an event's.
func timeWindows(t *testing.T, b []byte) [][2]time.Time {
	t.Helper()
	var times []time.Time
	for _, ev := range readBytes(t, b, Options{Workers: 1}).events {
		if tc, ok := TimeCreatedOf(ev); ok {
			times = append(times, tc)
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	ws := [][2]time.Time{{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), {}}, {{}, time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if n := len(times); n > 0 {
		ws = append(ws, [2]time.Time{times[n-1].Add(time.Nanosecond), {}}, [2]time.Time{times[n/2], {}}, [2]time.Time{{}, times[n/2]},
			[2]time.Time{times[n/4], times[3*n/4]}, [2]time.Time{times[n/3].Add(-time.Second), times[n/3].Add(time.Second)})
	}
	return ws
}

// renderChunk is what scanChunk found in a chunk, as comparable text.
func renderChunk(r *chunkResult) string {
	var sb strings.Builder
	for i, ev := range r.events {
		fmt.Fprintf(&sb, "%d %+v %v %v %q %q %s\n", ev.RecordID, r.keys[i], r.recovered[i], ev.Written, ev.Recovered, ev.Partial, ev.AppendXML(nil))
	}
	for _, errs := range [][]*FormatError{r.errs, r.werrs} {
		for _, e := range errs {
			fmt.Fprintf(&sb, "%d %d %v\n", e.Offset, e.Record, e)
		}
	}
	c := *r
	c.events, c.errs, c.werrs = nil, nil, nil
	fmt.Fprintf(&sb, "%+v", c)
	return sb.String()
}

// lagged returns a copy of chunk c whose header was last updated k records
// before its last: its last record id and, when free, its free space
// offset are those of the record k before the last, its checksums right.
// ok is false when c has fewer than k+1 records.
func lagged(c []byte, k int, free bool) (lc []byte, ok bool) {
	spans := recordSpans(c)
	if len(spans) <= k || len(c) != chunkSize {
		return nil, false
	}
	lc = bytes.Clone(c)
	cut := spans[len(spans)-k-1]
	le := binary.LittleEndian
	le.PutUint64(lc[32:], le.Uint64(lc[cut[0]+8:])) // last record id
	if free {
		le.PutUint32(lc[48:], uint32(cut[0]+cut[1])) // free space offset
		le.PutUint32(lc[52:], crc32.ChecksumIEEE(lc[chunkHeaderSize:cut[0]+cut[1]]))
	}
	fixChunkHeaderCRC(lc)
	return lc, true
}

// TestPassOverEqualsLoop: scanChunk passing over the records outside the
// window by passOver, and reading TimeCreated under the chunk's recovery,
// finds exactly what its loop reading every record, each read recovering
// on its own, finds (passOverOff, chunkGuardOff): the whole chunkResult
// (events, Stats, problems, the span of TimeCreated read cheaply, the
// records passed over), for windows that hold none, some and all of the
// records of every sample, listing the records passed over or not, in
// the first chunks of every sample, of a damaged copy of each, and of
// copies whose header lags its last records (records past the free space
// offset that continue the chunk's, current; beyond the header's last
// record id, recovered), in files closed cleanly (listing none) or not
// (listing them).
func TestPassOverEqualsLoop(t *testing.T) {
	reads, passed, filteredAsked := 0, 0, 0
	for name, b := range testLogs(t) {
		var ws [][2]time.Time // none, from the median on, up to it, 2 s
		for i, w := range timeWindows(t, b) {
			if i == 0 || i == 3 || i == 4 || i == 6 {
				ws = append(ws, w)
			}
		}
		for _, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			for ci := 0; ci < 2 && fileHeaderBlock+ci*chunkSize < len(v.b); ci++ {
				base := fileHeaderBlock + ci*chunkSize
				c := v.b[base:min(len(v.b), base+chunkSize)]
				chunks := [][]byte{c}
				for _, k := range []int{1, 5} {
					if lc, ok := lagged(c, k, true); ok {
						chunks = append(chunks, lc)
					}
				}
				if lc, ok := lagged(c, 3, false); ok {
					chunks = append(chunks, lc)
				}
				for vi, c := range chunks {
					for _, w := range ws {
						for _, m := range []struct{ listed, dirty, filtered bool }{{false, false, false}, {true, true, false}, {false, false, true}, {true, true, true}} {
							{
								listed, dirty := m.listed, m.dirty
								win := newWindow(w[0], w[1])
								win.passed = listed
								// A filter that declines every other event id
								// and lists the records it was asked about.
								var mu sync.Mutex
								var asked []string
								if m.filtered {
									win.filter = func(s Summary) bool {
										mu.Lock()
										asked = append(asked, fmt.Sprintf("%d %d %s %s", s.RecordID, s.EventID, s.Provider, s.TimeCreated))
										mu.Unlock()
										return s.EventID%2 == 0
									}
								}
								job := chunkJob{index: ci, off: int64(base), hdrChunks: 3, hdrOK: true, dirty: dirty}
								job.cache = newTmplCache()
								got := renderChunk(scanChunk(bytes.Clone(c), job, win, v.name))
								gotAsked := asked
								asked = nil
								passOverOff, chunkGuardOff = true, true
								job.cache = newTmplCache()
								want := renderChunk(scanChunk(bytes.Clone(c), job, win, v.name))
								passOverOff, chunkGuardOff = false, false
								if got != want {
									t.Fatalf("%s chunk %d (variant %d) window %v..%v (listed %v, dirty %v, filtered %v): passed over\n%.3000s\nread in the loop\n%.3000s",
										v.name, ci, vi, w[0], w[1], listed, dirty, m.filtered, got, want)
								}
								if !slices.Equal(gotAsked, asked) {
									t.Fatalf("%s chunk %d (variant %d) window %v..%v (listed %v, dirty %v): the filter was asked about\n%q\npassing over, and about\n%q\nin the loop",
										v.name, ci, vi, w[0], w[1], listed, dirty, gotAsked, asked)
								}
								if m.filtered && len(asked) > 0 {
									filteredAsked++
								}
								reads++
								if !strings.Contains(got, "Skipped:0 ") {
									passed++
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d chunk scans compared, %d of them passing over records, %d filtered ones asking the filter", reads, passed, filteredAsked)
	if passed < reads/3 {
		t.Errorf("only %d of %d scans passed over records: the test proves little", passed, reads)
	}
	if filteredAsked < reads/10 {
		t.Errorf("only %d of %d scans asked the filter: the test proves little", filteredAsked, reads)
	}
}

// TestChunkGuardEqualsRecordGuard: a read of a TimeCreated that panics
// under the chunk's recovery (readTimeLean, passOver) ends the chunk's
// scan, which is made again with every read recovering on its own: the
// read gives what it gives with the chunk's recovery off (chunkGuardOff,
// passOverOff). Reads panic (readTimeHook) at some records of every chunk,
// every time or only when read by the bound after the bound ran out
// (readTime then reads again with exact charges).
func TestChunkGuardEqualsRecordGuard(t *testing.T) {
	defer func() { readTimeHook = nil }()
	leanPanics := 0
	for _, mode := range []string{"always", "bound ran out"} {
		readTimeHook = func(d *chunkDecoder, off int) {
			if off%7 != 3 && off%5 != 1 {
				return
			}
			if mode == "bound ran out" {
				if !d.bound {
					return
				}
				d.overBound = true
			}
			if d.leanRead {
				leanPanics++
			}
			panic("read panics")
		}
		for name, b := range testLogs(t) {
			ws := timeWindows(t, b)
			for _, w := range ws[:min(4, len(ws))] {
				o := Options{Since: w[0], Until: w[1], Workers: 1}
				got := scanOutcome(t, b, o)
				passOverOff, chunkGuardOff = true, true
				want := scanOutcome(t, b, o)
				passOverOff, chunkGuardOff = false, false
				if got != want {
					t.Fatalf("%s (%s) window %v..%v: under the chunk's recovery\n%.2000s\neach read recovering\n%.2000s", name, mode, w[0], w[1], got, want)
				}
			}
		}
	}
	t.Logf("%d reads panicked under the chunk's recovery", leanPanics)
	if leanPanics < 100 {
		t.Errorf("only %d reads panicked under the chunk's recovery: the test proves little", leanPanics)
	}
}
