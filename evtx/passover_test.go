package evtx

import (
	"fmt"
	"slices"
	"strings"
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

// TestChunkGuardEqualsRecordGuard: a read of a TimeCreated that panics
// under the chunk's recovery (readTimeLean) ends the chunk's scan, which
// is made again with every read recovering on its own: the read gives
// what it gives with the chunk's recovery off (chunkGuardOff). Reads panic (readTimeHook) at some records of every chunk,
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
				chunkGuardOff = true
				want := scanOutcome(t, b, o)
				chunkGuardOff = false
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
