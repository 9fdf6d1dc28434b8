package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLostChunksDoNotCoverTheWindow: a System log whose chunks of the
// last day are zeroed between chunks that hold records (a shadow copy of
// a log not flushed: the public sample 2-vss_7-System.evtx lacks records
// 1156 to 1417, most of its last day, and analyze said of it "not
// detected; System read and covers it") does not cover the 24-hour
// window: its rules are not checked, with the missing records named,
// never "not detected"; the input lists them as a problem. The same log
// intact detects the Schannel 36871 the zeroed chunk held, and a log
// that lost only records older than the window still covers it. With
// shortcuts as without.
func TestLostChunksDoNotCoverTheWindow(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// 10 records an hour apart per chunk: chunk k holds hours
	// [10k, 10k+9] after start.
	start := t0.Add(-59 * time.Hour)
	var evs []*evtx.Event
	for i := range 60 {
		at := start.Add(time.Duration(i) * time.Hour)
		if i == 55 { // in chunk 5, 4 hours before t0
			evs = append(evs, evtxtest.Schannel36871(at, 10013))
			continue
		}
		evs = append(evs, evtxtest.EventLog(at, 6013))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	// One more chunk after it, so that the zeroed one lies between
	// chunks that hold records.
	more := []*evtx.Event{}
	for i := range 10 {
		ev := evtxtest.EventLog(t0.Add(time.Duration(i+1)*time.Minute), 6013)
		ev.RecordID = uint64(61 + i)
		more = append(more, ev)
	}
	evs = append(evs, more...)
	b, err = evtxtest.Bytes(evs, evtxtest.Options{MaxRecordsPerChunk: 10})
	if err != nil {
		t.Fatal(err)
	}
	write := func(zero ...int) string {
		c := append([]byte(nil), b...)
		for _, z := range zero {
			off := 4096 + z*65536
			clear(c[off : off+65536])
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), c, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		// Intact: detected.
		if f := finding(t, analyzePath(t, e, write()), "rdp-tls-disabled"); f.Verdict != Detected {
			t.Fatalf("NoShortcuts %v: intact log: %s, want detected", plain, f.Verdict)
		}
		// Chunk 5 (records 51..60, the last day but the final minutes)
		// zeroed: not checked, the run named.
		res := analyzePath(t, e, write(5))
		f := finding(t, res, "rdp-tls-disabled")
		why := strings.Join(f.Reasons, "\n")
		if f.Verdict != NotChecked || !strings.Contains(why, "records 51 to 60 (10) missing between record 50") || !strings.Contains(why, "not covered") {
			t.Errorf("NoShortcuts %v: chunk of the window zeroed: %s (%s), want not checked naming records 51 to 60", plain, f.Verdict, why)
		}
		if in := res.Inputs[0]; len(in.Lost) != 1 || in.Lost[0].AfterID != 50 || in.Lost[0].BeforeID != 61 || !in.Lost[0].After.Equal(start.Add(49*time.Hour)) || !in.Lost[0].Before.Equal(t0.Add(time.Minute)) {
			t.Errorf("NoShortcuts %v: input's lost records %+v, want 51..60 between the times of records 50 and 61", plain, in.Lost)
		}
		// Chunk 1 (hours 10..19 after start, before the 24-hour window)
		// zeroed: that window is covered; a caveat names the damage.
		res = analyzePath(t, e, write(1))
		f = finding(t, res, "rdp-tls-disabled")
		if f.Verdict != Detected {
			t.Errorf("NoShortcuts %v: older chunk zeroed: %s, want detected", plain, f.Verdict)
		}
		f = finding(t, res, "rdp-service-not-running") // 24 hours of System, as rdp-tls-disabled
		if f.Verdict != NotDetected || !strings.Contains(strings.Join(f.Caveats, "\n"), "10 records missing between its records") {
			t.Errorf("NoShortcuts %v: older chunk zeroed, 24-hour window: %s, caveats %q, want not detected with a caveat naming the 10 missing records", plain, f.Verdict, f.Caveats)
		}
		// ... and the 3-day window, which the lost hours reach into, is
		// not covered.
		if f := finding(t, res, "rdp-os-disk-full"); f.Verdict != NotChecked {
			t.Errorf("NoShortcuts %v: older chunk zeroed, 3-day window: %s, want not checked", plain, f.Verdict)
		}
	}
}

// TestLostRecordsOverlapWhateverTheOrder: lost records lie between the
// TimeCreated of the records either side, whichever is earlier. With the
// clock set back while they were written (record 1155 at 12:00, record
// 1418 at 08:00 the same day), a window from 09:00 to 10:00 may hold
// them; it was taken as holding none (the time after them is before the
// window's start), and the log covered it.
func TestLostRecordsOverlapWhateverTheOrder(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 5, 1, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		after, before time.Time
		start, end    time.Time
		want          bool
	}{
		{at(8), at(12), at(9), at(10), true},
		{at(12), at(8), at(9), at(10), true},   // clock set back
		{at(12), at(8), at(13), at(14), false}, // after both
		{at(12), at(8), at(5), at(7), false},   // before both
		{at(8), at(12), at(13), at(14), false},
		{time.Time{}, at(8), at(5), at(7), true},
		{at(12), time.Time{}, at(5), at(7), false},
	}
	for _, c := range cases {
		l := LostRecords{AfterID: 1155, BeforeID: 1418, After: c.after, Before: c.before}
		if got := l.overlaps(c.start, c.end); got != c.want {
			t.Errorf("lost between %s and %s, window %s to %s: overlaps %v, want %v", c.after, c.before, c.start, c.end, got, c.want)
		}
	}
}

// TestLostSlackRecordsDoNotCover: records of a lost run that the file
// holds as old records of chunk slack (evtx.LostSpan.Slack) are not
// counted lost, but the analysis does not read them: a run every number
// of which is in chunk slack leaves the window it reaches into not
// covered all the same, and the text says how many are lost and how many
// are old records not read.
func TestLostSlackRecordsDoNotCover(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	in := &Input{Path: "System.evtx", Lost: []LostRecords{
		{AfterID: 10, BeforeID: 20, After: t0.Add(-2 * time.Hour), Before: t0.Add(-time.Hour), Slack: 9},
	}}
	if n := in.Lost[0].Count(); n != 0 {
		t.Fatalf("Count %d, want 0: the 9 records are in the file", n)
	}
	got := lostInWindow([]*Input{in}, t0.Add(-24*time.Hour), t0)
	if !strings.Contains(got, "0 records written in a time that reaches into the window are not in this copy (chunks zeroed or overwritten) and 9 more only as old records in chunk slack, not read, so the window is not covered") ||
		!strings.Contains(got, "records 11 to 19 (0; 9 more are old records in chunk slack, not read: evtxrdp dump --recover prints them)") {
		t.Errorf("lostInWindow: %q", got)
	}
	in.Lost[0].Slack = 4
	if got := lostInWindow([]*Input{in}, t0.Add(-24*time.Hour), t0); !strings.HasPrefix(got, "5 records written in a time that reaches into the window are not in this copy (chunks zeroed or overwritten) and 4 more") {
		t.Errorf("lostInWindow: %q", got)
	}
}
