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

// TestFirstChannelMemo: a Log's remembered FirstChannel is what a fresh
// Log of the same file says, for every log of testdata/evtx and
// ../shared/samples, and is remembered (a second call decodes nothing);
// a file rewritten in place with a log of another channel, of the same
// size and modification time, says its new channel.
func TestFirstChannelMemo(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	paths = append(paths, samples...)
	if len(paths) < 90 {
		t.Fatalf("%d logs", len(paths))
	}
	remembered := 0
	for _, p := range paths {
		l := findOne(t, p)
		ch1, err1 := l.FirstChannel()
		before := evtx.MemoFirstChannel(l)
		ch2, err2 := l.FirstChannel()
		want, werr := findOne(t, p).FirstChannel()
		if ch1 != want || ch2 != want || (err1 == nil) != (werr == nil) || (err2 == nil) != (werr == nil) {
			t.Errorf("%s: FirstChannel %q (%v) then %q (%v), a fresh Log's %q (%v)", filepath.Base(p), ch1, err1, ch2, err2, want, werr)
		}
		if before != nil {
			remembered++
			if *before != want {
				t.Errorf("%s: remembered %q, want %q", filepath.Base(p), *before, want)
			}
		}
	}
	if remembered < len(paths)*3/4 {
		t.Errorf("%d of %d logs remembered their first channel: the memo is not used", remembered, len(paths))
	}

	write := func(channel string) []byte {
		evs := evtxtest.Noise(craftT0, 10*time.Minute, 50)
		for _, ev := range evs {
			ev.System.Channel = channel
		}
		b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, b2 := write("System"), write("Sys2em")
	if len(b) != len(b2) {
		t.Fatalf("sizes %d and %d", len(b), len(b2))
	}
	p := filepath.Join(t.TempDir(), "System.evtx")
	mtime := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	l := findOne(t, p)
	if ch, _ := l.FirstChannel(); ch != "System" || evtx.MemoFirstChannel(l) == nil {
		t.Fatalf("FirstChannel %q, remembered %v", ch, evtx.MemoFirstChannel(l))
	}
	time.Sleep(20 * time.Millisecond) // a change time the file system can tell apart
	if err := os.WriteFile(p, b2, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if ch, _ := l.FirstChannel(); ch != "Sys2em" {
		t.Errorf("after the file was rewritten FirstChannel says %q, want Sys2em", ch)
	}
}
