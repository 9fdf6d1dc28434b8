package main

import (
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/rules"
)

// FuzzTimeFlags checks the parsers of the time and duration flags
// (--at, --since, --until, --window, --look-back) on any string: they do
// not panic; a time they take reads back the same from its RFC 3339 form,
// and --at takes none before 1980 (evtx.MinUsableTime: taken for a cleared
// or damaged value, and no record of such a time gives "now"); a duration
// they take lies in [0, maxDays days] and reads back the same from its Go
// form (one bound, however the string splits it into days and the rest).
func FuzzTimeFlags(f *testing.F) {
	for _, s := range []string{
		"2024-05-01T12:00:00Z", "2024-05-01t12:00:00.1234567z", "2024-05-01 12:00:00", "2024-05-01",
		"2024-05-01T12:00:00+02:00", "1601-01-01", "0", "0001-01-01T00:00:00Z",
		"7d", "1d12h", "90m", "36500d", "36500d24h", "36499d24h", "876000h", "-1d", "d5h", "1.5h", "9999999999d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, err := parseTime(s); err == nil {
			back, err := parseTime(tm.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(tm) {
				t.Fatalf("parseTime(%q) = %v, which reads back as %v, %v", s, tm, back, err)
			}
		}
		if tm, err := parseAt(s); err == nil && !evtx.UsableTime(tm) {
			t.Fatalf("parseAt(%q) = %v: not a usable time", s, tm)
		}
		if d, err := parseDuration(s); err == nil {
			if d < 0 || d > rules.MaxSpan {
				t.Fatalf("parseDuration(%q) = %v: outside 0 to %d days", s, d, maxDays)
			}
			if back, err := parseDuration(d.String()); err != nil || back != d {
				t.Fatalf("parseDuration(%q) = %v, which reads back as %v, %v", s, d, back, err)
			}
		}
		if w, err := parseDumpWhen(s); err == nil && w.relative && (w.back < 0 || w.back > rules.MaxSpan) {
			t.Fatalf("parseDumpWhen(%q) = %v back: outside 0 to %d days", s, w.back, maxDays)
		}
	})
}
