package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestSchannel36869ClientNotRDP: Schannel 36869 ("The TLS {Type}
// credential's certificate does not have a private key information
// property attached to it", nasbench/EVTX-ETW-Resources W2022_21H2/
// Schannel.csv) names a Type like 36870 and 36872. A client credential's
// 36869 is an outgoing connection's, not the RDP listener's: it counted
// as RDP's certificate failure (detected) when an RDP connection came two
// seconds after it, or when the calling process was the svchost.exe that
// logs RDP's connections. A server one still counts.
func TestSchannel36869ClientNotRDP(t *testing.T) {
	e := builtinEngine(t, Options{At: t0})
	at := t0.Add(-5 * time.Hour)
	svchost := `C:\Windows\System32\svchost.exe`
	typed := func(typ string) *evtx.Event {
		ev := evtxtest.Schannel36869(at)
		ev.EventData = append(ev.EventData, evtx.Field{Name: "Type", Value: evtx.StringValue(typ)})
		return ev
	}
	for _, c := range []struct {
		name string
		ev   *evtx.Event
		want Verdict
	}{
		{"client, at an RDP connection", typed("client"), NotDetected},
		{"client, of RDP's svchost", evtxtest.WithCaller(typed("client"), evtxtest.TermServicePID, svchost), NotDetected},
		{"server, at an RDP connection", typed("server"), Detected},
		{"server, of RDP's svchost", evtxtest.WithCaller(typed("server"), evtxtest.TermServicePID, svchost), Detected},
	} {
		dir := t.TempDir()
		sys := sortByTime(append(evtxtest.Noise(t0.Add(-3*24*time.Hour), time.Hour, 73), c.ev))
		if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), sys, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		ops := []*evtx.Event{evtxtest.RCM261(t0.Add(-2 * 24 * time.Hour)), evtxtest.RCM261(at.Add(2 * time.Second)), evtxtest.RCM261(t0.Add(-time.Hour))}
		if err := evtxtest.WriteFile(filepath.Join(dir, "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"), ops, evtxtest.Options{}); err != nil {
			t.Fatal(err)
		}
		f := finding(t, analyzePath(t, e, dir), "rdp-cert-private-key")
		if f.Verdict != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, f.Verdict, f.Why, c.want)
		}
		if c.want == NotDetected && !strings.Contains(strings.Join(f.Others, " "), "Type=client") {
			t.Errorf("%s: others %q do not name Type=client", c.name, f.Others)
		}
	}
}
