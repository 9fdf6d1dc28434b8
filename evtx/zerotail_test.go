package evtx_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestZeroTailChunksRememberedOnce: the zero chunks of a log (here 200
// past the 6 the file header counts: a file zero-filled to its allocated
// size) are read by the first windowed pass and served by the memo to the
// next, with the same result (TestWindowMemoEqualsRead compares the
// results over zero-tailed and zeroed copies of the crafted logs). Every
// pass read each zero chunk again: a 1 GiB zero tail took analyze 14 s,
// 14 reads of each chunk.
func TestZeroTailChunksRememberedOnce(t *testing.T) {
	b, err := evtxtest.MinuteLog(60, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const zeros = 200
	b = append(b, make([]byte, zeros*65536)...)
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l := findOne(t, p)
	since := evtxtest.MinuteLogStart.Add(50 * time.Minute)
	read := func() (n int, st evtx.Stats) {
		f, err := l.Open(evtx.Options{Since: since})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for {
			if _, err := f.Next(); err == io.EOF {
				break
			}
			n++
		}
		return n, f.Stats()
	}
	n1, st1 := read()
	before := evtx.MemoChunks(l)
	n2, st2 := read()
	if n1 != 10 || n2 != n1 || st1 != st2 {
		t.Errorf("the two passes: %d and %d events (want 10 each), stats %+v and %+v", n1, n2, st1, st2)
	}
	if served := evtx.MemoChunks(l) - before; served < zeros {
		t.Errorf("the second pass had %d chunk reads served by the memo, want the %d zero chunks at least", served, zeros)
	}
}
