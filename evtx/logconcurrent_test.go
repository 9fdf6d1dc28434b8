package evtx

import (
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A Log may be opened, primed and asked its first channel by several
// goroutines at once (fleet and the rules engine share Logs between
// goroutines, and so may an importer): each File reads on its own, the
// memos they share are kept under their locks, and every read gives the
// records a read alone gives. Run with -race.
func TestLogOpenConcurrently(t *testing.T) {
	logs, err := Find(filepath.Join(realSamplesDir, "omerbenamram__evtx__samples__2-vss_7-System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	l := logs[0]
	count := func(o Options) (int, error) {
		f, err := l.Open(o)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		n := 0
		for {
			if _, err := f.Next(); err == io.EOF {
				return n, nil
			} else if err != nil {
				return n, err
			}
			n++
		}
	}
	since := time.Date(2018, 8, 8, 0, 0, 0, 0, time.UTC)
	want, err := count(Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantWin, err := count(Options{Workers: 1, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				l.Prime(2)
			case 1:
				if _, err := l.FirstChannel(); err != nil {
					t.Error(err)
				}
			}
			o, w := Options{Workers: 2}, want
			if i%2 == 1 {
				o.Since, w = since, wantWin
			}
			if n, err := count(o); err != nil || n != w {
				t.Errorf("goroutine %d: %d events (%v), want %d", i, n, err, w)
			}
		}()
	}
	wg.Wait()
}
