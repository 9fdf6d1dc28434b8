package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestLockoutNeedsRDP: Security 4740 names no logon type, and any logon
// that fails often enough locks an account (an SMB client, a service or a
// scheduled task with an old password). It was evidence of
// rdp-logon-account on its own: a lone lockout made the finding DETECTED.
// It counts for RDP when a failed RDP logon (4625 LogonType 10, User32)
// of the same TargetUserName, or an RDP connection attempt outside a
// flood, lies within 10 seconds of it; otherwise the finding is possible
// and the lockout's attribution says why.
func TestLockoutNeedsRDP(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	start := at.Add(-30 * time.Hour)
	// Security reaches back over the window; a failed logon of another
	// account long before says failure auditing is on.
	base := func(evs ...*evtx.Event) []*evtx.Event {
		return sortByTime(append([]*evtx.Event{evtxtest.Security4625(start, "svc", "-", 0xC000006D, 0xC000006A, 2)}, evs...))
	}
	rdpFailures := func(user string) []*evtx.Event {
		var evs []*evtx.Event
		for i := 3; i >= 1; i-- {
			evs = append(evs, evtxtest.Security4625(at.Add(-time.Duration(i)*time.Second), user, "203.0.113.7", 0xC000006D, 0xC000006A, 10))
		}
		return evs
	}
	smbFailures := func(user string) []*evtx.Event {
		var evs []*evtx.Event
		for i := 3; i >= 1; i-- {
			evs = append(evs, evtxtest.Security4625(at.Add(-time.Duration(i)*time.Second), user, "10.0.0.7", 0xC000006D, 0xC000006A, 3))
		}
		return evs
	}
	// An RDP flood: an RCM 261 every 5 seconds over the hour around it.
	var flood []*evtx.Event
	for x := at.Add(-40 * time.Minute); x.Before(at.Add(5 * time.Minute)); x = x.Add(5 * time.Second) {
		flood = append(flood, evtxtest.RCM261(x.Add(1500*time.Millisecond)))
	}
	lock := evtxtest.Security4740(at, "carol", "AZ-RDPVM01")
	e := builtinEngine(t, Options{})
	for _, c := range []struct {
		name     string
		security []*evtx.Event
		rcm      []*evtx.Event
		want     Verdict
		says     string
	}{
		{"a lone 4740", base(lock), nil, Possible, "not attributable to RDP: no RDP connection attempt is logged within 10 seconds of it"},
		{"4740 after failed RDP logons of the account", base(append(rdpFailures("carol"), lock)...), nil, Detected, "of the same TargetUserName (carol)"},
		{"4740 after failed RDP logons of the account, name in other case", base(append(rdpFailures("Carol"), lock)...), nil, Detected, "of the same TargetUserName (carol)"},
		{"4740 after failed RDP logons of another account", base(append(rdpFailures("dave"), lock)...), nil, Possible, "not attributable to RDP"},
		{"4740 after failed SMB logons of the account, no RDP attempt", base(append(smbFailures("carol"), lock)...), nil, Possible, "not attributable to RDP"},
		{"4740 after failed SMB logons, an RDP connection 2 s before", base(append(smbFailures("carol"), lock)...), []*evtx.Event{evtxtest.RCM261(at.Add(-2 * time.Second))}, Detected, "an RDP connection attempt 2 seconds before it"},
		{"4740 after failed SMB logons in an RDP flood", base(append(smbFailures("carol"), lock)...), flood, Possible, "may be chance"},
		{"4740 after failed RDP logons of the account in an RDP flood", base(append(rdpFailures("carol"), lock)...), flood, Detected, "of the same TargetUserName (carol)"},
	} {
		dir := t.TempDir()
		logs := map[string][]*evtx.Event{"Security.evtx": c.security}
		if c.rcm != nil {
			logs["Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"] = c.rcm
		}
		for name, evs := range logs {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), evs, evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-logon-account")
		var attr []string
		for _, r := range f.Evidence {
			if r.EventID == 4740 {
				attr = append(attr, r.Attribution)
			}
		}
		if f.Verdict != c.want || len(attr) != 1 || !strings.Contains(attr[0], c.says) {
			t.Errorf("%s: %s (%s), 4740 attribution %q; want %s, %q", c.name, f.Verdict, f.Why, attr, c.want, c.says)
		}
	}
}
