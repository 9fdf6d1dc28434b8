package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestTimelineCutCommandInert: the command a report gives for the
// timeline's events set aside with their groups (Report.TimelineCut) is
// one line of the text report and one fenced code block of the Markdown,
// whatever its channel and XPath hold (backticks, a line break, a
// terminal escape), and a CommonMark renderer shows it as written.
func TestTimelineCutCommandInert(t *testing.T) {
	for _, c := range []TimelineCut{
		{Entry: "rdp-logon-failed", Channel: "Security", XPath: "Event[System[EventID=4625]]", Events: 3, Groups: 2},
		{Entry: "x", Channel: "Sys tem", XPath: "a```\n# b\x1b[31m$(id)`c`'d'", Events: 1, Groups: 1},
	} {
		r := &Report{Timeline: []TimelineLine{}, TimelineOmitted: 5, TimelineCut: []TimelineCut{c}}
		var tb, mb bytes.Buffer
		if err := WriteText(&tb, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&mb, r); err != nil {
			t.Fatal(err)
		}
		var cmd string
		for _, l := range strings.Split(tb.String(), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "evtxrdp query ") {
				if cmd != "" {
					t.Fatalf("%q: two command lines in the text report:\n%s", c.XPath, tb.String())
				}
				cmd = strings.TrimSpace(l)
			}
		}
		if cmd == "" || strings.ContainsAny(cmd, "\x1b\n") || !strings.HasSuffix(cmd, " PATH") {
			t.Fatalf("%q: command %q:\n%s", c.XPath, cmd, tb.String())
		}
		if flat := strings.Join(strings.Fields(tb.String()), " "); !strings.Contains(flat, "5 older events before these left out; --timeline N shows more of the other 2 events") && c.Events == 3 {
			t.Errorf("text report:\n%s", tb.String())
		}
		blocks, _ := mdRead(t, mb.Bytes())
		if len(blocks) != 1 || strings.TrimSuffix(blocks[0].content, "\n") != cmd {
			t.Errorf("%q: Markdown code blocks %q, want the text report's command %q:\n%s", c.XPath, blocks, cmd, mb.String())
		}
	}
}
