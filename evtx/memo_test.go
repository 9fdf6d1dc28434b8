package evtx_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
func TestWindowMemoEqualsRead(t *testing.T) {
	dir := t.TempDir()
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
	}
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	skipped := 0
	for name, b := range files {
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
		skipped += evtx.MemoChunks(shared)
		os.Remove(p)
	}
	t.Logf("%d logs, %d chunk reads served by the memo", len(files), skipped)
	if skipped < 50 {
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
