package rules

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// partialBurstRule counts Schannel 36871 in the System log: 5 within 10
// minutes (with distinct_count, from that many distinct Type values).
func partialBurstRule(distinct int) string {
	th := "{count: 5, within: 10m, counts: TLS failures}"
	if distinct > 0 {
		th = "{count: 5, within: 10m, distinct: {data: Type}, distinct_count: " + strconv.Itoa(distinct) + ", counts: TLS failures, distinct_names: types}"
	}
	return `id: my-tls-burst
title: many TLS failures
severity: warning
cause: a burst
queries:
  - id: burst
    channel: System
    xpath: "Event[System[Provider[@Name='Schannel'] and EventID=36871]]"
    threshold: ` + th + `
resolution:
  - {id: s, title: Look, text: look at it, source: test}
`
}

// TestThresholdPartialRecords: a threshold query's matches below its
// threshold, beside records decoded in part whose provider and event id
// are the query's (their event data unreadable: the name of their
// EventData template's field is damaged), leave the rule not checked,
// naming those records, when counting them as matches (each with a value
// of its own) would reach the threshold within one span; detected when
// the matches read in full reach it alone; not detected, with the records
// named in a caveat, when even with them no span reaches it (too few, too
// far apart, or too few distinct values). Shortcuts on and off alike.
func TestThresholdPartialRecords(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	burst := t0.Add(-2 * time.Hour)
	full := func(at time.Time, typ string) *evtx.Event {
		ev := evtxtest.Schannel36871(at, 10013)
		ev.EventData[0].Value = evtx.StringValue(typ)
		ev.Written = at
		return ev
	}
	// A 36871 whose second field is named Kaputt: its template is its
	// own, and damaging that name leaves it alone decoded in part.
	part := func(at time.Time) *evtx.Event {
		ev := evtxtest.Schannel36871(at, 10013)
		ev.EventData[1].Name = "Kaputt"
		ev.Written = at
		return ev
	}
	for _, tc := range []struct {
		name     string
		distinct int
		full     int           // 36871 read in full, a minute apart from burst
		types    int           // distinct Type values among them
		partAt   time.Duration // the record decoded in part, after burst
		verdict  Verdict
	}{
		{"4 and 1 in part reach 5", 0, 4, 1, 30 * time.Second, NotChecked},
		{"5 read reach 5", 0, 5, 1, 30 * time.Second, Detected},
		{"3 and 1 in part stay below", 0, 3, 1, 30 * time.Second, NotDetected},
		{"4 and 1 in part an hour away", 0, 4, 1, time.Hour, NotDetected},
		{"4 of 1 type and 1 in part could be 2 types", 2, 4, 1, 30 * time.Second, NotChecked},
		{"4 of 1 type and 1 in part cannot be 3 types", 3, 4, 1, 30 * time.Second, NotDetected},
		{"5 of 2 types read", 2, 5, 2, 30 * time.Second, Detected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var evs []*evtx.Event
			for i := 0; i < 240; i++ {
				evs = append(evs, scmAt(t0.Add(-10*24*time.Hour+time.Duration(i)*time.Hour)))
			}
			for i := 0; i < tc.full; i++ {
				evs = append(evs, full(burst.Add(time.Duration(i)*time.Minute), []string{"server", "client"}[i%tc.types]))
			}
			evs = append(evs, part(burst.Add(tc.partAt)), scmAt(t0))
			evs = sorted(evs)
			var partID uint64
			for i, ev := range evs {
				if len(ev.EventData) == 2 && ev.EventData[1].Name == "Kaputt" {
					partID = uint64(i + 1)
				}
			}
			dir := damagedNameLog(t, evs, "Kaputt")
			rdir := t.TempDir()
			if err := os.WriteFile(filepath.Join(rdir, "r.yaml"), []byte(partialBurstRule(tc.distinct)), 0o644); err != nil {
				t.Fatal(err)
			}
			rs, err := LoadDir(rdir)
			if err != nil {
				t.Fatal(err)
			}
			for _, plain := range []bool{false, true} {
				e, err := NewEngine(rs, Options{NoShortcuts: plain})
				if err != nil {
					t.Fatal(err)
				}
				res := analyzePath(t, e, dir)
				f := res.Findings[0]
				if f.Verdict != tc.verdict {
					t.Fatalf("NoShortcuts %v: %s (%s; caveats %q), want %s", plain, f.Verdict, f.Why, f.Caveats, tc.verdict)
				}
				name := "EventRecordID " + strconv.FormatUint(partID, 10)
				switch tc.verdict {
				case NotChecked:
					if !strings.Contains(f.Why, name) || !strings.Contains(f.Why, "decoded in part") || !strings.Contains(f.Why, "cannot be told") {
						t.Errorf("NoShortcuts %v: why %q does not name the record decoded in part (%s)", plain, f.Why, name)
					}
				case NotDetected:
					if !strings.Contains(strings.Join(f.Caveats, "\n"), name) {
						t.Errorf("NoShortcuts %v: caveats %q do not name the record decoded in part (%s)", plain, f.Caveats, name)
					}
				}
			}
		})
	}
}
