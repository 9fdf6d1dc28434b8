package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

func TestClientAddress(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" when no address
	}{
		{"203.0.113.5", "203.0.113.5"},
		{" 203.0.113.5:50123 ", "203.0.113.5"},
		{"::1", "::1"},
		{"fe80::b56e:8722:b95d:5403", "fe80::b56e:8722:b95d:5403"},
		{"fe80::1%12", "fe80::1"},
		{"::ffff:203.0.113.5", "203.0.113.5"},
		{"::FFFF:CB00:7105", "203.0.113.5"},
		{"2001:0DB8:0000::0005", "2001:db8::5"},
		{"[2001:db8::5]:50123", "2001:db8::5"},
		{"[2001:db8::5]", "2001:db8::5"},
		{"[fe80::1%12]:3389", "fe80::1"},
		{"[::ffff:203.0.113.5]:50123", "203.0.113.5"},
		// A bare IPv6 address and port is one address (ClientAddress).
		{"2001:db8::5:3389", "2001:db8::5:3389"},
		{"2001:db8::5:50123", ""}, // 50123 is no 16-bit hex group
		{"[203.0.113.5]", ""},
		{"[203.0.113.5]:50123", ""},
		{"-", ""},
		{"LOCAL", ""},
		{"X.224", ""},
		{"", ""},
		{"[]", ""},
		{"[2001:db8::5", ""},
		{"2001", ""},
		{"203.0.113.5:port", ""},
		{"AZ-RDPVM01", ""},
	} {
		a, ok := ClientAddress(c.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ClientAddress(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
		if isAddress(c.in) != ok {
			t.Errorf("isAddress(%q) = %v, want %v", c.in, !ok, ok)
		}
	}
}

// TestBruteForceClientAddresses: rdp-brute-force counts distinct client
// addresses, as ClientAddress reads them. It cut RdpCoreTS 131's ClientIP
// at the first ':', so that every IPv6 client was "[2001" (five attackers
// one address: not detected), and counted each spelling of one client
// apart (203.0.113.1:50000 and [::ffff:203.0.113.1]:50001 two addresses,
// 4625's ::ffff:203.0.113.1 and 203.0.113.1 two, TermDD 50's "X.224" one
// more: detected from four clients).
func TestBruteForceClientAddresses(t *testing.T) {
	const rdpcore = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	seconds := func(i int) time.Time { return at.Add(-time.Hour + time.Duration(i)*5*time.Second) }
	conns := func(n int, ip func(i int) string) []*evtx.Event {
		var evs []*evtx.Event
		for i := range n {
			evs = append(evs, evtxtest.RdpCoreTS131(seconds(i), ip(i)))
		}
		return evs
	}
	failed := func(n int, ip func(i int) string) []*evtx.Event {
		var evs []*evtx.Event
		for i := range n {
			evs = append(evs, evtxtest.Security4625(seconds(i), "administrator", ip(i), 0xC000006D, 0xC000006A, 10))
		}
		return evs
	}
	for _, c := range []struct {
		name     string
		logs     map[string][]*evtx.Event
		query    string
		detected bool
		want     string // in the finding's Why (detected) or its caveats
	}{
		{"five IPv6 clients", map[string][]*evtx.Event{rdpcore: conns(60, func(i int) string {
			return fmt.Sprintf("[2001:db8::%x]:%d", i%5+1, 50000+i)
		})}, "rdpcorets-131-burst", true,
			"60 RDP connections within 10 minutes from 5 addresses (12 from 2001:db8::1, 12 from 2001:db8::2, 12 from 2001:db8::3, 12 from 2001:db8::4, 12 from 2001:db8::5)"},
		{"six clients, IPv4 and IPv6 spelled every way", map[string][]*evtx.Event{rdpcore: conns(60, func(i int) string {
			return []string{"203.0.113.7:50000", "[2001:db8::5]:3390", "2001:db8::6", "[fe80::1%12]:50001", "[::ffff:198.51.100.9]:50002", "192.0.2.1:1"}[i%6]
		})}, "rdpcorets-131-burst", true,
			"60 RDP connections within 10 minutes from 6 addresses (10 from 192.0.2.1, 10 from 198.51.100.9, 10 from 203.0.113.7, 10 from 2001:db8::5, 10 from 2001:db8::6, and 1 more)"},
		{"one IPv6 client from many ports", map[string][]*evtx.Event{rdpcore: conns(60, func(i int) string {
			return []string{fmt.Sprintf("[2001:db8::5]:%d", 50000+i), "[2001:DB8:0::5]", "2001:db8::5"}[i%3]
		})}, "rdpcorets-131-burst", false, "from 1 addresses"},
		{"four IPv4 clients, each also IPv4-mapped", map[string][]*evtx.Event{rdpcore: conns(60, func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("203.0.113.%d:%d", i/2%4+1, 50000+i)
			}
			return fmt.Sprintf("[::ffff:203.0.113.%d]:%d", i/2%4+1, 50000+i)
		})}, "rdpcorets-131-burst", false, "from 4 addresses"},
		{"4625 from four clients, each also IPv4-mapped", map[string][]*evtx.Event{"Security.evtx": failed(30, func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("203.0.113.%d", i/2%4+1)
			}
			return fmt.Sprintf("::ffff:203.0.113.%d", i/2%4+1)
		})}, "logon-failed-burst", false, "from 4 addresses"},
		{"4625 from five IPv6 clients and '-'", map[string][]*evtx.Event{"Security.evtx": failed(36, func(i int) string {
			return []string{"fe80::b56e:8722:b95d:5403", "::1", "2001:db8::1", "2001:db8::2", "fe80::1%3", "-"}[i%6]
		})}, "logon-failed-burst", true,
			"36 failed RDP logons within 10 minutes from 5 addresses (6 from ::1, 6 from 2001:db8::1, 6 from 2001:db8::2, 6 from fe80::1, 6 from fe80::b56e:8722:b95d:5403) and 6 whose value names none (counted in the 36, not among the addresses),"},
		// Most failures name no address: the caveat says so, not only
		// "from 1 addresses", which read as one client.
		{"4625 from one client and many '-'", map[string][]*evtx.Event{"Security.evtx": failed(30, func(i int) string {
			if i%6 == 0 {
				return "203.0.113.5"
			}
			return "-"
		})}, "logon-failed-burst", false, "30 failed RDP logons within 10 minutes from 1 addresses and 25 whose value names none (counted in the 30, not among the addresses):"},
		{"TermDD 56 from four clients and 50's X.224", map[string][]*evtx.Event{"System.evtx": func() []*evtx.Event {
			var evs []*evtx.Event
			for i := range 60 {
				ev := evtxtest.TermDD56(seconds(i), fmt.Sprintf("10.3.16.%d", i%4+1))
				if i%5 == 0 {
					ev.System.EventID = 50
					ev.EventData[1].Value = evtx.StringValue("X.224")
				}
				evs = append(evs, ev)
			}
			return evs
		}()}, "termdd-burst", false, "from 4 addresses"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLogs(t, dir, c.logs)
			f := finding(t, analyzePath(t, builtinEngine(t, Options{}), dir), "rdp-brute-force")
			if (f.Verdict == Detected) != c.detected {
				t.Fatalf("verdict %s, want detected %v (why %q; caveats %q)", f.Verdict, c.detected, f.Why, f.Caveats)
			}
			text := f.Why
			if !c.detected {
				text = strings.Join(f.Caveats, "\n")
				if !strings.Contains(text, c.query+":") {
					t.Errorf("caveats %q: want one of %s", f.Caveats, c.query)
				}
			} else if !strings.Contains(text, "(query "+c.query+";") {
				t.Errorf("why %q: want the peak of %s", text, c.query)
			}
			if !strings.Contains(text, c.want) {
				t.Errorf("got %q\nwant it to hold %q", text, c.want)
			}
		})
	}
}
