package rules

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestTimedWrittenEndsRemembered: the second TimedWrittenEnds of a log
// (grouping asks it, then the engine) takes what the first found from the
// log's memo, and both give what the plain path (every record decoded, no
// memo) gives, over every log of testdata and ../shared/samples and
// crafted exports (saved newest first, and in a mixed order: both read by
// exportWrittenEnds; the last record without a time), a collector's
// ForwardedEvents log (renumbered, not out of order) and a live log whose
// last record gives no time. Before, an export's order was checked, and
// an out-of-order one decoded whole, twice per analyze.
func TestTimedWrittenEndsRemembered(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	scenarios, _ := filepath.Glob("../testdata/evtx/scenarios/*/*.evtx")
	cases, _ := filepath.Glob("../testdata/evtx/cases/*/*.evtx")
	samples, _ := filepath.Glob("../../shared/samples/*.evtx")
	paths = append(append(append(paths, scenarios...), cases...), samples...)
	if len(paths) < 100 || len(samples) < 40 {
		t.Fatalf("%d logs, %d samples", len(paths), len(samples))
	}
	dir := t.TempDir()
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	crafted := map[string][]*evtx.Event{
		"newest-first.evtx": exportedInOrder(newest, func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = n - 1 - i
			}
			return out
		}),
		"mixed.evtx": exportedInOrder(newest, func(n int) []int {
			var out []int
			for i := 1; i < n; i += 2 {
				out = append(out, i)
			}
			for i := (n - 1) &^ 1; i >= 0; i -= 2 {
				out = append(out, i)
			}
			return out
		}),
		"last-untimed.evtx": evtxtest.ExportedLastUntimed(newest),
		"ForwardedEvents.evtx": func() []*evtx.Event {
			var evs []*evtx.Event
			for h, host := range []string{"vm1.contoso.com", "vm2.contoso.com"} {
				for i, ev := range evtxtest.Noise(newest.Add(-time.Duration(h)*time.Hour), time.Minute, 30) {
					ev.System.Computer = host
					ev.System.EventRecordID = uint64(1 + i)
					evs = append(evs, ev)
				}
			}
			for i, ev := range evs {
				ev.RecordID = uint64(1001 + i)
			}
			return evs
		}(),
		"live-untimed.evtx": func() []*evtx.Event {
			evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 48)
			last := evtxtest.Noise(newest, time.Hour, 1)[0]
			last.System.TimeCreated = evtx.FiletimeToTime(0)
			last.Written = newest
			return append(evs, last)
		}(),
	}
	for name, evs := range crafted {
		p := filepath.Join(dir, name)
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 3}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	open := func(path string) *evtx.Log {
		t.Helper()
		logs, err := evtx.Find(path)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %d logs, %v", path, len(logs), err)
		}
		return logs[0]
	}
	describe := func(l *evtx.Log, plain bool) string {
		first, last, untimed, err := TimedWrittenEnds(l, evtx.Options{Workers: 2}, plain)
		ref := func(ev *evtx.Event) string {
			if ev == nil {
				return "none"
			}
			return fmt.Sprintf("%+v %v %s", LogRecordRef(l, ev), ev.System.TimeCreated, ev.Source.File)
		}
		return fmt.Sprintf("first %s, last %s, untimed %s, err %v", ref(first), ref(last), ref(untimed), err)
	}
	remembered := 0
	for _, path := range paths {
		l := open(path)
		before := timedEndsReads.Load()
		got1 := describe(l, false)
		read := timedEndsReads.Load() - before
		got2 := describe(l, false)
		if again := timedEndsReads.Load() - before - read; again != 0 {
			t.Errorf("%s: the second TimedWrittenEnds read the log again (%d reads)", path, again)
		}
		if got1 != got2 {
			t.Errorf("%s:\nfirst call  %s\nsecond call %s", path, got1, got2)
		}
		if filepath.Dir(path) == dir && read != 1 {
			t.Errorf("%s: %d reads by the first TimedWrittenEnds, want 1 (the export check)", path, read)
		}
		if read == 0 {
			continue // the memo played no part
		}
		remembered++
		if want := describe(open(path), true); got1 != want {
			t.Errorf("%s:\nremembered %s\nplain      %s", path, got1, want)
		}
	}
	// The crafted logs and the exports among the samples (9 of them:
	// Security_Tor and others of michkoll/fakenevtx, issue_38).
	if remembered < len(crafted)+5 {
		t.Errorf("%d logs needed the rest of TimedWrittenEnds, want at least %d", remembered, len(crafted)+5)
	}
}

// exportedInOrder is the export of rules_test's exportOrderLogs: the
// events of a System log (EventRecordID 501 to 549) saved in the order
// order gives.
func exportedInOrder(newest time.Time, order func(n int) []int) []*evtx.Event {
	evs := evtxtest.Noise(newest.Add(-48*time.Hour), time.Hour, 46)
	evs = append(evs, evtxtest.Schannel36871(newest.Add(-90*time.Minute), 10013), evtxtest.Schannel36871(newest.Add(-time.Hour), 10013))
	evs = append(evs, evtxtest.Noise(newest, time.Hour, 1)...)
	for i, ev := range evs {
		ev.System.EventRecordID = uint64(501 + i)
	}
	var saved []*evtx.Event
	for _, i := range order(len(evs)) {
		saved = append(saved, evs[i])
	}
	return evtxtest.Exported(saved)
}
