package rules_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/fleet"
	"github.com/evtxrdp/evtxrdp/rules"
)

// Two copies of a System log given to Analyze apart (not merged), one of
// whose Schannel 36871 has no TimeCreated read in the shadow copy (a null
// substitution): evtx.Merge takes it for a copy of the volume's record
// of the same channel, EventRecordID and content but for TimeCreated,
// one record (3 events in the window, no match without a TimeCreated),
// but rules matched copies by their whole identity only, so with the
// volume given first the record counted twice: 3 in the window and 1
// more among the matches without a TimeCreated (a caveat naming it),
// with shortcuts and without. Now the copy without a TimeCreated is
// counted once, from the volume, as merged.
func TestCopyWithoutTimeCreatedGivenApartCountsOnce(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(newest.Add(-99*time.Hour), time.Hour, 100)
	for _, i := range []int{90, 95, 98} {
		evs[i] = evtxtest.Schannel36871(evs[i].System.TimeCreated, 10013)
	}
	for i, ev := range evs {
		ev.RecordID = uint64(i + 1)
		ev.System.EventRecordID = ev.RecordID
		ev.Written = ev.System.TimeCreated
	}
	dir := t.TempDir()
	volume := filepath.Join(dir, "volume", "Windows", "System32", "winevt", "Logs")
	shadow := filepath.Join(dir, "shadow", "Windows", "System32", "winevt", "Logs")
	// A piece of the log holding that record alone: with shortcuts, the
	// only record two inputs share is the one without a TimeCreated.
	piece := filepath.Join(dir, "piece")
	untimed := func(_ int, ev *evtx.Event) bool { return ev == evs[95] }
	for path, list := range map[string][]*evtx.Event{volume: evs, shadow: evs, piece: evs[95:96]} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		o := evtxtest.Options{NoTimeCreated: untimed}
		if path == volume {
			o = evtxtest.Options{}
		}
		if err := evtxtest.WriteFile(filepath.Join(path, "System.evtx"), list, o); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	find := func(paths ...string) []*evtx.Log {
		var logs []*evtx.Log
		for _, p := range paths {
			l, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l...)
		}
		return logs
	}
	// tls returns rdp-tls-disabled's evidence count and its 36871 matches
	// without a TimeCreated.
	tls := func(res *rules.Result) (int, int) {
		for _, fd := range res.Findings {
			if fd.Rule.ID != "rdp-tls-disabled" {
				continue
			}
			for _, h := range fd.Hits {
				if h.Query.ID == "schannel-36871" {
					return fd.EvidenceCount, h.Untimed
				}
			}
		}
		t.Fatal("no rdp-tls-disabled schannel-36871 hit")
		return 0, 0
	}
	for _, plain := range []bool{false, true} {
		eng, err := rules.NewEngine(rs, rules.Options{NoShortcuts: plain})
		if err != nil {
			t.Fatal(err)
		}
		var merged []*evtx.Log
		for _, l := range fleet.Copies(find(filepath.Join(dir, "volume"), filepath.Join(dir, "shadow")), 0) {
			merged = append(merged, l.EvtxLog())
		}
		if len(merged) != 1 {
			t.Fatalf("fleet.Copies: %d logs, want the two files as one", len(merged))
		}
		res, err := eng.Analyze(merged)
		if err != nil {
			t.Fatal(err)
		}
		if n, u := tls(res); n != 3 || u != 0 {
			t.Fatalf("plain %v, merged: %d events, %d without TimeCreated; want 3 and 0", plain, n, u)
		}
		res, err = eng.Analyze(find(filepath.Join(dir, "volume"), filepath.Join(dir, "shadow")))
		if err != nil {
			t.Fatal(err)
		}
		if n, u := tls(res); n != 3 || u != 0 {
			t.Errorf("plain %v, given apart: %d events, %d without TimeCreated; want 3 and 0, as merged", plain, n, u)
		}
		if in := res.Inputs[1]; in.CopyOf != res.Inputs[0].Path || in.SharedMatches < 3 {
			t.Errorf("plain %v, given apart: second input CopyOf %q, SharedMatches %d; want the first, at least 3", plain, in.CopyOf, in.SharedMatches)
		}
		res, err = eng.Analyze(find(filepath.Join(dir, "volume"), piece))
		if err != nil {
			t.Fatal(err)
		}
		if n, u := tls(res); n != 3 || u != 0 {
			t.Errorf("plain %v, the record alone given apart: %d events, %d without TimeCreated; want 3 and 0", plain, n, u)
		}
		if in := res.Inputs[1]; in.CopyOf != res.Inputs[0].Path || in.SharedMatches != 1 {
			t.Errorf("plain %v, the record alone given apart: second input CopyOf %q, SharedMatches %d; want the first, 1", plain, in.CopyOf, in.SharedMatches)
		}
	}
}
