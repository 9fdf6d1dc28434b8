package xpath

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// The speed target: evaluating a query adds at most 10% to decoding. Compare
// BenchmarkDecode's ns/event with BenchmarkMatch's.

var benchFile = filepath.Join(samplesDir, "omerbenamram__evtx__samples__security_bad_string_cache.evtx")

func loadBench(b *testing.B) []*evtx.Event {
	b.Helper()
	f, err := evtx.Open(benchFile)
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	var evs []*evtx.Event
	for {
		ev, err := f.Next()
		if err != nil {
			break
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		b.Skip("no events")
	}
	return evs
}

func BenchmarkDecode(b *testing.B) {
	n := 0
	for b.Loop() {
		f, err := evtx.OpenOptions(benchFile, evtx.Options{Workers: 1})
		if err != nil {
			b.Skip(err)
		}
		for {
			if _, err := f.Next(); err == io.EOF {
				break
			}
			n++
		}
		f.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}

func benchMatch(b *testing.B, src string) {
	evs := loadBench(b)
	q := MustCompile(src)
	now := evs[len(evs)-1].System.TimeCreated.Add(time.Hour)
	n, hits := 0, 0
	for b.Loop() {
		for _, ev := range evs {
			if q.Match(ev, now) {
				hits++
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	b.ReportMetric(float64(hits)/float64(n), "hits/event")
}

func BenchmarkMatchArticle(b *testing.B) {
	benchMatch(b, `Event[System[Provider[@Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'] and EventID=1057 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`)
}

func BenchmarkMatchLevelTime(b *testing.B) {
	benchMatch(b, `*[System[(Level <= 3) and TimeCreated[timediff(@SystemTime) <= 86400000000]]]`)
}

func BenchmarkMatchEventData(b *testing.B) {
	benchMatch(b, `*[System[EventID=4624] and EventData[Data[@Name='TargetUserName']='Administrator' or Data[@Name='LogonType']=10]]`)
}

func BenchmarkMatchBand(b *testing.B) {
	benchMatch(b, `*[System[band(Keywords,4503599627370496)]]`)
}

func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		MustCompile(`Event[System[Provider[@Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager'] and EventID=1057 and TimeCreated[timediff(@SystemTime) <= 86400000]]]`)
	}
}
