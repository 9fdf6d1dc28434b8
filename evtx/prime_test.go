package evtx_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestPrimeEqualsRead: Log.Prime, with WrittenEnds called from other
// goroutines while it runs, walks the file once, and every answer after
// it (the ends, every windowed read) equals that of a reader without a
// memo, over memoTestLogs and oddLogs.
func TestPrimeEqualsRead(t *testing.T) {
	dir, files := t.TempDir(), memoAndOddLogs(t)
	filter := func(s evtx.Summary) bool { return s.EventID%2 == 0 }
	shared := 0
	eachLogFile(t, dir, files, 5, func(i int, name, p string, b []byte, plain *evtx.Reader) {
		wantFirst, wantLast := plain.WrittenEnds()
		l := findOne(t, p)
		var wg sync.WaitGroup
		got := make([][2]*evtx.Event, 3)
		wg.Add(1)
		go func() { defer wg.Done(); l.Prime(1 + i%3) }()
		for k := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f, err := l.Open(evtx.Options{Workers: 1 + k})
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				got[k][0], got[k][1] = f.WrittenEnds()
			}()
		}
		wg.Wait()
		for k, g := range got {
			if endLine(g[0]) != endLine(wantFirst) || endLine(g[1]) != endLine(wantLast) {
				t.Fatalf("%s: WrittenEnds %d beside Prime gives %s, %s; without a memo %s, %s", name, k, endLine(g[0]), endLine(g[1]), endLine(wantFirst), endLine(wantLast))
			}
		}
		if w := evtx.MemoWalks(l); w != 1 {
			t.Errorf("%s: %d walks of the file for Prime and three WrittenEnds, want 1", name, w)
		}
		shared++
		_, all, _ := readLines(t, b, evtx.Options{Workers: 1})
		checkMemoWindows(t, name, p, l, windowsFor(all), filter)
	})
	if shared < 5 {
		t.Errorf("only %d logs read: the test proves little", shared)
	}
}

// TestPrimeWithoutMemo: Prime does nothing, and fails on nothing, for a
// log that keeps no memo or cannot be opened: the reads after it report.
func TestPrimeWithoutMemo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, []byte("not an evtx file"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := findOne(t, p)
	l.Prime(2)
	if w := evtx.MemoWalks(l); w != 0 {
		t.Errorf("Prime of a file that is not EVTX walked it %d times", w)
	}
	if _, err := l.Open(evtx.Options{}); err == nil {
		t.Error("Open of a file that is not EVTX after Prime: no error")
	}
}
