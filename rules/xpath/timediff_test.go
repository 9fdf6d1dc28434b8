package xpath

import (
	"fmt"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestTimediffBoundaries: timediff(@SystemTime) at the boundaries of a
// window of N ms (doc.go, "timediff"). [MS-EVEN6] 2.2.15.2 settles the
// sign (an event after the reference time has a negative timediff, not
// its absolute value) and equality (zero when the times are equal); it
// does not say whether the sub-millisecond part of the 100 ns
// difference is kept, truncated or rounded, so a comparison holds when
// it holds for the exact value, its floor or its ceiling: no event
// Windows would select under any of these readings is dropped.
func TestTimediffBoundaries(t *testing.T) {
	const n = 86400000 // the last day, as Consuming Events writes it
	day := n * time.Millisecond
	cases := []struct {
		name string
		at   time.Duration // the event's TimeCreated minus the reference time
		q    string
		want bool
	}{
		// Exactly N ms before the reference time: timediff is N.
		{"exactly N", -day, `<= 86400000`, true},
		{"exactly N", -day, `< 86400000`, false},
		{"exactly N", -day, `= 86400000`, true},
		{"exactly N", -day, `>= 86400000`, true},
		{"exactly N", -day, `> 86400000`, false},
		// N ms + 100 ns before: N.0001 exactly, N truncated or
		// rounded, N+1 when each time is first cut to whole ms
		// (now ending in .0000 ms, the event in .9999).
		{"N ms + 100 ns", -day - 100, `<= 86400000`, true},
		{"N ms + 100 ns", -day - 100, `= 86400000`, true},
		{"N ms + 100 ns", -day - 100, `> 86400000`, true},
		{"N ms + 100 ns", -day - 100, `>= 86400001`, true},
		{"N ms + 100 ns", -day - 100, `< 86400000`, false},
		{"N ms + 100 ns", -day - 100, `> 86400001`, false},
		// N ms − 100 ns before: N − 0.0001, read as N − 1 or N.
		{"N ms - 100 ns", -day + 100, `>= 86400000`, true},
		{"N ms - 100 ns", -day + 100, `< 86400000`, true},
		{"N ms - 100 ns", -day + 100, `<= 86399998`, false},
		// N ms + 1 ms before: N+1 under every reading.
		{"N+1 ms", -day - time.Millisecond, `<= 86400000`, false},
		// At the reference time: 0.
		{"at now", 0, `= 0`, true},
		{"at now", 0, `< 0`, false},
		// After the reference time (a clock ahead): negative, never
		// its absolute value (the subset has no minus sign: "< 0").
		{"1 h ahead", time.Hour, `<= 86400000`, true},
		{"1 h ahead", time.Hour, `< 0`, true},
		{"1 h ahead", time.Hour, `> 86400000`, false},
		{"1 h ahead", time.Hour, `>= 0`, false},
		{"2 days ahead", 2 * day, `<= 86400000`, true},
		// 100 ns after: −0.0001, read as −1 or 0 (truncated toward
		// zero: 0, so >= 0 may select it).
		{"100 ns ahead", 100, `< 0`, true},
		{"100 ns ahead", 100, `>= 0`, true},
		{"100 ns ahead", 100, `= 0`, true},
		{"100 ns ahead", 100, `>= 1`, false},
	}
	for _, c := range cases {
		q := MustCompile(fmt.Sprintf("*[System[TimeCreated[timediff(@SystemTime) %s]]]", c.q))
		ev := schannel36870(refTime.Add(c.at))
		if got := q.Match(ev, refTime); got != c.want {
			t.Errorf("%s: timediff(@SystemTime) %s = %v, want %v", c.name, c.q, got, c.want)
		}
		// The number on the left reads the same.
		q2 := MustCompile(fmt.Sprintf("*[System[TimeCreated[%s timediff(@SystemTime)]]]", flipCmp(c.q)))
		if got := q2.Match(ev, refTime); got != c.want {
			t.Errorf("%s: flipped %s = %v, want %v", c.name, c.q, got, c.want)
		}
		// The reader's window (TimeBounds) never refuses an event Match selects.
		if c.want {
			since, until, ok := q.TimeBounds(refTime)
			tc := ev.System.TimeCreated
			if ok && (!since.IsZero() && tc.Before(since) || !until.IsZero() && tc.After(until)) {
				t.Errorf("%s: %s: TimeBounds [%v, %v] refuses an event Match selects", c.name, c.q, since, until)
			}
		}
	}
}

// flipCmp writes "op N" as "N op'" for the number on the left.
func flipCmp(s string) string {
	var op, num string
	fmt.Sscan(s, &op, &num)
	flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}[op]
	return num + " " + flip
}

// TimediffStart is where TimeCreated[timediff(@SystemTime) <= ms] starts
// to hold, as Match evaluates it, tick by tick around it: for reference
// times on a tick and between ticks, ms of 0, 1 and a day, and near the
// start of FILETIME (a reference time 1 ms after 1601: every time
// holds).
func TestTimediffStart(t *testing.T) {
	const tick = 100 * time.Nanosecond
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	epoch := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, now := range []time.Time{base, base.Add(50 * time.Nanosecond), base.Add(7 * tick), epoch.Add(time.Millisecond), epoch.Add(2*time.Millisecond + tick)} {
		for _, ms := range []int64{0, 1, 86400000} {
			q := MustCompile(fmt.Sprintf("*[System[TimeCreated[timediff(@SystemTime) <= %d]]]", ms))
			start := TimediffStart(now, ms)
			nominal := now.Add(-time.Duration(ms) * time.Millisecond)
			for off := -2 * time.Millisecond; off <= time.Millisecond; off += tick {
				at := nominal.Add(off)
				if at.Before(epoch) {
					continue
				}
				ev := &evtx.Event{System: evtx.System{Provider: evtx.Provider{Name: "P"}, EventID: 1, TimeCreated: at}}
				if got, want := !at.Before(start), q.Match(ev, now); got != want {
					t.Fatalf("now %v, ms %d: %v (nominal%+v) at or after TimediffStart %v: %v; Match %v", now, ms, at, off, start, got, want)
				}
			}
		}
	}
}
