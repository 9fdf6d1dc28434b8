package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// The timeline's events without a TimeCreated are said, not dropped: two
// Remote Desktop service state changes whose records have no TimeCreated
// (EventRecordIDs 48 and 43). Before, the text report's timeline ended at
// the last timed event and said nothing of them; now text and Markdown
// say "2 events of the timeline's kinds have no TimeCreated and are not
// placed in it" and name both, and JSON counts them in timeline_untimed
// and gives them, last written first, in timeline_untimed_events. One
// such event alone, with the timeline otherwise empty, is said in the
// singular and the empty timeline says none has a TimeCreated.
func TestTimelineUntimedSaid(t *testing.T) {
	for _, c := range []struct {
		name    string
		untimed func(i int, ev *evtx.Event) bool
		ids     []uint64
		text    []string
	}{
		{"two", func(i int, _ *evtx.Event) bool { return i == 42 || i == 47 }, []uint64{48, 43},
			[]string{"2 events of the timeline's kinds have no TimeCreated and are not placed in it",
				"EventRecordID 48 (Service Control Manager 7036), EventRecordID 43 (Service Control Manager 7036)"}},
		{"one, no other", func(i int, ev *evtx.Event) bool { return i == 47 }, []uint64{48},
			[]string{"1 event of the timeline's kinds has no TimeCreated and is not placed in it",
				"EventRecordID 48 (Service Control Manager 7036)", "no RDP-relevant event with a TimeCreated around the reference time"}},
	} {
		evs, _ := untimedNoise()
		if c.name != "two" {
			// Only record 48 is a TermService event: the others are
			// of services the timeline does not show.
			for i, ev := range evs {
				if i != 47 && i%5 == 2 {
					ev.EventData[0].Value = evtx.StringValue("Windows Update")
					ev.Binary = nil
				}
			}
		}
		r, back := untimedReport(t, evs, c.untimed)
		for _, f := range []Format{FormatText, FormatMarkdown} {
			var b bytes.Buffer
			if err := Write(&b, r, f); err != nil {
				t.Fatal(err)
			}
			out := strings.Join(strings.Fields(b.String()), " ") // unwrapped
			for _, want := range c.text {
				if f == FormatMarkdown {
					want = strings.Replace(want, "no RDP", "No RDP", 1)
				}
				if !strings.Contains(out, want) {
					t.Errorf("%s, format %v: lacks %q:\n%s", c.name, f, want, b.String())
				}
			}
		}
		if back.TimelineUntimed != len(c.ids) || len(back.TimelineUntimedEvents) != len(c.ids) {
			t.Fatalf("%s: timeline_untimed %d, %d events; want %d", c.name, back.TimelineUntimed, len(back.TimelineUntimedEvents), len(c.ids))
		}
		for i, e := range back.TimelineUntimedEvents {
			if e.EventRecordID != c.ids[i] || e.Time != "" || e.Written == "" || e.Query != "rdp-service-state" {
				t.Errorf("%s: timeline_untimed_events[%d] = %+v, want EventRecordID %d, no time, its header time, entry rdp-service-state", c.name, i, e, c.ids[i])
			}
		}
	}
}
