package rules

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// partialSCMLog writes a System log of intact Schannel 36871 records and
// Service Control Manager 7036 records decoded in part: the name
// EventSourceName, which only the classic SCM template defines (the
// Schannel record before it defines the names the two share), gets a wrong
// hash in every chunk, so the SCM records keep their values but lose their
// names and TimeCreated, and are placed by their record header times. The
// events are written in order; Written sets each one's header time.
func partialSCMLog(t *testing.T, evs []*evtx.Event) string {
	t.Helper()
	return damagedNameLog(t, evs, "EventSourceName")
}

// damagedNameLog writes the events as a System log in a directory of its
// own, every name structure spelling nm given a wrong hash
// (damageNameHash), and returns the directory.
func damagedNameLog(t *testing.T, evs []*evtx.Event, nm string) string {
	t.Helper()
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if damageNameHash(b, nm) == 0 {
		t.Fatalf("no %s name structure to damage", nm)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// damageNameHash gives every name structure of b spelling nm (UTF-16LE) a
// wrong hash, and returns how many it changed: the records of the
// templates naming it are then decoded in part in each chunk where it is
// defined.
func damageNameHash(b []byte, nm string) int {
	name := []byte{}
	for _, r := range nm {
		name = binary.LittleEndian.AppendUint16(name, uint16(r))
	}
	n := 0
	for i := 0; ; {
		j := bytes.Index(b[i:], name)
		if j < 0 {
			break
		}
		at := i + j
		b[at-4] ^= 0x5a // the name structure's hash, before its length
		n++
		i = at + len(name)
	}
	return n
}

// scmAt is a Service Control Manager 7036 of at, written then (its record
// header time): a partialSCMLog decodes it in part.
func scmAt(at time.Time) *evtx.Event {
	ev := evtxtest.SCM7036(at, "Remote Desktop Services", "running", "TermService")
	ev.Written = at
	return ev
}

// schannelAmidSCM is ten days of hourly SCM 7036 up to t0 (240 before it,
// one at it), with 30 Schannel 36871 (ErrorState 10013) half an hour apart
// from 20 hours before t0, each written at its TimeCreated.
func schannelAmidSCM(t0 time.Time) []*evtx.Event {
	var evs []*evtx.Event
	for i := 0; i < 240; i++ {
		evs = append(evs, scmAt(t0.Add(-10*24*time.Hour+time.Duration(i)*time.Hour)))
	}
	for i := 0; i < 30; i++ {
		at := t0.Add(-20*time.Hour + time.Duration(i)*30*time.Minute)
		ev := evtxtest.Schannel36871(at, 10013)
		ev.Written = at
		evs = append(evs, ev)
	}
	return append(evs, scmAt(t0))
}

// TestNearRecordsCountPartialOnesByTheirTime: whether the reference time
// comes from a record far from every other (checkReference's warning,
// which also turns off checkGaps for the log) is judged on the records
// whose time (TimeCreated, else the record header time) lies in the
// analysed period, records decoded in part included, with shortcuts as
// without. With shortcuts, every record decoded in part, and every record
// without a TimeCreated read cheaply, counted as near whatever its time,
// because the reader yields those whatever its window; without, records
// decoded in part did not count at all. So the same log gave a time-gap
// warning with shortcuts and a far-off-reference warning without
// (found by a randomized comparison of Options.NoShortcuts on crafted
// logs with skewed header times and one damaged name).
func TestNearRecordsCountPartialOnesByTheirTime(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	schannels := func(at time.Time, n int) []*evtx.Event {
		var evs []*evtx.Event
		for i := 0; i < n; i++ {
			evs = append(evs, evtxtest.Schannel36871(at.Add(time.Duration(i)*time.Minute), 10013))
		}
		return evs
	}
	// Schannel records 40 days before t0 (the first written: they define
	// the names the two templates share), then the records decoded in
	// part, then the last record with a TimeCreated, at t0, which the
	// reference time comes from (a record header time never stands for
	// it); records decoded in part written after it give way to it.
	const farOff = "no other record of it lies within"
	for _, tc := range []struct {
		name   string
		before []time.Time // header times of records decoded in part written before the reference record
		after  []time.Time // and after it
		farOff bool        // the reference record lies far from every other
		gap    bool        // a time gap is reported across the period's start
	}{
		// Records decoded in part lie near the reference, written after
		// it: it is not isolated, and the log is silent for 40 days
		// before the period.
		{"partial records near the reference", nil, spread(t0.Add(time.Minute), 10), false, true},
		// The records decoded in part lie 30 days before the reference:
		// nothing lies near it.
		{"partial records far from the reference", spread(t0.Add(-30*24*time.Hour), 10), nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := schannels(t0.Add(-40*24*time.Hour), 19)
			for _, w := range tc.before {
				evs = append(evs, scmAt(w))
			}
			evs = append(evs, schannels(t0, 1)...)
			for _, w := range tc.after {
				evs = append(evs, scmAt(w))
			}
			dir := partialSCMLog(t, evs)
			for _, plain := range []bool{false, true} {
				res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
				if n := len(tc.before) + len(tc.after); res.Inputs[0].Stats.Partial != n {
					t.Fatalf("NoShortcuts %v: %d records decoded in part, want %d", plain, res.Inputs[0].Stats.Partial, n)
				}
				if !res.ReferenceTime.Equal(t0) {
					t.Fatalf("NoShortcuts %v: reference %v, want %v (the last record with a TimeCreated)", plain, res.ReferenceTime, t0)
				}
				warned := strings.Contains(strings.Join(res.Warnings, "\n"), farOff)
				if warned != tc.farOff || (len(res.TimeGaps) > 0) != tc.gap {
					t.Errorf("NoShortcuts %v: far-off reference warning %v (want %v), time gaps %v (want one: %v)", plain, warned, tc.farOff, res.TimeGaps, tc.gap)
				}
			}
		})
	}
}

// spread returns n times a minute apart from t.
func spread(t time.Time, n int) []time.Time {
	var out []time.Time
	for i := 0; i < n; i++ {
		out = append(out, t.Add(time.Duration(i)*time.Minute))
	}
	return out
}
