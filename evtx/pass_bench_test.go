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

// BenchmarkTimeCreatedChunks reads every record's TimeCreated (readTime)
// in the log's first 1,000 chunks, each copied into one buffer first as a
// read from the file would: the CPU of the pass without the reads, the
// reader's goroutines or the window's bookkeeping. It reports ns/record.
func BenchmarkTimeCreatedChunks(b *testing.B) {
	data, err := os.ReadFile(benchLog())
	if err != nil {
		b.Fatal(err)
	}
	var chunks [][]byte
	for off := fileHeaderBlock; off+chunkSize <= len(data) && len(chunks) < 1000; off += chunkSize {
		chunks = append(chunks, data[off:off+chunkSize])
	}
	buf := make([]byte, chunkSize)
	recs := 0
	for b.Loop() {
		tc := newTmplCache()
		recs = 0
		for _, c := range chunks {
			copy(buf, c)
			d := tc.decoder(buf)
			for _, sp := range recordSpans(buf) {
				d.readTime(sp[0], sp[1])
				recs++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*int64(max(recs, 1))), "ns/record")
}

// benchLog names the log the benchmarks read: EVTXRDP_BENCH_LOG, else a
// System sample of testdata.
func benchLog() string {
	if name := os.Getenv("EVTXRDP_BENCH_LOG"); name != "" {
		return name
	}
	return "../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
}

func benchPass(b *testing.B, o Options) {
	name := benchLog()
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
