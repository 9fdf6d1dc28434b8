package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// The scenario events below are built as shared/reference/domain.md §2
// describes them (provider name and GUID, qualifiers, level, task, keywords,
// channel, user, field names and types). Where the reference marks a fact as
// unknown the choice made is stated on the constructor. Every constructor
// returns a fresh event with RecordID 0 (numbered by the writer) and
// Computer set to DefaultComputer; callers change fields freely.

// DefaultComputer is the System/Computer of the events the constructors
// build.
const DefaultComputer = "AZ-RDPVM01"

// Channels.
const (
	ChannelSystem              = "System"
	ChannelSessionBroker       = "Microsoft-Windows-TerminalServices-SessionBroker/Operational"
	ChannelSessionBrokerClient = "Microsoft-Windows-TerminalServices-SessionBroker-Client/Operational"
)

// Providers.
const (
	ProviderRCM                 = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
	GUIDRCM                     = "{C76BAA63-AE81-421C-B425-340B4B24157F}"
	ProviderSchannel            = "Schannel"
	GUIDSchannel                = "{1F678132-5938-4686-9FDC-C8FF68F15C85}"
	ProviderSessionBroker       = "Microsoft-Windows-TerminalServices-SessionBroker"
	GUIDSessionBroker           = "{D1737620-6A25-4BEF-B07B-AAC3DF44EFC9}"
	ProviderSessionBrokerClient = "Microsoft-Windows-TerminalServices-SessionBroker-Client"
	GUIDSessionBrokerClient     = "{2184B5C9-1C83-4304-9C58-A9E76F718993}"
	ProviderEventLog            = "EventLog"
	ProviderSCM                 = "Service Control Manager"
	GUIDSCM                     = "{555908d1-a6d7-4695-8e1e-26931d2012f4}"
)

// Keywords.
const (
	KeywordClassic = 0x0080000000000000 // WINEVENT_KEYWORD_EVENTLOG_CLASSIC
	// KeywordChannel1 .. KeywordChannel3 are the per-channel bits the event
	// log adds (the first, second and third channel of a provider).
	KeywordChannel1 = 0x8000000000000000
	KeywordChannel2 = 0x4000000000000000
	KeywordChannel3 = 0x2000000000000000
)

// Well-known SIDs.
const (
	SIDLocalSystem    = "S-1-5-18"
	SIDNetworkService = "S-1-5-20"
)

// Levels.
const (
	LevelError       = 2
	LevelWarning     = 3
	LevelInformation = 4
)

func str(s string) evtx.Value { return evtx.StringValue(s) }

func u32(k evtx.Kind, v uint32) evtx.Value { return evtx.Value{Kind: k, Uint: uint64(v)} }

// rcm is a classic RemoteConnectionManager event in the System log
// (Qualifiers 0xC000, Keywords Classic, no user, process and thread 0, as the
// real 1056 sample shows).
func rcm(t time.Time, id uint16, level uint8, data ...string) *evtx.Event {
	ev := &evtx.Event{System: evtx.System{
		Provider:      evtx.Provider{Name: ProviderRCM, GUID: GUIDRCM, EventSourceName: "TermService"},
		EventID:       id,
		Qualifiers:    0xC000,
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

// RCM1056 is "A new self signed certificate ... was generated. The name on
// this certificate is %1." (Level 4) with the certificate's SHA1 hash as the
// event's binary data, like the real sample.
func RCM1056(t time.Time, certName string, sha1 []byte) *evtx.Event {
	ev := rcm(t, 1056, LevelInformation, certName)
	ev.Binary = append([]byte(nil), sha1...)
	return ev
}

// RCM1057 is "The RD Session Host Server has failed to create a new self
// signed certificate ... The relevant status code was %1." (Level 2); status
// is the formatted text, e.g. "Access is denied.", written as the one
// unnamed <Data>. The reference does not say whether these events carry
// binary data; they carry none here.
func RCM1057(t time.Time, status string) *evtx.Event {
	return rcm(t, 1057, LevelError, status)
}

// RCM1058 is "... has failed to replace the expired self signed certificate
// ... The relevant status code was %1." (Level 2), like RCM1057.
func RCM1058(t time.Time, status string) *evtx.Event {
	return rcm(t, 1058, LevelError, status)
}

// schannel is a Schannel event in the System log: Level 2, Keywords with the
// channel bit only, user SYSTEM, lsass's process id, an activity id.
func schannel(t time.Time, id uint16, data ...evtx.Field) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderSchannel, GUID: GUIDSchannel},
			EventID:     id,
			Level:       LevelError,
			Keywords:    KeywordChannel1,
			TimeCreated: t,
			ActivityID:  "{B1E3A429-AE1E-0001-CF50-D24FA6E0D801}",
			ProcessID:   616,
			ThreadID:    3936,
			Channel:     ChannelSystem,
			Computer:    DefaultComputer,
			UserID:      SIDLocalSystem,
		},
		EventData: data,
	}
}

// Schannel36870 is "A fatal error occurred when attempting to access the TLS
// server credential private key. The error code returned from the
// cryptographic module is %2. The internal error state is %3.": Type
// "server", ErrorCode (HexInt32, e.g. 0x8009030d), ErrorStatus (UInt32,
// e.g. 10001).
func Schannel36870(t time.Time, errorCode, errorStatus uint32) *evtx.Event {
	return schannel(t, 36870,
		evtx.Field{Name: "Type", Value: str("server")},
		evtx.Field{Name: "ErrorCode", Value: u32(evtx.KindHexInt32, errorCode)},
		evtx.Field{Name: "ErrorStatus", Value: u32(evtx.KindUint32, errorStatus)})
}

// Schannel36871 is "A fatal error occurred while creating a TLS server
// credential. The internal error state is %2.": Type "server", ErrorState
// (UInt32, e.g. 10013).
func Schannel36871(t time.Time, errorState uint32) *evtx.Event {
	return schannel(t, 36871,
		evtx.Field{Name: "Type", Value: str("server")},
		evtx.Field{Name: "ErrorState", Value: u32(evtx.KindUint32, errorState)})
}

// Schannel36872 is "The TLS server specified certificate's chain could not
// be retrieved: Failure Status: %2 Flags: %3": Type "server", ErrorCode
// (HexInt32), CertFlags (HexInt32), the length of CredContext (UInt32) and
// CredContext (Binary). The reference gives the length field's type but not
// its name; it is called "CredContextLength" here.
func Schannel36872(t time.Time, errorCode, certFlags uint32, credContext []byte) *evtx.Event {
	return schannel(t, 36872,
		evtx.Field{Name: "Type", Value: str("server")},
		evtx.Field{Name: "ErrorCode", Value: u32(evtx.KindHexInt32, errorCode)},
		evtx.Field{Name: "CertFlags", Value: u32(evtx.KindHexInt32, certFlags)},
		evtx.Field{Name: "CredContextLength", Value: u32(evtx.KindUint32, uint32(len(credContext)))},
		evtx.Field{Name: "CredContext", Value: evtx.Value{Kind: evtx.KindBinary, Bytes: append([]byte{}, credContext...)}})
}

// EventLog6011 is "The NetBIOS name and DNS host name of this machine have
// been changed from %1 to %2.": classic source EventLog (no GUID),
// Qualifiers 32768, Level 4, Keywords Classic, two unnamed <Data>.
// Windows omits <Version> for this source (a null Version value); the typed
// Event cannot express that, so Version 0 is written.
func EventLog6011(t time.Time, oldName, newName string) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:      evtx.Provider{Name: ProviderEventLog},
			EventID:       6011,
			Qualifiers:    0x8000,
			HasQualifiers: true,
			Level:         LevelInformation,
			Keywords:      KeywordClassic,
			TimeCreated:   t,
			Channel:       ChannelSystem,
			Computer:      newName,
		},
		EventData: []evtx.Field{{Value: str(oldName)}, {Value: str(newName)}},
	}
}

// eventXML returns <EventXML xmlns='Event_NS'> with string children
// param1..paramN.
func eventXML(params ...string) *evtx.Element {
	e := &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: str("Event_NS")}}}
	for i, p := range params {
		e.Children = append(e.Children, &evtx.Element{Name: "param" + string(rune('1'+i)), Value: str(p)})
	}
	return e
}

func sessionBroker(t time.Time) *evtx.Event {
	return &evtx.Event{System: evtx.System{
		Provider:    evtx.Provider{Name: ProviderSessionBroker, GUID: GUIDSessionBroker},
		EventID:     2056,
		Level:       LevelError,
		Task:        109,
		Keywords:    KeywordChannel2,
		TimeCreated: t,
		ProcessID:   2144,
		ThreadID:    3412,
		Channel:     ChannelSessionBroker,
		Computer:    DefaultComputer,
		UserID:      SIDNetworkService,
	}}
}

// SessionBroker2056 is the RD Connection Broker's database logon failure in
// Microsoft-Windows-TerminalServices-SessionBroker/Operational: Level 2,
// Task 109, user NETWORK SERVICE. The reference knows three insertion
// strings (the article shows "NULL", "NULL", "Logon to the database
// failed.") but not where they are stored; here they are
// UserData/EventXML/param1..param3, the form the sibling provider
// SessionBroker-Client uses. SessionBroker2056Data writes the other
// plausible form. The channel keyword bit (0x4000000000000000) is a guess.
func SessionBroker2056(t time.Time, p1, p2, p3 string) *evtx.Event {
	ev := sessionBroker(t)
	ev.UserData = eventXML(p1, p2, p3)
	return ev
}

// SessionBroker2056Data is SessionBroker2056 with the three strings as named
// EventData fields param1..param3.
func SessionBroker2056Data(t time.Time, p1, p2, p3 string) *evtx.Event {
	ev := sessionBroker(t)
	for i, p := range []string{p1, p2, p3} {
		ev.EventData = append(ev.EventData, evtx.Field{Name: "param" + string(rune('1'+i)), Value: str(p)})
	}
	return ev
}

// SessionBrokerClient1296 is "Remote Desktop Connection Broker Client failed
// while getting redirection packet from Connection Broker. User : %1\%2
// Error: %3" in Microsoft-Windows-TerminalServices-SessionBroker-Client/
// Operational: Level 2, Task 104, Opcode 13, Keywords 0x2000000000000000
// (as the sibling event 1281), user NETWORK SERVICE,
// UserData/EventXML/param1 (domain), param2 (user), param3 (error text).
func SessionBrokerClient1296(t time.Time, domain, user, errText string) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderSessionBrokerClient, GUID: GUIDSessionBrokerClient},
			EventID:     1296,
			Level:       LevelError,
			Task:        104,
			Opcode:      13,
			Keywords:    KeywordChannel3,
			TimeCreated: t,
			ProcessID:   1208,
			ThreadID:    1652,
			Channel:     ChannelSessionBrokerClient,
			Computer:    DefaultComputer,
			UserID:      SIDNetworkService,
		},
		UserData: eventXML(domain, user, errText),
	}
}

// SCM7036 is Service Control Manager's "The %1 service entered the %2
// state." (Level 4, Qualifiers 16384, Keywords 0x8080000000000000), the
// commonest System log event, for background noise: named param1 (display
// name) and param2 (state text, e.g. "running", "stopped") and, as Windows
// writes it, the service key name and state code as UTF-16 binary data.
func SCM7036(t time.Time, displayName, state, keyName string) *evtx.Event {
	code := "1"
	if state == "running" {
		code = "4"
	}
	bin := append(appendUTF16(nil, keyName+"/"+code), 0, 0)
	return &evtx.Event{
		System: evtx.System{
			Provider:      evtx.Provider{Name: ProviderSCM, GUID: GUIDSCM, EventSourceName: ProviderSCM},
			EventID:       7036,
			Qualifiers:    0x4000,
			HasQualifiers: true,
			Level:         LevelInformation,
			Keywords:      KeywordChannel1 | KeywordClassic,
			TimeCreated:   t,
			ProcessID:     548,
			ThreadID:      1340,
			Channel:       ChannelSystem,
			Computer:      DefaultComputer,
		},
		EventData: []evtx.Field{
			{Name: "param1", Value: str(displayName)},
			{Name: "param2", Value: str(state)},
		},
		Binary: bin,
	}
}

// Noise returns n background events starting at t, one every step:
// Service Control Manager 7036 state changes of a few services.
func Noise(t time.Time, step time.Duration, n int) []*evtx.Event {
	services := [][2]string{
		{"Windows Modules Installer", "TrustedInstaller"},
		{"Windows Update", "wuauserv"},
		{"Remote Desktop Services", "TermService"},
		{"Network Setup Service", "NetSetupSvc"},
		{"Windows Error Reporting Service", "WerSvc"},
	}
	out := make([]*evtx.Event, 0, max(n, 0))
	for i := 0; i < n; i++ {
		s := services[i%len(services)]
		state := "running"
		if (i/len(services))%2 == 1 {
			state = "stopped"
		}
		out = append(out, SCM7036(t.Add(time.Duration(i)*step), s[0], state, s[1]))
	}
	return out
}
