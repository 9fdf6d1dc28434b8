package rules

import (
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestBruteForceClaimsNoMoreThanItsLogs: on the real DESKTOP-1N4R894 logs
// of omerbenamram/evtx (an RDP port on the Internet, RCM 261 and
// RdpCoreTS 131/140 from many addresses on 2018-08-07), rdp-brute-force is
// detected, and the same logs hold RCM 1149 "User authentication
// succeeded" of mpowers at 18:37, 18:41 and 19:02, during the attack. The
// cause said "real users cannot connect or are locked out", which those
// sign-ins contradict; it now says what the attack may do and points to
// the sign-ins that succeeded, which the timeline lists.
func TestBruteForceClaimsNoMoreThanItsLogs(t *testing.T) {
	var logs []*evtx.Log
	for _, p := range []string{
		"../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx",
		"../testdata/evtx/omerbenamram__evtx__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx",
	} {
		l, err := evtx.Find(p)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l...)
	}
	res, err := builtinEngine(t, Options{}).Analyze(logs)
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, res, "rdp-brute-force")
	if f.Verdict != Detected {
		t.Fatalf("rdp-brute-force %s (%s), want detected", f.Verdict, f.Why)
	}
	signIns := 0
	for _, l := range res.Timeline {
		if l.EventID == 1149 && !l.Time.Before(f.WindowStart) && !l.Last.After(f.WindowEnd) {
			signIns += l.Count
		}
	}
	if signIns < 3 {
		t.Fatalf("%d RCM 1149 in the timeline within the window, want the 3 or more of mpowers", signIns)
	}
	for _, claim := range []string{"cannot connect", "saturat"} {
		if text := f.Rule.Title + "\n" + f.Cause; strings.Contains(text, claim) {
			t.Errorf("title and cause %q claim %q, which the %d successful RDP sign-ins contradict", text, claim, signIns)
		}
	}
	if !strings.Contains(f.Cause, "RCM 1149") {
		t.Errorf("cause %q does not point to the sign-ins that succeeded", f.Cause)
	}
}
