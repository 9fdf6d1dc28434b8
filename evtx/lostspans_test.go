package evtx_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// lostLine is what LostRecords says, with the records either side named
// by record number and TimeCreated.
func lostLine(spans []evtx.LostSpan) string {
	var b bytes.Buffer
	for _, l := range spans {
		fmt.Fprintf(&b, "%d..%d", l.AfterID, l.BeforeID)
		for _, ev := range []*evtx.Event{l.After, l.Before} {
			if ev == nil {
				b.WriteString(" -")
				continue
			}
			fmt.Fprintf(&b, " %d@%s", ev.RecordID, ev.System.TimeCreated.Format(time.RFC3339Nano))
		}
		b.WriteString("; ")
	}
	return b.String()
}

// lostAfterRead reads r to io.EOF, then returns its LostRecords.
func lostAfterRead(t *testing.T, rd *evtx.Reader) string {
	t.Helper()
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
	}
	return lostLine(rd.LostRecords())
}

// TestLostRecordsFromTheRead: LostRecords after Next has read every chunk
// takes each chunk's lowest and highest record numbers from that read
// (chunkResult.span, kept in the memo for the chunks a later pass is
// served) instead of walking the record headers again; both give the same
// runs and the same records either side, over every test log, a damaged
// copy of each and logs with zeroed chunks, with and without a window,
// with one worker and four, after Prime (chunks served from the memo) and
// with Options.Recover; and a Reader stopped early walks.
func TestLostRecordsFromTheRead(t *testing.T) {
	logs := evtx.TestLogs(t)
	for name, b := range logs {
		logs["damaged "+name] = evtx.DamagedForTest(b)
	}
	for _, c := range []struct {
		name string
		o    evtxtest.Options
		zero []int
	}{
		{"zeroed", evtxtest.Options{}, []int{2}},
		{"zeroed, not counted", evtxtest.Options{Dirty: true, UndercountChunks: 4}, []int{2, 3}},
		{"two runs", evtxtest.Options{}, []int{1, 4}},
		{"wrapped, zeroed", evtxtest.Options{OldestChunk: 2}, []int{0}},
	} {
		b, _ := lostLog(t, c.o, c.zero...)
		logs["lost "+c.name] = b
	}
	dir := t.TempDir()
	var runs, logsWithRuns int
	for name, b := range logs {
		walk := func() string {
			defer evtx.SetLostScanOff(true)()
			rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return "open: " + err.Error()
			}
			return lostLine(rd.LostRecords())
		}()
		if walk != "" {
			logsWithRuns++
		}
		opts := []evtx.Options{
			{Workers: 1},
			{Workers: 4},
			{Workers: 2, Since: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Workers: 1, Until: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Recover: true},
		}
		for _, o := range opts {
			rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
			if err != nil {
				continue // the walk's open failed too
			}
			runs++
			if got := lostAfterRead(t, rd); got != walk {
				t.Errorf("%s, %+v: LostRecords after the read: %q; walking the headers: %q", name, o, got, walk)
			}
		}
		// Stopped after one event: the walk.
		if rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			rd.Next()
			if got := lostLine(rd.LostRecords()); got != walk {
				t.Errorf("%s: LostRecords after one Next: %q, want %q", name, got, walk)
			}
		}
		// A Log primed, then read with a window: most chunks are served
		// from the memo.
		p := filepath.Join(dir, fmt.Sprintf("%d.evtx", runs))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			continue
		}
		logs[0].Prime(2)
		f, err := logs[0].Open(evtx.Options{Workers: 2, Since: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			continue
		}
		if got := lostAfterRead(t, f.Reader); got != walk {
			t.Errorf("%s: LostRecords after Prime and a memo-served read: %q, want %q", name, got, walk)
		}
		f.Close()
	}
	if runs < 100 || logsWithRuns < 4 {
		t.Errorf("%d reads compared, %d logs with lost records: the test proves little", runs, logsWithRuns)
	}
}
