package xpath_test

import (
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
	"github.com/evtxrdp/evtxrdp/rules/xpath"
)

// Query.Match's doc says where "now" comes from. A log whose last-written
// record gives no time (a filtered export whose last record has TimeCreated
// FILETIME 0) has, by Reader.LastWritten, a "now" of 1601-01-01, after
// which every event lies: "the last day" selected all 49 events (itself too). The doc
// pointed there ("evtx.Reader.LastWritten, as evtxrdp query and analyze
// take it"), but query and analyze take rules.TimedWrittenEnds' last
// record, the last written that gives a time: the last day then holds the
// two 36871s of the last 90 minutes and the 23 records of the day before
// them. This test holds the two apart, so that the doc names the right one.
func TestReferenceTimeLastRecordUntimed(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := evtxtest.WriteFile(p, evtxtest.ExportedLastUntimed(newest), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(p)
	if err != nil {
		t.Fatal(err)
	}
	q := xpath.MustCompile(`*[System[TimeCreated[timediff(@SystemTime) <= 86400000]]]`)
	count := func(now time.Time) int {
		f, err := logs[0].Open(evtx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := 0
		for {
			ev, err := f.Next()
			if err == io.EOF {
				return n
			}
			if q.Match(ev, now) {
				n++
			}
		}
	}
	f, err := logs[0].Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lw := f.LastWritten()
	f.Close()
	if lw == nil || evtx.UsableTime(lw.Time()) {
		t.Fatalf("Reader.LastWritten = %v: want the record without a usable time", lw)
	}
	if n := count(lw.Time()); n != 49 {
		t.Errorf("now from Reader.LastWritten (%v): %d events in the last day, want all 49", lw.Time(), n)
	}
	_, end, untimed, err := rules.TimedWrittenEnds(logs[0], evtx.Options{}, false)
	if err != nil || end == nil || untimed == nil {
		t.Fatalf("TimedWrittenEnds = %v, %v, %v", end, untimed, err)
	}
	if want := newest.Add(-time.Hour); !end.Time().Equal(want) {
		t.Fatalf("TimedWrittenEnds' last record at %v, want %v", end.Time(), want)
	}
	if n := count(end.Time()); n != 25 {
		t.Errorf("now from rules.TimedWrittenEnds (%v): %d events in the last day, want 25", end.Time(), n)
	}
}
