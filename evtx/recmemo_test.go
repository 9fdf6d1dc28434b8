package evtx_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestRecordMemoEqualsRead: passes over a Log after its first read, served
// from its record memo (the chunk headers, TimeCreated reads and summaries
// an earlier pass made), read exactly as a fresh Log with the record memo
// off: the events, counts, problems and written ends (readLog), and every
// Summary the Filter is given, field by field. Over every sample, a
// damaged copy of each, the crafted logs with skewed clocks and the odd
// logs; each Log is first primed (WrittenEnds, as analyze does), then
// read with the windows of TestWindowEqualsFilteredRead, each with and
// without a Filter, twice, with 1 and 3 workers. With a small bound
// (TestRecordMemoEqualsReadSmall) the scan that primes the memo keeps only
// the chunks of the latest records (primeFrom), and passes after it give
// up chunks to keep others.
func TestRecordMemoEqualsRead(t *testing.T) { recordMemoEqualsRead(t, 10000) }

func TestRecordMemoEqualsReadSmall(t *testing.T) {
	defer evtx.SetMaxRecMemoBytes(24 << 10)()
	recordMemoEqualsRead(t, 1000)
}

func recordMemoEqualsRead(t *testing.T, minHits int) {
	dir, files := t.TempDir(), memoAndOddLogs(t)
	hits := 0
	eachLogFile(t, dir, files, 5, func(i int, name, p string, b []byte, plain *evtx.Reader) {
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		ws := windowsFor(all)
		ws = append(ws, ws...)
		shared := findOne(t, p)
		shared.Prime(1 + i%2)
		for k, w := range ws {
			for _, filtered := range []bool{false, true} {
				o := evtx.Options{Since: w[0], Until: w[1], Workers: 1 + 2*(k%2)}
				got, gotSums := readWithSummaries(t, shared, o, filtered)
				restore := evtx.SetRecordMemoOff(true)
				want, wantSums := readWithSummaries(t, findOne(t, p), o, filtered)
				restore()
				if got != want {
					t.Fatalf("%s window %d %v..%v (filter %v): served by the record memo, the Log reads differently\n%s", name, k, w[0], w[1], filtered, firstDiff(lines(got), lines(want)))
				}
				if !slices.Equal(gotSums, wantSums) {
					t.Fatalf("%s window %d (filter %v): the Filter was given other summaries\n%s", name, k, filtered, firstDiff(gotSums, wantSums))
				}
			}
		}
		hits += evtx.MemoRecordHits(shared)
	})
	t.Logf("%d values served by the record memo", hits)
	if hits < 1000 || !evtx.RaceEnabled && hits < minHits {
		t.Errorf("the record memo served %d values: the test proves little", hits)
	}
}

// readWithSummaries is readLog of l with o, and, when filtered, with a
// Filter that declines every other event id and notes each Summary it is
// given: the notes, sorted.
func readWithSummaries(t *testing.T, l *evtx.Log, o evtx.Options, filtered bool) (string, []string) {
	t.Helper()
	var mu sync.Mutex
	var sums []string
	if filtered {
		o.Filter = func(s evtx.Summary) bool {
			mu.Lock()
			sums = append(sums, fmt.Sprintf("%q %d %q %v %d %v %d", s.Provider, s.EventID, s.Computer, s.Written, s.RecordID, s.TimeCreated, s.EventRecordID))
			mu.Unlock()
			return s.EventID%2 == 0
		}
	}
	got := readLog(t, l, o)
	slices.Sort(sums)
	return got, sums
}
