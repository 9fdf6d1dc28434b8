package evtx_test

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestEmptyYieldsNothing: where Reader.Empty is true, Next yields no event
// and calls no Filter, over memoAndOddLogs (samples, crafted, damaged,
// zeroed) primed as analyze primes them (Log.Prime), for windowsFor's
// windows and those analyze's reads after the grouping use: one past
// every record (a clock jump ahead), one before every record (behind),
// FILETIME 0 alone (fleet's periodSummaries), each with and without a
// Filter and with one and several workers; with Options.Recover it is
// false. The logs whose windows it holds for must be many, or the test
// proves little.
func TestEmptyYieldsNothing(t *testing.T) {
	dir, files := t.TempDir(), memoAndOddLogs(t)
	empty, windows := 0, 0
	eachLogFile(t, dir, files, 5, func(i int, name, p string, b []byte, plain *evtx.Reader) {
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		ws := windowsFor(all)
		ws = append(ws,
			[2]time.Time{time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), {}},
			[2]time.Time{{}, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)},
			[2]time.Time{{}, evtx.FiletimeToTime(0)})
		shared := findOne(t, p)
		shared.Prime(1 + i%2)
		for j, w := range ws {
			for _, filtered := range []bool{false, true} {
				var calls atomic.Int64
				o := evtx.Options{Since: w[0], Until: w[1], Workers: 1 + 2*(j%2)}
				if filtered {
					o.Filter = func(s evtx.Summary) bool { calls.Add(1); return s.EventID%2 == 0 }
				}
				f, err := shared.Open(o)
				if err != nil {
					continue
				}
				e := f.Empty()
				n := 0
				for {
					_, err := f.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					n++
				}
				if e && (n > 0 || calls.Load() > 0) {
					t.Errorf("%s window %v..%v filter %v: Empty, yet %d events yielded and %d filter calls", name, w[0], w[1], filtered, n, calls.Load())
				}
				if f.Empty() {
					t.Errorf("%s: Empty after Next", name)
				}
				f.Close()
				if e {
					empty++
				}
				windows++
				o.Recover = true
				if f, err := shared.Open(o); err == nil {
					if f.Empty() {
						t.Errorf("%s: Empty with Options.Recover", name)
					}
					f.Close()
				}
			}
		}
	})
	t.Logf("%d reads, %d of them Empty", windows, empty)
	if empty < 50 || evtx.RaceEnabled && empty < 10 {
		t.Errorf("%d reads Empty: the test proves little", empty)
	}
}
