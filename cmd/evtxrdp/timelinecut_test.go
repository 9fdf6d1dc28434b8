package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestTimelineCutHintTrue: the timeline keeps at most 4,096 groups while
// reading; past that the older half is set aside, and its events were
// counted among the "older events before these left out", which the
// report said "--timeline N shows more" of: no --timeline brings them
// back. The report now says how many were set aside and gives the query
// that lists them, which, run as given (PATH the logs analysed), lists
// them; --timeline N with more lines than events shows every other event.
// Failed logons from 5,096 addresses, one event each: 2,048 set aside.
func TestTimelineCutHintTrue(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	const n = 4096 + 1000
	var evs []*evtx.Event
	for i := range n {
		ip := fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)
		evs = append(evs, evtxtest.Security4625(t0.Add(-time.Duration(n-1-i)*10*time.Second), "admin", ip, 0xC000006D, 0xC000006A, 10))
	}
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "Security.evtx"), evs, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, format := range []string{"text", "markdown"} {
		_, out, _ := runCmd("analyze", "--format", format, dir)
		if strings.Contains(out, "--timeline N shows more)") || strings.Contains(flat(out), "--timeline N shows more.") {
			t.Errorf("%s: the report still says --timeline N shows more of every event left out:\n%s", format, out)
		}
		for _, w := range []string{
			"5046 older events before these left out; --timeline N shows more of the other 2998 events, not the 2048 set aside below",
			"2048 of them, in 2048 groups of the timeline's rdp-logon-failed events, were set aside while reading, when the groups reached 4096 (the older half each time): no --timeline N brings them back",
		} {
			if !strings.Contains(flat(out), w) {
				t.Errorf("%s report lacks %q:\n%s", format, w, out)
			}
		}
		// The command, on a line of its own, run as given.
		var cmd string
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "evtxrdp query ") {
				cmd = l
			}
		}
		const want = `evtxrdp query --channel Security -q "Event[System[Provider[@Name='Microsoft-Windows-Security-Auditing'] and EventID=4625] and EventData[Data[@Name='LogonType']=10 or Data[@Name='LogonType']=3]]" PATH`
		if cmd != want {
			t.Fatalf("%s: command %q, want %q", format, cmd, want)
		}
		xpath := strings.TrimSuffix(strings.TrimPrefix(cmd, `evtxrdp query --channel Security -q "`), `" PATH`)
		_, listed, errOut := runCmd("query", "--channel", "Security", "-q", xpath, "-f", "xml", dir)
		if got := strings.Count(listed, "<Event "); got != n {
			t.Errorf("%s: the command lists %d events, want all %d: %s", format, got, n, errOut)
		}
	}
	// --timeline N with N past the events: every event but the 2,048 set
	// aside, which the report says alone are left out.
	_, out, _ := runCmd("analyze", "--timeline", "20000", dir)
	if !strings.Contains(flat(out), "(2048 older events before these left out)") || strings.Count(out, "failed RDP or network logons") != n-2048 {
		t.Errorf("--timeline 20000: %d lines:\n%s", strings.Count(out, "failed RDP or network logons"), out[:min(len(out), 3000)])
	}
}
