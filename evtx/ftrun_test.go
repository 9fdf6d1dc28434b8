package evtx

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestWindowFiletimeRange: a FILETIME lies in ftRange's lo..hi exactly
// when the window contains its time, for windows bounded on one side,
// both or neither, with bounds at, between and around the 100 ns steps of
// FILETIME, before 1601, past FILETIME's last time and empty ones, and
// FILETIMEs at and around the bounds and at random.
func TestWindowFiletimeRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	first, last := FiletimeToTime(0), FiletimeToTime(math.MaxUint64)
	var bounds []time.Time
	for _, ft := range []uint64{0, 1, 2, 116444736000000000, 133500000000000000, math.MaxUint64 - 1, math.MaxUint64} {
		for _, d := range []time.Duration{-101, -100, -99, -1, 0, 1, 99, 100, 101} {
			bounds = append(bounds, FiletimeToTime(ft).Add(d))
		}
	}
	bounds = append(bounds, time.Time{}, first.Add(-time.Hour), last.Add(time.Hour),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("x", 3600)))
	for range 40 {
		bounds = append(bounds, FiletimeToTime(rng.Uint64()).Add(time.Duration(rng.IntN(200)-100)))
	}
	checked, in := 0, 0
	for _, since := range bounds {
		for _, until := range bounds {
			w := newWindow(since, until)
			if !w.active {
				continue
			}
			lo, hi, ok := w.ftRange()
			fts := []uint64{0, 1, math.MaxUint64, math.MaxUint64 - 1, rng.Uint64(), rng.Uint64()}
			for _, b := range []time.Time{since, until} {
				if !b.IsZero() && !b.Before(first) && !b.After(last) {
					f := TimeToFiletime(b)
					fts = append(fts, f-2, f-1, f, f+1, f+2)
				}
			}
			if ok {
				fts = append(fts, lo, hi, lo-1, hi+1, lo+(hi-lo)/2)
			}
			for _, ft := range fts {
				want := w.contains(FiletimeToTime(ft))
				if got := ok && lo <= ft && ft <= hi; got != want {
					t.Fatalf("window %v..%v, FILETIME %d (%v): in lo..hi %d..%d (ok %v) %v, contains %v", since, until, ft, FiletimeToTime(ft), lo, hi, ok, got, want)
				}
				checked++
				if want {
					in++
				}
			}
		}
	}
	if checked < 10000 || in < checked/10 || in > checked*9/10 {
		t.Fatalf("%d FILETIMEs checked, %d in their window: the test proves little", checked, in)
	}
}

// TestFtRunEqualsNoteRead: records noted through ftRun, flushed before
// every other noteRead and at the end (as scanChunk does), leave a Stats
// exactly as noteRead of each in order does, from an empty Stats and from
// one holding earlier records, with repeated record numbers, times and
// exports so that ties decide, TimeCreated of FILETIME 0 (no time) and
// TimeCreated around the end of the year 9999 and past it (in the span,
// not the last-written record's).
func TestFtRunEqualsNoteRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	base := uint64(133500000000000000)
	for trial := range 3000 {
		var plain, runS Stats
		var run ftRun
		n := 1 + rng.IntN(12)
		if trial%3 == 0 {
			// A Stats that already holds records.
			id, tc := uint64(rng.IntN(6)), FiletimeToTime(base+uint64(rng.IntN(5)))
			plain.noteRead(id, 0, tc, id, true)
			runS.noteRead(id, 0, tc, id, true)
		}
		for range n {
			id := uint64(rng.IntN(6))
			hdr := uint64(rng.IntN(2))
			tc := base + uint64(rng.IntN(5))
			switch rng.IntN(6) {
			case 0:
				tc = uint64(rng.IntN(2)) // FILETIME 0 is no time
			case 1:
				// Around the end of the year 9999 and past it: in the span,
				// never the last-written record's time.
				tc = []uint64{maxUsableFT - 1, maxUsableFT, maxUsableFT + 1, 1 << 63, math.MaxUint64}[rng.IntN(5)]
			}
			erid := id + uint64(rng.IntN(2))
			hasID := rng.IntN(3) > 0
			if rng.IntN(4) == 0 {
				// A time read through d.value: noted by noteRead, the run
				// flushed first.
				tm := FiletimeToTime(tc).Add(time.Duration(rng.IntN(3)-1) * 50)
				plain.noteRead(id, hdr, tm, erid, hasID)
				run.flush(&runS)
				runS.noteRead(id, hdr, tm, erid, hasID)
				continue
			}
			plain.noteRead(id, hdr, FiletimeToTime(tc), erid, hasID)
			run.note(id, hdr, tc, erid, hasID)
		}
		run.flush(&runS)
		if runS != plain {
			t.Fatalf("trial %d: through ftRun %+v, noteRead in order %+v", trial, runS, plain)
		}
	}
}
