package xpath

import (
	"fmt"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestNoEventID: queries whose EventID conditions no 16-bit event id
// satisfies are told apart from those some id satisfies, with the offset
// of the condition that leaves none.
func TestNoEventID(t *testing.T) {
	for _, c := range []struct {
		q    string
		none bool
		off  int
	}{
		{"*[System[EventID=1036]]", false, 0},
		{"*[System[EventID='1036']]", false, 0},
		{"*[System[EventID=1036.0]]", false, 0},
		{"*[System[EventID=65535]]", false, 0},
		{"*[System[EventID=0]]", false, 0},
		{"*[System[EventID<=1036 and EventID>=1036]]", false, 0},
		{"*[System[EventID!=1036]]", false, 0},
		{"*[System[(EventID=1036 or EventID=70000)]]", false, 0},
		{"*[System[EventID=1036 or Level=2]] and *[System[EventID=1037]]", false, 0},
		{"*[System[EventID=1036]] or *[System[EventID=70000]]", false, 0},
		{"*[System[Level=70000]]", false, 0},
		{"*[System[EventID>'70000']]", false, 0}, // a string with < or >: not read
		{"*[System/EventID=1036 and System[EventID=1036]]", false, 0},
		{"*[EventData[Data[@Name='EventID']=70000]]", false, 0},
		{"*", false, 0},

		{"*[System[EventID=70000]]", true, 16},
		{"*[System[EventID=65536]]", true, 16},
		{"*[System[EventID=1036.5]]", true, 16},
		{"*[System[EventID=18446744073709551617]]", true, 16},
		{"*[System[EventID='abc']]", true, 16},
		{"*[System[EventID='01036']]", true, 16},
		{"*[System[EventID=' 1036']]", true, 16},
		{"*[System[EventID>65535]]", true, 16},
		{"*[System[EventID<0]]", true, 16},
		{"*[System[70000=EventID]]", true, 14},
		{"*[System[EventID=1036 and EventID=1037]]", true, 33},
		{"*[System/EventID=1036 and System[EventID=1037]]", true, 40},
		{"*[System[EventID=1036]] and *[System[EventID=1037]]", true, 44},
		{"*[System[(EventID=1036 or EventID=1037) and EventID=1038]]", true, 51},
		{"*[System[(EventID=70000 or EventID=65536)]]", true, 10},
		{"*[System[EventID<1036 and EventID>1035]]", true, 33},
	} {
		q, err := Compile(c.q)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		off, none := q.NoEventID()
		if none != c.none || (none && off != c.off) {
			t.Errorf("%s: NoEventID() = %d, %v; want %d, %v", c.q, off, none, c.off, c.none)
		}
	}
}

// TestNoEventIDAgreesWithMatch: over the samples' events, queries built
// on an event id a sample event has are never said to match none (and
// match the event), and queries said to match none match no event. The
// queries read System/EventID alone, so a few events of each id (4)
// stand for every event of it.
func TestNoEventIDAgreesWithMatch(t *testing.T) {
	var events []*evtx.Event
	kept := map[uint16]int{}
	for _, ev := range allSampleEvents(t) {
		if kept[ev.System.EventID] < 4 {
			kept[ev.System.EventID]++
			events = append(events, ev)
		}
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	some := func(id uint16) []string {
		return []string{
			fmt.Sprintf("*[System[EventID=%d]]", id),
			fmt.Sprintf("*[System[EventID='%d']]", id),
			fmt.Sprintf("*[System[EventID>=%d and EventID<=%d]]", id, id),
			fmt.Sprintf("*[System[EventID!=%d]] or *[System[EventID=%d]]", id+1, id),
			fmt.Sprintf("*[System[(EventID=%d or EventID=70000) and EventID<%d.5]]", id, id),
		}
	}
	none := func(id uint16) []string {
		return []string{
			fmt.Sprintf("*[System[EventID=%d and EventID=%d]]", id, uint32(id)+1),
			fmt.Sprintf("*[System[EventID=%d.5]]", id),
			fmt.Sprintf("*[System[EventID=%d]]", uint32(id)+65536),
			fmt.Sprintf("*[System[EventID='0%d']]", id),
			fmt.Sprintf("*[System[EventID>%d and EventID<%d]]", id, uint32(id)+1),
		}
	}
	seen := map[uint16]bool{}
	for _, ev := range events {
		id := ev.System.EventID
		if seen[id] {
			continue
		}
		seen[id] = true
		for _, s := range some(id) {
			q := MustCompile(s)
			if _, n := q.NoEventID(); n {
				t.Errorf("%s: NoEventID says none", s)
			}
			if !q.Match(ev, now) {
				t.Errorf("%s does not match an event of id %d", s, id)
			}
		}
		for _, s := range none(id) {
			q := MustCompile(s)
			if _, n := q.NoEventID(); !n {
				t.Errorf("%s: NoEventID says some", s)
			}
			for _, e := range events {
				if q.Match(e, now) {
					t.Fatalf("%s: said to match none, matches event %d of %s", s, e.System.EventRecordID, e.Source.File)
				}
			}
		}
	}
	if len(seen) < 50 {
		t.Errorf("%d event ids in the samples", len(seen))
	}
}
