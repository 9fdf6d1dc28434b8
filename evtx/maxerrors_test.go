package evtx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestMaxErrors: Options.MaxErrors bounds the problems Errors keeps to the
// first ones of the full list, Stats.Problems counts them all, and nothing
// else the reader says changes: on a real log whose every other record
// header is broken (a gap problem each), with 1 and 4 workers, bounds of
// 0 (the default), 1, 7 and none, and a Merge of two copies.
func TestMaxErrors(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	// Break the magic of every other record: each becomes a gap.
	n := 0
	for off := fileHeaderBlock; off+chunkSize <= len(b); off += chunkSize {
		c := b[off : off+chunkSize]
		for i, o := 0, chunkHeaderSize; o+recordHeaderSize <= len(c); i++ {
			size, ok := recordAt(c, o)
			if !ok {
				break
			}
			if i%2 == 1 {
				c[o] = 'X'
				n++
			}
			o += size
		}
	}
	if n < 20 {
		t.Fatalf("only %d records broken", n)
	}
	read := func(o Options) (events []string, errs []string, st Stats) {
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range readAll(t, r) {
			events = append(events, fmt.Sprintf("%d@%d", ev.RecordID, ev.Source.Offset))
		}
		for _, e := range r.Errors() {
			errs = append(errs, e.Error())
		}
		return events, errs, r.Stats()
	}
	allEvents, all, allSt := read(Options{MaxErrors: -1, Workers: 1})
	t.Logf("%d records broken, %d problems, %d events", n, len(all), len(allEvents))
	if len(all) < n || allSt.Problems != len(all) {
		t.Fatalf("%d records broken: %d problems kept, Stats.Problems %d", n, len(all), allSt.Problems)
	}
	for _, w := range []int{1, 4} {
		for _, max := range []int{0, 1, 7, -1} {
			events, errs, st := read(Options{MaxErrors: max, Workers: w})
			keep := max
			if max == 0 {
				keep = DefaultMaxErrors
			}
			if max < 0 {
				keep = len(all)
			}
			if !slices.Equal(errs, all[:min(keep, len(all))]) {
				t.Errorf("MaxErrors %d, %d workers: kept %d problems, want the first %d of %d", max, w, len(errs), min(keep, len(all)), len(all))
			}
			if st != allSt || !slices.Equal(events, allEvents) {
				t.Errorf("MaxErrors %d, %d workers: stats or events differ from keeping every problem:\n%+v\n%+v", max, w, st, allSt)
			}
		}
	}
	// A Merge of two copies keeps the first of its list too (each copy's
	// problems, in turn), a bound reaching into the second copy included.
	dir := t.TempDir()
	var parts []*Log
	for _, name := range []string{"a.evtx", "b.evtx"} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		ls, err := Find(filepath.Join(dir, name))
		if err != nil || len(ls) != 1 {
			t.Fatal(ls, err)
		}
		parts = append(parts, ls[0])
	}
	merged := func(max int) ([]string, int) {
		f, err := Merge(parts...).Open(Options{MaxErrors: max})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		readAll(t, f.Reader)
		var errs []string
		for _, e := range f.Errors() {
			errs = append(errs, e.Error())
		}
		return errs, f.Stats().Problems
	}
	mall, mn := merged(-1)
	if len(mall) != 2*len(all) || mn != 2*len(all) {
		t.Fatalf("merged, every problem kept: %d kept, Stats.Problems %d, want %d", len(mall), mn, 2*len(all))
	}
	for _, max := range []int{3, len(all) + 2} {
		errs, n := merged(max)
		if !slices.Equal(errs, mall[:max]) || n != mn {
			t.Errorf("merged, MaxErrors %d: kept %d problems (want the first %d of %d), Stats.Problems %d (want %d)", max, len(errs), max, len(mall), n, mn)
		}
	}
}

// TestMaxErrorsFileHeaderOrder: the problems of a damaged file header are
// listed by offset, and a bound keeps the first of that list, not the first
// found (the header CRC at offset 124 is checked before the version at 36).
func TestMaxErrorsFileHeaderOrder(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	b[38] = 9 // major version: the header CRC no longer matches either
	first := func(max int) (string, int) {
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{MaxErrors: max})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Errors()) == 0 {
			t.Fatalf("MaxErrors %d: no problem", max)
		}
		return r.Errors()[0].Error(), r.Stats().Problems
	}
	all, n := first(-1)
	if n < 2 {
		t.Fatalf("%d header problems, want the version and the CRC", n)
	}
	if got, _ := first(1); got != all {
		t.Errorf("MaxErrors 1 keeps %q, want the first of the full list %q", got, all)
	}
}
