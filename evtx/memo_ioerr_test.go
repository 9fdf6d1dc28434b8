package evtx

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
)

// flakyReader reads b but fails every read that touches chunk slot bad
// while fail is set: a disk or network share that fails once.
type flakyReader struct {
	b    *bytes.Reader
	bad  int64 // file offset of the chunk
	fail atomic.Bool
}

var errInjected = errors.New("injected I/O error")

func (f *flakyReader) ReadAt(p []byte, off int64) (int, error) {
	if f.fail.Load() && off < f.bad+chunkSize && off+int64(len(p)) > f.bad {
		return 0, errInjected
	}
	return f.b.ReadAt(p, off)
}

// TestWrittenEndsMemoAfterReadError: a memo that WrittenEnds used while a
// chunk could not be read (the first- or last-written record's) keeps
// nothing of that walk: a later reader of the file, whose reads succeed,
// finds the ends a plain reader finds, and the memo holds no result of
// the chunk that failed.
func TestWrittenEndsMemoAfterReadError(t *testing.T) {
	logs := testLogs(t)
	checked := 0
	for _, name := range slices.Sorted(maps.Keys(logs)) {
		b := logs[name]
		plain, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1, Name: name})
		if err != nil || plain.src.nslots < 2 {
			continue
		}
		wantFirst, wantLast := plain.WrittenEnds()
		if wantLast == nil {
			continue
		}
		for _, end := range []*Event{wantFirst, wantLast} {
			for _, workers := range []int{1, 3} {
				m := &windowMemo{chunks: map[int]*chunkMemo{}}
				fr := &flakyReader{b: bytes.NewReader(b), bad: plain.src.base + int64(end.Source.Chunk)*chunkSize}
				fr.fail.Store(true)
				r1, err := NewReaderOptions(fr, int64(len(b)), Options{Workers: workers, Name: name})
				if err != nil {
					t.Fatal(err)
				}
				r1.src.memo = m
				r1.WrittenEnds()
				if _, ok := m.chunks[end.Source.Chunk]; ok {
					t.Errorf("%s: the memo keeps chunk %d, whose read failed", name, end.Source.Chunk)
				}
				fr.fail.Store(false)
				r2, err := NewReaderOptions(fr, int64(len(b)), Options{Workers: workers, Name: name})
				if err != nil {
					t.Fatal(err)
				}
				r2.src.memo = m
				first, last := r2.WrittenEnds()
				for _, c := range [][2]*Event{{first, wantFirst}, {last, wantLast}} {
					if (c[0] == nil) != (c[1] == nil) || c[0] != nil && (c[0].RecordID != c[1].RecordID || c[0].Source != c[1].Source) {
						t.Fatalf("%s (chunk %d failed once, %d workers): WrittenEnds after it %s, a plain reader %s", name, end.Source.Chunk, workers, endText(c[0]), endText(c[1]))
					}
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Fatalf("%d cases checked", checked)
	}
	t.Logf("%d cases", checked)
}

func endText(ev *Event) string {
	if ev == nil {
		return "none"
	}
	return fmt.Sprintf("record %d at %+v", ev.RecordID, ev.Source)
}
