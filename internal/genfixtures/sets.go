package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// T0 is the newest event of every set (the default reference time).
var T0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

const (
	day  = 24 * time.Hour
	hour = time.Hour
)

// Rule ids, as in rules/scenarios.
const (
	ruleCert   = "rdp-cert-private-key"
	ruleTLS    = "rdp-tls-disabled"
	ruleBroker = "rdp-broker-renamed"
)

// Verdicts.
const (
	detected    = "detected"
	possible    = "possible"
	resolved    = "resolved"
	notDetected = "not_detected"
	notChecked  = "not_checked"
)

// expect is one line of a set's EXPECT file: the verdict a rule must reach
// and, when detected, the refinement that must decide the cause ("-" for
// the rule's own cause).
type expect struct {
	rule, verdict, refinement string
}

// logFile is one log of a set.
type logFile struct {
	name   string // file name ("System.evtx") or path inside the set
	events []*evtx.Event
	opts   evtxtest.Options
}

// set is one fixture directory.
type set struct {
	name    string
	about   string
	input   string // what to analyse, relative to the set ("" = the set directory)
	zipName string // when set, the logs go into this zip instead of files
	logs    []logFile
	expect  []expect
}

// noise is background System traffic from T0-10d to T0, one event every
// 2 hours, the last exactly at T0.
func noise() []*evtx.Event {
	n := int(10*day/(2*hour)) + 1
	return evtxtest.Noise(T0.Add(-10*day), 2*hour, n)
}

// system returns a System log: noise plus extra, in time order, as the
// event log appends them.
func system(extra ...*evtx.Event) []*evtx.Event {
	return sorted(append(noise(), extra...))
}

func sorted(evs []*evtx.Event) []*evtx.Event {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].System.TimeCreated.Before(evs[j].System.TimeCreated) })
	return evs
}

// application returns n Application log events from t on, one an hour.
func application(t time.Time, n int) []*evtx.Event {
	evs := evtxtest.Noise(t, time.Hour, n)
	for _, ev := range evs {
		ev.System.Channel = "Application"
	}
	return evs
}

// brokerIdle is an Operational log with one old, unrelated event, so that it
// covers the window.
func brokerIdle(channel, provider string, id uint16) []*evtx.Event {
	ev := evtxtest.SessionBrokerClient1296(T0.Add(-9*day), "CONTOSO", "alice", "ok")
	ev.System.Provider.Name = provider
	ev.System.EventID = id
	ev.System.Channel = channel
	ev.UserData = nil
	return []*evtx.Event{ev}
}

const (
	fileRCMOp     = "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"
	fileRdpCoreTS = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
	fileSystem    = "System.evtx"
	fileBroker    = "Microsoft-Windows-TerminalServices-SessionBroker%4Operational.evtx"
	fileClient    = "Microsoft-Windows-TerminalServices-SessionBroker-Client%4Operational.evtx"
)

func certSet(name, about string, ev *evtx.Event, refinement string) set {
	return set{
		name: name, about: about,
		logs: []logFile{{name: fileSystem, events: system(ev)}},
		expect: []expect{
			{ruleCert, detected, refinement},
			{ruleTLS, notDetected, ""},
			{ruleBroker, notChecked, ""},
		},
	}
}

// sets returns every fixture set.
func sets() []set {
	at := func(d time.Duration) time.Time { return T0.Add(-d) }
	var out []set

	// Scenario 1, each status-code variant.
	out = append(out,
		certSet("cert-1058-access-denied", "RCM 1058 with the status text \"Access is denied.\"",
			evtxtest.RCM1058(at(2*hour), "Access is denied."), "machinekeys-access-denied"),
		certSet("cert-1058-hresult", "RCM 1058 with the status as an HRESULT (0x80070005)",
			evtxtest.RCM1058(at(3*hour), "0x80070005"), "machinekeys-access-denied"),
		certSet("cert-1058-nte-perm", "RCM 1058 with NTE_PERM as a negative decimal (-2146893808)",
			evtxtest.RCM1058(at(3*hour), "-2146893808"), "machinekeys-access-denied"),
		certSet("cert-1058-param-insert", "RCM 1058 with the status as an unexpanded parameter insert (%%5, ERROR_ACCESS_DENIED)",
			evtxtest.RCM1058(at(3*hour), "%%5"), "machinekeys-access-denied"),
		certSet("cert-1057-object-exists", "RCM 1057 with \"Object already exists.\" (the article's mislabelled \"1058\" sample)",
			evtxtest.RCM1057(at(5*hour), "object already exists.\r\n"), "stale-key-container"),
		certSet("cert-1057-keyset", "RCM 1057 with \"Keyset does not exist\"",
			evtxtest.RCM1057(at(6*hour), "Keyset does not exist"), "key-missing-or-corrupt"),
		certSet("cert-1057-key-state", "RCM 1057 with \"Key not valid for use in specified state.\"",
			evtxtest.RCM1057(at(7*hour), "Key not valid for use in specified state."), "key-missing-or-corrupt"),
		certSet("cert-1057-unknown-status", "RCM 1057 with a status no refinement knows",
			evtxtest.RCM1057(at(7*hour), "The parameter is incorrect."), "-"),
	)
	// Schannel errors without a calling process (before Windows Server
	// 2022) and no RDP connection log: consistent, not attributable.
	for _, c := range []struct {
		name, about string
		ev          *evtx.Event
		refinement  string
	}{
		{"cert-schannel-36870", "Schannel 36870 ErrorCode 0x8009030d, ErrorStatus 10001, no calling process, no RDP connection log",
			evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), "schannel-private-key"},
		{"cert-schannel-36872", "Schannel 36872 (certificate chain not retrieved) alone",
			evtxtest.Schannel36872(at(1*hour), 0x80092004, 0x1, []byte{1, 2, 3, 4}), "-"},
	} {
		s := certSet(c.name, c.about, c.ev, c.refinement)
		s.expect[0].verdict = possible
		out = append(out, s)
	}

	// Attribution of Schannel events to the RDP listener.
	out = append(out,
		set{
			name: "schannel-client-36871", about: "Schannel 36871 Type client, ErrorState 10013: an outgoing TLS connection of some program",
			logs:   []logFile{{name: fileSystem, events: system(evtxtest.WithType(evtxtest.Schannel36871(at(1*hour), 10013), "client"))}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-lsass-36870", about: "Schannel 36870 Type server whose CallerProcessImageName is lsass.exe (LDAPS on a domain controller)",
			logs: []logFile{{name: fileSystem, events: system(
				evtxtest.WithCaller(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), 716, `C:\Windows\System32\lsass.exe`),
				evtxtest.WithCaller(evtxtest.Schannel36870(at(3*hour), 0x8009030D, 10001), 716, `C:\Windows\System32\lsass.exe`),
				evtxtest.WithCaller(evtxtest.Schannel36872(at(2*hour), 0x80092004, 0x1, []byte{1, 2}), 716, `C:\Windows\System32\lsass.exe`))},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-svchost-36870", about: "Schannel 36870 Type server whose CallerProcessImageName is svchost.exe (the host of TermService)",
			logs: []logFile{{name: fileSystem, events: system(
				evtxtest.WithCaller(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), evtxtest.TermServicePID, `C:\Windows\System32\svchost.exe`))},
			},
			expect: []expect{{ruleCert, detected, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-36870-rdp-connection", about: "Schannel 36870 without a calling process, 2 seconds after an RDP connection (RCM 261, RdpCoreTS 131)",
			logs: []logFile{
				{name: fileSystem, events: system(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001))},
				{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCM261(at(1*hour + 2*time.Second))}},
				{name: fileRdpCoreTS, events: []*evtx.Event{evtxtest.RdpCoreTS131(at(9*day), "203.0.113.7:50270"), evtxtest.RdpCoreTS131(at(1*hour+2*time.Second), "203.0.113.7:50311")}},
			},
			expect: []expect{{ruleCert, detected, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-36870-no-rdp-connection", about: "Schannel 36870 without a calling process; the RDP connection logs hold none within 10 seconds of it",
			logs: []logFile{
				{name: fileSystem, events: system(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001))},
				{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCM261(at(1*hour + time.Minute))}},
			},
			expect: []expect{{ruleCert, possible, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-svchost-other-pid", about: "Schannel 36870 from svchost.exe PID 888, while RCM 261 before and after it come from PID 1032 (TermService's svchost): another service's",
			logs: []logFile{
				{name: fileSystem, events: system(
					evtxtest.WithCaller(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), 888, `C:\Windows\System32\svchost.exe`))},
				{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCM261(at(2 * hour)), evtxtest.RCM261(at(30 * time.Minute))}},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-svchost-listener-pid", about: "Schannel 36870 from svchost.exe PID 1032, the process that logs RCM 261 before and after it",
			logs: []logFile{
				{name: fileSystem, events: system(
					evtxtest.WithCaller(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), evtxtest.TermServicePID, `C:\Windows\System32\svchost.exe`))},
				{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCM261(at(2 * hour)), evtxtest.RCM261(at(30 * time.Minute))}},
			},
			expect: []expect{{ruleCert, detected, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "schannel-svchost-one-attributed", about: "Schannel 36870 from svchost.exe PID 1032 (logs RCM 261 before and after it: RDP's) and one from svchost.exe PID 888 (another service's: RCM 261 before and after it come from PID 1032): 1 event counts, 1 is another program's",
			logs: []logFile{
				{name: fileSystem, events: system(
					evtxtest.WithCaller(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001), evtxtest.TermServicePID, `C:\Windows\System32\svchost.exe`),
					evtxtest.WithCaller(evtxtest.Schannel36870(at(3*hour), 0x8009030D, 10001), 888, `C:\Windows\System32\svchost.exe`))},
				{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCM261(at(4 * hour)), evtxtest.RCM261(at(30 * time.Minute))}},
			},
			expect: []expect{{ruleCert, detected, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "tls-36871-10013-lsass", about: "Schannel 36871 Type server, ErrorState 10013, CallerProcessImageName lsass.exe: lsass's own TLS error (10013 depends on the versions the caller allows), not RDP's",
			logs: []logFile{{name: fileSystem, events: system(
				evtxtest.WithCaller(evtxtest.Schannel36871(at(1*hour), 10013), 716, `C:\Windows\System32\lsass.exe`))}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		},
	)

	// A configured (custom or template) certificate that cannot be used.
	sha := bytes.Repeat([]byte{0x5A}, 20)
	out = append(out,
		certSet("cert-1055-configured-key", "RCM 1055: the configured certificate's private key cannot be accessed",
			evtxtest.RCMConfiguredCert(at(2*hour), 1055, "CN=rdp.contoso.com", sha), "configured-cert-key-inaccessible"),
		certSet("cert-1053-configured-expired", "RCM 1053: the configured certificate has expired",
			evtxtest.RCMConfiguredCert(at(2*hour), 1053, "CN=rdp.contoso.com", sha), "configured-cert-expired"),
		certSet("cert-1059-configuration-reset", "RCM 1059: the certificate configuration was invalid and was reset",
			evtxtest.RCMConfiguredCert(at(2*hour), 1059, "", nil), "configured-cert-unusable"),
		certSet("cert-36869-svchost", "Schannel 36869 (no private key attached) whose caller is svchost.exe",
			evtxtest.WithCaller(evtxtest.Schannel36869(at(1*hour)), evtxtest.TermServicePID, `C:\Windows\System32\svchost.exe`), "configured-cert-no-key"),
	)

	// A fault that recovered: 1058, then 1056 (a new certificate).
	out = append(out, set{
		name: "cert-1058-then-1056", about: "RCM 1058 Access is denied, then RCM 1056 three hours later (a new self-signed certificate)",
		logs: []logFile{{name: fileSystem, events: system(
			evtxtest.RCM1058(at(5*hour), "Access is denied."),
			evtxtest.RCM1056(at(2*hour), "AZ-RDPVM01", bytes.Repeat([]byte{0xCD}, 20)))}},
		expect: []expect{{ruleCert, resolved, "machinekeys-access-denied"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
	})

	// Scenario 2.
	out = append(out,
		set{
			name: "tls-36871-10013", about: "Schannel 36871 Type server, ErrorState 10013",
			logs: []logFile{{name: fileSystem, events: system(
				evtxtest.Schannel36871(at(30*time.Minute), 10013),
				evtxtest.Schannel36871(at(90*time.Minute), 10013))}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, detected, "tls-server-no-protocol"}, {ruleBroker, notChecked, ""}},
		},
		set{
			name: "tls-36871-other-state", about: "Schannel 36871 with an internal state other than 10013",
			logs:   []logFile{{name: fileSystem, events: system(evtxtest.Schannel36871(at(4*hour), 10011))}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, possible, "-"}, {ruleBroker, notChecked, ""}},
		},
	)

	// Scenario 3, on the broker: old computer name before the rename, 6011,
	// then 2056 and 1296 under the new name.
	{
		const oldName, newName = "RDCB-OLD.contoso.com", "RDCB01.contoso.com"
		sys := noise()
		for _, ev := range sys {
			if ev.System.TimeCreated.Before(at(3 * day)) {
				ev.System.Computer = oldName
			} else {
				ev.System.Computer = newName
			}
		}
		rename := evtxtest.EventLog6011(at(3*day-time.Minute), "RDCB-OLD", "RDCB01")
		rename.System.Computer = newName
		sys = sorted(append(sys, rename))
		b := evtxtest.SessionBroker2056(at(2*hour), "NULL", "NULL", "Logon to the database failed.")
		b.System.Computer = newName
		b0 := evtxtest.SessionBroker2056(at(8*day), "NULL", "NULL", "Logon to the database failed.")
		b0.System.Computer = oldName
		c := evtxtest.SessionBrokerClient1296(at(1*hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		c.System.Computer = newName
		c0 := brokerIdle(evtxtest.ChannelSessionBrokerClient, evtxtest.ProviderSessionBrokerClient, 1281)[0]
		c0.System.Computer = oldName
		out = append(out, set{
			name: "broker-renamed", about: "SessionBroker 2056 and SessionBroker-Client 1296 after a rename (EventLog 6011, Computer field change)",
			logs: []logFile{
				{name: fileSystem, events: sys},
				{name: fileBroker, events: []*evtx.Event{b0, b}},
				{name: fileClient, events: []*evtx.Event{c0, c}},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, detected, "broker-database-logon"}},
		})
	}
	// Scenario 3 on an RD Session Host: only the client log exists.
	{
		c := evtxtest.SessionBrokerClient1296(at(1*hour), "CONTOSO", "bob", "Remote Desktop Connection Broker is not ready for RPC communication.")
		out = append(out, set{
			name: "broker-client-only", about: "SessionBroker-Client 1296 on an RD Session Host (no broker log), no sign of a rename",
			logs: []logFile{
				{name: fileSystem, events: system()},
				{name: fileClient, events: append(brokerIdle(evtxtest.ChannelSessionBrokerClient, evtxtest.ProviderSessionBrokerClient, 1281), c)},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, possible, "broker-not-ready"}},
		})
		c2 := evtxtest.SessionBrokerClient1296(at(1*hour), "CONTOSO", "bob", "Remote Desktop Connection Broker is not ready for RPC communication.")
		out = append(out, set{
			name: "broker-client-renamed", about: "SessionBroker-Client 1296 two days after EventLog 6011 (the computer was renamed)",
			logs: []logFile{
				{name: fileSystem, events: system(evtxtest.EventLog6011(at(2*day), "RDSH-OLD", evtxtest.DefaultComputer))},
				{name: fileClient, events: append(brokerIdle(evtxtest.ChannelSessionBrokerClient, evtxtest.ProviderSessionBrokerClient, 1281), c2)},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, detected, "broker-not-ready"}},
		})
	}

	// The same events just outside the window (3 days before it).
	out = append(out, set{
		name: "outside-window", about: "RCM 1058 and SessionBroker 2056 three days before the window, Schannel 36871 ten hours before it",
		logs: []logFile{
			{name: fileSystem, events: system(
				evtxtest.RCM1058(at(4*day), "Access is denied."),
				evtxtest.Schannel36871(at(day+10*hour), 10013))},
			{name: fileBroker, events: []*evtx.Event{
				brokerIdle(evtxtest.ChannelSessionBroker, evtxtest.ProviderSessionBroker, 1001)[0],
				evtxtest.SessionBroker2056(at(4*day), "NULL", "NULL", "Logon to the database failed."),
				brokerIdle(evtxtest.ChannelSessionBroker, evtxtest.ProviderSessionBroker, 1001)[0],
			}},
		},
		expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notDetected, ""}},
	})
	// The last broker event must be the newest; fix its time.
	{
		s := &out[len(out)-1]
		s.logs[1].events[2].System.TimeCreated = at(12 * hour)
	}

	// Right event ids from the wrong providers.
	{
		lsm := evtxtest.RCM1058(at(2*hour), "Access is denied.")
		lsm.System.Provider = evtx.Provider{Name: "Microsoft-Windows-TerminalServices-LocalSessionManager", GUID: "{5D896912-022D-40AA-A3A8-4FA5515C76D7}"}
		sch := evtxtest.Schannel36871(at(3*hour), 10013)
		sch.System.Provider = evtx.Provider{Name: "Microsoft-Windows-Schannel-Events", GUID: "{91CC1150-71AA-47E2-AE18-C96E61736B6F}"}
		sch70 := evtxtest.Schannel36870(at(3*hour), 0x8009030D, 10001)
		sch70.System.Provider.Name = "schannel " // not the provider name
		out = append(out, set{
			name: "wrong-provider", about: "event ids 1058, 36870, 36871 from other providers",
			logs:   []logFile{{name: fileSystem, events: system(lsm, sch, sch70)}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		})
	}

	// Right events in the wrong logs: broker events in System (where the
	// article looks), RCM 1058 in Application.
	{
		b := evtxtest.SessionBroker2056(at(2*hour), "NULL", "NULL", "Logon to the database failed.")
		b.System.Channel = "System"
		c := evtxtest.SessionBrokerClient1296(at(2*hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		c.System.Channel = "System"
		r := evtxtest.RCM1058(at(2*hour), "Access is denied.")
		r.System.Channel = "Application"
		out = append(out, set{
			name: "wrong-channel", about: "2056 and 1296 in System, RCM 1058 in Application",
			logs: []logFile{
				{name: fileSystem, events: system(b, c)},
				{name: "Application.evtx", events: []*evtx.Event{r}},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		})
	}

	// The article's padded provider names.
	{
		b := evtxtest.SessionBroker2056(at(2*hour), "NULL", "NULL", "Logon to the database failed.")
		b.System.Provider.Name = " " + evtxtest.ProviderSessionBroker + " "
		c := evtxtest.SessionBrokerClient1296(at(2*hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		c.System.Provider.Name = " " + evtxtest.ProviderSessionBrokerClient + " "
		out = append(out, set{
			name: "padded-provider", about: "2056 and 1296 whose provider names carry the article's padding",
			logs: []logFile{
				{name: fileSystem, events: system()},
				{name: fileBroker, events: append(brokerIdle(evtxtest.ChannelSessionBroker, evtxtest.ProviderSessionBroker, 1001), b)},
				{name: fileClient, events: append(brokerIdle(evtxtest.ChannelSessionBrokerClient, evtxtest.ProviderSessionBrokerClient, 1281), c)},
			},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notDetected, ""}},
		})
	}

	// Several scenarios at once.
	out = append(out, set{
		name: "several", about: "scenarios 1, 2 and 3 at once",
		logs: []logFile{
			{name: fileSystem, events: system(
				evtxtest.RCM1058(at(2*hour), "Access is denied."),
				evtxtest.Schannel36870(at(2*hour-time.Second), 0x8009030D, 10001),
				evtxtest.Schannel36871(at(5*hour), 10013))},
			{name: fileBroker, events: append(brokerIdle(evtxtest.ChannelSessionBroker, evtxtest.ProviderSessionBroker, 1001),
				evtxtest.SessionBroker2056Data(at(3*hour), "NULL", "NULL", "Logon to the database failed."))},
		},
		expect: []expect{{ruleCert, detected, "machinekeys-access-denied"}, {ruleTLS, detected, "tls-server-no-protocol"}, {ruleBroker, possible, "broker-database-logon"}},
	})

	// A dirty log whose newest chunk the file header does not count; the
	// evidence is only there.
	out = append(out, set{
		name: "dirty-uncounted-chunk", about: "dirty System log; RCM 1057 only in the chunk the header does not count",
		logs: []logFile{{name: fileSystem,
			events: system(evtxtest.RCM1057(at(10*time.Minute), "Keyset does not exist")),
			opts:   evtxtest.Options{Dirty: true, MaxRecordsPerChunk: 40, UndercountChunks: 1, UncountRecords: 3}}},
		expect: []expect{{ruleCert, detected, "key-missing-or-corrupt"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
	})

	// A full, wrapped circular log: the newest chunks come first in the
	// file, the evidence sits in the newest chunk.
	out = append(out, set{
		name: "wrapped-full-log", about: "full System log that wrapped (oldest chunk in the middle of the file); Schannel 36871 in the newest chunk",
		logs: []logFile{{name: fileSystem,
			events: system(evtxtest.Schannel36871(at(20*time.Minute), 10013)),
			opts:   evtxtest.Options{Full: true, MaxRecordsPerChunk: 30, OldestChunk: 2}}},
		expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, detected, "tls-server-no-protocol"}, {ruleBroker, notChecked, ""}},
	})

	// A log archived when full: the live System log starts 6 hours back,
	// the archive holds the rest of the window and the evidence.
	{
		var live, old []*evtx.Event
		for _, ev := range system(evtxtest.RCM1057(at(10*hour), "Keyset does not exist")) {
			if ev.System.TimeCreated.After(at(6 * hour)) {
				live = append(live, ev)
			} else {
				old = append(old, ev)
			}
		}
		out = append(out, set{
			name: "archived-system", about: "System log archived 6 hours back (Archive-System-...evtx holds the older events and the RCM 1057)",
			logs: []logFile{
				{name: fileSystem, events: live},
				{name: "Archive-System-2024-05-01-06-00-00-000.evtx", events: old},
			},
			expect: []expect{{ruleCert, detected, "key-missing-or-corrupt"}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		})
	}

	// A log that starts inside the window: nothing can be said.
	{
		var evs []*evtx.Event
		for _, ev := range noise() {
			if ev.System.TimeCreated.After(at(6 * hour)) {
				evs = append(evs, ev)
			}
		}
		out = append(out, set{
			name: "starts-in-window", about: "System log whose oldest record is 6 hours before the reference time",
			logs: []logFile{{name: fileSystem, events: evs}},
			expect: []expect{{ruleCert, notChecked, ""}, {ruleTLS, notChecked, ""}, {ruleBroker, notChecked, ""},
				{ruleService, notChecked, ""}, {ruleNetwork, notChecked, ""}, {ruleListener, notChecked, ""}, {ruleDisk, notChecked, ""},
				{ruleUnstable, notChecked, ""}, {ruleFirewall, notChecked, ""}, {ruleBrute, notChecked, ""}, {ruleTrust, notChecked, ""}},
		})
	}

	// A VM without the broker role: the broker-client channel exists but
	// holds nothing.
	out = append(out, set{
		name: "broker-log-empty", about: "empty SessionBroker-Client/Operational log (role not installed)",
		logs: []logFile{
			{name: fileSystem, events: system()},
			{name: fileClient, events: nil},
		},
		expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
	})

	// One record whose header time is far off (damaged or forged) sets the
	// reference time: the real events, a year older, are not analysed, and
	// the report warns.
	{
		evs := system(evtxtest.RCM1058(at(2*hour), "Access is denied."))
		for _, ev := range evs {
			ev.System.TimeCreated = ev.System.TimeCreated.Add(-400 * day)
		}
		evs = append(evs, evtxtest.SCM7036(T0, "Windows Update", "running", "wuauserv"))
		out = append(out, set{
			name: "far-off-record", about: "the newest record is 400 days newer than every other one (damaged or forged time)",
			logs:   []logFile{{name: fileSystem, events: evs}},
			expect: []expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}},
		})
	}

	// Nothing wrong (the noise stops and starts TermService normally).
	out = append(out, set{
		name: "healthy", about: "System noise only",
		logs:   []logFile{{name: fileSystem, events: system(evtxtest.RCM1056(at(20*day), "AZ-RDPVM01", bytes.Repeat([]byte{0xAB}, 20)))}},
		expect: append([]expect{{ruleCert, notDetected, ""}, {ruleTLS, notDetected, ""}, {ruleBroker, notChecked, ""}}, systemQuiet()...),
	})
	out = append(out, causeSets()...)

	// A zip of exported logs.
	out = append(out, set{
		name: "zip", about: "scenario 1 and 2 logs in a zip", input: "logs.zip", zipName: "logs.zip",
		logs: []logFile{
			{name: fileSystem, events: system(
				evtxtest.RCM1057(at(2*hour), "Object already exists."),
				evtxtest.Schannel36871(at(3*hour), 10013))},
			{name: "Application.evtx", events: application(at(2*day), 3)},
		},
		expect: []expect{{ruleCert, detected, "stale-key-container"}, {ruleTLS, detected, "tls-server-no-protocol"}, {ruleBroker, notChecked, ""}},
	})

	// A mounted OS disk.
	{
		const logs = "Windows/System32/winevt/Logs/"
		c := evtxtest.SessionBrokerClient1296(at(1*hour), "CONTOSO", "alice", "Remote Desktop Connection Broker is not ready for RPC communication.")
		app := application(at(2*day), 5)
		out = append(out, set{
			name: "volume", about: "a mounted OS disk: Windows/System32/winevt/Logs with System, broker-client and unrelated logs",
			logs: []logFile{
				{name: logs + fileSystem, events: system(evtxtest.Schannel36870(at(1*hour), 0x8009030D, 10001))},
				{name: logs + fileClient, events: append(brokerIdle(evtxtest.ChannelSessionBrokerClient, evtxtest.ProviderSessionBrokerClient, 1281), c)},
				{name: logs + "Application.evtx", events: app},
			},
			expect: []expect{{ruleCert, possible, "schannel-private-key"}, {ruleTLS, notDetected, ""}, {ruleBroker, possible, "broker-not-ready"}},
		})
	}
	out = append(out, clockSets()...)
	for i := range out {
		fillQuiet(&out[i])
	}
	return out
}

// Generate replaces dir with the fixture sets.
func Generate(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, s := range sets() {
		sd := filepath.Join(dir, s.name)
		if err := os.MkdirAll(sd, 0o755); err != nil {
			return err
		}
		var zbuf bytes.Buffer
		var zw *zip.Writer
		if s.zipName != "" {
			zw = zip.NewWriter(&zbuf)
		}
		for _, l := range s.logs {
			b, err := evtxtest.Bytes(l.events, l.opts)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", s.name, l.name, err)
			}
			if zw != nil {
				w, err := zw.CreateHeader(&zip.FileHeader{Name: l.name, Method: zip.Deflate, Modified: T0})
				if err != nil {
					return err
				}
				if _, err := w.Write(b); err != nil {
					return err
				}
				continue
			}
			p := filepath.Join(sd, filepath.FromSlash(l.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				return err
			}
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(sd, s.zipName), zbuf.Bytes(), 0o644); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(sd, "EXPECT"), []byte(expectFile(s)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// expectFile renders a set's expectations:
//
//	# about
//	input: <path relative to the set>
//	<rule> <verdict> [<refinement>|-]
func expectFile(s set) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", s.about)
	input := s.input
	if input == "" {
		input = "."
	}
	fmt.Fprintf(&b, "input: %s\n", input)
	for _, e := range s.expect {
		line := e.rule + " " + e.verdict
		if e.refinement != "" {
			line += " " + e.refinement
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
