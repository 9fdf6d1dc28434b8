package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestSvchostOfAnotherServiceNotRDP: a Windows Server 2022 Schannel
// error names its calling process (CallerProcessImageName and
// CallerProcessId, nasbench/EVTX-ETW-Resources W2022_21H2/Schannel.csv).
// svchost.exe hosts many services (WinRM's HTTPS listener, SSTP, RD
// Gateway as well as TermService), so an svchost.exe is RDP's only as the
// process that logs RDP's connections (RCM 261, RdpCoreTS 131, logged in
// TermService's process). Where the connections just before and just
// after the event were logged by one process (TermService ran throughout)
// and the event names another, the event is that other service's: it
// counted as "possible" evidence (the finding flagged), as lsass's does
// not. Now it is listed with the other programs' errors; one next to a
// single connection only (TermService may have restarted in between)
// stays possible, and the finding keeps the RDP listener's own errors and
// their refinements only.
func TestSvchostOfAnotherServiceNotRDP(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	at := t0.Add(-5 * time.Hour)
	svchost := `C:\Windows\System32\svchost.exe`
	rcm := func(pid uint32, ts ...time.Time) []*evtx.Event {
		var out []*evtx.Event
		for _, tm := range ts {
			ev := evtxtest.RCM261(tm)
			ev.System.ProcessID = pid
			out = append(out, ev)
		}
		return out
	}
	// 36870 with the codes of the schannel-private-key refinement; the
	// RDP listener's own one (the last case) has other codes.
	other := evtxtest.WithCaller(evtxtest.Schannel36870(at, 0x8009030D, 10001), 2000, svchost)
	own := evtxtest.WithCaller(evtxtest.Schannel36870(at.Add(time.Hour), 0x80090016, 10002), evtxtest.TermServicePID, svchost)
	for _, c := range []struct {
		name     string
		sys      []*evtx.Event
		ops      []*evtx.Event
		want     Verdict
		count    int
		others   bool
		refining bool
	}{
		{"TermService's process before and after", []*evtx.Event{other}, rcm(evtxtest.TermServicePID, at.Add(-time.Hour), at.Add(2*time.Second), t0.Add(-time.Hour)), NotDetected, 0, true, false},
		{"one connection 2 seconds after", []*evtx.Event{other}, rcm(evtxtest.TermServicePID, at.Add(2*time.Second)), Possible, 1, false, true},
		// The connection before it lies before the window: it shows the
		// listener's process all the same (it was not kept).
		{"the connection before it before the window", []*evtx.Event{other}, rcm(evtxtest.TermServicePID, t0.Add(-25*time.Hour), t0.Add(-time.Hour)), NotDetected, 0, true, false},
		{"besides the listener's own error", []*evtx.Event{other, own}, rcm(evtxtest.TermServicePID, at.Add(-time.Hour), t0.Add(-time.Hour)), Detected, 1, true, false},
	} {
		dir := t.TempDir()
		sys := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), c.sys...))
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), c.ops, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		others := strings.Join(f.Others, " ")
		if f.Verdict != c.want || f.EvidenceCount != c.count || strings.Contains(others, "svchost.exe (PID 2000") != c.others {
			t.Errorf("%s: %s, %d events (%s), others %q; want %s, %d events, others naming svchost.exe (PID 2000): %v",
				c.name, f.Verdict, f.EvidenceCount, f.Why, f.Others, c.want, c.count, c.others)
		}
		for _, ev := range f.Evidence {
			if ev.Time.Equal(at) && c.want != Possible {
				t.Errorf("%s: the other service's error is shown as evidence: %+v", c.name, ev)
			}
		}
		refined := false
		for _, rh := range f.Refinements {
			refined = refined || rh.Refinement.ID == "schannel-private-key"
		}
		if refined != c.refining {
			t.Errorf("%s: refinement schannel-private-key applied: %v, want %v", c.name, refined, c.refining)
		}
	}
}
