package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestContextCapSaid: past maxContextTimes RDP connection attempts near a
// rule's window (2^18; 4 here) the attempts read later are not kept. The
// finding said only that "Schannel errors near them may be counted as not
// attributable", and the evidence near a dropped attempt read "no RDP
// connection attempt is logged within 10 seconds of it", which the log
// contradicts. Now the caveat names the evidence of any program, and the
// attribution of such evidence says that attempts were not kept and one
// may lie within the coincidence. Below the cap the same log attributes
// the event to the attempt 2 seconds before it.
func TestContextCapSaid(t *testing.T) {
	at := t0.Add(-2 * time.Hour)
	system := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), evtxtest.Schannel36870(at, 0x8009030D, 10001)))
	var rcm []*evtx.Event
	for i := 8; i >= 1; i-- { // the last, 2 seconds before the event, is the 8th read
		rcm = append(rcm, evtxtest.RCM261(at.Add(-time.Duration(i)*3*time.Hour-2*time.Second+3*time.Hour)))
	}
	dir := t.TempDir()
	for name, evs := range map[string][]*evtx.Event{"System.evtx": system, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": rcm} {
		if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	e := builtinEngine(t, Options{At: t0, Window: 30 * 24 * time.Hour})
	f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
	if f.Verdict != Detected {
		t.Fatalf("below the cap: %s (%s)", f.Verdict, f.Why)
	}
	defer func(n int) { maxContextTimes = n }(maxContextTimes)
	maxContextTimes = 4
	f = finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
	caveats := strings.Join(f.Caveats, "\n")
	if !strings.Contains(caveats, "4 RDP connection attempts near the window were not kept (more than 4)") || strings.Contains(caveats, "Schannel errors") {
		t.Errorf("caveats %q: want the 4 attempts not kept, said of any evidence", f.Caveats)
	}
	if len(f.Evidence) != 1 {
		t.Fatalf("evidence %d", len(f.Evidence))
	}
	got := f.Evidence[0].Attribution
	if strings.Contains(got, "no RDP connection attempt is logged within 10 seconds of it") && !strings.Contains(got, "not kept") {
		t.Errorf("attribution %q: says no attempt lies near it, but attempts were not kept", got)
	}
	if !strings.Contains(got, "4 RDP connection attempts near the window were not kept") {
		t.Errorf("attribution %q: want the attempts not kept named", got)
	}
}
