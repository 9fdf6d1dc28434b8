package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCoincidenceOnlyWithinOneComputer: in a log of forwarded events (two
// computers' System and RemoteConnectionManager records interleaved,
// analysed as one log), VM-A's Schannel 36870 of a TLS server that names
// no calling process was counted as RDP's for an RDP connection (261)
// that VM-B logged two seconds before it: rdp-cert-private-key was
// DETECTED, "an RDP connection attempt 2 seconds before it". An attempt
// attributes only the events of its own computer (by host: "vm-a" and
// "VM-A.contoso.com" are one), so it is possible, and the attribution
// says that the attempt near it is another computer's.
func TestCoincidenceOnlyWithinOneComputer(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	forwarded := func(attemptOn string) []*evtx.Event {
		var evs []*evtx.Event
		for i, host := range []string{"VM-A", "VM-B"} {
			for _, ev := range evtxtest.Noise(t0.Add(-48*time.Hour+time.Duration(i)*time.Minute), 10*time.Minute, 48*6) {
				ev.System.Computer = host
				evs = append(evs, ev)
			}
		}
		s := evtxtest.Schannel36870(t0.Add(-time.Hour), 0x8009030d, 10001)
		s.System.Computer = "VM-A"
		r := evtxtest.RCMOperational(t0.Add(-time.Hour-2*time.Second), 261)
		r.System.Computer = attemptOn
		evs = sorted(append(evs, s, r))
		for i, ev := range evs {
			ev.RecordID = uint64(i + 1)
		}
		return evs
	}
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		attemptOn string
		want      Verdict
		says      []string
	}{
		{"VM-B", Possible, []string{"no RDP connection attempt of its computer (VM-A) is logged within 10 seconds of it",
			"; an RDP connection attempt 2 seconds before it (RemoteConnectionManager 261 at 2024-05-01T10:59:58.0000000Z) is of another computer, VM-B"}},
		{"vm-a.contoso.com", Detected, []string{"an RDP connection attempt 2 seconds before it (RemoteConnectionManager 261"}},
	} {
		dir := t.TempDir()
		if err := evtxtest.WriteFile(filepath.Join(dir, "ForwardedEvents.evtx"), forwarded(c.attemptOn), evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		var attr []string
		for _, r := range f.Evidence {
			attr = append(attr, r.Attribution)
		}
		said := f.Verdict == c.want
		for _, w := range c.says {
			said = said && strings.Contains(strings.Join(attr, "\n"), w)
		}
		if !said {
			t.Errorf("attempt on %s: %s (%s), attribution %q; want %s, %q", c.attemptOn, f.Verdict, f.Why, attr, c.want, c.says)
		}
	}
}
