package evtx

import (
	"math"
	"strings"
	"testing"
	"time"
)

// Times past the year 9999 are written with a signed year, never an
// unsigned five-digit one that RFC 3339 readers would take for another
// time or refuse as garbled; the years 0 to 9999 as RFC 3339 writes them.
// TimeToFiletime saturates past the last FILETIME instead of wrapping to
// an early time, and UsableTime accepts exactly 1980-01-01 (no Windows
// clock reads an earlier time: FILETIME 1, say, is a cleared or damaged
// value) to the last 100 ns of the year 9999.
func TestTimesPastYear9999(t *testing.T) {
	for _, c := range []struct {
		t      time.Time
		want   string
		ft     uint64
		usable bool
	}{
		{FiletimeToTime(1), "1601-01-01T00:00:00.0000001Z", 1, false},
		{time.Date(1979, 12, 31, 23, 59, 59, 999999900, time.UTC), "1979-12-31T23:59:59.9999999Z", 119600063999999999, false},
		{time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), "1980-01-01T00:00:00.0000000Z", 119600064000000000, true},
		{FiletimeToTime(0), "1601-01-01T00:00:00.0000000Z", 0, false},
		{time.Time{}, "0001-01-01T00:00:00.0000000Z", 0, false},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC), "9999-12-31T23:59:59.9999999Z", 2650467743999999999, true},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), "9999-12-31T23:59:59.9999999Z", 2650467743999999999, true},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "+10000-01-01T00:00:00.0000000Z", 2650467744000000000, false},
		{FiletimeToTime(1 << 63), "+30828-09-14T02:48:05.4775808Z", 1 << 63, false},
		{FiletimeToTime(math.MaxUint64), "+60056-05-28T05:36:10.9551615Z", math.MaxUint64, false},
		{FiletimeToTime(math.MaxUint64).Add(100), "+60056-05-28T05:36:10.9551616Z", math.MaxUint64, false},
		{time.Date(65535, 12, 31, 23, 59, 59, 999000000, time.UTC), "+65535-12-31T23:59:59.9990000Z", math.MaxUint64, false}, // the last SYSTEMTIME
		{time.Date(0, 0, 0, 0, 0, 0, 0, time.UTC), "-0001-11-30T00:00:00.0000000Z", 0, false},                                // a SYSTEMTIME of zeros
	} {
		if got := FormatTime(c.t); got != c.want {
			t.Errorf("FormatTime(%v) = %s, want %s", c.t, got, c.want)
		}
		if got := TimeToFiletime(c.t); got != c.ft {
			t.Errorf("TimeToFiletime(%s) = %d, want %d", c.want, got, c.ft)
		}
		if got := UsableTime(c.t); got != c.usable {
			t.Errorf("UsableTime(%s) = %v, want %v", c.want, got, c.usable)
		}
	}
	ev := &Event{System: System{TimeCreated: FiletimeToTime(1 << 63), Channel: "System"}}
	if got := string(ev.AppendText(nil, 0)); !strings.Contains(got, "\n  Date: +30828-09-14T02:48:05.477\n") {
		t.Errorf("text:\n%s", got)
	}
}

// Stats of chunks merged (Stats.add) choose the last-written record among
// the records whose TimeCreated is usable, whichever chunk holds the
// others, and keep every time but FILETIME 0 in the span.
func TestStatsLastWrittenUsable(t *testing.T) {
	ok := FiletimeToTime(133500000000000000)
	far := FiletimeToTime(1 << 63)
	var a, b, all Stats
	a.noteRead(7, 1, ok, 7, true)
	b.noteRead(9, 1, far, 9, true) // written last, a damaged time
	all.add(&b)
	all.add(&a)
	if all.LastWrittenID != 7 || !all.LastWrittenCreated.Equal(ok) || !all.LastCreated.Equal(far) || !all.FirstCreated.Equal(ok) {
		t.Errorf("last written %d at %v, span %v to %v; want 7 at %v, span to %v", all.LastWrittenID, all.LastWrittenCreated, all.FirstCreated, all.LastCreated, ok, far)
	}
	var only Stats
	only.add(&b)
	if only.LastWrittenID != 0 || !only.LastWrittenCreated.IsZero() || !only.LastCreated.Equal(far) {
		t.Errorf("a chunk of one far-future record: last written %d at %v, newest %v", only.LastWrittenID, only.LastWrittenCreated, only.LastCreated)
	}
}

// Implausible and FormatEventTime say why a record's time places it
// nowhere, and nothing for a usable time or for no time (the zero time,
// FILETIME 0), which reports say otherwise.
func TestImplausibleTime(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{FiletimeToTime(1), "1601-01-01T00:00:00.0000001Z (implausible: before 1980, taken for a cleared or damaged value)"},
		{time.Unix(0, 0), "1970-01-01T00:00:00.0000000Z (implausible: before 1980, taken for a cleared or damaged value)"},
		{MinUsableTime, "1980-01-01T00:00:00.0000000Z"},
		{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), "2024-05-01T12:00:00.0000000Z"},
		{FiletimeToTime(1 << 63), "+30828-09-14T02:48:05.4775808Z (implausible: after the year 9999, a damaged value)"},
		{FiletimeToTime(0), "1601-01-01T00:00:00.0000000Z"},
		{time.Time{}, "0001-01-01T00:00:00.0000000Z"},
		// A SYSTEMTIME (KindSysTime) reaches before 1601, where no
		// FILETIME does: a damaged value, not FILETIME 0's no time.
		{time.Date(1500, 6, 1, 0, 0, 0, 0, time.UTC), "1500-06-01T00:00:00.0000000Z (implausible: before 1980, taken for a cleared or damaged value)"},
		{FiletimeToTime(0).Add(-time.Second), "1600-12-31T23:59:59.0000000Z (implausible: before 1980, taken for a cleared or damaged value)"},
		{time.Date(0, 0, 0, 0, 0, 0, 0, time.UTC), "-0001-11-30T00:00:00.0000000Z (implausible: before 1980, taken for a cleared or damaged value)"},
	} {
		if UsableTime(c.t) == strings.Contains(c.want, "implausible") && !c.t.IsZero() && !c.t.Equal(FiletimeToTime(0)) {
			t.Errorf("%v: UsableTime %v, but the note says %q", c.t, UsableTime(c.t), c.want)
		}
		if got := FormatEventTime(c.t); got != c.want {
			t.Errorf("FormatEventTime(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}
