//go:build linux || darwin || freebsd || netbsd

package evtx_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestWindowMemoDropsRewrittenFile: a file rewritten in place with other
// contents of the same size whose modification time is then set back (as
// cp -p, rsync -t and tar do) is read anew, not from the memo of its
// former contents: its change time (where the system has one) tells.
func TestWindowMemoDropsRewrittenFile(t *testing.T) {
	evs := evtxtest.Noise(craftT0, 10*time.Minute, 200)
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := evtxtest.Bytes(evtxtest.Noise(craftT0.Add(-30*24*time.Hour), 10*time.Minute, 200), evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != len(b2) {
		t.Fatalf("sizes %d and %d", len(b), len(b2))
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	l := findOne(t, p)
	o := evtx.Options{Since: craftT0.Add(-40 * 24 * time.Hour), Until: craftT0.Add(-time.Hour)}
	readLog(t, l, o)
	readLog(t, l, o)
	if evtx.MemoChunks(l) == 0 {
		t.Fatal("the memo kept nothing: the test proves nothing")
	}
	time.Sleep(20 * time.Millisecond) // a change time the file system can tell apart
	if err := os.WriteFile(p, b2, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	got, want := readLog(t, l, o), readLog(t, findOne(t, p), o)
	if got != want {
		t.Fatalf("after the file was rewritten the Log reads from its memo\n%s", firstDiff(lines(got), lines(want)))
	}
}
