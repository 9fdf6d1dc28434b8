package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// TestTimelineSaysUntimedEvents: Remote Desktop service state changes
// (a timeline entry) whose records have no TimeCreated are on no line,
// whatever their record header time; they were dropped without a word
// (the timeline ended at the last timed event and nothing said that
// events of its kinds had been left out). Now Result.TimelineUntimed
// counts them all, apart from TimelineDropped, and
// TimelineUntimedEvents names the MaxTimelineUntimed last written (the
// highest record numbers), last written first, with and without the
// reader's shortcuts and whatever the bound on the lines.
func TestTimelineSaysUntimedEvents(t *testing.T) {
	dir := t.TempDir()
	evs := evtxtest.Noise(t0.Add(-48*time.Hour), 10*time.Minute, 288)
	// Noise cycles five services; the third is TermService. Those of
	// the last 100 records lose their TimeCreated: 20 events.
	untimed := func(i int, _ *evtx.Event) bool { return i >= 188 && i%5 == 2 }
	var want []uint64
	for i := len(evs) - 1; i >= 0; i-- {
		if untimed(i, nil) {
			want = append(want, uint64(i+1))
		}
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evs, evtxtest.Options{NoTimeCreated: untimed}); err != nil {
		t.Fatal(err)
	}
	total := -1 // events on lines and dropped: the same whatever the bound
	for _, o := range []Options{{}, {NoShortcuts: true}, {Timeline: 2}} {
		res := analyzePath(t, builtinEngine(t, o), dir)
		n := res.TimelineDropped
		for _, l := range res.Timeline {
			n += l.Count
		}
		if total < 0 {
			total = n
		} else if n != total {
			t.Errorf("%+v: %d events on lines and dropped, want %d", o, n, total)
		}
		if res.TimelineUntimed != len(want) {
			t.Errorf("%+v: TimelineUntimed %d, want %d", o, res.TimelineUntimed, len(want))
		}
		var got []uint64
		for _, r := range res.TimelineUntimedEvents {
			got = append(got, r.EventRecordID)
			if r.Query != "rdp-service-state" || !r.Time.IsZero() || r.Written.IsZero() || r.File == "" {
				t.Errorf("%+v: untimed event %+v: want entry rdp-service-state, no time, a header time, a file", o, r)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want[:MaxTimelineUntimed]) {
			t.Errorf("%+v: untimed events %v, want %v", o, got, want[:MaxTimelineUntimed])
		}
		for _, l := range res.Timeline {
			if l.EventRecordID > 188 && l.Entry == "rdp-service-state" && (l.EventRecordID-1)%5 == 2 {
				t.Errorf("%+v: line for an event without a TimeCreated: %+v", o, l)
			}
		}
		if o.Timeline == 2 && (len(res.Timeline) != 2 || res.TimelineDropped == 0) {
			t.Errorf("bound 2: %d lines, %d dropped", len(res.Timeline), res.TimelineDropped)
		}
	}
}

// TestTimelineGroupsClientAddresses: the timeline's groups of failed
// logons compared client addresses as text, so that one client written
// two ways (4625's IpAddress ::ffff:10.0.0.5 and 10.0.0.5; 2001:db8::1 and
// 2001:DB8:0:0::1; RdpCoreTS 140's IPString with and without a port) was
// two lines. Now an entry's address fields group as ClientAddress reads
// them; a line whose events wrote the address one way shows it as
// written, and one whose events wrote it several ways shows the address
// and how it was written, whatever the order of the events.
func TestTimelineGroupsClientAddresses(t *testing.T) {
	const rdpcore = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
	at := func(i int) time.Time { return t0.Add(-time.Hour + time.Duration(i)*time.Minute) }
	for _, flip := range []bool{false, true} {
		spell := func(i int, a, b string) string {
			if (i%2 == 0) != flip {
				return a
			}
			return b
		}
		var sec, core []*evtx.Event
		for i := range 6 {
			sec = append(sec,
				evtxtest.Security4625(at(i), "administrator", spell(i, "::ffff:10.0.0.5", "10.0.0.5"), 0xC000006D, 0xC000006A, 10),
				evtxtest.Security4625(at(i), "administrator", spell(i, "2001:db8::1", "2001:DB8:0:0::1"), 0xC000006D, 0xC000006A, 10),
				evtxtest.Security4625(at(i), "administrator", "-", 0xC000006D, 0xC000006A, 3),
				evtxtest.Security4625(at(i), "administrator", "10.0.0.9", 0xC000006D, 0xC000006A, 10))
			core = append(core, evtxtest.RdpCoreTS140(at(i), spell(i, "192.0.2.7", "[::ffff:192.0.2.7]:50123")),
				evtxtest.RdpCoreTS140(at(i), fmt.Sprintf("[2001:db8::9]:%d", 50005-i)))
		}
		dir := t.TempDir()
		writeLogs(t, dir, map[string][]*evtx.Event{
			"System.evtx":   evtxtest.Noise(t0.Add(-48*time.Hour), time.Hour, 49),
			"Security.evtx": sec,
			rdpcore:         core,
		})
		res := analyzePath(t, builtinEngine(t, Options{}), dir)
		got := map[string]int{}
		for _, l := range res.Timeline {
			if l.Entry == "rdp-logon-failed" || l.Entry == "rdp-connection-failed" {
				got[l.Text] += l.Count
			}
		}
		want := map[string]int{
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=10.0.0.5 written as 10.0.0.5 and ::ffff:10.0.0.5, LogonType=10)":                       6,
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=2001:db8::1 written as 2001:DB8:0:0::1 and 2001:db8::1, LogonType=10)":                 6,
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=-, LogonType=3)":                                                                       6,
			"failed RDP or network logons (Status=0xc000006d, SubStatus=0xc000006a, IpAddress=10.0.0.9, LogonType=10)":                                                               6,
			"RDP connections failed on a wrong user name or password (IPString=192.0.2.7 written as 192.0.2.7 and [::ffff:192.0.2.7]:50123)":                                         6,
			"RDP connections failed on a wrong user name or password (IPString=2001:db8::9 written as [2001:db8::9]:50000, [2001:db8::9]:50001, [2001:db8::9]:50002 and other ways)": 6,
		}
		if !cmp.Equal(got, want) {
			t.Errorf("flip %v: lines (-want +got):\n%s", flip, cmp.Diff(want, got))
		}
	}
}

// TestParseTimelineAddresses: an entry's addresses must be among its
// group_by fields (they say how those are compared).
func TestParseTimelineAddresses(t *testing.T) {
	const head = "- id: x\n  channel: Security\n  xpath: \"Event[System[EventID=4625]]\"\n  says: x\n  group_by: [IpAddress]\n"
	if _, err := ParseTimeline("t.yaml", []byte(head+"  addresses: [IpAddress]\n")); err != nil {
		t.Errorf("addresses among group_by: %v", err)
	}
	_, err := ParseTimeline("t.yaml", []byte(head+"  addresses: [IPString]\n"))
	if err == nil || !strings.Contains(err.Error(), `addresses: "IPString" is not a group_by field`) || !strings.Contains(err.Error(), "t.yaml") {
		t.Errorf("addresses outside group_by: error %v", err)
	}
}
