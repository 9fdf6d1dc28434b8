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

// TestLogChanged: Log.Changed is nil while every Open of a Log finds its
// file as the first did, and names the first and the latest sizes and
// modification times once an Open finds it appended to, truncated, or
// rewritten in place with the same size and its modification time set
// back (the change time tells).
func TestLogChanged(t *testing.T) {
	bytesOf := func(n int) []byte {
		b, err := evtxtest.Bytes(evtxtest.Noise(craftT0, 10*time.Minute, n), evtxtest.Options{MaxRecordsPerChunk: 40})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := bytesOf(200)
	same := bytes2(t, b)
	for _, c := range []struct {
		name  string
		after []byte
	}{
		{"appended to", bytesOf(300)},
		{"truncated", bytesOf(50)},
		{"rewritten, same size and modification time", same},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "System.evtx")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			mtime := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			l := findOne(t, p)
			readLog(t, l, evtx.Options{})
			readLog(t, l, evtx.Options{})
			if ch := l.Changed(); ch != nil {
				t.Fatalf("unchanged: %+v", ch)
			}
			time.Sleep(20 * time.Millisecond) // a change time the file system tells apart
			if err := os.WriteFile(p, c.after, 0o644); err != nil {
				t.Fatal(err)
			}
			if len(c.after) == len(b) {
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			if ch := l.Changed(); ch != nil {
				t.Fatalf("changed before an Open found it: %+v", ch)
			}
			got := readLog(t, l, evtx.Options{})
			if want := readLog(t, findOne(t, p), evtx.Options{}); got != want {
				t.Errorf("the read after the change is not that of the new contents")
			}
			ch := l.Changed()
			if ch == nil || ch.Path != p || ch.Size != int64(len(b)) || ch.NewSize != int64(len(c.after)) || !ch.ModTime.Equal(mtime) {
				t.Errorf("Changed: %+v; want %s, %d then %d bytes, first modified %s", ch, p, len(b), len(c.after), mtime)
			}
		})
	}
}

// bytes2 is b with other records of the same size: the log of 200
// records a month earlier.
func bytes2(t *testing.T, b []byte) []byte {
	b2, err := evtxtest.Bytes(evtxtest.Noise(craftT0.Add(-30*24*time.Hour), 10*time.Minute, 200), evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	if len(b2) != len(b) {
		t.Fatalf("sizes %d and %d", len(b), len(b2))
	}
	return b2
}
