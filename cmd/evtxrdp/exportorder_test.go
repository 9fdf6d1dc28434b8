package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// An export that saved its records newest first (EventRecordIDs falling as
// the record numbers rise): the last-written record is EventRecordID 549,
// the newest, saved first. query's timediff, dump --since 24h and dump's
// summary line count from it, as analyze does. Before, all three took
// the record saved last (EventRecordID 501, two days older) for "now":
// query warned of a clock jump that never happened (every other record
// "later than the last-written record"), dump --since 24h printed all 49
// records, and the summary named EventRecordID 501 the last written.
func TestExportNewestFirstNow(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 48)
	evs = append(evs, evtxtest.Schannel36871(newest, 10013))
	for i, ev := range evs {
		ev.System.EventRecordID = uint64(501 + i)
	}
	saved := make([]*evtx.Event, len(evs))
	for i := range evs {
		saved[i] = evs[len(evs)-1-i]
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "System.evtx")
	if err := evtxtest.WriteFile(path, evtxtest.Exported(saved), evtxtest.Options{MaxRecordsPerChunk: 7}); err != nil {
		t.Fatal(err)
	}
	q := "Event[System[Provider[@Name='Schannel'] and EventID=36871 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
	for _, noSkip := range []string{"--no-skip=false", "--no-skip"} {
		code, out, stderr := runCmd("query", noSkip, "-f", "xml", "-q", q, path)
		if code != exitOK || strings.Count(out, "<Event ") != 1 || !strings.Contains(out, "<EventRecordID>549</EventRecordID>") {
			t.Errorf("query %s: exit %d, %d events, want EventRecordID 549; stderr %q", noSkip, code, strings.Count(out, "<Event "), stderr)
		}
		if strings.Contains(stderr, "clock") {
			t.Errorf("query %s: stderr %q names a clock jump; the clock never jumped", noSkip, stderr)
		}
	}
	code, out, stderr := runCmd("dump", "--since", "24h", "-f", "xml", path)
	if n := strings.Count(out, "<Event "); code != exitOK || n != 25 {
		t.Errorf("dump --since 24h: exit %d, %d events, want the 25 of the last day (TimeCreated from 2024-04-30T12:00)", code, n)
	}
	if want := "last written record: EventRecordID 549 (record 1 in the file) at 2024-05-01T12:00:00.0000000Z"; !strings.Contains(stderr, want) {
		t.Errorf("dump summary %q; want %q", stderr, want)
	}
}
