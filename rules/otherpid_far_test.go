package rules

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestSvchostConnectionBeforeFarBackShortcuts: the RDP connection just
// before an svchost.exe Schannel error, ten days before the window (its
// chunk far from the window's), gives the same finding with the reader's
// shortcuts as without.
func TestSvchostConnectionBeforeFarBackShortcuts(t *testing.T) {
	at := t0.Add(-5 * time.Hour)
	svchost := `C:\Windows\System32\svchost.exe`
	other := evtxtest.WithCaller(evtxtest.Schannel36870(at, 0x8009030D, 10001), 2000, svchost)
	var ops []*evtx.Event
	for _, tm := range []time.Time{t0.Add(-10 * 24 * time.Hour), t0.Add(-time.Hour)} {
		ev := evtxtest.RCM261(tm)
		ev.System.ProcessID = evtxtest.TermServicePID
		ops = append(ops, ev)
	}
	filler := evtxtest.Noise(t0.Add(-10*24*time.Hour+time.Hour), 6*time.Hour, 40)
	ops = sortByTime(append(ops, filler...))
	dir := t.TempDir()
	sys := sortByTime(append(evtxtest.Noise(t0.Add(-12*24*time.Hour), 6*time.Hour, 49), other))
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{MaxRecordsPerChunk: 5}); err != nil {
		t.Fatal(err)
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), ops, evtxtest.Options{MaxRecordsPerChunk: 5}); err != nil {
		t.Fatal(err)
	}
	var got [2]string
	for i, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{At: t0, NoShortcuts: plain})
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		got[i] = string(f.Verdict) + " " + f.Why
		if f.Verdict != NotDetected {
			t.Errorf("plain %v: %s; want not detected: the connection before names TermService's PID 1032, the error PID 2000", plain, f.Verdict)
		}
		t.Logf("plain %v: %s, %d events, others %q", plain, f.Verdict, f.EvidenceCount, f.Others)
	}
	if got[0] != got[1] {
		t.Errorf("shortcuts change the finding:\n%s\n%s", got[0], got[1])
	}
}
