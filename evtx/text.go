package evtx

import (
	"strconv"
	"strings"
)

// AppendText appends the event in the layout of `wevtutil qe /f:text`:
//
//	Event[0]:
//	  Log Name: System
//	  Source: Schannel
//	  Date: 2022-10-16T20:27:36.222
//	  Event ID: 36870
//	  Task: None
//	  Level: Error
//	  Opcode: Info
//	  Keyword: N/A
//	  User: S-1-5-18
//	  User Name: NT AUTHORITY\SYSTEM
//	  Computer: nt0000000
//	  Description:
//	A fatal error occurred when attempting to access the TLS server ...
//
// index is the N of "Event[N]". The output ends with a newline after the
// description; callers put a blank line between events, as wevtutil does.
// An event read from chunk slack (Event.Recovered) or decoded in part
// (Event.Partial) has a line that says so after "Event[N]:", as the XML
// has a comment ("  evtxrdp: recovered from chunk slack; partial: ...");
// an event without a TimeCreated has "Date: N/A", and one whose
// TimeCreated lies after the year 9999 (a damaged value) has its year
// signed as FormatTime writes it ("Date: +30828-09-14T02:48:05.477").
//
// Differences from wevtutil, which reads the provider's manifest and message
// files on a live system:
//   - Date is UTC (wevtutil prints the local time of the machine it runs on;
//     offline there is no such machine);
//   - Task and Opcode names are not in the file: Task 0 is "None", Opcode
//     uses the standard names (Info, Start, Stop, ...), other values print
//     as "(N)" like Event Viewer;
//   - Keyword names are the standard ones (Classic, Audit Success, ...);
//     provider and channel bits are not named. Keywords with no name (only
//     channel bits, as the 0x8000000000000000 of Schannel's System events,
//     or none) print "Keyword: N/A", as wevtutil prints them: Microsoft's
//     wevtutil sample of a DeviceManagement-Enterprise-Diagnostics-Provider
//     401 ("Troubleshoot VPN profiles in Intune",
//     MicrosoftDocs/SupportArticles-docs
//     support/mem/intune/device-configuration/troubleshoot-vpn-profiles.md)
//     and a wevtutil qe /f:text of Application Error 1000 on Windows 11
//     build 26100 (radare2 author's "Fixing a Radare2 bug from the Windows
//     Cmd", 2025-11-23) both show "Keyword: N/A" beside resolved Level and
//     Opcode names. (Event Viewer's "Keywords:" is blank there instead.)
//     wevtutil would name provider-defined bits from the manifest, which
//     is not in the file, so those print N/A too;
//   - User Name is known only for the well-known service SIDs, else "N/A";
//   - Description comes from a small built-in table of the events evtxrdp
//     diagnoses; for other events it lists the inserts after Event Viewer's
//     "description cannot be found" text;
//   - every value from the record (channel, provider, computer, user, the
//     inserts of the description) is escaped with EscapeText: control
//     characters show as \x1b, \n, \r, so that a value cannot drive a
//     terminal or forge lines of output (wevtutil writes them raw).
func (ev *Event) AppendText(dst []byte, index int) []byte {
	s := &ev.System
	dst = append(dst, "Event["...)
	dst = strconv.AppendInt(dst, int64(index), 10)
	dst = append(dst, "]:\n"...)
	if f := ev.flagText(); f != "" {
		dst = append(dst, "  evtxrdp: "...)
		dst = appendLine(dst, f)
	}
	dst = append(dst, "  Log Name: "...)
	dst = appendLine(dst, s.Channel)
	dst = append(dst, "  Source: "...)
	dst = appendLine(dst, s.Provider.Name)
	dst = append(dst, "  Date: "...)
	if s.TimeCreated.IsZero() {
		dst = append(dst, "N/A"...)
	} else {
		t := s.TimeCreated.UTC()
		dst = appendDateTime(dst, t) // a year past 9999 signed, as FormatTime writes it
		dst = t.AppendFormat(dst, ".000")
	}
	dst = append(dst, "\n  Event ID: "...)
	dst = strconv.AppendUint(dst, uint64(s.EventID), 10)
	dst = append(dst, "\n  Task: "...)
	if s.Task == 0 {
		dst = append(dst, "None"...)
	} else {
		dst = appendParenNumber(dst, uint64(s.Task))
	}
	dst = append(dst, "\n  Level: "...)
	dst = append(dst, LevelName(s.Level)...)
	dst = append(dst, "\n  Opcode: "...)
	dst = append(dst, OpcodeName(s.Opcode)...)
	dst = append(dst, "\n  Keyword: "...)
	if k := KeywordNames(s.Keywords); k != "" {
		dst = append(dst, k...)
	} else {
		dst = append(dst, "N/A"...) // as wevtutil prints a keyword mask with no name
	}
	dst = append(dst, "\n  User: "...)
	if s.UserID == "" {
		dst = append(dst, "N/A"...)
	} else {
		dst = AppendEscapedText(dst, s.UserID)
	}
	dst = append(dst, "\n  User Name: "...)
	dst = append(dst, userName(s.UserID)...)
	dst = append(dst, "\n  Computer: "...)
	dst = appendLine(dst, s.Computer)
	dst = append(dst, "  Description:\n"...)
	dst = append(dst, ev.description(true)...)
	return append(dst, '\n')
}

// Text returns AppendText(nil, index) as a string.
func (ev *Event) Text(index int) string { return string(ev.AppendText(nil, index)) }

func appendLine(dst []byte, s string) []byte {
	dst = AppendEscapedText(dst, s)
	return append(dst, '\n')
}

func appendParenNumber(dst []byte, n uint64) []byte {
	dst = append(dst, '(')
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, ')')
}

// LevelName returns the display name of a standard level: 1 Critical,
// 2 Error, 3 Warning, 4 Information, 5 Verbose. Level 0 (LogAlways, used by
// classic and audit events) shows as "Information", as in Event Viewer.
// Other levels print as "(N)".
func LevelName(l uint8) string {
	switch l {
	case 0, 4:
		return "Information"
	case 1:
		return "Critical"
	case 2:
		return "Error"
	case 3:
		return "Warning"
	case 5:
		return "Verbose"
	}
	return string(appendParenNumber(nil, uint64(l)))
}

// OpcodeName returns the display name of a standard opcode (winmeta.xml):
// 0 Info, 1 Start, 2 Stop, 3 DCStart, 4 DCStop, 5 Extension, 6 Reply,
// 7 Resume, 8 Suspend, 9 Send, 240 Receive; others print as "(N)".
func OpcodeName(o uint8) string {
	switch o {
	case 0:
		return "Info"
	case 1:
		return "Start"
	case 2:
		return "Stop"
	case 3:
		return "DCStart"
	case 4:
		return "DCStop"
	case 5:
		return "Extension"
	case 6:
		return "Reply"
	case 7:
		return "Resume"
	case 8:
		return "Suspend"
	case 9:
		return "Send"
	case 240:
		return "Receive"
	}
	return string(appendParenNumber(nil, uint64(o)))
}

// Standard keyword bits (winmeta.xml).
var keywordNames = []struct {
	bit  uint64
	name string
}{
	{0x0001000000000000, "Response Time"},
	{0x0002000000000000, "WDI Context"},
	{0x0004000000000000, "WDI Diag"},
	{0x0008000000000000, "SQM"},
	{0x0010000000000000, "Audit Failure"},
	{0x0020000000000000, "Audit Success"},
	{0x0040000000000000, "Correlation Hint"},
	{0x0080000000000000, "Classic"},
}

// KeywordNames returns the comma-joined names of the standard keyword bits
// set in k ("Classic", "Audit Success", ...). Channel bits (the top byte)
// and provider-defined bits have no name offline, so an event with only
// those gives "", as Event Viewer shows a blank Keywords for channel bits
// (AppendText then prints "N/A", as wevtutil does).
func KeywordNames(k uint64) string {
	var b []byte
	for _, kw := range keywordNames {
		if k&kw.bit != 0 {
			if len(b) > 0 {
				b = append(b, ',')
			}
			b = append(b, kw.name...)
		}
	}
	return string(b)
}

// userName resolves the well-known service SIDs; others are "N/A" (the
// account database is not available offline).
func userName(sid string) string {
	switch sid {
	case "S-1-5-18":
		return `NT AUTHORITY\SYSTEM`
	case "S-1-5-19":
		return `NT AUTHORITY\LOCAL SERVICE`
	case "S-1-5-20":
		return `NT AUTHORITY\NETWORK SERVICE`
	}
	return "N/A"
}

// message is a built-in message text: the template with %1..%n inserts
// ("%n" alone, followed by no digit, is a line break as in message
// tables), and for manifest events the names of the data fields in
// template order, so inserts are found by name whatever the field order of
// the Windows build.
type message struct {
	provider string
	id       uint16
	text     string
	names    []string
}

// messages holds the events evtxrdp diagnoses (reference/domain.md §2;
// the current "TLS" wording).
var messages = []message{
	{"Microsoft-Windows-TerminalServices-RemoteConnectionManager", 1056,
		"A new self signed certificate to be used for RD Session Host Server authentication on TLS connections was generated. The name on this certificate is %1. The SHA1 hash of the certificate is in the event data.", nil},
	{"Microsoft-Windows-TerminalServices-RemoteConnectionManager", 1057,
		"The RD Session Host Server has failed to create a new self signed certificate to be used for RD Session Host Server authentication on TLS connections. The relevant status code was %1.", nil},
	{"Microsoft-Windows-TerminalServices-RemoteConnectionManager", 1058,
		"The RD Session Host Server has failed to replace the expired self signed certificate used for RD Session Host Server authentication on TLS connections. The relevant status code was %1.", nil},
	{"Schannel", 36870,
		"A fatal error occurred when attempting to access the TLS %1 credential private key. The error code returned from the cryptographic module is %2. The internal error state is %3.",
		[]string{"Type", "ErrorCode", "ErrorStatus"}},
	{"Schannel", 36871,
		"A fatal error occurred while creating a TLS %1 credential. The internal error state is %2.",
		[]string{"Type", "ErrorState"}},
	{"Schannel", 36872,
		"The TLS %1 specified certificate's chain could not be retrieved:%n%n   Failure Status: %2%n   Flags: %3%n%n The attached data contains the certificate.",
		[]string{"Type", "ErrorCode", "CertFlags"}},
	{"Schannel", 36874,
		"An %1 connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server. The TLS connection request has failed.",
		[]string{"Protocol"}},
	{"Schannel", 36887,
		"A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is %1.",
		[]string{"AlertDesc"}},
	{"Schannel", 36888,
		"A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is %1. The Windows SChannel error state is %2.",
		[]string{"AlertDesc", "ErrorState"}},
	{"EventLog", 6011,
		"The NetBIOS name and DNS host name of this machine have been changed from %1 to %2.", nil},
	{"Microsoft-Windows-TerminalServices-SessionBroker-Client", 1296,
		`Remote Desktop Connection Broker Client failed while getting redirection packet from Connection Broker.%nUser : %1\%2 %nError: %3`,
		[]string{"param1", "param2", "param3"}},
}

// Description returns the event's message text: the built-in message with
// its inserts filled for the events evtxrdp knows, otherwise Event
// Viewer's "description cannot be found" text followed by the inserts.
func (ev *Event) Description() string { return ev.description(false) }

// description is Description, with the values from the record escaped
// (EscapeText) when esc is set.
func (ev *Event) description(esc bool) string {
	inserts := ev.inserts()
	if esc {
		for i := range inserts {
			inserts[i].text = EscapeText(inserts[i].text)
		}
	}
	for i := range messages {
		m := &messages[i]
		if m.id == ev.System.EventID && m.provider == ev.System.Provider.Name {
			return formatMessage(m.text, ev.insertsFor(m, inserts))
		}
	}
	var b strings.Builder
	b.WriteString("The description for Event ID ")
	b.WriteString(strconv.FormatUint(uint64(ev.System.EventID), 10))
	b.WriteString(" from source ")
	if esc {
		b.WriteString(EscapeText(ev.System.Provider.Name))
	} else {
		b.WriteString(ev.System.Provider.Name)
	}
	b.WriteString(" cannot be found. Either the component that raises this event is not installed on your local computer or the installation is corrupted. You can install or repair the component on the local computer.\n\n" +
		"If the event originated on another computer, the display information had to be saved with the event.\n\n" +
		"The following information was included with the event: \n")
	for _, in := range inserts {
		b.WriteByte('\n')
		b.WriteString(in.text)
	}
	return b.String()
}

type insert struct {
	name, text string
}

// inserts returns the event's insertion strings in order: the EventData
// fields, or the leaves of the UserData element.
func (ev *Event) inserts() []insert {
	var out []insert
	for _, f := range ev.EventData {
		out = append(out, insert{f.Name, messageText(f.Value)})
	}
	if len(out) == 0 && ev.UserData != nil {
		for _, c := range ev.UserData.Children {
			out = append(out, insert{c.Name, c.Text()})
		}
	}
	return out
}

// insertsFor orders the inserts for m: by field name when m names its
// fields and the event carries them, else by position.
func (ev *Event) insertsFor(m *message, all []insert) []string {
	out := make([]string, 0, len(all))
	if len(m.names) > 0 {
		found := false
		for _, n := range m.names {
			text := ""
			for _, in := range all {
				if in.name == n {
					text, found = in.text, true
					break
				}
			}
			out = append(out, text)
		}
		if found {
			return out
		}
		out = out[:0]
	}
	for _, in := range all {
		out = append(out, in.text)
	}
	return out
}

// messageText renders an insert as FormatMessage does: hex integers in
// upper case (0x8009030D), everything else as in the XML.
func messageText(v Value) string {
	switch v.Kind {
	case KindHexInt32, KindHexInt64:
		return "0x" + strings.ToUpper(strconv.FormatUint(v.Uint, 16))
	}
	return v.String()
}

// formatMessage expands %1..%99 with inserts (a missing insert stays as
// written) and %n to a line break; "%%" is a literal percent sign.
func formatMessage(text string, inserts []string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '%' || i+1 == len(text) {
			b.WriteByte(c)
			continue
		}
		next := text[i+1]
		switch {
		case next == 'n':
			b.WriteByte('\n')
			i++
		case next == '%':
			b.WriteByte('%')
			i++
		case next >= '1' && next <= '9':
			j := i + 2
			if j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(text[i+1 : j])
			if n <= len(inserts) {
				b.WriteString(inserts[n-1])
			} else {
				b.WriteString(text[i:j])
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
