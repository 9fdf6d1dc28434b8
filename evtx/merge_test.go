package evtx_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// mergeEvents returns n numbered System events (record ids from first).
func mergeEvents(t0 time.Time, first uint64, n int) []*evtx.Event {
	evs := evtxtest.Noise(t0.Add(time.Duration(first)*time.Minute), time.Minute, n)
	for i, ev := range evs {
		ev.RecordID = first + uint64(i)
		if i%7 == 3 {
			evs[i] = evtxtest.Schannel36871(ev.System.TimeCreated, 10013)
			evs[i].RecordID = ev.RecordID
		}
	}
	return evs
}

func writeLog(t *testing.T, path string, evs []*evtx.Event, o evtxtest.Options) *evtx.Log {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(path, evs, o); err != nil {
		t.Fatal(err)
	}
	logs, err := evtx.Find(path)
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find(%s): %v %v", path, logs, err)
	}
	return logs[0]
}

type readOut struct {
	xml   []string
	stats evtx.Stats
	added []int // Reader.PartAdded
	parts []evtx.Stats
}

func readAll(t *testing.T, l *evtx.Log, o evtx.Options) readOut {
	t.Helper()
	f, err := l.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out readOut
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out.xml = append(out.xml, ev.XML())
	}
	out.stats = f.Stats()
	out.added, out.parts = f.PartAdded(), f.PartStats()
	return out
}

// A merged log of overlapping copies yields what one copy holding every
// record yields, whatever the window and filter, each record once.
func TestMergeOverlappingCopies(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	all := mergeEvents(t0, 1, 300)
	// The older copy holds records 1..200, the newer 101..300 (the older
	// ones overwritten): chunks laid out differently, records the same.
	older := writeLog(t, filepath.Join(dir, "older", "System.evtx"), all[:200], evtxtest.Options{MaxRecordsPerChunk: 37})
	newer := writeLog(t, filepath.Join(dir, "newer", "System.evtx"), all[100:], evtxtest.Options{MaxRecordsPerChunk: 50})
	whole := writeLog(t, filepath.Join(dir, "whole", "System.evtx"), all, evtxtest.Options{})
	m := evtx.Merge(newer, older, newer)
	if m.Path != newer.Path || len(m.Parts()) != 3 {
		t.Fatalf("merged log %q parts %d", m.Path, len(m.Parts()))
	}
	opts := map[string]evtx.Options{
		"all":    {},
		"window": {Since: t0.Add(150 * time.Minute), Until: t0.Add(220 * time.Minute)},
		"filter": {Filter: func(s evtx.Summary) bool { return s.EventID == 36871 }},
		"window+filter": {Since: t0.Add(50 * time.Minute), Until: t0.Add(120 * time.Minute),
			Filter: func(s evtx.Summary) bool { return s.EventID == 36871 && s.RecordID > 0 }},
	}
	for name, o := range opts {
		t.Run(name, func(t *testing.T) {
			want := readAll(t, whole, o)
			got := readAll(t, m, o)
			slices.Sort(want.xml)
			slices.Sort(got.xml)
			if !slices.Equal(got.xml, want.xml) {
				t.Fatalf("merged yields %d events, one whole copy %d", len(got.xml), len(want.xml))
			}
			ws, gs := want.stats, got.stats
			if gs.Records != ws.Records || gs.Skipped != ws.Skipped || gs.Filtered != ws.Filtered {
				t.Errorf("records/skipped/filtered: merged %d/%d/%d, whole %d/%d/%d",
					gs.Records, gs.Skipped, gs.Filtered, ws.Records, ws.Skipped, ws.Filtered)
			}
			if !gs.First.Equal(ws.First) || !gs.Last.Equal(ws.Last) {
				t.Errorf("first/last: merged %v/%v, whole %v/%v", gs.First, gs.Last, ws.First, ws.Last)
			}
			// The span of TimeCreated and the last-written record: those
			// of the whole log (dump prints them, and counts --since 24h
			// back from the last-written record).
			if !gs.FirstCreated.Equal(ws.FirstCreated) || !gs.LastCreated.Equal(ws.LastCreated) ||
				gs.LastWrittenID != ws.LastWrittenID || !gs.LastWrittenCreated.Equal(ws.LastWrittenCreated) || gs.LastWrittenID != 300 {
				t.Errorf("TimeCreated %v to %v, last written %d at %v; whole: %v to %v, %d at %v", gs.FirstCreated, gs.LastCreated, gs.LastWrittenID, gs.LastWrittenCreated,
					ws.FirstCreated, ws.LastCreated, ws.LastWrittenID, ws.LastWrittenCreated)
			}
			// 100 records are in both copies and 200 in the repeated newer one.
			if gs.Duplicates != 300 {
				t.Errorf("duplicates %d, want 300", gs.Duplicates)
			}
			// What each file adds, whatever the window and filter: the
			// newer copy its 200 records, the older the 100 before them,
			// the newer again none; they sum to the records read.
			if !slices.Equal(got.added, []int{200, 100, 0}) || len(got.parts) != 3 || got.parts[1].Records != 200 {
				t.Errorf("PartAdded %v, want [200 100 0] (of %d parts)", got.added, len(got.parts))
			}
			if n := got.added[0] + got.added[1] + got.added[2]; n != gs.Records+gs.Skipped+gs.Filtered {
				t.Errorf("PartAdded sums to %d, records+skipped+filtered %d", n, gs.Records+gs.Skipped+gs.Filtered)
			}
			if want.added != nil {
				t.Errorf("PartAdded of a log that is not merged: %v, want nil", want.added)
			}
		})
	}
	f, err := m.Open(evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.NewestTime(), all[len(all)-1].System.TimeCreated; !got.Equal(want) {
		t.Errorf("NewestTime %v, want %v", got, want)
	}
}

// Merging a log with itself (two paths of one file) gives the log.
func TestMergeSameFileTwice(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	l := writeLog(t, filepath.Join(dir, "System.evtx"), mergeEvents(t0, 1, 120), evtxtest.Options{})
	if err := os.Symlink(l.Path, filepath.Join(dir, "link.evtx")); err != nil {
		t.Fatal(err)
	}
	l2, err := evtx.Find(filepath.Join(dir, "link.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	one := readAll(t, l, evtx.Options{})
	two := readAll(t, evtx.Merge(l, l2[0]), evtx.Options{})
	if !slices.Equal(one.xml, two.xml) || two.stats.Records != 120 || two.stats.Duplicates != 120 {
		t.Fatalf("merged: %d events, %d duplicates; want 120, 120", len(two.xml), two.stats.Duplicates)
	}
	if evtx.Merge(l) != l {
		t.Error("Merge of one log is not the log")
	}
}
