package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Events of the RDP failure causes beyond the article
// (shared/reference/rdp-causes.md §2). Each constructor follows a real
// public record where one exists (named on it); otherwise the provider's
// manifest or message table, as said.

// Channels and providers of the causes.
const (
	ChannelSecurity          = "Security"
	ChannelLSMOperational    = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"
	ChannelRCMAdmin          = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin"
	ChannelFirewall          = "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"
	ProviderSecurityAuditing = "Microsoft-Windows-Security-Auditing"
	GUIDSecurityAuditing     = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	ProviderLSM              = "Microsoft-Windows-TerminalServices-LocalSessionManager"
	GUIDLSM                  = "{5D896912-022D-40AA-A3A8-4FA5515C76D7}"
	ProviderFirewall         = "Microsoft-Windows-Windows Firewall With Advanced Security"
	GUIDFirewall             = "{D1BC9AFF-2ABF-4D71-9146-ECB2A986EB85}"
	ProviderKernelPower      = "Microsoft-Windows-Kernel-Power"
	GUIDKernelPower          = "{331C3B3A-2005-44C2-AC5E-77220C37D6B4}"
	ProviderWERSystem        = "Microsoft-Windows-WER-SystemErrorReporting"
	GUIDWERSystem            = "{ABCE23E7-DE45-4366-8631-84FA6C525952}"
	ProviderNetlogon         = "NETLOGON"
	ProviderSrv              = "Srv"
	ProviderTermDD           = "TermDD"
)

// classic is a classic (non-manifest) event in the System log: provider
// without GUID, Qualifiers, Keywords Classic, unnamed data, as the real
// TermDD 56 and EventLog 6008 records of williballenthin/python-evtx
// tests/data/system.evtx (12304, 13388) show.
func classic(t time.Time, provider string, id, qualifiers uint16, level uint8, data ...string) *evtx.Event {
	ev := &evtx.Event{System: evtx.System{
		Provider:      evtx.Provider{Name: provider},
		EventID:       id,
		Qualifiers:    qualifiers,
		HasQualifiers: true,
		Level:         level,
		Keywords:      KeywordClassic,
		TimeCreated:   t,
		Channel:       ChannelSystem,
		Computer:      DefaultComputer,
	}}
	for _, d := range data {
		ev.EventData = append(ev.EventData, evtx.Field{Value: str(d)})
	}
	return ev
}

// SCM is a Service Control Manager event with named param1.. data and, when
// keyName is not "", the service key name as UTF-16LE binary data ending in
// a NUL, as in the real 7000/7023 records (omerbenamram/evtx
// samples/system.evtx: 7000 CldFlt "%%50", 7023 iphlpsvc "%%1058").
// Qualifiers 0xC000 for errors (7000-7034), 0x8000 for warnings, 0x4000
// otherwise.
func SCM(t time.Time, id uint16, level uint8, keyName string, params ...string) *evtx.Event {
	q := uint16(0x4000)
	switch level {
	case LevelError:
		q = 0xC000
	case LevelWarning:
		q = 0x8000
	}
	ev := SCM7036(t, "", "", "")
	ev.System.EventID, ev.System.Level, ev.System.Qualifiers = id, level, q
	ev.EventData = nil
	for i, p := range params {
		ev.EventData = append(ev.EventData, evtx.Field{Name: "param" + string(rune('1'+i)), Value: str(p)})
	}
	ev.Binary = nil
	if keyName != "" {
		ev.Binary = append(appendUTF16(nil, keyName), 0, 0)
	}
	return ev
}

// SCM7000 is "The %1 service failed to start due to the following error:
// %2" with param2 a Win32 error insert ("%%1058").
func SCM7000(t time.Time, displayName, insert, keyName string) *evtx.Event {
	return SCM(t, 7000, LevelError, keyName, displayName, insert)
}

// SCM7023 is "The %1 service terminated with the following error: %2".
func SCM7023(t time.Time, displayName, insert, keyName string) *evtx.Event {
	return SCM(t, 7023, LevelError, keyName, displayName, insert)
}

// SCM7031 is "The %1 service terminated unexpectedly. It has done this %2
// time(s). The following corrective action will be taken in %3
// milliseconds: %4." (rdp-causes.md §2 rank 2: key name in Binary).
func SCM7031(t time.Time, displayName, keyName string) *evtx.Event {
	return SCM(t, 7031, LevelError, keyName, displayName, "1", "120000", "1", "Restart the service")
}

// SCM7040 is "The start type of the %1 service was changed from %2 to
// %3." with the key name in param4 and no binary data, as in the real
// records of omerbenamram/evtx samples/system.evtx (param3 "disabled").
func SCM7040(t time.Time, displayName, from, to, keyName string) *evtx.Event {
	return SCM(t, 7040, LevelInformation, "", displayName, from, to, keyName)
}

// Security4625 is "An account failed to log on." in the Security log, with
// the fields of the real record 319457832 of omerbenamram/evtx
// samples/Security_short_selected.evtx (LogonType UInt32, Status and
// SubStatus HexInt32).
//
// LogonProcessName and AuthenticationPackageName follow the logon type:
// User32/Negotiate for 10 (RemoteInteractive), NtLmSsp/NTLM for 3 (a
// network logon, what NLA does), Advapi/Negotiate otherwise (a local
// program calling LogonUser).
func Security4625(t time.Time, user, ip string, status, subStatus uint32, logonType uint32) *evtx.Event {
	process, pkg := "Advapi  ", "Negotiate"
	switch logonType {
	case 10:
		process = "User32 "
	case 3:
		process, pkg = "NtLmSsp ", "NTLM"
	}
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderSecurityAuditing, GUID: GUIDSecurityAuditing},
			EventID:     4625,
			Task:        12544,
			Keywords:    0x8010000000000000,
			TimeCreated: t,
			ProcessID:   768,
			ThreadID:    2764,
			Channel:     ChannelSecurity,
			Computer:    DefaultComputer,
		},
		EventData: []evtx.Field{
			{Name: "SubjectUserSid", Value: str(SIDLocalSystem)},
			{Name: "SubjectUserName", Value: str("AZ-RDPVM01$")},
			{Name: "SubjectDomainName", Value: str("WORKGROUP")},
			{Name: "SubjectLogonId", Value: u32(evtx.KindHexInt64, 0x3e7)},
			{Name: "TargetUserSid", Value: str("S-1-0-0")},
			{Name: "TargetUserName", Value: str(user)},
			{Name: "TargetDomainName", Value: str("AZ-RDPVM01")},
			{Name: "Status", Value: u32(evtx.KindHexInt32, status)},
			{Name: "FailureReason", Value: str("%%2313")},
			{Name: "SubStatus", Value: u32(evtx.KindHexInt32, subStatus)},
			{Name: "LogonType", Value: u32(evtx.KindUint32, logonType)},
			{Name: "LogonProcessName", Value: str(process)},
			{Name: "AuthenticationPackageName", Value: str(pkg)},
			{Name: "WorkstationName", Value: str("AZ-RDPVM01")},
			{Name: "IpAddress", Value: str(ip)},
			{Name: "IpPort", Value: str("60167")},
		},
	}
}

// Security4624 is "An account was successfully logged on." (a subset of
// its fields: TargetUserName, LogonType, IpAddress).
func Security4624(t time.Time, user, ip string, logonType uint32) *evtx.Event {
	ev := Security4625(t, user, ip, 0, 0, logonType)
	ev.System.EventID = 4624
	ev.EventData = []evtx.Field{
		{Name: "TargetUserName", Value: str(user)},
		{Name: "LogonType", Value: u32(evtx.KindUint32, logonType)},
		{Name: "IpAddress", Value: str(ip)},
	}
	return ev
}

// Security4740 is "A user account was locked out." (TargetUserName, the
// account; TargetDomainName, the computer the lockout came from).
func Security4740(t time.Time, user, caller string) *evtx.Event {
	ev := Security4625(t, user, "", 0, 0, 0)
	ev.System.EventID = 4740
	ev.System.Task = 13824
	ev.System.Keywords = 0x8020000000000000
	ev.EventData = []evtx.Field{
		{Name: "TargetUserName", Value: str(user)},
		{Name: "TargetDomainName", Value: str(caller)},
		{Name: "TargetSid", Value: str("S-1-5-21-1-2-3-500")},
		{Name: "SubjectUserSid", Value: str(SIDLocalSystem)},
	}
	return ev
}

// RdpCoreTS140 is "A connection from the client computer with an IP
// address of %1 failed because the user name or password is not correct."
// (Warning, IPString), as the real record 5281377 of omerbenamram/evtx
// samples/2-vss_0-...RdpCoreTS%4Operational.evtx.
func RdpCoreTS140(t time.Time, ip string) *evtx.Event {
	ev := RdpCoreTS131(t, ip)
	ev.System.EventID = 140
	ev.System.Level = LevelWarning
	ev.System.Opcode = 14
	ev.EventData = []evtx.Field{{Name: "IPString", Value: str(ip)}}
	return ev
}

// TermDD56 is TermDD's classic 56 with \Device\Termdd and the client
// address as unnamed data, as the real record 12304 of python-evtx
// tests/data/system.evtx.
func TermDD56(t time.Time, ip string) *evtx.Event {
	return classic(t, ProviderTermDD, 56, 0xC00A, LevelError, `\Device\Termdd`, ip)
}

// RCM1149 is "Remote Desktop Services: User authentication succeeded"
// (UserData/EventXML Param1 user, Param2 domain, Param3 address), as the
// real record 462939 of omerbenamram/evtx samples/2-vss_0-...
// RemoteConnectionManager%4Operational.evtx.
func RCM1149(t time.Time, user, domain, ip string) *evtx.Event {
	ev := RCM261(t)
	ev.System.EventID = 1149
	ev.UserData = &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: str("Event_NS")}}, Children: []*evtx.Element{
		{Name: "Param1", Value: str(user)}, {Name: "Param2", Value: str(domain)}, {Name: "Param3", Value: str(ip)},
	}}
	return ev
}

// RCMOperational is an RCM Operational event with the listener name in
// UserData (258 "Listener RDP-Tcp has started listening", 259 stopped), as
// the real 261.
func RCMOperational(t time.Time, id uint16) *evtx.Event {
	ev := RCM261(t)
	ev.System.EventID = id
	return ev
}

// RCMAdmin is a manifest RCM event of the Admin channel without data
// (licensing 1069, 50280, 50282, 50283: Level 2; rdp-causes.md §2 rank 5,
// manifests M1).
func RCMAdmin(t time.Time, id uint16) *evtx.Event {
	ev := RCM261(t)
	ev.System.EventID = id
	ev.System.Level = LevelError
	ev.System.Keywords = 0x4000000000000000
	ev.System.Channel = ChannelRCMAdmin
	ev.UserData = nil
	return ev
}

// RCMClassic is a classic RCM event in System (1035, 1036, 1070, 1071,
// 1128..1131) with unnamed data.
func RCMClassic(t time.Time, id uint16, level uint8, data ...string) *evtx.Event {
	return rcm(t, id, level, data...)
}

// LSM is a LocalSessionManager Operational event (21 logon, 25
// reconnection: UserData/EventXML User, SessionID, Address), as the real
// record 39 of fukusuket/evtx-parser samples/...LocalSessionManager%4Operational.evtx.
func LSM(t time.Time, id uint16, user, address string) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderLSM, GUID: GUIDLSM},
			EventID:     id,
			Level:       LevelInformation,
			Keywords:    0x1000000000000000,
			TimeCreated: t,
			ProcessID:   900,
			ThreadID:    968,
			Channel:     ChannelLSMOperational,
			Computer:    DefaultComputer,
			UserID:      SIDLocalSystem,
		},
		UserData: &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: str("Event_NS")}}, Children: []*evtx.Element{
			{Name: "User", Value: str(user)}, {Name: "SessionID", Value: str("2")}, {Name: "Address", Value: str(address)},
		}},
	}
}

// Netlogon3210 is NETLOGON's "This computer could not authenticate with
// %2, a Windows domain controller for domain %1, and therefore this
// computer might deny logon requests..." (classic, unnamed data, like the
// real NETLOGON 5783 record 13508 of python-evtx tests/data/system.evtx).
func Netlogon3210(t time.Time, domain, dc string) *evtx.Event {
	return classic(t, ProviderNetlogon, 3210, 0xC000, LevelError, domain, `\\`+dc)
}

// Netlogon5719 is "This computer was not able to set up a secure session
// with a domain controller in domain %1 ...".
func Netlogon5719(t time.Time, domain string) *evtx.Event {
	return classic(t, ProviderNetlogon, 5719, 0xC000, LevelError, domain, "There are currently no logon servers available to service the logon request.")
}

// Srv2013 is "The %1 disk is at or near capacity. You may need to delete
// some files." (Warning).
func Srv2013(t time.Time, drive string) *evtx.Event {
	return classic(t, ProviderSrv, 2013, 0x8000, LevelWarning, `\Device\LanmanServer`, drive)
}

// EventLog6008 is "The previous system shutdown at %1 on %2 was
// unexpected." as the real record 13388 (unnamed data).
func EventLog6008(t time.Time, at, on string) *evtx.Event {
	return classic(t, ProviderEventLog, 6008, 0x8000, LevelError, at, on, "", "", "1846932", "", "")
}

// EventLog is an EventLog classic event without data (6005 "The Event log
// service was started.", 6006 "... was stopped.").
func EventLog(t time.Time, id uint16) *evtx.Event {
	return classic(t, ProviderEventLog, id, 0x8000, LevelInformation)
}

// KernelPower41 is "The system has rebooted without cleanly shutting down
// first." (manifest, Level 1, BugcheckCode).
func KernelPower41(t time.Time, bugcheck uint32) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderKernelPower, GUID: GUIDKernelPower},
			EventID:     41,
			Version:     6,
			Level:       1,
			Task:        63,
			Keywords:    0x8000400000000002,
			TimeCreated: t,
			ProcessID:   4,
			ThreadID:    8,
			Channel:     ChannelSystem,
			Computer:    DefaultComputer,
			UserID:      SIDLocalSystem,
		},
		EventData: []evtx.Field{
			{Name: "BugcheckCode", Value: u32(evtx.KindUint32, bugcheck)},
			{Name: "PowerButtonTimestamp", Value: u32(evtx.KindUint64, 0)},
		},
	}
}

// BugCheck1001 is WER-SystemErrorReporting's "The computer has rebooted
// from a bugcheck. The bugcheck was: %1." (classic form, param1).
func BugCheck1001(t time.Time, text string) *evtx.Event {
	ev := classic(t, ProviderWERSystem, 1001, 0x4000, LevelError)
	ev.System.Provider = evtx.Provider{Name: ProviderWERSystem, GUID: GUIDWERSystem, EventSourceName: "BugCheck"}
	ev.EventData = []evtx.Field{{Name: "param1", Value: str(text)}, {Name: "param2", Value: str(`C:\Windows\MEMORY.DMP`)}}
	return ev
}

// Firewall is a Windows Firewall With Advanced Security event of the
// Firewall channel with named data (2003 profile setting changed:
// Profiles, SettingType, SettingValueString; 2006 rule deleted: RuleId,
// RuleName), fields as the Windows 10 18990 manifest names them
// (repnz/etw-providers-docs).
func Firewall(t time.Time, id uint16, data ...[2]string) *evtx.Event {
	ev := &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderFirewall, GUID: GUIDFirewall},
			EventID:     id,
			Level:       LevelInformation,
			Keywords:    0x8000020000000000,
			TimeCreated: t,
			ProcessID:   2260,
			ThreadID:    3148,
			Channel:     ChannelFirewall,
			Computer:    DefaultComputer,
			UserID:      "S-1-5-19",
		},
	}
	for _, d := range data {
		ev.EventData = append(ev.EventData, evtx.Field{Name: d[0], Value: str(d[1])})
	}
	return ev
}
