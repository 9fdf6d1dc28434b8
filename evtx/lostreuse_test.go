package evtx

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"
)

// lostReadCounter counts the ReadAt calls made on it.
type lostReadCounter struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *lostReadCounter) ReadAt(p []byte, off int64) (int, error) {
	c.n.Add(1)
	return c.r.ReadAt(p, off)
}

// TestLostSpansReused: LostRecords after io.EOF takes the spans Next
// refined and claimed there for claimProblems (Reader.lostSpans) rather
// than walk the record headers and read the chunks again; it gives what
// computing them again gives (lostReuseOff), runs, Slack and the records
// either side, on every sample and a damaged copy of each, read whole,
// with a window that passes over every record, and with Recover; and
// reads the input no more often (and, over all, less often).
func TestLostSpansReused(t *testing.T) {
	line := func(ls []LostSpan) string {
		var b []byte
		id := func(ev *Event) any {
			if ev == nil {
				return nil
			}
			return fmt.Sprintf("%d@%d/%#x", ev.RecordID, ev.Source.Chunk, ev.Source.Offset)
		}
		for _, l := range ls {
			b = fmt.Appendf(b, "%d..%d slack %d newest %v chunkcount %v after %v before %v; ", l.AfterID, l.BeforeID, l.Slack, l.Newest, l.ChunkCount, id(l.After), id(l.Before))
		}
		return string(b)
	}
	withRuns := 0
	var readsReused, readsAgain int64
	for name, b := range testLogs(t) {
		for _, in := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			for _, o := range []Options{
				{Workers: 1},
				{Workers: 2, Since: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
				{Workers: 1, Recover: true},
			} {
				ra := &lostReadCounter{r: bytes.NewReader(in.b)}
				rd, err := NewReaderOptions(ra, int64(len(in.b)), o)
				if err != nil {
					continue
				}
				for {
					if _, err := rd.Next(); err == io.EOF {
						break
					}
				}
				if !rd.judgedSet {
					t.Fatalf("%s: Next kept no spans at io.EOF", in.name)
				}
				n0 := ra.n.Load()
				reused := line(rd.LostRecords())
				n1 := ra.n.Load()
				lostReuseOff = true
				again := line(rd.LostRecords())
				lostReuseOff = false
				n2 := ra.n.Load()
				readsReused, readsAgain = readsReused+n1-n0, readsAgain+n2-n1
				if n1-n0 > n2-n1 {
					t.Errorf("%s, %+v: LostRecords from Next's spans read %d times, computing them again %d", in.name, o, n1-n0, n2-n1)
				}
				rd.Close()
				if reused != again {
					t.Errorf("%s, %+v: LostRecords from Next's spans:\n%s\ncomputed again:\n%s", in.name, o, reused, again)
				}
				if reused != "" {
					withRuns++
				}
			}
		}
	}
	if withRuns == 0 {
		t.Fatal("no log with lost runs: the test checks nothing")
	}
	// Refining reads the chunks whose records' numbers run wider than
	// they have records: taking Next's spans reads none of them again.
	if readsReused >= readsAgain {
		t.Errorf("LostRecords read the inputs %d times taking Next's spans, %d computing them again", readsReused, readsAgain)
	}
	t.Logf("reads: %d taking Next's spans, %d computing them again", readsReused, readsAgain)
}
