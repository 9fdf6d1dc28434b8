package rules

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchLogs writes (once) a System log of 60 000 events over ~70 days with a
// 1058 in the last hour: analyze decodes ~8 days of it.
func benchLogs(b *testing.B) []*evtx.Log {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := makeTemp()
		if err != nil {
			benchErr = err
			return
		}
		const n = 60000
		step := 100 * time.Second
		evs := evtxtest.Noise(t0.Add(-time.Duration(n)*step), step, n)
		evs = append(evs, evtxtest.RCM1058(t0.Add(-time.Minute), "Access is denied."))
		evs = append(evs, evtxtest.Noise(t0, time.Second, 1)...)
		benchDir = dir
		benchErr = evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	logs, err := evtx.Find(benchDir)
	if err != nil {
		b.Fatal(err)
	}
	return logs
}

// BenchmarkAnalyze is the analysis of the log: a header pass for the
// reference time, then decoding the window and the look-back only.
func BenchmarkAnalyze(b *testing.B) {
	logs := benchLogs(b)
	e := builtinEngine(b, Options{})
	b.SetBytes(logs[0].Size)
	for b.Loop() {
		res, err := e.Analyze(logs)
		if err != nil || res.Detected() != 1 {
			b.Fatalf("%v, %d detected", err, res.Detected())
		}
	}
}

// BenchmarkDecodeAll decodes every record of the same log, for comparison
// (what a full dump must at least do).
func BenchmarkDecodeAll(b *testing.B) {
	logs := benchLogs(b)
	b.SetBytes(logs[0].Size)
	for b.Loop() {
		f, err := logs[0].Open(evtx.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := f.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

func makeTemp() (string, error) { return os.MkdirTemp("", "evtxrdp-bench") }

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
