package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Channels and providers of RDP connection attempts.
const (
	ChannelRCMOperational = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"
	ChannelRdpCoreTS      = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational"
	ProviderRdpCoreTS     = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS"
	GUIDRdpCoreTS         = "{1139C61B-B549-4251-8ED3-27250A1EDEC8}"
	// TermServicePID is the process id the RDP connection events of these
	// fixtures are logged by (the svchost.exe hosting TermService).
	TermServicePID = 1032
)

// WithType returns ev (a Schannel event) with its Type field set to typ
// ("client" or "server").
func WithType(ev *evtx.Event, typ string) *evtx.Event {
	for i := range ev.EventData {
		if ev.EventData[i].Name == "Type" {
			ev.EventData[i].Value = str(typ)
		}
	}
	return ev
}

// WithCaller returns ev (a Schannel event) with the fields Windows Server
// 2022 and later append to 36870/36871/36872: CallerProcessId (UInt32) and
// CallerProcessImageName (string), after the others (nasbench/
// EVTX-ETW-Resources W2022_21H2/Schannel.csv; the real lsass 36870 of
// ../shared/cases/lsass-schannel-36870 has them in this order).
func WithCaller(ev *evtx.Event, pid uint32, image string) *evtx.Event {
	ev.EventData = append(ev.EventData,
		evtx.Field{Name: "CallerProcessId", Value: u32(evtx.KindUint32, pid)},
		evtx.Field{Name: "CallerProcessImageName", Value: str(image)})
	return ev
}

// RCM261 is "Listener RDP-Tcp received a connection" in
// Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational:
// Level 4, Keywords 0x1000000000000000, user NETWORK SERVICE,
// UserData/EventXML/listenerName, as in the real record 350163 of
// omerbenamram/evtx samples/2-vss_0-...RemoteConnectionManager%4Operational.evtx.
func RCM261(t time.Time) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderRCM, GUID: GUIDRCM},
			EventID:     261,
			Level:       LevelInformation,
			Keywords:    0x1000000000000000,
			TimeCreated: t,
			ActivityID:  "{F420B5A2-33B9-48EC-8CF8-295A8D670000}",
			ProcessID:   TermServicePID,
			ThreadID:    1360,
			Channel:     ChannelRCMOperational,
			Computer:    DefaultComputer,
			UserID:      SIDNetworkService,
		},
		UserData: &evtx.Element{Name: "EventXML", Attrs: []evtx.Attr{{Name: "xmlns", Value: str("Event_NS")}},
			Children: []*evtx.Element{{Name: "listenerName", Value: str("RDP-Tcp")}}},
	}
}

// RdpCoreTS131 is "The server accepted a new TCP connection from client
// %2." in Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational:
// Level 4, Task 4, Opcode 15, Keywords 0x4000000000000000, user NETWORK
// SERVICE, EventData ConnType and ClientIP, as in the real record 5281372
// of omerbenamram/evtx samples/2-vss_0-...RdpCoreTS%4Operational.evtx.
func RdpCoreTS131(t time.Time, clientIP string) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderRdpCoreTS, GUID: GUIDRdpCoreTS},
			EventID:     131,
			Level:       LevelInformation,
			Task:        4,
			Opcode:      15,
			Keywords:    0x4000000000000000,
			TimeCreated: t,
			ActivityID:  "{F420C8F6-D993-47BA-9C23-2998B5E60000}",
			ProcessID:   TermServicePID,
			ThreadID:    1416,
			Channel:     ChannelRdpCoreTS,
			Computer:    DefaultComputer,
			UserID:      SIDNetworkService,
		},
		EventData: []evtx.Field{
			{Name: "ConnType", Value: str("TCP")},
			{Name: "ClientIP", Value: str(clientIP)},
		},
	}
}

// RCMConfiguredCert is one of the classic RemoteConnectionManager events
// about the certificate the listener is configured with (1051, 1053, 1054,
// 1055, 1059, 1065; "Remote Desktop Services Authentication and
// Encryption", https://technet.microsoft.com/en-us/library/ee890993(v=WS.10).aspx),
// laid out like the real 1056: one unnamed <Data> (the message's %1) and
// the certificate's SHA1 hash as binary data when given. The level is not
// documented there; Warning is written (the rules do not read it).
func RCMConfiguredCert(t time.Time, id uint16, insert string, sha1 []byte) *evtx.Event {
	ev := rcm(t, id, LevelWarning, insert)
	ev.Binary = append([]byte(nil), sha1...)
	return ev
}

// Schannel36869 is "The TLS server credential's certificate does not have a
// private key information property attached to it." (rdp-causes.md D6).
// Windows Server 2022's manifest gives it Type, CallerProcessImageName and
// CallerProcessId (nasbench/EVTX-ETW-Resources W2022_21H2/Schannel.csv);
// this one has no field before the caller fields WithCaller adds (a
// layout without Type; add one to judge the credential's kind).
func Schannel36869(t time.Time) *evtx.Event {
	return schannel(t, 36869)
}
