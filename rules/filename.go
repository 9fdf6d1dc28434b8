package rules

import "strings"

// classicChannels are the channels Windows names without a /, which a
// file name can name as a word (vm1-System.evtx); every other channel's
// name holds a / (Microsoft-Windows-<Provider>/Operational), written %4
// in a file name. A classic log's file in winevt\Logs is its channel's
// name and .evtx ("Key Management Service.evtx"), so a disk's copy, cut or
// unreadable, is that channel's log and never "channel unknown".
//
//   - Application, Security, Setup, System and ForwardedEvents: Windows
//     Logs in Microsoft's "Event Logs" (Windows Event Log) documentation.
//   - Windows PowerShell: "a classic event log" named "Windows PowerShell"
//     (learn.microsoft.com, PowerShell about_EventLogs).
//   - HardwareEvents (Microsoft-Windows-WSMAN-SEL_LogRecord), Key
//     Management Service (Microsoft-Windows-Security-SPP), Media Center
//     (ehRecvr, ehSched, MCUpdate), DFS Replication (DFSR) and Windows
//     PowerShell (PowerShell) are the log types of those sources in
//     libyal/winevt-kb's docs/sources/eventlog-providers.
//   - Directory Service, Active Directory Web Services, DNS Server, DFS
//     Replication and File Replication Service: a domain controller's
//     logs, the channels observIQ/bindplane-otel-collector's
//     plugins/active_directory_logs.yaml reads (windowseventlog channel:
//     "Directory Service" ...); Directory Service records carry
//     <Channel>Directory Service</Channel> (Microsoft-Windows-
//     ActiveDirectory_DomainService events quoted in EvotecIT/
//     PSEventViewer's Rules/ActiveDirectory/Replication.cs).
//   - OAlerts (Microsoft Office alerts, event 300: OAlerts.evtx, M.
//     Bromiley, "OAlerts - The Microsoft Office Event Log", medium.com/
//     @mbromileyDFIR), Internet
//     Explorer, HardwareEvents, Key Management Service and Windows
//     PowerShell: files of a Windows 10 winevt\Logs as listed in
//     mai1x9/windows-agent-utilities' eventlogs/README.md; Internet
//     Explorer and Media Center in Computer-Tsu/Windows-Files-and-Folders'
//     Appendices/Apdx-Event-Logs.md (%SystemRoot%\System32\Winevt\Logs\
//     Internet Explorer.evtx, Media Center.evtx).
//
// No name holds another as a whole word ("Directory Service" is not one
// in "Active Directory Web Services": a letter follows it), so a log's own
// file name claims its channel alone.
var classicChannels = []string{
	"Application", "Security", "Setup", "System", "ForwardedEvents",
	"HardwareEvents", "Windows PowerShell", "Key Management Service", "Internet Explorer",
	"OAlerts", "Media Center", "DNS Server", "Directory Service", "Active Directory Web Services",
	"DFS Replication", "File Replication Service",
}

// FileNameClaim returns the channel the file name fileCh (a log's
// channel as LogChannel gives it: %4 read as /, no .evtx) claims its
// records are of, "" when it names none (export, ex_001, cut, view): a
// name holding a / is a channel's name, and otherwise a name that is a
// classic channel's (Security), or holds it as a whole word with only
// decoration around it (vm1-System, System (1): NamesChannel), names that
// channel.
func FileNameClaim(fileCh string) string {
	if strings.Contains(fileCh, "/") {
		return fileCh
	}
	for _, c := range classicChannels {
		if strings.EqualFold(fileCh, c) || NamesChannel(fileCh, c) {
			return c
		}
	}
	return ""
}

// Misnamed reports whether the file name fileCh names a channel
// (FileNameClaim) other than ch, its records' channel: a renamed copy
// (a Security.evtx holding System records). A name that names no channel
// (export.evtx) makes no such claim, and one that holds ch as a whole
// word (vm1-System.evtx holding System records) names ch. dump, query and
// analyze say a log is misnamed when this says so.
func Misnamed(fileCh, ch string) bool {
	if ch == "" || FileNameClaim(fileCh) == "" {
		return false
	}
	return !strings.EqualFold(fileCh, ch) && !NamesChannel(fileCh, ch)
}

// NamesChannel reports whether the file name name (its channel as
// LogChannel gives it: %4 read as /, no .evtx) holds the channel ch
// as a whole name, compared case-insensitively, with only decoration
// before or after it: a character that is not a letter or digit on each
// side where ch does not start or end the name, and no / in what lies
// outside it. The / rule keeps a channel inside another's name apart:
// "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"
// does not name Security, nor "Microsoft-Windows-Security-Mitigations/
// KernelMode"; "Microsoft-Windows-SystemDataArchiver/Diagnostic" does
// not name System (a letter follows it).
func NamesChannel(name, ch string) bool {
	if ch == "" || len(name) <= len(ch) {
		return false
	}
	lname, lch := strings.ToLower(name), strings.ToLower(ch)
	for from := 0; from+len(lch) <= len(lname); {
		i := strings.Index(lname[from:], lch)
		if i < 0 {
			return false
		}
		i += from
		before, after := lname[:i], lname[i+len(lch):]
		if (before == "" || !isWordByte(before[len(before)-1])) &&
			(after == "" || !isWordByte(after[0])) &&
			!strings.Contains(before, "/") && !strings.Contains(after, "/") {
			return true
		}
		from = i + 1
	}
	return false
}

// isWordByte reports whether b is an ASCII letter or digit, or a byte of
// a multi-byte UTF-8 character (a letter of another script).
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}
