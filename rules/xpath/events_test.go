package xpath

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Test events, shaped like the real ones of domain.md §2 and §5.

// refTime is the reference time ("now") of the tests.
var refTime = time.Date(2022, 10, 17, 8, 0, 0, 0, time.UTC)

func u32(v uint32) evtx.Value   { return evtx.Value{Kind: evtx.KindUint32, Uint: uint64(v)} }
func hex32(v uint32) evtx.Value { return evtx.Value{Kind: evtx.KindHexInt32, Uint: uint64(v)} }
func str(s string) evtx.Value   { return evtx.StringValue(s) }

// finish builds Root from the typed fields (as the decoder fills both).
func finish(ev *evtx.Event) *evtx.Event {
	ev.RecordID = ev.System.EventRecordID
	ev.Written = ev.System.TimeCreated
	ev.Root = ev.Tree()
	return ev
}

// schannel36870 is the real event of domain.md §5.3 (S14), at time t.
func schannel36870(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Schannel", GUID: "{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
			EventID:  36870, Level: 2, Keywords: 0x8000000000000000, TimeCreated: t,
			EventRecordID: 2213, ActivityID: "{B1E3A429-AE1E-0001-CF50-D24FA6E0D801}",
			ProcessID: 616, ThreadID: 3936, Channel: "System", Computer: "nt0000000", UserID: "S-1-5-18",
		},
		EventData: []evtx.Field{
			{Name: "Type", Value: str("server")},
			{Name: "ErrorCode", Value: hex32(0x8009030d)},
			{Name: "ErrorStatus", Value: u32(10001)},
		},
	})
}

// schannel36871 is scenario 2's event: Type, ErrorState (UInt32).
func schannel36871(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Schannel", GUID: "{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
			EventID:  36871, Level: 2, Keywords: 0x8000000000000000, TimeCreated: t,
			EventRecordID: 2214, ProcessID: 616, ThreadID: 3936, Channel: "System", Computer: "nt0000000", UserID: "S-1-5-18",
		},
		EventData: []evtx.Field{{Name: "Type", Value: str("server")}, {Name: "ErrorState", Value: u32(10013)}},
	})
}

// schannel36872: Type, ErrorCode, CertFlags (HexInt32), length, CredContext.
func schannel36872(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Schannel", GUID: "{1F678132-5938-4686-9FDC-C8FF68F15C85}"},
			EventID:  36872, Level: 2, Keywords: 0x8000000000000000, TimeCreated: t,
			EventRecordID: 2215, ProcessID: 616, ThreadID: 3936, Channel: "System", Computer: "nt0000000", UserID: "S-1-5-18",
		},
		EventData: []evtx.Field{
			{Name: "Type", Value: str("server")},
			{Name: "ErrorCode", Value: hex32(0x80092004)},
			{Name: "CertFlags", Value: hex32(0x1)},
			{Name: "length", Value: u32(4)},
			{Name: "CredContext", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: []byte{1, 2, 3, 4}}},
		},
	})
}

// rcm is a classic RemoteConnectionManager event (1057 create / 1058
// replace) with Qualifiers 49152 and the status text as unnamed Data.
func rcm(id uint16, status string, t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{
				Name: "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
				GUID: "{C76BAA63-AE81-421C-B425-340B4B24157F}", EventSourceName: "TermService",
			},
			EventID: id, Qualifiers: 49152, HasQualifiers: true, Level: 2, Keywords: 0x8080000000000000,
			TimeCreated: t, EventRecordID: 3000 + uint64(id), ProcessID: 1234, ThreadID: 5678,
			Channel: "System", Computer: "vm1.contoso.com",
		},
		EventData: []evtx.Field{{Value: str(status)}},
		Binary:    []byte{0x16, 0x00, 0x09, 0x80},
	})
}

// broker2056 is SessionBroker 2056 on its Operational channel.
func broker2056(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Microsoft-Windows-TerminalServices-SessionBroker", GUID: "{D1737620-6A25-4BEF-B07B-AAC3DF44EFC9}"},
			EventID:  2056, Level: 2, Task: 109, Keywords: 0x4000000000000000, TimeCreated: t, EventRecordID: 77,
			ProcessID: 2000, ThreadID: 2001, Channel: "Microsoft-Windows-TerminalServices-SessionBroker/Operational",
			Computer: "broker.contoso.com", UserID: "S-1-5-20",
		},
		UserData: eventXML("NULL", "NULL", "Logon to the database failed."),
	})
}

// client1296 is SessionBroker-Client 1296: UserData/EventXML/param1..3.
func client1296(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Microsoft-Windows-TerminalServices-SessionBroker-Client", GUID: "{2184B5C9-1C83-4304-9C58-A9E76F718993}"},
			EventID:  1296, Level: 2, Task: 104, Opcode: 13, Keywords: 0x4000000000000000, TimeCreated: t, EventRecordID: 78,
			ProcessID: 3000, ThreadID: 3001, Channel: "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational",
			Computer: "rdsh1.contoso.com", UserID: "S-1-5-20",
		},
		UserData: eventXML("CONTOSO", "jdoe", "Remote Desktop Connection Broker is not ready for RPC communication."),
	})
}

func eventXML(params ...string) *evtx.Element {
	e := &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: str("Event_NS")}}}
	for i, p := range params {
		e.Children = append(e.Children, &evtx.Element{Name: "param" + string(rune('1'+i)), Value: str(p)})
	}
	return e
}

// rename6011 is EventLog 6011 (computer name changed from old to new).
func rename6011(old, new string, t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "EventLog"},
			EventID:  6011, Qualifiers: 32768, HasQualifiers: true, Level: 4, Keywords: 0x0080000000000000,
			TimeCreated: t, EventRecordID: 90, Channel: "System", Computer: new,
		},
		EventData: []evtx.Field{{Value: str(old)}, {Value: str(new)}},
	})
}

// logon4624 is a Security 4624 (for != tests), Level 0.
func logon4624(t time.Time) *evtx.Event {
	return finish(&evtx.Event{
		System: evtx.System{
			Provider: evtx.Provider{Name: "Microsoft-Windows-Security-Auditing", GUID: "{54849625-5478-4994-A5BA-3E3B0328C30D}"},
			EventID:  4624, Version: 2, Level: 0, Task: 12544, Keywords: 0x8020000000000000, TimeCreated: t,
			EventRecordID: 5000, ProcessID: 700, ThreadID: 701, Channel: "Security", Computer: "vm1.contoso.com",
		},
		EventData: []evtx.Field{
			{Name: "TargetUserName", Value: str("jdoe")},
			{Name: "LogonType", Value: u32(10)},
			{Name: "IpAddress", Value: str("10.0.0.5")},
		},
	})
}
