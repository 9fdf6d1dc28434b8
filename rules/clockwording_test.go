package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/rules"
)

// TestClockJumpWording: the warning about records whose TimeCreated lies
// after that of the log's last-written record said "the machine's clock
// ran ahead and was set back, or these times are wrong" whatever the
// records were. It now says what the records show, and a cause only
// where they show it: one run of consecutive records a day ahead (what a
// clock that ran ahead and was set back leaves), one far-future record
// alone, three scattered ones with normal records among them, and records
// of another computer than the last-written record's. Each System log of
// 100 records an hour apart (evtxtest.Noise) is read with the shortcuts
// and without (the same words), through FindClockJump and Analyze (its
// warning is the same).
func TestClockJumpWording(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name   string
		change func(evs []*evtx.Event) // evs[i] is EventRecordID i+1
		want   []string
		not    []string
	}{
		{"a run of consecutive records a day ahead", func(evs []*evtx.Event) {
			for i := 39; i < 49; i++ {
				evs[i].System.TimeCreated = evs[i].System.TimeCreated.Add(100*time.Hour + day)
			}
		}, []string{"10 records (from EventRecordID 40 on)", "they are consecutive records (EventRecordIDs 40 to 49), and the records written after them are back at earlier times: as when the machine's clock ran ahead while they were written and was set back after them, unless their own times are wrong"},
			[]string{"only such record", "not consecutive", "another computer"}},
		{"one far-future record", func(evs []*evtx.Event) {
			evs[49].System.TimeCreated = evs[49].System.TimeCreated.Add(2 * 365 * day)
		}, []string{"1 record (EventRecordID 50) has", "it is the only such record: its own TimeCreated is far off (a damaged or forged time), or it alone was written while the clock ran ahead; the log does not tell which"},
			[]string{"was set back after", "consecutive", "another computer"}},
		// A time after the year 9999 is no clock's (evtx.UsableTime): the
		// record's own time is damaged, not one of a clock run ahead.
		{"one record of the year 30828", func(evs []*evtx.Event) {
			evs[49].System.TimeCreated = time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)
		}, []string{"1 record (EventRecordID 50) has", "(implausible: after the year 9999, a damaged value)", "the time of EventRecordID 50 is a damaged value, not one a clock ran ahead to"},
			[]string{"written while the clock ran ahead", "consecutive", "another computer"}},
		{"a run a day ahead ending in the year 30828", func(evs []*evtx.Event) {
			for i := 39; i < 48; i++ {
				evs[i].System.TimeCreated = evs[i].System.TimeCreated.Add(100*time.Hour + day)
			}
			evs[48].System.TimeCreated = time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC)
		}, []string{"10 records (from EventRecordID 40 on)", "the time of EventRecordID 49 is a damaged value, not one a clock ran ahead to; they are consecutive records (EventRecordIDs 40 to 49)"},
			[]string{"only such record", "another computer"}},
		{"three scattered records", func(evs []*evtx.Event) {
			for _, i := range []int{19, 49, 79} {
				evs[i].System.TimeCreated = evs[i].System.TimeCreated.Add(2 * 365 * day)
			}
		}, []string{"3 records (from EventRecordID 20 on)", "they are not consecutive: 58 records of EventRecordIDs 20 to 80, among them, are not (their times earlier, or not in the log); each of them has a time far off (damaged or forged), or the clock jumped more than once, which the log does not tell apart"},
			[]string{"was set back after", "only such record", "another computer"}},
		{"records of another computer a day ahead", func(evs []*evtx.Event) {
			for i := 39; i < 49; i++ {
				evs[i].System.Computer = "VM2"
				evs[i].System.TimeCreated = evs[i].System.TimeCreated.Add(100*time.Hour + day)
			}
		}, []string{"10 records (from EventRecordID 40 on)", "they are all of another computer (VM2) than the last-written record (" + evtxtest.DefaultComputer + "): a computer's records carry its own clock's times"},
			[]string{"was set back after", "only such record", "not consecutive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := evtxtest.Noise(t0, time.Hour, 100)
			tc.change(evs)
			dir := writeSystem(t, evs)
			logs, err := evtx.Find(dir)
			if err != nil || len(logs) != 1 {
				t.Fatalf("Find: %v, %d logs", err, len(logs))
			}
			var words []string
			for _, plain := range []bool{false, true} {
				last, err := rules.LastWritten(logs[0], evtx.Options{}, plain)
				if err != nil || last == nil || last.System.EventRecordID != 100 {
					t.Fatalf("plain %v: last-written record %v, %v; want EventRecordID 100", plain, last, err)
				}
				j, err := rules.FindClockJump(logs[0], last, evtx.Options{}, plain)
				if err != nil || j == nil {
					t.Fatalf("plain %v: no clock jump (%v)", plain, err)
				}
				words = append(words, j.String())
			}
			if words[0] != words[1] {
				t.Errorf("with shortcuts and without, the words differ:\n%s\n%s", words[0], words[1])
			}
			w := words[0]
			for _, s := range tc.want {
				if !strings.Contains(w, s) {
					t.Errorf("%s\ndoes not say %q", w, s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(w, s) {
					t.Errorf("%s\nsays %q", w, s)
				}
			}
			if strings.Contains(w, "ran ahead and was set back, or these times are wrong") {
				t.Errorf("%s\nstill guesses the cause", w)
			}
			// Analyze's warning is FindClockJump's.
			res := analyzeDir(t, dir, false)
			found := false
			for _, x := range res.Warnings {
				found = found || strings.Contains(x, w[strings.Index(w, ": ")+2:])
			}
			if !found {
				t.Errorf("no warning of Analyze says %q; warnings: %q", w, res.Warnings)
			}
		})
	}
}
