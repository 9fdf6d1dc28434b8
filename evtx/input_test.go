package evtx

import (
	"bytes"
	"runtime"
	"testing"
)

// Workers are capped: an absurd count decodes with MaxWorkers goroutines,
// and the default does not grow past the cap with the machine.
func TestWorkersCapped(t *testing.T) {
	data := readSample(t, cleanSample)
	for _, c := range []struct{ ask, want int }{
		{1000000, MaxWorkers},
		{MaxWorkers + 1, MaxWorkers},
		{3, 3},
		{0, min(runtime.GOMAXPROCS(0), MaxWorkers)},
	} {
		rd, err := NewReaderOptions(bytes.NewReader(data), int64(len(data)), Options{Workers: c.ask})
		if err != nil {
			t.Fatal(err)
		}
		if rd.src.workers != c.want {
			t.Errorf("Workers %d: %d workers, want %d", c.ask, rd.src.workers, c.want)
		}
	}
	if old := runtime.GOMAXPROCS(64); old > 0 {
		defer runtime.GOMAXPROCS(old)
	}
	rd, _ := NewReaderOptions(bytes.NewReader(data), int64(len(data)), Options{})
	if rd.src.workers != MaxWorkers {
		t.Errorf("default on 64 CPUs: %d workers, want %d", rd.src.workers, MaxWorkers)
	}
}
