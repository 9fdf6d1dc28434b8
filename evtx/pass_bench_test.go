package evtx

import (
	"io"
	"os"
	"testing"
	"time"
)

// BenchmarkTimeCreatedPass reads every record's TimeCreated and decodes
// none (a window no record is in), with one worker: the pass every
// windowed read and analyze start with. EVTXRDP_BENCH_LOG names the log
// (bench/run's System.evtx, say); else a System sample of testdata.
func BenchmarkTimeCreatedPass(b *testing.B) {
	benchPass(b, Options{Since: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), Workers: 1})
}

// BenchmarkSummaryPass summarises every record (a Filter that declines
// them all), with one worker.
func BenchmarkSummaryPass(b *testing.B) {
	benchPass(b, Options{Workers: 1, Filter: func(Summary) bool { return false }})
}

func benchPass(b *testing.B, o Options) {
	name := os.Getenv("EVTXRDP_BENCH_LOG")
	if name == "" {
		name = "../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	}
	st, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	var recs int64
	for b.Loop() {
		f, err := OpenOptions(name, o)
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
		s := f.Stats()
		recs = int64(s.Skipped + s.Filtered + s.Records)
		f.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*recs), "ns/record")
}
