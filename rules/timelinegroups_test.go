package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestTimelineManyGroupsKeepsTheNewest: failed logons from more addresses
// than the timeline keeps groups of while reading (maxTimelineGroups)
// once gave the lines of the first 4,096 addresses, the oldest, and
// counted the newer events as "older events before these left out". The
// lines are now the newest (the last 50 events, each from its own
// address), the rest are counted left out, and a group whose address
// comes back after its older events were set aside says that its earlier
// events are among those left out. With shortcuts as without.
func TestTimelineManyGroupsKeepsTheNewest(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	n := maxTimelineGroups + 1000
	var evs []*evtx.Event
	for i := range n {
		ip := fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
		if i == n-1 {
			ip = "10.0.0.0" // the first event's address again
		}
		evs = append(evs, evtxtest.Security4625(t0.Add(-time.Duration(n-1-i)*10*time.Second), "admin", ip, 0xC000006D, 0xC000006A, 10))
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	var lines [2]string
	for i, plain := range []bool{false, true} {
		res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain}), dir)
		if len(res.Timeline) != DefaultTimeline || res.TimelineDropped != n-DefaultTimeline {
			t.Fatalf("NoShortcuts %v: %d lines, %d left out; want %d and %d", plain, len(res.Timeline), res.TimelineDropped, DefaultTimeline, n-DefaultTimeline)
		}
		for j, l := range res.Timeline {
			if want := uint64(n - DefaultTimeline + 1 + j); l.EventRecordID != want || l.Count != 1 {
				t.Fatalf("NoShortcuts %v: line %d: EventRecordID %d, %d events; want the newest, EventRecordID %d", plain, j, l.EventRecordID, l.Count, want)
			}
		}
		last := res.Timeline[len(res.Timeline)-1]
		if !strings.Contains(last.Text, "IpAddress=10.0.0.0") || !strings.Contains(last.Text, "earlier events like these are among those left out") {
			t.Errorf("NoShortcuts %v: the newest line, of an address whose first event was set aside: %q", plain, last.Text)
		}
		if first := res.Timeline[0]; strings.Contains(first.Text, "left out") {
			t.Errorf("NoShortcuts %v: a line of an address seen once says events were left out: %q", plain, first.Text)
		}
		lines[i] = strings.Join(timelineLines(res), "\n")
	}
	if lines[0] != lines[1] {
		t.Errorf("timelines differ with and without shortcuts:\n%s\nvs\n%s", lines[0], lines[1])
	}
}

// TestTimelineCutGroupsSaid: the groups set aside while reading (past
// maxTimelineGroups) are counted apart (Result.TimelineCut), so that the
// report can say what --timeline N cannot bring back. Of failed logons
// from maxTimelineGroups+1000 addresses, one event each, the first 2,048
// groups are set aside when the 4,097th address comes: with a timeline of
// more lines than events, every other event is shown and those 2,048
// alone are left out, all of them in TimelineCut.
func TestTimelineCutGroupsSaid(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	n := maxTimelineGroups + 1000
	var evs []*evtx.Event
	for i := range n {
		ip := fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
		evs = append(evs, evtxtest.Security4625(t0.Add(-time.Duration(n-1-i)*10*time.Second), "admin", ip, 0xC000006D, 0xC000006A, 10))
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	const cut = maxTimelineGroups / 2
	for _, lines := range []int{0, 2 * n} { // the default, and more lines than events
		for _, plain := range []bool{false, true} {
			res := analyzePath(t, builtinEngine(t, Options{NoShortcuts: plain, Timeline: lines}), dir)
			want := []TimelineCut{{Entry: "rdp-logon-failed", Channel: "Security", XPath: res.TimelineCut[0].XPath, Events: cut, Groups: cut}}
			if len(res.TimelineCut) != 1 || res.TimelineCut[0] != want[0] || !strings.Contains(want[0].XPath, "EventID=4625") {
				t.Fatalf("timeline %d, NoShortcuts %v: cut %+v, want %+v", lines, plain, res.TimelineCut, want)
			}
			if lines != 0 && (res.TimelineDropped != cut || len(res.Timeline) != n-cut) {
				t.Errorf("timeline %d, NoShortcuts %v: %d lines, %d left out; want %d and the %d cut alone", lines, plain, len(res.Timeline), res.TimelineDropped, n-cut, cut)
			}
			if lines == 0 && res.TimelineDropped != n-DefaultTimeline {
				t.Errorf("NoShortcuts %v: %d left out, want %d", plain, res.TimelineDropped, n-DefaultTimeline)
			}
		}
	}
}
