package evtx_test

import (
	"bytes"
	"encoding/binary"
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

// TestLostRecordsNotOfOldChunks: a record of an old chunk (one past the
// file header's count left by an earlier use of the file, here by the log
// before it was cleared) whose size fields are both zero, which the
// reader salvages, is as old as the rest of its chunk. The read noted it
// among the current records, and LostRecords after a full read named
// records 16 to 20 lost between the cleared log's last record, 15, and
// it; the walk of the record headers, which skips old chunks, named none.
func TestLostRecordsNotOfOldChunks(t *testing.T) {
	le := binary.LittleEndian
	old, _ := lostLog(t, evtxtest.Options{})
	var evs []*evtx.Event
	base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 15 {
		evs = append(evs, evtxtest.EventLog(base.Add(time.Duration(i)*time.Minute), 6013))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4096+2*65536 {
		t.Fatalf("the cleared log is %d bytes, want two chunks", len(b))
	}
	// The old log's chunks 2 to 5 (records 21 to 60, a month older) after
	// the two the header counts; the third record of the first of them
	// with its size fields zeroed.
	b = append(b, old[4096+2*65536:]...)
	c := b[4096+2*65536 : 4096+3*65536]
	off := 512
	for range 2 {
		off += int(le.Uint32(c[off+4:]))
	}
	size := int(le.Uint32(c[off+4:]))
	le.PutUint32(c[off+4:], 0)
	le.PutUint32(c[off+size-4:], 0)
	for _, o := range []evtx.Options{{Workers: 1}, {Workers: 4}, {Workers: 1, Recover: true}} {
		for _, walk := range []bool{false, true} {
			restore := evtx.SetLostScanOff(walk)
			rd, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := lostAfterRead(t, rd); got != "" {
				t.Errorf("%+v, walk %v: lost %q, want none (the old chunks are not current)", o, walk, got)
			}
			restore()
		}
	}
}
