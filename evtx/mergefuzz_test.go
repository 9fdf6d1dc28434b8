package evtx_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// FuzzMergeCopies reads a log and a copy of it with one byte changed
// (at, to v) as one (evtx.Merge), in both orders. Seeds: the crafted log
// of TestMergeConflictingCopies with a byte of record 15's address
// changed (a conflict its checksums decide), the same log with record
// 15's EventRecordID 0 and its header number changed in the copy, and
// the small real samples.
// The merged reader must not panic or hang; its counts must add up
// (Stats.Records is what Next yields, PartAdded sums to the records
// judged); a record of one channel, EventRecordID and TimeCreated is
// yielded unmarked (Event.ConflictOf nil) from one file only, unless a
// file holds it twice (its own copies, which its Reader yields); a marked
// one names the other file; and Stats.Conflicts is 0 exactly when
// Reader.Conflicts lists no problem, each wrapping ErrConflict.
func FuzzMergeCopies(f *testing.F) {
	b, at, err := evtxtest.ConflictLog()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, uint32(at+22), byte('8'))
	// Record 15 without EventRecordID, the copy's header renumbering it
	// (TestMergeNoEventRecordIDRenumbered; CI found the kind).
	if d, num, err := noEventRecordID(b, 15); err == nil {
		f.Add(d, uint32(num), byte(115))
	} else {
		f.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "evtx", "*.evtx"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		s, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(s) <= 70000 {
			f.Add(s, uint32(len(s)/2), byte(0x41))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, at uint32, v byte) {
		if len(b) == 0 || len(b) > 1<<20 {
			return
		}
		c := append([]byte(nil), b...)
		c[int(at)%len(c)] = v
		dir := t.TempDir()
		var logs []*evtx.Log
		for i, data := range [][]byte{b, c} {
			p := filepath.Join(dir, []string{"a", "b"}[i], "System.evtx")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ls, err := evtx.Find(p)
			if err != nil || len(ls) != 1 {
				return // not a log
			}
			logs = append(logs, ls[0])
		}
		for _, order := range [][2]int{{0, 1}, {1, 0}} {
			checkMerged(t, logs[order[0]], logs[order[1]])
		}
	})
}

// checkMerged reads Merge(a, b) and checks what FuzzMergeCopies says.
func checkMerged(t *testing.T, a, b *evtx.Log) {
	t.Helper()
	f, err := evtx.Merge(a, b).Open(evtx.Options{})
	if err != nil {
		return
	}
	defer f.Close()
	type key struct {
		channel string
		id      uint64
		created int64
	}
	unmarked := map[key]map[string]int{} // files yielding each key unmarked, and how often
	n := 0
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		n++
		if ev.ConflictOf != nil {
			if ev.ConflictOf.File == ev.Source.File || ev.ConflictOf.File != a.Path && ev.ConflictOf.File != b.Path {
				t.Fatalf("record %d of %s marked as the conflicting copy of one in %q", ev.RecordID, ev.Source.File, ev.ConflictOf.File)
			}
			continue
		}
		if ev.Partial != "" || ev.System.TimeCreated.IsZero() {
			continue
		}
		k := key{ev.System.Channel, ev.System.EventRecordID, ev.System.TimeCreated.UnixNano()}
		if unmarked[k] == nil {
			unmarked[k] = map[string]int{}
		}
		unmarked[k][ev.Source.File]++
	}
	st := f.Stats()
	if st.Records != n {
		t.Fatalf("Stats.Records %d, yielded %d", st.Records, n)
	}
	sum := 0
	for _, x := range f.PartAdded() {
		sum += x
	}
	if sum != st.Records+st.Skipped+st.Filtered {
		t.Fatalf("PartAdded sums to %d, the records judged are %d", sum, st.Records+st.Skipped+st.Filtered)
	}
	for k, files := range unmarked {
		if len(files) < 2 {
			continue
		}
		own := false
		for _, c := range files {
			own = own || c > 1
		}
		if !own {
			t.Fatalf("record %+v yielded unmarked from %d files: %v", k, len(files), files)
		}
	}
	cs := f.Conflicts()
	if (st.Conflicts == 0) != (len(cs) == 0) || len(cs) < min(st.Conflicts, evtx.DefaultMaxErrors) {
		t.Fatalf("Stats.Conflicts %d, %d problems", st.Conflicts, len(cs))
	}
	for _, e := range cs {
		if !errors.Is(e, evtx.ErrConflict) {
			t.Fatalf("conflict problem %v is no ErrConflict", e)
		}
	}
}
