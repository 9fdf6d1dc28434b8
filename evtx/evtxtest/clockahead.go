package evtxtest

import (
	"path/filepath"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// WriteClockAheadEnd writes into dir the System.evtx and Security.evtx of
// a machine whose clock ran a year ahead for three hours and was set back:
// System holds three records of that year-ahead time among its own
// (written before its last-written record, at systemLast, and its Schannel
// 36871 an hour before, at failure); Security, which nothing was written
// to after the correction, ends with three logons of that time. Security's
// last-written record is a year "later" than System's, but was written
// before it. The tests of the reference time in rules and in the CLI read
// it.
func WriteClockAheadEnd(dir string) (failure, systemLast time.Time, err error) {
	t0 := time.Date(2024, 4, 20, 0, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	var sys []*evtx.Event
	sys = append(sys, Noise(t0, time.Hour, 100)...)
	sys = append(sys, Noise(t0.Add(100*time.Hour+year), time.Hour, 3)...) // the clock ahead
	sys = append(sys, Noise(t0.Add(103*time.Hour), time.Hour, 140)...)    // set back
	failure = t0.Add(242 * time.Hour)
	sys = append(sys, Schannel36871(failure, 10013))
	systemLast = t0.Add(243 * time.Hour)
	sys = append(sys, Noise(systemLast, time.Hour, 1)...)
	var sec []*evtx.Event
	for i := 0; i < 103; i++ {
		at := t0.Add(time.Duration(i) * time.Hour)
		if i >= 100 {
			at = at.Add(year)
		}
		sec = append(sec, Security4624(at, "alice", "10.0.0.5", 10))
	}
	for name, evs := range map[string][]*evtx.Event{"System.evtx": sys, "Security.evtx": sec} {
		if err := WriteFile(filepath.Join(dir, name), evs, Options{}); err != nil {
			return failure, systemLast, err
		}
	}
	return failure, systemLast, nil
}
