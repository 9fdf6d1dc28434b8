package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// gapLogs writes crafted logs with gaps: a clock that jumped a year ahead
// for the last records, gaps of exactly TimeGapMin and just under it,
// ties on both sides of a gap written out of time order, and records
// with no TimeCreated (FILETIME 0) on both sides. It returns their paths.
func gapLogs(t *testing.T) []string {
	t.Helper()
	t0 := time.Date(2024, 4, 21, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	write := func(name string, evs []*evtx.Event) string {
		p := filepath.Join(dir, name)
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 16}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var paths []string
	// The clock jumped a year ahead for the last 5 records.
	jump := evtxtest.Noise(t0, 2*time.Hour, 120)
	jump = append(jump, evtxtest.Noise(t0.Add(240*time.Hour+365*24*time.Hour), 2*time.Minute, 5)...)
	paths = append(paths, write("jump.evtx", jump))
	for _, gap := range []time.Duration{TimeGapMin, TimeGapMin - time.Second} {
		evs := evtxtest.Noise(t0, time.Hour, 50)
		evs = append(evs, evtxtest.Noise(t0.Add(49*time.Hour+gap), time.Hour, 100)...)
		paths = append(paths, write("gap-"+gap.String()+".evtx", evs))
	}
	// Ties: three records at each side of a 9-day gap, written in
	// another order than their times, and records without a time.
	a, b := t0.Add(10*time.Hour), t0.Add(10*time.Hour+9*24*time.Hour)
	ties := evtxtest.Noise(t0, time.Hour, 10)
	ties = append(ties, evtxtest.Noise(b, 0, 2)...)
	ties = append(ties, evtxtest.Noise(a, 0, 3)...)
	ties = append(ties, evtxtest.Noise(b, 0, 1)...)
	noTime := evtxtest.Noise(evtxtest.NoTime, 0, 2)
	noTime[0].Written, noTime[1].Written = a.Add(time.Hour), b.Add(-time.Hour)
	ties = append(ties, noTime...)
	ties = append(ties, evtxtest.Noise(b.Add(time.Hour), time.Hour, 10)...)
	paths = append(paths, write("ties.evtx", ties))
	// A record whose TimeCreated is FILETIME 0 (its oldest TimeCreated
	// read is then 1601) in a log whose header times are all later than
	// its TimeCreated: neither bounds the records' times from below.
	late := evtxtest.Noise(t0, time.Hour, 20)
	late = append(late, evtxtest.Noise(evtxtest.NoTime, 0, 1)...)
	late = append(late, evtxtest.Noise(t0.Add(9*24*time.Hour), time.Hour, 20)...)
	for _, ev := range late {
		ev.Written = t0.Add(30 * 24 * time.Hour)
	}
	paths = append(paths, write("late-headers.evtx", late))
	// A clock that jumped to the year 30000: the probe's spans stay
	// bounded (durations saturate past 292 years).
	future := evtxtest.Noise(t0, time.Hour, 20)
	future = append(future, evtxtest.Noise(time.Date(30000, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour, 20)...)
	paths = append(paths, write("year-30000.evtx", future))
	// TimeGapWritten records in the TimeGapMin before the gap, the oldest
	// exactly TimeGapMin before the newest (both ends count).
	edge := evtxtest.Noise(t0, 0, 1)
	edge = append(edge, evtxtest.Noise(t0.Add(TimeGapMin), 0, TimeGapWritten-1)...)
	edge = append(edge, evtxtest.Noise(t0.Add(TimeGapMin+8*24*time.Hour), time.Hour, 30)...)
	paths = append(paths, write("density-edge.evtx", edge))
	return paths
}

type timedRecord struct {
	t        time.Time
	number   uint64
	recordID uint64
}

// TestTimeGapShortcutEqualsPlain: the nearest records on both sides of a
// time, found through the reader's window (an hour on each side, then
// doubling spans, then the records at the two times found), are those a
// read of every record gives (nearestPlain, checked against the records
// listed here), for times at, just before and just after records spread
// over each log, before its oldest and after its newest record, and in
// its largest gap; over every log of testdata/evtx and ../shared/samples,
// the cases and crafted logs with gaps, ties and records without a time.
func TestTimeGapShortcutEqualsPlain(t *testing.T) {
	paths := gapLogs(t)
	seen := map[string]bool{} // testdata/evtx holds copies of the samples
	for _, g := range []string{"../../shared/samples/*.evtx", "../testdata/evtx/*.evtx", "../../shared/cases/*/*.evtx", "../../shared/cases/*/*/*.evtx"} {
		m, _ := filepath.Glob(g)
		for _, p := range m {
			if !seen[filepath.Base(p)] || strings.Contains(p, "cases") {
				paths = append(paths, p)
			}
			seen[filepath.Base(p)] = true
		}
	}
	if len(paths) < 50 {
		t.Fatalf("%d logs", len(paths))
	}
	compared, gaps, plainChecked := 0, 0, 0
	for _, p := range paths {
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatalf("%s: %v", p, err)
		}
		l := logs[0]
		f, err := l.Open(evtx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var recs []timedRecord
		for {
			ev, err := f.Next()
			if err != nil {
				break
			}
			if tt := known(eventTime(ev)); !tt.IsZero() {
				recs = append(recs, timedRecord{tt, ev.RecordID, NewRecordRef(ev).EventRecordID})
			}
		}
		st := f.Stats()
		f.Close()
		if len(recs) == 0 {
			continue
		}
		oldest, newest := timeBounds(st)
		times := make([]time.Time, len(recs))
		for i, r := range recs {
			times[i] = r.t
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		var sinces []time.Time
		for k := 0; k <= 5; k++ {
			x := times[k*(len(times)-1)/5]
			sinces = append(sinces, x, x.Add(-time.Nanosecond), x.Add(time.Nanosecond))
		}
		sinces = append(sinces, times[0].Add(-time.Hour), times[len(times)-1].Add(time.Hour))
		widest := 0
		for i := 1; i < len(times); i++ {
			if times[i].Sub(times[i-1]) > times[widest+1].Sub(times[widest]) || widest+1 >= len(times) {
				widest = i - 1
			}
		}
		if widest+1 < len(times) {
			sinces = append(sinces, times[widest].Add(times[widest+1].Sub(times[widest])/2))
		}
		for i, since := range sinces {
			want := func() (before, after *RecordRef) {
				for _, r := range recs {
					ref := &RecordRef{EventRecordID: r.recordID, RecordNumber: r.number, Time: r.t}
					if r.t.Before(since) {
						if before == nil || r.t.After(before.Time) || r.t.Equal(before.Time) && r.number > before.RecordNumber {
							before = ref
						}
					} else if after == nil || r.t.Before(after.Time) || r.t.Equal(after.Time) && r.number < after.RecordNumber {
						after = ref
					}
				}
				return before, after
			}
			wb, wa := want()
			var plainGap *TimeGap
			if i%5 == 0 { // the plain path itself, on some of the times
				pb, pa, _, _, err := nearestPlain(l, since, evtx.Options{})
				if err != nil || !sameRef(pb, wb) || !sameRef(pa, wa) {
					t.Errorf("%s since %s: nearestPlain gives %v, %v (%v); the records give %v, %v", p, evtx.FormatTime(since), pb, pa, err, wb, wa)
				}
				if plainGap, err = findTimeGap(l, since, oldest, newest, evtx.Options{}, true); err != nil {
					t.Fatal(err)
				}
				plainChecked++
			} else if wb != nil && wa != nil {
				n := 0
				for _, r := range recs {
					if !r.t.Before(wb.Time.Add(-TimeGapMin)) && !r.t.After(wb.Time) {
						n++
					}
				}
				plainGap = newTimeGap(l.Path, since, wb, wa, n)
			}
			bt, at, ok, err := nearestTimes(l, since, oldest, newest, evtx.Options{Workers: 2})
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			compared++
			if ok != (wb != nil && wa != nil) {
				t.Errorf("%s since %s: through the window found=%v; the records give %v, %v", p, evtx.FormatTime(since), ok, wb, wa)
				continue
			}
			if !ok {
				if plainGap != nil {
					t.Errorf("%s since %s: a gap %s without shortcuts", p, evtx.FormatTime(since), plainGap)
				}
				continue
			}
			gb, ga, _, err := recordsAt(l, bt, at, evtx.Options{})
			if err != nil || !sameRef(gb, wb) || !sameRef(ga, wa) {
				t.Errorf("%s since %s: through the window %v, %v (%v); the records give %v, %v", p, evtx.FormatTime(since), gb, ga, err, wb, wa)
			}
			g1, err := findTimeGap(l, since, oldest, newest, evtx.Options{}, false)
			if err != nil || (g1 == nil) != (plainGap == nil) || g1 != nil && g1.String() != plainGap.String() {
				t.Errorf("%s since %s: gap %v (%v) with shortcuts, %v without", p, evtx.FormatTime(since), g1, err, plainGap)
			}
			if g1 != nil {
				gaps++
			}
		}
	}
	t.Logf("%d logs, %d times compared (%d also by a full read), %d gaps", len(paths), compared, plainChecked, gaps)
	if compared < 1000 || gaps < 20 {
		t.Errorf("%d times compared, %d gaps: the comparison proves little", compared, gaps)
	}
}

func sameRef(a, b *RecordRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.EventRecordID == b.EventRecordID && a.RecordNumber == b.RecordNumber && a.Time.Equal(b.Time)
}

// TestTimeGapWarned: a clock that jumped a year ahead for the last
// records (so that the reference time, the last-written record's, is a
// year after the events that preceded it) is reported as a time gap
// across the analysed period with both records and the --at to use; a gap
// of exactly TimeGapMin is, one a second shorter is not, and neither is a
// gap inside the window.
func TestTimeGapWarned(t *testing.T) {
	paths := gapLogs(t)
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		eng, err := NewEngine(rs, Options{NoShortcuts: plain, Timeline: -1})
		if err != nil {
			t.Fatal(err)
		}
		analyze := func(p string, at time.Time) *Result {
			t.Helper()
			logs, err := evtx.Find(p)
			if err != nil {
				t.Fatal(err)
			}
			e := eng
			if !at.IsZero() {
				o := eng.opt
				o.At = at
				e = &Engine{opt: o, rules: eng.rules, timeline: eng.timeline}
			}
			res, err := e.Analyze(logs)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		res := analyze(paths[0], time.Time{})
		if len(res.TimeGaps) != 1 {
			t.Fatalf("plain=%v: jump: %d time gaps, want 1 (warnings %q)", plain, len(res.TimeGaps), res.Warnings)
		}
		g := res.TimeGaps[0]
		if g.Before.EventRecordID != 120 || g.After.EventRecordID != 121 || g.Span() < 365*24*time.Hour {
			t.Errorf("plain=%v: jump: gap %s", plain, g)
		}
		if !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return strings.HasPrefix(w, "time gap in ") && strings.Contains(w, "--at 2024-05-01T10:00:00Z")
		}) {
			t.Errorf("plain=%v: jump: warnings %q", plain, res.Warnings)
		}
		// At the time the log says the clock jumped, the records before
		// are in the window: no gap across it.
		if res := analyze(paths[0], g.Before.Time); len(res.TimeGaps) != 0 {
			t.Errorf("plain=%v: jump --at %s: %v", plain, evtx.FormatTime(g.Before.Time), res.TimeGaps[0])
		}
		// The gaps of exactly a week and a second less, 49 hours after
		// the first record: across the start of the analysed period with
		// a look-back of 7 days and the longest window.
		for i, want := range []int{1, 0} {
			res := analyze(paths[1+i], time.Time{})
			if len(res.TimeGaps) != want {
				t.Errorf("plain=%v: %s: %d time gaps, want %d", plain, filepath.Base(paths[1+i]), len(res.TimeGaps), want)
			}
		}
	}
}

// TestTimeGapMergedCopies: for a log merged from two copies (a shadow
// copy taken before the clock jumped and the current file, as fleet
// merges them), the gap found through the reader's window is the one a
// full read finds, and the one of the current file alone: the older copy
// adds no record, so no second count of the week before.
func TestTimeGapMergedCopies(t *testing.T) {
	t0 := time.Date(2024, 4, 21, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	older := evtxtest.Noise(t0, 2*time.Hour, 120)
	current := append(evtxtest.Noise(t0, 2*time.Hour, 120), evtxtest.Noise(t0.Add(240*time.Hour+365*24*time.Hour), 2*time.Minute, 5)...)
	var ls []*evtx.Log
	for name, evs := range map[string][]*evtx.Event{"shadow": older, "current": current} {
		p := filepath.Join(dir, name, "System.evtx")
		if err := os.Mkdir(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(p, evs, evtxtest.Options{MaxRecordsPerChunk: 16}); err != nil {
			t.Fatal(err)
		}
		logs, err := evtx.Find(p)
		if err != nil || len(logs) != 1 {
			t.Fatal(p, err)
		}
		ls = append(ls, logs[0])
	}
	cur := ls[0]
	if filepath.Base(filepath.Dir(cur.Path)) != "current" {
		cur = ls[1]
	}
	merged := evtx.Merge(ls...)
	gaps := 0
	for _, since := range []time.Time{t0.Add(200 * time.Hour), t0.Add(238 * time.Hour), t0.Add(238*time.Hour + time.Nanosecond), t0.Add(300 * 24 * time.Hour), t0.Add(605 * 24 * time.Hour), t0.Add(-time.Hour)} {
		var got []string
		for _, c := range []struct {
			l     *evtx.Log
			plain bool
		}{{merged, false}, {merged, true}, {cur, false}, {cur, true}} {
			g, err := FindTimeGap(c.l, since, evtx.Options{Workers: 2}, c.plain)
			if err != nil {
				t.Fatal(err)
			}
			s := "none"
			if g != nil {
				s = g.String()
				if c.l == merged {
					// The merged log names each record's copy; the
					// file alone is named once, by its path.
					head := "time gap in " + merged.Path + ": "
					s = strings.TrimPrefix(s, head)
					for _, p := range merged.Parts() {
						s = strings.ReplaceAll(s, " in "+p.Path, "")
					}
					s = "time gap in " + cur.Path + ": " + s
				}
			}
			got = append(got, s)
		}
		if got[0] != "none" {
			gaps++
		}
		for i := 1; i < len(got); i++ {
			if got[i] != got[0] {
				t.Errorf("since %s: merged with shortcuts %q; case %d %q", evtx.FormatTime(since), got[0], i, got[i])
			}
		}
	}
	if gaps != 2 {
		t.Errorf("%d gaps, want 2 (the two times inside the year without records)", gaps)
	}
}

// TestProbeBeyondBound: probe finds the nearest record on its side even
// when the bound it is given (from the reader's Stats) falls short of the
// records' times, as it would for a record whose time the Stats do not
// hold: past the bound it reads every time left on that side.
func TestProbeBeyondBound(t *testing.T) {
	logs, err := evtx.Find(gapLogs(t)[0]) // jump.evtx: a year without records
	if err != nil {
		t.Fatal(err)
	}
	l := logs[0]
	t0 := time.Date(2024, 4, 21, 12, 0, 0, 0, time.UTC)
	before, after := t0.Add(238*time.Hour), t0.Add(240*time.Hour+365*24*time.Hour)
	since := before.Add(100 * 24 * time.Hour) // inside the gap
	got, ok, err := probe(l, since, since.Add(-3*time.Hour), -1, evtx.Options{})
	if err != nil || !ok || !got.Equal(before) {
		t.Errorf("before, bound short of it: %v %v %v, want %v", got, ok, err, before)
	}
	got, ok, err = probe(l, since, since.Add(3*time.Hour), 1, evtx.Options{})
	if err != nil || !ok || !got.Equal(after) {
		t.Errorf("after, bound short of it: %v %v %v, want %v", got, ok, err, after)
	}
}
