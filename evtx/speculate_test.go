package evtx

import (
	"bytes"
	"io"
	"maps"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
)

// readTally counts the ReadAt calls made through it.
type readTally struct {
	ra io.ReaderAt
	n  atomic.Int64
}

func (c *readTally) ReadAt(p []byte, off int64) (int, error) {
	c.n.Add(1)
	return c.ra.ReadAt(p, off)
}

// speculationLogs returns the sample logs and, for each sample of three
// or more counted chunks, a copy whose counted slot 1 holds the first
// chunk of another sample (its checksums right): another log's chunk,
// which the judgement may call so (foreignChunks).
func speculationLogs(t *testing.T) map[string][]byte {
	logs := testLogs(t)
	names := slices.Sorted(maps.Keys(logs))
	for k, name := range names {
		b := logs[name]
		if len(b) < fileHeaderBlock+3*chunkSize || int(b[42]) < 3 {
			continue
		}
		from := logs[names[(k+1)%len(names)]]
		if len(from) < fileHeaderBlock+chunkSize {
			continue
		}
		c := bytes.Clone(b)
		copy(c[fileHeaderBlock+chunkSize:fileHeaderBlock+2*chunkSize], from[fileHeaderBlock:fileHeaderBlock+chunkSize])
		logs[name+" pasted"] = c
	}
	return logs
}

// TestSpeculativeJudgementEqualsRead: the first walk of a file with a
// memo (Prime's) judges the chunks from the headers it reads in its walk
// (writtenEnds' speculation) and gives what the walk that judges first
// gives: the same ends, the same judgement, the same chunk results kept
// in the memo, with and without another log's chunk (then it walks
// again). It reads no more than a walk whose judgement is made already
// (what a walk cost before the judgement asked for every chunk header),
// and a reader of the file after it reads nothing to judge.
func TestSpeculativeJudgementEqualsRead(t *testing.T) {
	foreign, checked := 0, 0
	for name, b := range speculationLogs(t) {
		plain, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1, Name: name})
		if err != nil || !plain.src.hdrOK {
			continue
		}
		want := plain.src.judged()
		if len(want.foreign) > 0 {
			foreign++
		}
		for _, workers := range []int{1, 3} {
			// walk reads the file with a memo: speculating (off
			// false), or judging first (off true), or with the
			// judgement in the memo already (given).
			walk := func(off bool, given *oldJudged) (*Event, *Event, *windowMemo, *oldJudged, int64) {
				restore := speculateOff
				speculateOff = off
				defer func() { speculateOff = restore }()
				rt := &readTally{ra: bytes.NewReader(b)}
				rd, err := NewReaderOptions(rt, int64(len(b)), Options{Workers: workers, Name: name})
				if err != nil {
					t.Fatal(err)
				}
				m := &windowMemo{chunks: map[int]*chunkMemo{}}
				m.keepOld(given)
				rd.src.memo = m
				n0 := rt.n.Load()
				first, last := rd.WrittenEnds()
				return first, last, m, rd.src.judged(), rt.n.Load() - n0
			}
			f1, l1, m1, j1, reads := walk(false, nil)
			if m1.speculating != 0 || m1.judging != nil {
				t.Errorf("%s (%d workers): after the walk the memo notes %d walks speculating (judging %v), want none", name, workers, m1.speculating, m1.judging)
			}
			f2, l2, m2, j2, _ := walk(true, nil)
			_, _, _, _, given := walk(false, want)
			for _, c := range []struct {
				what string
				a, b any
			}{
				{"first-written", endOf(f1), endOf(f2)},
				{"last-written", endOf(l1), endOf(l2)},
				{"judgement", j1, j2},
				{"judgement (plain)", j1, want},
				{"memo chunks", m1.chunks, m2.chunks},
				{"memo unused", m1.unused, m2.unused},
			} {
				if !reflect.DeepEqual(c.a, c.b) {
					t.Errorf("%s (%d workers): %s %v speculating, %v judging first", name, workers, c.what, c.a, c.b)
				}
			}
			// A log of no chunk past the count reads nothing to judge
			// it; one with chunks past the count reads what findOld
			// reads of them and of the counted chunks, as it did
			// before the judgement of counted chunks (isOld of a
			// counted slot read nothing then).
			budget := given
			if plain.src.hdrN < plain.src.nslots {
				rt := &readTally{ra: bytes.NewReader(b)}
				plain.src.ra = rt
				plain.src.findOld(nil)
				plain.src.ra = bytes.NewReader(b)
				budget += rt.n.Load()
			}
			if len(want.foreign) == 0 && reads > budget || plain.src.hdrN >= plain.src.nslots && len(want.foreign) == 0 && reads != given {
				t.Errorf("%s (%d workers): %d reads speculating, %d with the judgement made, %d with findOld's", name, workers, reads, given, budget)
			}
			// Another reader of the file takes the judgement from
			// the memo.
			rt := &readTally{ra: bytes.NewReader(b)}
			rd, err := NewReaderOptions(rt, int64(len(b)), Options{Workers: workers, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			rd.src.memo = m1
			n0 := rt.n.Load()
			if got := rd.src.judged(); !reflect.DeepEqual(got, want) || rt.n.Load() != n0 {
				t.Errorf("%s: a later reader judged %v in %d reads, want %v in none", name, got, rt.n.Load()-n0, want)
			}
			checked++
		}
	}
	if foreign == 0 || checked < 80 {
		t.Errorf("%d walks, %d logs with another log's chunk judged: the test proves little", checked, foreign)
	}
	t.Logf("%d walks, %d logs with another log's chunk", checked, foreign)
}

// endOf is where ev was read, or nil.
func endOf(ev *Event) any {
	if ev == nil {
		return nil
	}
	return [3]int64{int64(ev.RecordID), int64(ev.Source.Chunk), ev.Source.Offset}
}
