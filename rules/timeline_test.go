package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

func timelineLines(res *Result) []string {
	var out []string
	for _, l := range res.Timeline {
		out = append(out, fmt.Sprintf("%s %s %d %s %d %s", l.Time.Format(time.RFC3339), l.Last.Format(time.RFC3339), l.Count, l.Entry, l.EventRecordID, l.Text))
	}
	return out
}

func TestTimelineOldestFirstAndGrouped(t *testing.T) {
	e := builtinEngine(t, Options{})
	res := analyzePath(t, e, filepath.Join(scenarioDir, "logon-must-change"))
	if len(res.Timeline) == 0 {
		t.Fatal("no timeline")
	}
	inOrder(t, res)
	last := res.Timeline[len(res.Timeline)-1]
	if last.Entry != "rdp-logon-succeeded" || !last.Time.Equal(t0.Add(-time.Minute)) {
		t.Errorf("last line %+v, want the 4624 a minute before the reference time", last)
	}
	var must, wrong bool
	for _, l := range res.Timeline {
		must = must || l.Entry == "rdp-logon-failed" && strings.Contains(l.Text, "SubStatus=0xc0000224")
		wrong = wrong || l.Entry == "rdp-logon-failed" && strings.Contains(l.Text, "SubStatus=0xc000006a")
	}
	if !must || !wrong {
		t.Errorf("failed logons not one line per status: %q", timelineLines(res))
	}

	// 40 failed logons from 8 addresses: one line per address, 5 each.
	res = analyzePath(t, e, filepath.Join(scenarioDir, "brute-4625-burst"))
	n := 0
	for _, l := range res.Timeline {
		if l.Entry == "rdp-logon-failed" {
			n++
			if l.Count != 5 || !l.Last.After(l.Time) {
				t.Errorf("group %+v: want 5 events over a span", l)
			}
		}
	}
	if n != 8 {
		t.Errorf("%d lines of failed logons, want 8 (one per address)", n)
	}
	inOrder(t, res)
}

// inOrder fails unless res's timeline is ordered by the time each line
// shows first (Time, of a group its oldest event's).
func inOrder(t *testing.T, res *Result) {
	t.Helper()
	for i := 1; i < len(res.Timeline); i++ {
		if res.Timeline[i].Time.Before(res.Timeline[i-1].Time) {
			t.Fatalf("timeline not oldest first at %d:\n%s", i, strings.Join(timelineLines(res), "\n"))
		}
	}
}

// TestTimelineGroupOrder: a group spanning 10:00 .. 12:00 comes before a
// single event at 11:00 (it prints 10:00 first), and a bound keeps the
// group, whose last event is the newest, rather than the 11:00 event.
func TestTimelineGroupOrder(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 5, 1, h, 0, 0, 0, time.UTC) }
	lines := func() []*TimelineLine {
		return []*TimelineLine{
			{Entry: "single", Time: at(11), Last: at(11), Count: 1, RecordID: 2},
			{Entry: "group", Time: at(10), Last: at(12), Count: 3, RecordID: 3, grouped: true},
			{Entry: "old", Time: at(9), Last: at(9), Count: 1, RecordID: 1},
		}
	}
	got, dropped := (&timeline{max: 10, lines: lines()}).finish()
	var ids []string
	for _, l := range got {
		ids = append(ids, l.Entry)
	}
	if strings.Join(ids, " ") != "old group single" || dropped != 0 {
		t.Errorf("order %q (dropped %d), want old group single", ids, dropped)
	}
	got, dropped = (&timeline{max: 2, lines: lines()}).finish()
	ids = nil
	for _, l := range got {
		ids = append(ids, l.Entry)
	}
	if strings.Join(ids, " ") != "group single" || dropped != 1 {
		t.Errorf("bound 2 kept %q (dropped %d), want group single, 1 dropped", ids, dropped)
	}
}

func TestTimelineBound(t *testing.T) {
	set := filepath.Join(scenarioDir, "svc-termservice-recovered")
	all := analyzePath(t, builtinEngine(t, Options{Timeline: 1000}), set)
	three := analyzePath(t, builtinEngine(t, Options{Timeline: 3}), set)
	if len(all.Timeline) <= 3 || len(three.Timeline) != 3 {
		t.Fatalf("%d and %d lines", len(all.Timeline), len(three.Timeline))
	}
	a, b := timelineLines(all), timelineLines(three)
	if strings.Join(a[len(a)-3:], "\n") != strings.Join(b, "\n") {
		t.Errorf("--timeline 3 is not the newest 3 lines:\n%s\nvs\n%s", strings.Join(a[len(a)-3:], "\n"), strings.Join(b, "\n"))
	}
	if three.TimelineDropped != len(all.Timeline)-3 {
		t.Errorf("dropped %d, want %d", three.TimelineDropped, len(all.Timeline)-3)
	}
	// The recovery is the newest line: TermService running after 7000.
	if l := b[2]; !strings.Contains(l, "TermService/4") {
		t.Errorf("newest line %q, want TermService running", l)
	}
	if res := analyzePath(t, builtinEngine(t, Options{Timeline: -1}), set); res.Timeline != nil {
		t.Errorf("timeline off: %d lines", len(res.Timeline))
	}
}

// TestTimelineWithoutShortcuts: the timeline is the same when every record
// is decoded and every query evaluated (Options.NoShortcuts), over every
// fixture set and the real samples.
func TestTimelineWithoutShortcuts(t *testing.T) {
	fast := builtinEngine(t, Options{Timeline: 1000})
	plain := builtinEngine(t, Options{Timeline: 1000, NoShortcuts: true})
	paths, _ := filepath.Glob("../testdata/evtx/*.evtx")
	for _, s := range readSets(t) {
		paths = append(paths, s.input)
	}
	for _, p := range paths {
		a := analyzePathOrEmpty(t, fast, p)
		b := analyzePathOrEmpty(t, plain, p)
		if strings.Join(timelineLines(a), "\n") != strings.Join(timelineLines(b), "\n") {
			t.Errorf("%s: timelines differ:\n%s\nvs\n%s", p, strings.Join(timelineLines(a), "\n"), strings.Join(timelineLines(b), "\n"))
		}
	}
}

// analyzePathOrEmpty analyses path; a sample no rule reads gives an empty
// result.
func analyzePathOrEmpty(t *testing.T, e *Engine, path string) *Result {
	t.Helper()
	logs, err := evtx.Find(path)
	if err != nil {
		t.Fatalf("Find(%s): %v", path, err)
	}
	res, err := e.Analyze(logs)
	if err != nil && !errors.Is(err, ErrNoReadableLog) {
		t.Fatalf("Analyze(%s): %v", path, err)
	}
	return res
}

// TestTimelineSessionLogonNeedsAddress: LocalSessionManager logs 21 and 25
// for console sessions too, with the Address "LOCAL" (localized: the real
// fukusuket/evtx-parser sample has "ローカル"); the timeline called them "RDP
// session logon or reconnection". Only a network address is an RDP session.
func TestTimelineSessionLogonNeedsAddress(t *testing.T) {
	dir := t.TempDir()
	sys := evtxtest.Noise(t0.Add(-48*time.Hour), time.Hour, 49)
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	lsm := []*evtx.Event{
		evtxtest.LSM(t0.Add(-5*time.Hour), 21, `VM\alice`, "LOCAL"),
		evtxtest.LSM(t0.Add(-4*time.Hour), 21, `VM\bob`, "ローカル"),
		evtxtest.LSM(t0.Add(-3*time.Hour), 21, `VM\carol`, "198.51.100.7"),
		evtxtest.LSM(t0.Add(-2*time.Hour), 25, `VM\dave`, "2001:db8::7"),
		evtxtest.LSM(t0.Add(-1*time.Hour), 25, `VM\erin`, " 198.51.100.8:50123 "),
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-LocalSessionManager%4Operational.evtx"), lsm, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	res := analyzePath(t, builtinEngine(t, Options{}), dir)
	var got []string
	for _, l := range res.Timeline {
		if l.Entry == "rdp-session-logon" {
			got = append(got, l.Text)
		}
	}
	want := []string{"carol", "dave", "erin"}
	if len(got) != len(want) {
		t.Fatalf("session lines %q, want those of %v (console sessions are not RDP's)", got, want)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("line %d %q, want %s's", i, got[i], w)
		}
	}
}
