package rules

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestNetworkLogonOfAnotherAddressNotRDP: a failed network logon (4625
// LogonType 3, NtLmSsp) of a disabled account is logged for SMB and every
// other network service as for RDP with NLA; rdp-logon-account counts it
// for RDP when an RDP connection attempt lies within 10 seconds of it.
// Before, the moment alone attributed it: a 4625 from 10.0.0.99 two
// seconds after an RdpCoreTS 131 of the client 10.0.0.5 made the finding
// "detected", although the 131 names another client. Now an attempt that
// names a client address attributes only an event of that address (the
// forms ClientAddress reads compare as one: ::ffff:10.0.0.5 and
// 10.0.0.5:50123); an event whose nearby attempts all name other
// addresses is not attributable (possible, saying so); an event without
// an address ("-", as NLA failures write it) or with only RCM 261 (no
// address) near it is judged by the moment, as before. The engine gives
// the same answers with every shortcut off.
func TestNetworkLogonOfAnotherAddressNotRDP(t *testing.T) {
	at := t0.Add(-3 * time.Hour)
	logon := func(ip string) *evtx.Event {
		return evtxtest.Security4625(at, "carol", ip, 0xC000006E, 0xC0000072, 3)
	}
	for _, c := range []struct {
		name   string
		logon  *evtx.Event
		core   []*evtx.Event // RdpCoreTS/Operational, besides one 131 two days before
		rcm    []*evtx.Event // RemoteConnectionManager/Operational
		want   Verdict
		saying string
	}{
		{"another client's 131 two seconds before", logon("10.0.0.99"), []*evtx.Event{evtxtest.RdpCoreTS131(at.Add(-2*time.Second), "10.0.0.5:50123")}, nil, Possible,
			"it names the client address 10.0.0.99, and the RDP connection attempts within 10 seconds of it name another (10.0.0.5, 2 seconds before it (RdpCoreTS 131 at "},
		{"another client's 131 and its RCM 261", logon("10.0.0.99"), []*evtx.Event{evtxtest.RdpCoreTS131(at.Add(-2*time.Second), "10.0.0.5:50123")}, []*evtx.Event{evtxtest.RCM261(at.Add(-2 * time.Second))}, Possible,
			"name another (10.0.0.5"},
		{"the same client, IPv4-mapped", logon("::ffff:10.0.0.5"), []*evtx.Event{evtxtest.RdpCoreTS131(at.Add(-2*time.Second), "10.0.0.5:50123")}, nil, Detected,
			"from the same client address (10.0.0.5)"},
		{"the same client besides another's nearer", logon("10.0.0.5"), []*evtx.Event{evtxtest.RdpCoreTS131(at.Add(-8*time.Second), "10.0.0.5:50123"), evtxtest.RdpCoreTS131(at.Add(-time.Second), "10.0.0.77:40000")}, nil, Detected,
			"8 seconds before it (RdpCoreTS 131 at 2024-05-01T08:59:52.0000000Z), from the same client address (10.0.0.5)"},
		{"no address in the 4625 (NLA)", logon("-"), []*evtx.Event{evtxtest.RdpCoreTS131(at.Add(-2*time.Second), "10.0.0.5:50123")}, nil, Detected,
			"an RDP connection attempt 2 seconds before it (RdpCoreTS 131 at"},
		{"only an RCM 261 near it", logon("10.0.0.99"), nil, []*evtx.Event{evtxtest.RCM261(at.Add(-2 * time.Second))}, Detected,
			"an RDP connection attempt 2 seconds before it (RemoteConnectionManager 261 at"},
	} {
		dir := t.TempDir()
		sys := evtxtest.Noise(t0.Add(-72*time.Hour), time.Hour, 73)
		sec := []*evtx.Event{evtxtest.Security4624(t0.Add(-48*time.Hour), "bob", "10.0.0.7", 2), c.logon}
		core := append([]*evtx.Event{evtxtest.RdpCoreTS131(t0.Add(-48*time.Hour), "10.0.0.5:50000")}, c.core...)
		rcm := append([]*evtx.Event{evtxtest.RCM261(t0.Add(-48 * time.Hour))}, c.rcm...)
		for name, evs := range map[string][]*evtx.Event{
			"System.evtx":   sys,
			"Security.evtx": sec,
			"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx":          core,
			"Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": rcm,
		} {
			if err := evtxtest.WriteFile(filepath.Join(dir, name), sortByTime(evs), evtxtest.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		var whys [2]string
		for i, noShortcuts := range []bool{false, true} {
			f := finding(t, analyzePath(t, builtinEngine(t, Options{NoShortcuts: noShortcuts}), dir), "rdp-logon-account")
			var attribution string
			for _, ev := range f.Evidence {
				if ev.Time.Equal(at) {
					attribution = ev.Attribution
				}
			}
			if f.Verdict != c.want || !strings.Contains(attribution, c.saying) {
				t.Errorf("%s (no shortcuts %v): %s (%s), the 4625's attribution %q; want %s saying %q", c.name, noShortcuts, f.Verdict, f.Why, attribution, c.want, c.saying)
			}
			whys[i] = string(f.Verdict) + " " + f.Why + " " + attribution
		}
		if whys[0] != whys[1] {
			t.Errorf("%s: shortcuts change the answer:\n%s\n%s", c.name, whys[0], whys[1])
		}
	}
}

// TestCoincideAddressValidated: coincides.address names a field of the
// event and, for context queries of coincides.queries only, their
// address field; a rule naming another query, or no field, is refused.
func TestCoincideAddressValidated(t *testing.T) {
	rule := func(address string) string {
		return `id: x
title: x
severity: error
window: 24h
cause: x
queries:
  - id: e
    channel: Security
    xpath: "Event[System[EventID=4625]]"
    describes: x
    attribution:
      coincides:
        queries: [c]
        within: 10s
        address: ` + address + `
  - id: c
    channel: Security
    role: context
    xpath: "Event[System[EventID=4624]]"
    describes: x
resolution:
  - {id: r, title: x, text: x, shell: cmd, run_on: vm, commands: "echo x", source: x}
`
	}
	for _, c := range []struct {
		address string
		err     string // "" for none
	}{
		{"{data: IpAddress, attempts: {c: IpAddress}}", ""},
		{"{data: IpAddress, attempts: {d: IpAddress}}", `"d" is not one of coincides.queries`},
		{"{data: '', attempts: {c: IpAddress}}", "address.data"},
		{"{data: IpAddress}", "address.attempts: empty"},
		{"{data: IpAddress, attempts: {c: ' IpAddress'}}", "is not a field name"},
	} {
		r, err := Parse("x.yaml", []byte(rule(c.address)))
		if err == nil {
			err = Validate([]*Rule{r})
		}
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("address %s: %v; want %q", c.address, err, c.err)
		}
	}
}
