package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// ProviderKernelGeneral and GUIDKernelGeneral name the provider of
// "The system time has changed to %1 from %2." (event 1), as the
// omerbenamram system.evtx sample writes them.
const (
	ProviderKernelGeneral = "Microsoft-Windows-Kernel-General"
	GUIDKernelGeneral     = "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}"
)

// KernelGeneral1 is "The system time has changed to NewTime from
// OldTime." in the shape of version 2 (the fields of the sample's
// version 1, NewTime, OldTime and Reason, then ProcessName and
// ProcessID), stamped with the new time, as Windows writes it.
func KernelGeneral1(old, new time.Time, reason uint32, process string, pid uint32) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderKernelGeneral, GUID: GUIDKernelGeneral},
			EventID:     1,
			Version:     2,
			Level:       LevelInformation,
			Task:        5,
			Keywords:    0x8000000000000010,
			TimeCreated: new,
			ProcessID:   pid,
			ThreadID:    1488,
			Channel:     ChannelSystem,
			Computer:    DefaultComputer,
			UserID:      "S-1-5-19",
		},
		EventData: []evtx.Field{
			{Name: "NewTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: new}},
			{Name: "OldTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: old}},
			{Name: "Reason", Value: u32(evtx.KindUint32, reason)},
			{Name: "ProcessName", Value: str(process)},
			{Name: "ProcessID", Value: u32(evtx.KindUint32, pid)},
		},
	}
}

// Security4616 is "The system time was changed." (version 1: PreviousTime
// and NewTime FILETIMEs, ProcessId and ProcessName), by process, stamped
// with the new time.
func Security4616(prev, new time.Time, process string, pid uint32) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{
			Provider:    evtx.Provider{Name: ProviderSecurityAuditing, GUID: GUIDSecurityAuditing},
			EventID:     4616,
			Version:     1,
			Task:        12288,
			Keywords:    0x8020000000000000,
			TimeCreated: new,
			ProcessID:   4,
			ThreadID:    52,
			Channel:     ChannelSecurity,
			Computer:    DefaultComputer,
		},
		EventData: []evtx.Field{
			{Name: "SubjectUserSid", Value: str("S-1-5-19")},
			{Name: "SubjectUserName", Value: str("LOCAL SERVICE")},
			{Name: "SubjectDomainName", Value: str("NT AUTHORITY")},
			{Name: "SubjectLogonId", Value: u32(evtx.KindHexInt64, 0x3e5)},
			{Name: "PreviousTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: prev}},
			{Name: "NewTime", Value: evtx.Value{Kind: evtx.KindFileTime, Time: new}},
			{Name: "ProcessId", Value: u32(evtx.KindHexInt64, pid)},
			{Name: "ProcessName", Value: str(process)},
		},
	}
}
