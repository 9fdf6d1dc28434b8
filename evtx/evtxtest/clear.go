package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// ProviderEventlogManifest and GUIDEventlog name the event log service's
// manifest provider, which logs the clearing of a log.
const (
	ProviderEventlogManifest = "Microsoft-Windows-Eventlog"
	GUIDEventlog             = "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"
)

// LogCleared is the event the event log service writes when a log is
// cleared, shaped as the real records of the public samples: in the
// Security log, 1102 "The audit log was cleared." (Task 104, Keywords
// 0x4020000000000000, UserData/LogFileCleared with SubjectUserSid,
// SubjectUserName, SubjectDomainName and SubjectLogonId: Velocidex
// evtx testdata Security.evtx, EventRecordID 31878); for any other
// channel, 104 "The <channel> log file was cleared." in the System log
// (Task 104, Keywords 0x8000000000000000, UserData/LogFileCleared with
// SubjectUserName, SubjectDomainName, Channel and BackupPath:
// omerbenamram evtx samples system.evtx, EventRecordID 1847).
func LogCleared(t time.Time, channel string) *evtx.Event {
	ns := evtx.Attr{Name: "xmlns", Value: str("http://manifests.microsoft.com/win/2004/08/windows/eventlog")}
	child := func(name, v string) *evtx.Element { return &evtx.Element{Name: name, Value: str(v)} }
	ev := &evtx.Event{System: evtx.System{
		Provider:    evtx.Provider{Name: ProviderEventlogManifest, GUID: GUIDEventlog},
		EventID:     104,
		Level:       LevelInformation,
		Task:        104,
		Keywords:    KeywordChannel1,
		TimeCreated: t,
		ProcessID:   804,
		ThreadID:    8108,
		Channel:     ChannelSystem,
		Computer:    DefaultComputer,
		UserID:      "S-1-5-21-2595688666-2948619230-3055395256-1001",
	}}
	if channel == "Security" {
		ev.System.EventID, ev.System.Keywords, ev.System.Channel, ev.System.UserID = 1102, 0x4020000000000000, "Security", ""
		ev.UserData = &evtx.Element{Name: "LogFileCleared", Attrs: []evtx.Attr{ns}, Children: []*evtx.Element{
			child("SubjectUserSid", "S-1-5-21-546003962-2713609280-610790815-1001"), child("SubjectUserName", "admin"),
			child("SubjectDomainName", DefaultComputer), child("SubjectLogonId", "0x29936"),
		}}
		return ev
	}
	ev.UserData = &evtx.Element{Name: "LogFileCleared", Attrs: []evtx.Attr{ns}, Children: []*evtx.Element{
		child("SubjectUserName", "admin"), child("SubjectDomainName", DefaultComputer), child("Channel", channel), child("BackupPath", ""),
	}}
	return ev
}
