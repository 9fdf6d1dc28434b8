package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// readLog reads l with o: rendered events, stats and problems, as text.
func readLog(t testing.TB, l *evtx.Log, o evtx.Options) string {
	t.Helper()
	f, err := l.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %q %q\n", windowLine(ev), ev.Partial, ev.Recovered)
	}
	fmt.Fprintf(&b, "%+v\n%v\n", f.Stats(), f.Errors())
	first, last := f.WrittenEnds()
	for _, ev := range []*evtx.Event{first, last} {
		if ev != nil {
			fmt.Fprintf(&b, "written end %s\n", windowLine(ev))
		}
	}
	return b.String()
}

// TestWindowMemoEqualsRead: a Log opened again and again with other
// windows (its memo skipping the chunks an earlier read found outside)
// reads exactly as a fresh Log does: events, counts, problems. Over every
// sample, a damaged copy of each, and the crafted logs with skewed clocks;
// the windows are those of TestWindowEqualsFilteredRead, in an order where
// the memo is used, with 1 and 3 workers, with a Filter and with Recover.
// memoTestLogs returns the logs the memo tests read, by name: every sample,
// a copy of its first three chunks with bytes flipped all over them (not
// in the chunk headers), and the crafted logs.
func memoTestLogs(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	for name, b := range sampleLogs(t) {
		files[name] = b
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)])
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		files[name+".damaged.evtx"] = d
	}
	for name, evs := range craftedLogs() {
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		files[name+".evtx"] = b
		// Zero chunks: a tail past the chunks the header counts (a
		// preallocated or zero-filled file) and, when the log has three
		// chunks, its second zeroed inside the count (records lost).
		files[name+".zerotail.evtx"] = append(bytes.Clone(b), make([]byte, 8*65536)...)
		if len(b) >= 4096+3*65536 {
			z := bytes.Clone(b)
			clear(z[4096+65536 : 4096+2*65536])
			files[name+".zeroed.evtx"] = z
		}
	}
	return files
}

func TestWindowMemoEqualsRead(t *testing.T) {
	dir := t.TempDir()
	files := memoTestLogs(t)
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	skipped := 0
	names := slices.Sorted(maps.Keys(files))
	for i, name := range names {
		if evtx.RaceEnabled && i%5 != 0 {
			continue // a fifth of the logs under the race detector
		}
		b := files[name]
		p := filepath.Join(dir, fmt.Sprintf("log%d.evtx", len(name)+skipped))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		ws := windowsFor(all)
		// The memo is kept by windows that leave whole chunks out: run
		// the narrow ones first, then every one again.
		ws = append(ws, ws...)
		shared := findOne(t, p)
		checkMemoWindows(t, name, p, shared, ws, filter)
		skipped += evtx.MemoChunks(shared)
		os.Remove(p)
	}
	t.Logf("%d logs, %d chunk reads served by the memo", len(files), skipped)
	if skipped < 50 || evtx.RaceEnabled && skipped < 10 {
		t.Errorf("the memo served %d chunk reads: the test proves little", skipped)
	}
}

func lines(s string) []string { return bytes2lines([]byte(s)) }

func bytes2lines(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		out = append(out, string(l))
	}
	return out
}

func findOne(t testing.TB, p string) *evtx.Log {
	t.Helper()
	logs, err := evtx.Find(p)
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find(%s): %v, %d logs", p, err, len(logs))
	}
	return logs[0]
}

// TestWindowMemoDropsChangedFile: a file changed between opens is read
// anew, not from the memo of its former contents.
func TestWindowMemoDropsChangedFile(t *testing.T) {
	evs := evtxtest.Noise(craftT0, 10*time.Minute, 200)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	later := evtxtest.Noise(craftT0.Add(-30*24*time.Hour), 10*time.Minute, 200)
	b2, err := evtxtest.Bytes(later, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l := findOne(t, p)
	o := evtx.Options{Since: craftT0.Add(-40 * 24 * time.Hour), Until: craftT0.Add(-time.Hour)}
	readLog(t, l, o)
	if got := readLog(t, l, o); got != readLog(t, findOne(t, p), o) {
		t.Fatal("second read differs")
	}
	if evtx.MemoChunks(l) == 0 {
		t.Fatal("the memo kept nothing: the test proves nothing")
	}
	if err := os.WriteFile(p, b2, 0o644); err != nil {
		t.Fatal(err)
	}
	// Same size, other contents: the modification time tells.
	if err := os.Chtimes(p, time.Now().Add(time.Hour), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, want := readLog(t, l, o), readLog(t, findOne(t, p), o)
	if got != want {
		t.Fatalf("after the file changed the Log reads from its memo\n%s", firstDiff(lines(got), lines(want)))
	}
}

// TestWindowMemoLeavesInWindowProblems: a record whose TimeCreated reads
// cheaply but whose body does not decode is a problem of the reads whose
// window holds it, not of a later read that skips its chunk from the memo.
func TestWindowMemoLeavesInWindowProblems(t *testing.T) {
	evs := evtxtest.Noise(craftT0, 10*time.Minute, 200)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	// Record 30 (chunk 0): a string of its EventData declared BinXML,
	// which it is not. Its TimeCreated still reads without decoding.
	le := binary.LittleEndian
	// instance returns the offset and kind of each value of the template
	// instance at c (its token).
	instance := func(c int) (pos []int, kinds []int) {
		defOff := int(le.Uint32(b[c+6:]))
		c += 10
		if 4096+defOff == c { // inline definition
			c += 24 + int(le.Uint32(b[c+20:]))
		}
		n := int(le.Uint32(b[c:]))
		v := c + 4 + 4*n
		for i := 0; i < n; i++ {
			d := c + 4 + 4*i
			pos, kinds = append(pos, d), append(kinds, int(b[d+2]))
			v += int(le.Uint16(b[d:]))
		}
		return pos, kinds
	}
	broken := false
	for p := 4096 + 512; p+24 <= 4096+65536 && string(b[p:p+4]) == "**\x00\x00"; p += int(le.Uint32(b[p+4:])) {
		if le.Uint64(b[p+8:]) != 30 {
			continue
		}
		ds, kinds := instance(p + 24 + 4)
		// The value of the outer instance that is BinXML: EventData.
		v := ds[len(ds)-1] + 4
		for i, d := range ds {
			if kinds[i] == int(evtx.KindBinXML) {
				if b[v] == 0x0f {
					v += 4 // fragment header
				}
				ids, ikinds := instance(v)
				for j, id := range ids {
					if ikinds[j] == int(evtx.KindString) && le.Uint16(b[id:]) > 4 {
						b[id+2] = byte(evtx.KindBinXML)
						broken = true
						break
					}
				}
				break
			}
			v += int(le.Uint16(b[d:]))
		}
		break
	}
	if !broken {
		t.Fatal("no EventData string in record 30 to break")
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	holds := evtx.Options{Since: craftT0.Add(290 * time.Minute), Until: craftT0.Add(300 * time.Minute)} // records 30 and 31
	after := evtx.Options{Since: craftT0.Add(48 * time.Hour)}                                           // none of chunk 0
	shared := findOne(t, p)
	first := readLog(t, shared, holds)
	if !bytes.Contains([]byte(first), []byte("not decodable")) && !bytes.Contains([]byte(first), []byte("decoded in part")) {
		t.Fatalf("record 30 decodes: the test proves nothing\n%s", first)
	}
	got, want := readLog(t, shared, after), readLog(t, findOne(t, p), after)
	if got != want {
		t.Fatalf("the memo of a read holding record 30 changes a read without it\n%s", firstDiff(lines(got), lines(want)))
	}
	if evtx.MemoChunks(shared) == 0 {
		t.Fatal("the memo served nothing: the test proves nothing")
	}
}

// checkMemoWindows reads the log at p with each window of ws in turn
// through shared (whose memo the earlier ones fill) and through a fresh
// Log, with 1 or 3 workers, a filter or Recover by turns, and fails where
// the two differ.
func checkMemoWindows(t *testing.T, name, p string, shared *evtx.Log, ws [][2]time.Time, filter func(evtx.Summary) bool) {
	t.Helper()
	for i, w := range ws {
		o := evtx.Options{Since: w[0], Until: w[1], Workers: 1 + 2*(i%2)}
		switch i % 3 {
		case 1:
			o.Filter = filter
		case 2:
			o.Recover = true
		}
		got := readLog(t, shared, o)
		want := readLog(t, findOne(t, p), o)
		if got != want {
			t.Fatalf("%s window %d %v..%v: after other windows the Log reads differently\n%s", name, i, w[0], w[1], firstDiff(lines(got), lines(want)))
		}
	}
}

// TestWrittenEndsPrimesMemo: WrittenEnds of a Log's file keeps every chunk
// it walks in the memo (writtenEnds), and its answer, and every windowed
// read after it, equal those of a reader without a memo, and its answer
// that of reading every event (plainEnds), over memoTestLogs and oddLogs.
func TestWrittenEndsPrimesMemo(t *testing.T) {
	dir, files := t.TempDir(), memoAndOddLogs(t)
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 1 }
	primed, served := 0, 0
	eachLogFile(t, dir, files, 5, func(i int, name, p string, b []byte, plain *evtx.Reader) {
		wantFirst, wantLast := plain.WrittenEnds()
		if f, l := plainEnds(t, b, evtx.Options{Workers: 1}); endLine(f) != endLine(wantFirst) || endLine(l) != endLine(wantLast) {
			t.Fatalf("%s: WrittenEnds %s, %s; reading every event %s, %s", name, endLine(wantFirst), endLine(wantLast), endLine(f), endLine(l))
		}
		shared := findOne(t, p)
		f, err := shared.Open(evtx.Options{Workers: 1 + 2*(i%2)})
		if err != nil {
			t.Fatal(err)
		}
		first, last := f.WrittenEnds()
		f.Close()
		for _, c := range [][2]*evtx.Event{{first, wantFirst}, {last, wantLast}} {
			if (c[0] == nil) != (c[1] == nil) || c[0] != nil && (c[0].RecordID != c[1].RecordID || c[0].Source != c[1].Source) {
				t.Fatalf("%s: WrittenEnds with a memo gives %v, without %v", name, c[0], c[1])
			}
		}
		primed += evtx.MemoSize(shared)
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		checkMemoWindows(t, name, p, shared, windowsFor(all), filter)
		served += evtx.MemoChunks(shared)
	})
	t.Logf("%d chunks primed, %d chunk reads served by the memo", primed, served)
	// Under the race detector a fifth of the logs are read.
	if !evtx.RaceEnabled && (primed < 100 || served < 50) || primed < 20 || served < 10 {
		t.Errorf("%d chunks primed, %d served: the test proves little", primed, served)
	}
}

// memoAndOddLogs returns memoTestLogs and oddLogs, the latter named
// "odd " and their name.
func memoAndOddLogs(t *testing.T) map[string][]byte {
	files := memoTestLogs(t)
	for name, b := range oddLogs(t) {
		files["odd "+name] = b
	}
	return files
}

// eachLogFile calls fn for each of logs, in the order of their names,
// that is EVTX: i is its place in that order, p the file in dir it is
// written to (removed after fn), b its bytes and plain a Reader of them
// without a memo (one worker, named p). Under the race detector only
// every every-th log is read.
func eachLogFile(t *testing.T, dir string, logs map[string][]byte, every int, fn func(i int, name, p string, b []byte, plain *evtx.Reader)) {
	t.Helper()
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if evtx.RaceEnabled && i%every != 0 {
			continue
		}
		b := logs[name]
		p := filepath.Join(dir, fmt.Sprintf("log%d.evtx", i))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		plain, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), evtx.Options{Workers: 1, Name: p})
		if err == nil {
			fn(i, name, p, b, plain)
		}
		os.Remove(p)
	}
}

// endLine is windowLine of ev, or "none".
func endLine(ev *evtx.Event) string {
	if ev == nil {
		return "none"
	}
	return windowLine(ev)
}
