package evtx

import (
	"strings"
	"testing"
	"time"
)

func schannelEvent(t *testing.T) *Event {
	t.Helper()
	w := newBXW()
	off, size, _ := schannelRecord(w, 7)
	ev, err := newChunkDecoder(w.b).decodeRecord(off, size)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestAppendTextSchannel(t *testing.T) {
	ev := schannelEvent(t)
	want := `Event[3]:
  Log Name: System
  Source: Schannel
  Date: 2022-10-16T20:27:36.222
  Event ID: 36870
  Task: None
  Level: Error
  Opcode: Info
  Keyword: N/A
  User: S-1-5-18
  User Name: NT AUTHORITY\SYSTEM
  Computer: nt0000000
  Description:
A fatal error occurred when attempting to access the TLS server credential private key. The error code returned from the cryptographic module is 0x8009030D. The internal error state is 10001.
`
	if got := string(ev.AppendText([]byte(nil), 3)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestAppendTextKeywordNA: an event whose keywords have no name (only
// channel bits, provider bits, or none) prints "Keyword: N/A", as
// wevtutil qe /f:text does (Microsoft's sample in "Troubleshoot VPN
// profiles in Intune"; Application Error 1000 on Windows 11 build 26100),
// not an empty value.
func TestAppendTextKeywordNA(t *testing.T) {
	for kw, want := range map[uint64]string{
		0:                  "  Keyword: N/A\n",
		0x8000000000000000: "  Keyword: N/A\n",
		0x4000000000000010: "  Keyword: N/A\n",
		0x8080000000000000: "  Keyword: Classic\n",
		0x8010000000000000: "  Keyword: Audit Failure\n",
	} {
		ev := schannelEvent(t)
		ev.System.Keywords = kw
		if got := ev.Text(0); !strings.Contains(got, want) {
			t.Errorf("Keywords %#x: text lacks %q:\n%s", kw, want, got)
		}
	}
}

func TestXMLIndent(t *testing.T) {
	ev := schannelEvent(t)
	want := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Schannel" Guid="{1F678132-5938-4686-9FDC-C8FF68F15C85}" />
    <EventID>36870</EventID>
    <Level>2</Level>
    <Task>0</Task>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2022-10-16T20:27:36.2228549Z" />
    <EventRecordID>2213</EventRecordID>
    <Correlation />
    <Execution ProcessID="616" ThreadID="3936" />
    <Channel>System</Channel>
    <Computer>nt0000000</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <EventData>
    <Data Name="Type">server</Data>
    <Data Name="ErrorCode">0x8009030d</Data>
    <Data Name="ErrorStatus">10001</Data>
  </EventData>
</Event>`
	if got := ev.XMLIndent(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := string(ev.AppendXML([]byte("x"))); got != "x"+schannelXML {
		t.Errorf("AppendXML does not append: %s", got)
	}
}

func TestXMLEscaping(t *testing.T) {
	ev := &Event{Root: &Element{Name: "E",
		Attrs: []Attr{{Name: "a", Value: StringValue(`'"<&>`)}},
		Children: []*Element{
			{Name: "T", Value: StringValue("a<b & 'c' \"d\" >\x01\r\n")},
			{Name: "Empty", Value: StringValue("")},
			{Name: "Null"},
		}}}
	want := `<E a='&apos;&quot;&lt;&amp;&gt;'><T>a&lt;b &amp; 'c' "d" &gt;` + "\u2401\r\n" + `</T><Empty/><Null/></E>`
	if got := ev.XML(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := ev.XMLIndent(); !strings.Contains(got, `<E a="&apos;&quot;&lt;&amp;&gt;">`) || !strings.Contains(got, "\n  <Empty />\n  <Null />\n</E>") {
		t.Errorf("indent: %s", got)
	}
}

func classicEvent(provider string, id uint16, data ...string) *Event {
	ev := &Event{System: System{Provider: Provider{Name: provider}, EventID: id, Level: 4,
		Keywords: 0x80000000000000, Channel: "System", Computer: "NEWHOST",
		TimeCreated: time.Date(2024, 1, 2, 3, 4, 5, 678900000, time.UTC)}}
	for _, d := range data {
		ev.EventData = append(ev.EventData, Field{Value: StringValue(d)})
	}
	return ev
}

func TestDescriptions(t *testing.T) {
	ev := classicEvent("EventLog", 6011, "OLDHOST", "NEWHOST")
	got := string(ev.AppendText(nil, 0))
	for _, s := range []string{"  Keyword: Classic\n", "  Level: Information\n", "  User: N/A\n  User Name: N/A\n",
		"  Date: 2024-01-02T03:04:05.678\n",
		"Description:\nThe NetBIOS name and DNS host name of this machine have been changed from OLDHOST to NEWHOST.\n"} {
		if !strings.Contains(got, s) {
			t.Errorf("6011 text lacks %q:\n%s", s, got)
		}
	}

	rcm := classicEvent("Microsoft-Windows-TerminalServices-RemoteConnectionManager", 1058, "Access is denied.")
	if d := rcm.Description(); d != "The RD Session Host Server has failed to replace the expired self signed certificate used for RD Session Host Server authentication on TLS connections. The relevant status code was Access is denied.." {
		t.Errorf("1058: %q", d)
	}

	// Named fields are found by name whatever their order (newer builds put
	// CallerProcess* first).
	sc := &Event{System: System{Provider: Provider{Name: "Schannel"}, EventID: 36871}, EventData: []Field{
		{Name: "CallerProcessId", Value: Value{Kind: KindUint32, Uint: 616}},
		{Name: "Type", Value: StringValue("server")},
		{Name: "ErrorState", Value: Value{Kind: KindUint32, Uint: 10013}},
	}}
	if d := sc.Description(); d != "A fatal error occurred while creating a TLS server credential. The internal error state is 10013." {
		t.Errorf("36871: %q", d)
	}

	// UserData params, %n line breaks.
	sb := &Event{System: System{Provider: Provider{Name: "Microsoft-Windows-TerminalServices-SessionBroker-Client"}, EventID: 1296},
		UserData: &Element{Name: "EventXML", Children: []*Element{
			{Name: "param1", Value: StringValue("CONTOSO")},
			{Name: "param2", Value: StringValue("jdoe")},
			{Name: "param3", Value: StringValue("Remote Desktop Connection Broker is not ready for RPC communication.")},
		}}}
	if d := sb.Description(); d != "Remote Desktop Connection Broker Client failed while getting redirection packet from Connection Broker.\nUser : CONTOSO\\jdoe \nError: Remote Desktop Connection Broker is not ready for RPC communication." {
		t.Errorf("1296: %q", d)
	}

	// Unknown event: Event Viewer's boilerplate plus the inserts.
	b := &Event{System: System{Provider: Provider{Name: "Microsoft-Windows-TerminalServices-SessionBroker"}, EventID: 2056},
		EventData: []Field{{Value: StringValue("NULL")}, {Value: StringValue("NULL")}, {Value: StringValue("Logon to the database failed.")}}}
	d := b.Description()
	if !strings.HasPrefix(d, "The description for Event ID 2056 from source Microsoft-Windows-TerminalServices-SessionBroker cannot be found.") ||
		!strings.HasSuffix(d, "The following information was included with the event: \n\nNULL\nNULL\nLogon to the database failed.") {
		t.Errorf("2056: %q", d)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{LevelName(0), "Information"}, {LevelName(1), "Critical"}, {LevelName(2), "Error"},
		{LevelName(3), "Warning"}, {LevelName(5), "Verbose"}, {LevelName(16), "(16)"},
		{OpcodeName(0), "Info"}, {OpcodeName(2), "Stop"}, {OpcodeName(240), "Receive"}, {OpcodeName(13), "(13)"},
		{KeywordNames(0x8080000000000000), "Classic"},
		{KeywordNames(0x8020000000000000), "Audit Success"},
		{KeywordNames(0x0030000000000000), "Audit Failure,Audit Success"},
		{KeywordNames(0x8000000000000000), ""},
		{KeywordNames(0x4000000000000010), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestFormatMessage(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"a %1 b %2%n%3", "a x b y\n%3"},
		{"100%% %10 %", "100% %10 %"},
		{"%1%1", "xx"},
	} {
		if got := formatMessage(c.text, []string{"x", "y"}); got != c.want {
			t.Errorf("%q: got %q, want %q", c.text, got, c.want)
		}
	}
}

// TestAppendTextFlags: dump --recover -f text printed old records from
// chunk slack, and records decoded in part, as if they were current and
// whole (JSON and XML flag them); a record without TimeCreated showed
// "Date: 0001-01-01T00:00:00.000".
func TestAppendTextFlags(t *testing.T) {
	ev := schannelEvent(t)
	ev.Recovered = RecoveredSlack
	got := ev.Text(0)
	if !strings.HasPrefix(got, "Event[0]:\n  evtxrdp: recovered from chunk slack\n  Log Name: System\n") {
		t.Errorf("recovered:\n%s", got)
	}
	ev.Recovered = RecoveredUnallocated
	ev.Partial = "template not resolved\nforged: line"
	got = ev.Text(1)
	if !strings.HasPrefix(got, "Event[1]:\n  evtxrdp: recovered from an old chunk past the file header's count; partial: template not resolved\\nforged: line\n  Log Name:") {
		t.Errorf("unallocated, partial:\n%s", got)
	}
	ev.Recovered, ev.Partial = "", ""
	ev.System.TimeCreated = time.Time{}
	if got = ev.Text(2); !strings.HasPrefix(got, "Event[2]:\n  Log Name: System\n  Source: Schannel\n  Date: N/A\n") {
		t.Errorf("no TimeCreated:\n%s", got)
	}
}
