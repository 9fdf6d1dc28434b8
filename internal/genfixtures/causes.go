package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// Rule ids of the causes beyond the article (rdp-causes.md §2).
const (
	ruleService  = "rdp-service-not-running"
	ruleLogon    = "rdp-logon-account"
	ruleBrute    = "rdp-brute-force"
	ruleFirewall = "rdp-guest-firewall"
	ruleFwRules  = "rdp-firewall-rules"
	ruleNetwork  = "rdp-network-services"
	ruleLicense  = "rdp-licensing"
	ruleTrust    = "rdp-domain-trust"
	ruleListener = "rdp-listener"
	ruleDisk     = "rdp-os-disk-full"
	ruleUnstable = "rdp-os-unstable"
)

const (
	fileSecurity = "Security.evtx"
	fileRCMAdmin = "Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Admin.evtx"
	fileFirewall = "Microsoft-Windows-Windows Firewall With Advanced Security%4Firewall.evtx"
)

// systemQuiet are the verdicts of the System-only rules on a System log
// without their events (the noise stops and starts TermService normally).
func systemQuiet(except ...string) []expect {
	var out []expect
	for _, r := range []string{ruleService, ruleNetwork, ruleFirewall, ruleListener, ruleDisk, ruleUnstable} {
		skip := false
		for _, e := range except {
			skip = skip || e == r
		}
		if !skip {
			out = append(out, expect{r, notDetected, ""})
		}
	}
	return out
}

// security is a Security log covering the window: an old successful logon,
// the events, and a successful logon at T0-1m.
func security(evs ...*evtx.Event) []*evtx.Event {
	return sorted(append([]*evtx.Event{
		evtxtest.Security4624(T0.Add(-9*day), "azureuser", "198.51.100.20", 10),
		evtxtest.Security4624(T0.Add(-time.Minute), "azureuser", "198.51.100.20", 10),
	}, evs...))
}

// causeSets are the fixture sets of the rules beyond the article: per rule
// one where it is detected, one where it must not be (the noisy normal
// case among them), and one resolved where the rule has a recovery.
func causeSets() []set {
	at := func(d time.Duration) time.Time { return T0.Add(-d) }
	sys := func(evs ...*evtx.Event) logFile { return logFile{name: fileSystem, events: system(evs...)} }
	var out []set
	add := func(name, about string, logs []logFile, expects ...expect) {
		out = append(out, set{name: name, about: about, logs: logs, expect: expects})
	}

	// Remote Desktop Services not running.
	add("svc-termservice-disabled", "SCM 7000 for TermService (German display name), %%1058 ERROR_SERVICE_DISABLED",
		[]logFile{sys(evtxtest.SCM7000(at(3*hour), "Remotedesktopdienste", "%%1058", "TermService"))},
		append([]expect{{ruleService, detected, "service-disabled"}}, systemQuiet(ruleService)...)...)
	add("svc-termservice-logon", "SCM 7000 for TermService, %%1069 ERROR_SERVICE_LOGON_FAILED",
		[]logFile{sys(evtxtest.SCM7000(at(3*hour), "Remote Desktop Services", "%%1069", "TermService"))},
		expect{ruleService, detected, "service-logon-failed"})
	add("svc-sessionenv-crashed", "SCM 7031 for SessionEnv (terminated unexpectedly)",
		[]logFile{sys(evtxtest.SCM7031(at(3*hour), "Remote Desktop Configuration", "SessionEnv"))},
		expect{ruleService, detected, "service-hung-or-crashed"})
	add("svc-termservice-set-disabled", "SCM 7040: the start type of TermService changed from demand start to disabled",
		[]logFile{sys(evtxtest.SCM7040(at(5*hour), "Remote Desktop Services", "demand start", "disabled", "TermService"))},
		expect{ruleService, detected, "service-set-disabled"})
	add("svc-termservice-recovered", "SCM 7000 for TermService (%%1058), then 7036 TermService running three hours later",
		[]logFile{sys(
			evtxtest.SCM7000(at(5*hour), "Remote Desktop Services", "%%1058", "TermService"),
			evtxtest.SCM7036(at(2*hour), "Remote Desktop Services", "running", "TermService"))},
		expect{ruleService, resolved, "service-disabled"})
	add("svc-other-running", "SCM 7000 for TermService (%%5), then 7036 running of another service (UmRdpService)",
		[]logFile{sys(
			evtxtest.SCM7000(at(5*hour), "Remote Desktop Services", "%%5", "TermService"),
			evtxtest.SCM7036(at(2*hour), "Remote Desktop Services UserMode Port Redirector", "running", "UmRdpService"))},
		expect{ruleService, detected, "service-access-denied"})
	add("svc-other-services-failed", "SCM 7000 and 7023 for services RDP does not need (Spooler, iphlpsvc), one named like Remote Desktop Services",
		[]logFile{sys(
			evtxtest.SCM7000(at(3*hour), "Remote Desktop Services", "%%1058", "Spooler"),
			evtxtest.SCM7023(at(4*hour), "IP Helper", "%%1058", "iphlpsvc"))},
		systemQuiet()...)

	// SCM events whose key name is not in <Binary> (rdp-service-not-running.yaml):
	// 7011 names it in param2, 7038 in param1 (the key name, or the
	// display name on some reports: only possible); 7040's new start type
	// is localized.
	add("svc-umrdp-7011", "SCM 7011 (a transaction response timed out) for UmRdpService, named in param2, no <Binary>",
		[]logFile{sys(evtxtest.SCM(at(3*hour), 7011, evtxtest.LevelError, "", "30000", "UmRdpService"))},
		expect{ruleService, detected, "service-hung-or-crashed"})
	add("svc-termservice-7038", "SCM 7038 (could not log on) for TermService, named in param1, no <Binary>",
		[]logFile{sys(evtxtest.SCM(at(3*hour), 7038, evtxtest.LevelError, "", "TermService", `CONTOSO\rdsvc`, "%%1326"))},
		expect{ruleService, detected, "service-logon-account"})
	add("svc-7038-display-name", "SCM 7038 naming the service by its English display name, Remote Desktop Services: possible",
		[]logFile{sys(evtxtest.SCM(at(3*hour), 7038, evtxtest.LevelError, "", "Remote Desktop Services", `CONTOSO\rdsvc`, "%%1326"))},
		expect{ruleService, possible, "service-logon-account"})
	add("svc-start-type-unknown", "SCM 7040 for TermService from Manuell starten to Deaktiviert (German; Deaktiviert is not a text the rule knows): possible, the text said",
		[]logFile{sys(evtxtest.SCM7040(at(4*hour), "Remotedesktopdienste", "Manuell starten", "Deaktiviert", "TermService"))},
		expect{ruleService, possible, "service-start-type-unknown"})
	add("svc-start-type-restored", "SCM 7040 for TermService to Deaktiviert, then back to Manuell starten (German)",
		[]logFile{sys(
			evtxtest.SCM7040(at(6*hour), "Remotedesktopdienste", "Manuell starten", "Deaktiviert", "TermService"),
			evtxtest.SCM7040(at(2*hour), "Remotedesktopdienste", "Deaktiviert", "Manuell starten", "TermService"))},
		expect{ruleService, resolved, "service-start-type-unknown"})
	// Windows 7 and Server 2008 R2: failures without <Binary> name the
	// service by its display name alone (the 7600 manifest): possible in
	// English; a later 7036 running (which carries the key name) resolves.
	add("svc-win7-termservice-crashed", "SCM 7034 (terminated unexpectedly) naming Remote Desktop Services by display name, no <Binary>, as Windows 7 and Server 2008 R2 write it: possible",
		[]logFile{sys(evtxtest.SCM(at(3*hour), 7034, evtxtest.LevelError, "", "Remote Desktop Services", "1"))},
		expect{ruleService, possible, "service-hung-or-crashed"})
	add("svc-win7-termservice-disabled-recovered", "SCM 7000 (%%1058) naming Remote Desktop Services by display name, no <Binary> (Windows 7), then 7036 TermService running",
		[]logFile{sys(
			evtxtest.SCM(at(5*hour), 7000, evtxtest.LevelError, "", "Remote Desktop Services", "%%1058"),
			evtxtest.SCM7036(at(2*hour), "Remote Desktop Services", "running", "TermService"))},
		expect{ruleService, resolved, "service-disabled"})
	add("svc-localized-normal", "SCM 7040 for TermService between start types in German and Japanese, 7011 and 7038 for other services (ScDeviceEnum, MSSQLSERVER), 7038 for a service named like none of RDP's: not a finding",
		[]logFile{sys(
			evtxtest.SCM7040(at(9*hour), "Remotedesktopdienste", "Manuell starten", "Automatisch starten", "TermService"),
			evtxtest.SCM7040(at(8*hour), "リモート デスクトップ サービス", "自動的な開始", "要求による開始", "TermService"),
			evtxtest.SCM7040(at(7*hour), "DHCP-Client", "Automatisch starten", "Manuell starten", "Dhcp"),
			evtxtest.SCM(at(6*hour), 7011, evtxtest.LevelError, "", "30000", "ScDeviceEnum"),
			evtxtest.SCM(at(5*hour), 7038, evtxtest.LevelError, "", "MSSQLSERVER", `CONTOSO\sql`, "%%1326"),
			evtxtest.SCM(at(4*hour), 7038, evtxtest.LevelError, "", "Print Spooler", `.\spool`, "%%1326"))},
		systemQuiet()...)

	// Network services.
	add("net-dhcp-disabled", "SCM 7000 for Dhcp, %%1058",
		[]logFile{sys(evtxtest.SCM7000(at(2*hour), "DHCP Client", "%%1058", "Dhcp"))},
		append([]expect{{ruleNetwork, detected, "dhcp-down"}}, systemQuiet(ruleNetwork)...)...)
	add("net-netlogon-dependency", "SCM 7001 for Netlogon (the Workstation service it depends on failed)",
		[]logFile{sys(evtx7001(at(2 * hour)))},
		expect{ruleNetwork, detected, "netlogon-down"})
	add("net-nsi-recovered", "SCM 7023 for nsi, then 7036 nsi running",
		[]logFile{sys(
			evtxtest.SCM7023(at(4*hour), "Network Store Interface Service", "%%1067", "nsi"),
			evtxtest.SCM7036(at(3*hour), "Network Store Interface Service", "running", "nsi"))},
		expect{ruleNetwork, resolved, "nsi-down"})

	// Guest firewall.
	add("fw-bfe-stopped", "SCM 7023 for BFE (Base Filtering Engine terminated)",
		[]logFile{sys(evtxtest.SCM7023(at(2*hour), "Base Filtering Engine", "%%1067", "BFE"))},
		append([]expect{{ruleFirewall, detected, "bfe-down"}}, systemQuiet(ruleFirewall)...)...)
	fw := func(evs ...*evtx.Event) logFile {
		// The Firewall log reaches back 9 days: an unrelated rule added.
		old := fwRule(at(9*day), 2004, "CoreNet-DHCP-In", "Core Networking - DHCP (DHCP-In)", 1, 17, "68", 3, 1)
		return logFile{name: fileFirewall, events: sorted(append([]*evtx.Event{old}, evs...))}
	}
	add("fw-rdp-rule-deleted", "Firewall 2006: the rule RemoteDesktop-UserMode-In-TCP was deleted (German RuleName)",
		[]logFile{sys(), fw(
			evtxtest.Firewall(at(1*hour), 2006, [2]string{"RuleId", "RemoteDesktop-UserMode-In-TCP"}, [2]string{"RuleName", "Remotedesktop - Benutzermodus (TCP eingehend)"}))},
		expect{ruleFwRules, detected, "rdp-rule-changed"}, expect{ruleFirewall, notDetected, ""})
	add("fw-rdp-rule-disabled", "Firewall 2005: RemoteDesktop-UserMode-In-TCP modified, Active 0 (Windows 10 and Server 2016-2022 ids)",
		[]logFile{sys(), fw(
			fwRule(at(2*hour), 2005, "RemoteDesktop-UserMode-In-TCP", "Remote Desktop - User Mode (TCP-In)", 1, 6, "3389", 3, 0))},
		expect{ruleFwRules, detected, "rdp-rule-changed"})
	add("fw-rdp-rule-reenabled", "Firewall 2099 (Windows 11 ids): RemoteDesktop-UserMode-In-TCP disabled, then enabled and allowing 3 hours later",
		[]logFile{sys(), fw(
			fwRule(at(5*hour), 2099, "RemoteDesktop-UserMode-In-TCP", "Remote Desktop - User Mode (TCP-In)", 1, 6, "3389", 3, 0),
			fwRule(at(2*hour), 2099, "RemoteDesktop-UserMode-In-TCP", "Remote Desktop - User Mode (TCP-In)", 1, 6, "3389", 3, 1))},
		expect{ruleFwRules, resolved, "rdp-rule-changed"})
	add("fw-port-blocked", "Firewall 2071 (rule added, Windows 11 22H2+): an enabled inbound TCP block rule on ports 3389,3390",
		[]logFile{sys(), fw(
			fwRule(at(3*hour), 2071, "{6B1E8E2C-6F0B-4E4C-9C4B-2C1D3E4F5A60}", "Block RDP", 1, 6, "3389,3390", 2, 1))},
		expect{ruleFwRules, detected, "port-blocked"})
	add("fw-port-block-removed", "Firewall 2004: an inbound block rule on TCP 3389 added, then 2006 deleted it",
		[]logFile{sys(), fw(
			fwRule(at(6*hour), 2004, "{6B1E8E2C-6F0B-4E4C-9C4B-2C1D3E4F5A60}", "Block RDP", 1, 6, "3389", 2, 1),
			evtxtest.Firewall(at(1*hour), 2006, [2]string{"RuleId", "{6B1E8E2C-6F0B-4E4C-9C4B-2C1D3E4F5A60}"}, [2]string{"RuleName", "Block RDP"}))},
		expect{ruleFwRules, resolved, "port-blocked"})
	add("fw-profile-block-all", "Firewall 2003: the public profile set to block all inbound connections (SettingType 3, value 1)",
		[]logFile{sys(), fw(fwProfile(at(2*hour), 4, 3, 1))},
		expect{ruleFwRules, detected, "profile-blocks-all"})
	{
		odd := fwProfile(at(2*hour), 4, 3, 1)
		odd.EventData[3].Value = evtx.Value{Kind: evtx.KindBinary, Bytes: []byte{1}}
		odd.EventData[2].Value = evtx.Value{Kind: evtx.KindUint32, Uint: 1}
		add("fw-profile-shielded-odd-value", "Firewall 2003: the public profile's block-all setting (SettingType 3) changed to a one-byte value 01, not the DWORD the rule knows: possible, the value said",
			[]logFile{sys(), fw(odd)},
			expect{ruleFwRules, possible, "-"})
	}
	add("fw-normal-changes", "Firewall changes that do not block RDP: other rules added, modified and deleted, "+
		"the Remote Desktop rule's profiles changed (still enabled, allowing), an outbound block on 3389, an inbound block on 3390, "+
		"a disabled inbound block on 3389, an inbound block on UDP 3389, the firewall turned on, block-all turned off",
		[]logFile{sys(), fw(
			fwRule(at(20*hour), 2004, "{1A2B3C4D-0000-4000-8000-000000000001}", "Contoso Agent", 1, 6, "8443", 3, 1),
			fwRule(at(19*hour), 2005, "RemoteDesktop-UserMode-In-TCP", "Remote Desktop - User Mode (TCP-In)", 1, 6, "3389", 3, 1),
			fwRule(at(18*hour), 2097, "{1A2B3C4D-0000-4000-8000-000000000002}", "Block outbound RDP", 2, 6, "3389", 2, 1),
			fwRule(at(17*hour), 2004, "{1A2B3C4D-0000-4000-8000-000000000003}", "Block 3390", 1, 6, "3390", 2, 1),
			fwRule(at(16*hour), 2004, "{1A2B3C4D-0000-4000-8000-000000000004}", "Block RDP (off)", 1, 6, "3389", 2, 0),
			fwRule(at(15*hour), 2004, "{1A2B3C4D-0000-4000-8000-000000000005}", "Block RDP UDP", 1, 17, "3389", 2, 1),
			evtxtest.Firewall(at(14*hour), 2006, [2]string{"RuleId", "{1A2B3C4D-0000-4000-8000-000000000001}"}, [2]string{"RuleName", "Contoso Agent"}),
			fwProfile(at(13*hour), 7, 1, 1),
			fwProfile(at(12*hour), 7, 3, 0))},
		expect{ruleFwRules, notDetected, ""})
	add("fw-mpssvc-recovered", "SCM 7000 for MpsSvc (%%1058), then 7036 MpsSvc running",
		[]logFile{sys(
			evtxtest.SCM7000(at(6*hour), "Windows Defender Firewall", "%%1058", "MpsSvc"),
			evtxtest.SCM7036(at(5*hour), "Windows Defender Firewall", "running", "MpsSvc"))},
		expect{ruleFirewall, resolved, "firewall-service-disabled"})

	// Account and credential failures.
	add("logon-must-change", "Security 4625 LogonType 10, SubStatus 0xC0000224 (must change password), and one wrong password",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(3*hour), "alice", "198.51.100.7", 0xC000006D, 0xC000006A, 10),
			evtxtest.Security4625(at(2*hour), "alice", "198.51.100.7", 0xC000006D, 0xC0000224, 10))}},
		expect{ruleLogon, detected, "must-change-password"}, expect{ruleBrute, notDetected, ""}, expect{ruleTrust, notDetected, ""})
	// A network logon is RDP's with NLA, or SMB's and any other network
	// service's: possible, unless an RDP connection was accepted at the
	// same moment.
	add("logon-not-granted", "Security 4625 LogonType 3 (NLA, or SMB), Status 0xC000015B (logon type not granted), no RDP log",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "bob", "198.51.100.8", 0xC000015B, 0, 3))}},
		expect{ruleLogon, possible, "network-logon-right-missing"})
	add("logon-not-granted-rdp-connection", "Security 4625 LogonType 3, Status 0xC000015B, 2 s after RdpCoreTS 131 accepted a connection from the same address: RDP with NLA",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "bob", "198.51.100.8", 0xC000015B, 0, 3))},
			{name: fileRdpCoreTS, events: []*evtx.Event{evtxtest.RdpCoreTS131(at(2*hour+2*time.Second), "198.51.100.8")}}},
		expect{ruleLogon, detected, "network-logon-right-missing"})
	add("logon-disabled-smb", "Security 4625 LogonType 3 (NtLmSsp), disabled account, RdpCoreTS log with a connection an hour away: an SMB logon, not RDP's",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "carol", "198.51.100.9", 0xC000006E, 0xC0000072, 3))},
			{name: fileRdpCoreTS, events: []*evtx.Event{evtxtest.RdpCoreTS131(at(3*hour), "203.0.113.4")}}},
		expect{ruleLogon, possible, "account-disabled"})
	add("logon-not-granted-interactive", "Security 4625 LogonType 10 (RemoteInteractive, no NLA), Status 0xC000015B (logon type not granted)",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "bob", "198.51.100.8", 0xC000015B, 0, 10))}},
		expect{ruleLogon, detected, "logon-right-missing"})
	add("logon-locked-out", "Security 4740 (account locked out) 1 s after a failed RDP logon (LogonType 10) of the same account",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(8*hour+time.Second), "carol", "198.51.100.9", 0xC000006D, 0xC000006A, 10),
			evtxtest.Security4740(at(8*hour), "carol", "AZ-RDPVM01"))}},
		expect{ruleLogon, detected, "-"})
	add("logon-wrong-password", "one Security 4625 LogonType 10, SubStatus 0xC000006A (a wrong password): noise",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "alice", "198.51.100.7", 0xC000006D, 0xC000006A, 10))}},
		expect{ruleLogon, notDetected, ""}, expect{ruleBrute, notDetected, ""}, expect{ruleTrust, notDetected, ""})
	{
		// A local program logging on as the disabled Guest (LogonType 3
		// through Advapi), as the real record 441 of Security_with_size_t.evtx.
		adv := evtxtest.Security4625(at(2*hour), "Guest", "-", 0xC000006E, 0xC0000072, 3)
		for i := range adv.EventData {
			if adv.EventData[i].Name == "LogonProcessName" {
				adv.EventData[i].Value = evtx.StringValue("Advapi  ")
			}
		}
		add("logon-advapi-disabled", "Security 4625 LogonType 3 through Advapi (a local program), disabled Guest account: not an RDP logon",
			[]logFile{sys(), {name: fileSecurity, events: security(adv)}},
			expect{ruleLogon, notDetected, ""}, expect{ruleBrute, notDetected, ""})
	}
	add("logon-no-failure-audit", "a Security log without any 4625 (logon failure auditing may be off)",
		[]logFile{sys(), {name: fileSecurity, events: security()}},
		expect{ruleLogon, notChecked, ""}, expect{ruleBrute, notChecked, ""})

	// Brute force.
	{
		var evs []*evtx.Event
		for i := 0; i < 40; i++ {
			evs = append(evs, evtxtest.Security4625(at(3*hour-time.Duration(i)*7*time.Second), "administrator",
				fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 3))
		}
		// Network logons: RDP's with NLA, or SMB's: possible until the
		// RDP logs show the burst too.
		add("brute-4625-burst", "40 Security 4625 LogonType 3 (wrong passwords) from 8 addresses within 5 minutes: RDP with NLA or SMB alike",
			[]logFile{sys(), {name: fileSecurity, events: security(evs...)}},
			expect{ruleBrute, possible, "-"}, expect{ruleLogon, notDetected, ""})
		var core3 []*evtx.Event
		for i := 0; i < 40; i++ {
			core3 = append(core3, evtxtest.RdpCoreTS140(at(3*hour-time.Duration(i)*7*time.Second), fmt.Sprintf("203.0.113.%d", i%8+1)))
		}
		add("brute-4625-burst-rdp-logs", "the same 40 network logon failures, and 40 RdpCoreTS 140 from the same addresses at the same time: RDP's",
			[]logFile{sys(), {name: fileSecurity, events: security(evs...)}, {name: fileRdpCoreTS, events: sorted(core3)}},
			expect{ruleBrute, detected, "-"}, expect{ruleLogon, notDetected, ""})
		var rdp10 []*evtx.Event
		for i := 0; i < 40; i++ {
			rdp10 = append(rdp10, evtxtest.Security4625(at(3*hour-time.Duration(i)*7*time.Second), "administrator",
				fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 10))
		}
		add("brute-4625-burst-interactive", "40 Security 4625 LogonType 10 (RDP without NLA, User32) from 8 addresses within 5 minutes",
			[]logFile{sys(), {name: fileSecurity, events: security(rdp10...)}},
			expect{ruleBrute, detected, "-"}, expect{ruleLogon, notDetected, ""})
		var spread []*evtx.Event
		for i := 0; i < 40; i++ {
			spread = append(spread, evtxtest.Security4625(at(23*hour-time.Duration(i)*30*time.Minute), "administrator",
				fmt.Sprintf("203.0.113.%d", i%8+1), 0xC000006D, 0xC000006A, 3))
		}
		add("brute-4625-spread", "40 Security 4625 from 8 addresses spread over 20 hours (below the threshold)",
			[]logFile{sys(), {name: fileSecurity, events: security(spread...)}},
			expect{ruleBrute, notDetected, ""}, expect{ruleLogon, notDetected, ""})
		var core []*evtx.Event
		core = append(core, evtxtest.RdpCoreTS131(at(9*day), "198.51.100.20:50000"))
		for i := 0; i < 50; i++ {
			core = append(core, evtxtest.RdpCoreTS140(at(2*hour-time.Duration(i)*5*time.Second), fmt.Sprintf("192.0.2.%d", i%10+1)))
		}
		add("brute-rdpcorets-140", "50 RdpCoreTS 140 (wrong user name or password) from 10 addresses within 5 minutes",
			[]logFile{sys(), {name: fileRdpCoreTS, events: sorted(core)}},
			expect{ruleBrute, detected, "-"})
	}

	// Licensing.
	add("lic-no-license-server", "RCM Admin 50280 (grace period expired, no license server with licenses)",
		[]logFile{sys(), {name: fileRCMAdmin, events: []*evtx.Event{
			rcmAdminInfo(at(9 * day)), evtxtest.RCMAdmin(at(2*hour), 50280), rcmAdminInfo(at(time.Hour))}}},
		expect{ruleLicense, detected, "-"})
	add("lic-quiet", "RCM Admin log without licensing events",
		[]logFile{sys(), {name: fileRCMAdmin, events: []*evtx.Event{rcmAdminInfo(at(9 * day)), rcmAdminInfo(at(time.Hour))}}},
		expect{ruleLicense, notDetected, ""})

	// Domain trust.
	add("trust-netlogon-3210", "NETLOGON 3210 (could not authenticate with a domain controller), NETLOGON 5719",
		[]logFile{sys(evtxtest.Netlogon5719(at(3*hour), "CONTOSO"), evtxtest.Netlogon3210(at(2*hour), "CONTOSO", "DC01"))},
		expect{ruleTrust, detected, "-"})
	add("trust-no-logon-servers", "Security 4625 LogonType 3, Status 0xC000005E (no logon servers)",
		[]logFile{sys(), {name: fileSecurity, events: security(
			evtxtest.Security4625(at(2*hour), "CONTOSO\\dave", "198.51.100.10", 0xC000005E, 0, 3))}},
		expect{ruleTrust, detected, "no-logon-servers"}, expect{ruleLogon, notDetected, ""})
	add("trust-5719-only", "NETLOGON 5719 alone (also logged at boot): weak, not a finding",
		[]logFile{sys(evtxtest.Netlogon5719(at(3*hour), "CONTOSO"))},
		expect{ruleTrust, notDetected, ""})

	// Listener.
	add("listener-port-in-use", "RCM 1036 (session creation failed: another program may hold the port)",
		[]logFile{sys(evtxtest.RCMClassic(at(2*hour), 1036, evtxtest.LevelError, "0xd0000001"))},
		append([]expect{{ruleListener, detected, "port-in-use"}}, systemQuiet(ruleListener)...)...)
	add("listener-logons-disabled", "RCM 1071 (the server does not accept connections: chglogon)",
		[]logFile{sys(evtxtest.RCMClassic(at(2*hour), 1071, evtxtest.LevelWarning))},
		expect{ruleListener, detected, "logons-disabled"})
	add("listener-recovered", "RCM 1036, then RCM Operational 258 (the listener started listening)",
		[]logFile{sys(evtxtest.RCMClassic(at(4*hour), 1036, evtxtest.LevelError, "0xd0000001")),
			{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCM261(at(9 * day)), evtxtest.RCMOperational(at(3*hour), 258)}}},
		expect{ruleListener, resolved, "port-in-use"})

	add("listener-never-started", "Windows started (EventLog 6005) 5 hours ago; the RCM Operational log (9 days, connections until 20 hours ago) has no 258 (started listening) after it",
		[]logFile{sys(evtxtest.EventLog(at(5*hour), 6005)),
			{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCMOperational(at(9*day), 258), evtxtest.RCM261(at(20 * hour))}}},
		expect{ruleListener, detected, "-"})
	add("listener-log-stale", "Windows started 5 hours ago; the RCM Operational log ends 9 days ago (an old copy): cannot be told",
		[]logFile{sys(evtxtest.EventLog(at(5*hour), 6005)),
			{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCMOperational(at(9*day), 258), evtxtest.RCM261(at(9*day - time.Minute))}}},
		expect{ruleListener, notDetected, ""})
	add("listener-started-after-boot", "Windows started 5 hours ago and the listener started listening (RCM 258) a minute later",
		[]logFile{sys(evtxtest.EventLog(at(5*hour), 6005)),
			{name: fileRCMOp, events: []*evtx.Event{evtxtest.RCMOperational(at(9*day), 258), evtxtest.RCMOperational(at(5*hour-time.Minute), 258)}}},
		expect{ruleListener, notDetected, ""})

	// The OS: disk full, crashes.
	add("os-disk-full", "Srv 2013 (the C: disk is at or near capacity)",
		[]logFile{sys(evtxtest.Srv2013(at(5*hour), "C:"))},
		append([]expect{{ruleDisk, detected, "-"}}, systemQuiet(ruleDisk)...)...)
	add("os-data-disk-full", "Srv 2013 for F: and D: (a data disk and the temporary disk, not the OS disk)",
		[]logFile{sys(evtxtest.Srv2013(at(5*hour), "F:"), evtxtest.Srv2013(at(4*hour), "D:"))},
		append([]expect{{ruleDisk, notDetected, ""}}, systemQuiet(ruleDisk)...)...)
	add("os-bugcheck", "EventLog 6008, Kernel-Power 41 and BugCheck 1001 after a crash",
		[]logFile{sys(
			evtxtest.EventLog6008(at(6*hour), "5:59:13 AM", "5/1/2024"),
			evtxtest.KernelPower41(at(6*hour-time.Second), 0x50),
			evtxtest.BugCheck1001(at(6*hour-2*time.Second), "0x00000050 (0xfffff80000000000, 0x0000000000000000, 0xfffff80012345678, 0x0000000000000002)"))},
		append([]expect{{ruleUnstable, detected, "bugcheck"}}, systemQuiet(ruleUnstable)...)...)
	add("os-clean-restart", "EventLog 6006 and 6005 (a clean restart): not a finding",
		[]logFile{sys(evtxtest.EventLog(at(6*hour), 6006), evtxtest.EventLog(at(6*hour-time.Minute), 6005))},
		systemQuiet()...)
	return out
}

// evtx7001 is SCM 7001 "The Netlogon service depends on the Workstation
// service which failed to start because of the following error: %%1058"
// (A8's sample text), with Netlogon's key name in <Binary>.
func evtx7001(t time.Time) *evtx.Event {
	return evtxtest.SCM(t, 7001, evtxtest.LevelError, "Netlogon", "Netlogon", "Workstation", "%%1058")
}

// fwRule is a Firewall rule event (2004/2071/2097 added, 2005/2073/2099 modified)
// with the fields of the manifest template, in its order and types
// (repnz/etw-providers-docs Manifests-Win10-18990; 2097/2099 add
// PolicyAppId and ErrorCode, not needed here): direction 1 inbound, 2
// outbound; protocol 6 TCP, 17 UDP; action 2 block, 3 allow; active 1
// or 0.
func fwRule(t time.Time, id uint16, ruleID, name string, direction uint32, protocol uint16, ports string, action uint32, active uint16) *evtx.Event {
	ev := evtxtest.Firewall(t, id)
	u32 := func(n uint32) evtx.Value { return evtx.Value{Kind: evtx.KindUint32, Uint: uint64(n)} }
	u16 := func(n uint16) evtx.Value { return evtx.Value{Kind: evtx.KindUint16, Uint: uint64(n)} }
	ev.EventData = []evtx.Field{
		{Name: "RuleId", Value: evtx.StringValue(ruleID)},
		{Name: "RuleName", Value: evtx.StringValue(name)},
		{Name: "Origin", Value: u32(1)},
		{Name: "ApplicationPath", Value: evtx.StringValue("")},
		{Name: "ServiceName", Value: evtx.StringValue("")},
		{Name: "Direction", Value: u32(direction)},
		{Name: "Protocol", Value: u16(protocol)},
		{Name: "LocalPorts", Value: evtx.StringValue(ports)},
		{Name: "RemotePorts", Value: evtx.StringValue("*")},
		{Name: "Action", Value: u32(action)},
		{Name: "Profiles", Value: u32(7)},
		{Name: "Active", Value: u16(active)},
		{Name: "ModifyingApplication", Value: evtx.StringValue(`C:\Windows\System32\netsh.exe`)},
	}
	return ev
}

// fwProfile is Firewall 2003 "A Windows Defender Firewall setting in the
// %1 profile has changed": Profiles (1 domain, 2 private, 4 public),
// SettingType (MS-FASP FW_PROFILE_CONFIG: 1 enable, 3 shielded) and the
// new value as binary data (a little-endian DWORD).
func fwProfile(t time.Time, profiles, settingType, value uint32) *evtx.Event {
	ev := evtxtest.Firewall(t, 2003)
	val := []byte{byte(value), byte(value >> 8), byte(value >> 16), byte(value >> 24)}
	ev.EventData = []evtx.Field{
		{Name: "Profiles", Value: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(profiles)}},
		{Name: "SettingType", Value: evtx.Value{Kind: evtx.KindUint32, Uint: uint64(settingType)}},
		{Name: "SettingValueSize", Value: evtx.Value{Kind: evtx.KindUint32, Uint: 4}},
		{Name: "SettingValue", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: val}},
		{Name: "SettingValueString", Value: evtx.StringValue(map[bool]string{true: "Yes", false: "No"}[value != 0])},
		{Name: "Origin", Value: evtx.Value{Kind: evtx.KindUint32, Uint: 1}},
		{Name: "ModifyingApplication", Value: evtx.StringValue(`C:\Windows\System32\netsh.exe`)},
	}
	return ev
}

// rcmAdminInfo is an unrelated RCM Admin event, so that the log covers the
// window.
func rcmAdminInfo(t time.Time) *evtx.Event {
	ev := evtxtest.RCMAdmin(t, 1068)
	ev.System.Level = evtxtest.LevelInformation
	ev.System.EventID = 20523
	return ev
}

// quietRules are the rules beyond the article, for fillQuiet.
var quietRules = []string{ruleService, ruleLogon, ruleBrute, ruleFirewall, ruleFwRules, ruleNetwork, ruleLicense, ruleTrust, ruleListener, ruleDisk, ruleUnstable}

// fillQuiet adds, for each rule that s does not mention, the verdict a set without that rule's events must get, from
// the logs the set has: not_detected when the logs the rule needs are
// there (System covers the window in every set that has it, unless the
// set says otherwise), not_checked when they are not.
func fillQuiet(s *set) {
	has := map[string]bool{}
	for _, l := range s.logs {
		name := l.name[strings.LastIndex(l.name, "/")+1:]
		if strings.HasPrefix(name, "Archive-System-") {
			name = fileSystem
		}
		has[name] = true
	}
	verdict := func(ok bool) string {
		if ok {
			return notDetected
		}
		return notChecked
	}
	sys := has[fileSystem]
	want := map[string]string{
		ruleService:  verdict(sys),
		ruleNetwork:  verdict(sys),
		ruleListener: verdict(sys),
		ruleDisk:     verdict(sys),
		ruleUnstable: verdict(sys),
		ruleFirewall: verdict(sys),
		ruleFwRules:  verdict(has[fileFirewall]),
		// Brute force: not checked unless a log read holds a failed logon,
		// an RDP connection or a connection to the listener (coverage)
		// within the rule's window (24 hours) and look-back (7 days).
		ruleBrute:   verdict(hasEventSince(s, T0.Add(-8*day), 4625, 131, 261)),
		ruleTrust:   verdict(sys || has[fileSecurity]),
		ruleLicense: verdict(sys && has[fileRCMAdmin]),
		// With a Security log the verdict depends on its failed logons
		// (coverage): such sets say it.
		ruleLogon: notChecked,
		// The article's rules, for the sets of the causes beyond it (no
		// broker logs there).
		ruleCert:   verdict(sys),
		ruleTLS:    verdict(sys),
		ruleBroker: notChecked,
	}
	for _, r := range append([]string{ruleCert, ruleTLS, ruleBroker}, quietRules...) {
		seen := false
		for _, e := range s.expect {
			seen = seen || e.rule == r
		}
		if !seen && !(r == ruleLogon && has[fileSecurity]) {
			s.expect = append(s.expect, expect{r, want[r], ""})
		}
	}
}

// hasEventSince reports whether a log of s holds an event with one of ids
// whose TimeCreated is since or later.
func hasEventSince(s *set, since time.Time, ids ...uint16) bool {
	for _, l := range s.logs {
		for _, ev := range l.events {
			for _, id := range ids {
				if ev.System.EventID == id && !ev.System.TimeCreated.Before(since) {
					return true
				}
			}
		}
	}
	return false
}
