// Package hosts judges the computer names a log's records carry
// (System/Computer), for package fleet, which groups logs into machines,
// and package rules, which reads a change of the name within one log as a
// rename: both must reach the same answer.
//
// A log written by one machine names one host, or one host after another
// when the machine was renamed (the old name's records end where the new
// name's begin). A log of forwarded events (a Windows Event Collector's
// ForwardedEvents, or any log whose records come from several computers)
// names several hosts whose records interleave: that is not a rename.
package hosts

import (
	"strings"
	"time"
)

// Key returns the host a Computer value names: its first DNS label, lower
// case ("RDCB01" and "rdcb01.contoso.com" are one host: joining a domain
// is not a rename).
func Key(computer string) string {
	h, _, _ := strings.Cut(computer, ".")
	return strings.ToLower(h)
}

// Span is where one host's records lie in one log: the lowest and highest
// record numbers (record header ids), the lowest and highest
// System/EventRecordID (0, 0 when no record's was read) and the oldest
// and newest TimeCreated of the records naming it.
type Span struct {
	MinID, MaxID   uint64
	MinRID, MaxRID uint64
	First, Last    time.Time
}

// NoteRID widens s's EventRecordIDs by rid (0: not read, no change).
func (s *Span) NoteRID(rid uint64) {
	if rid == 0 {
		return
	}
	if s.MaxRID == 0 || rid < s.MinRID {
		s.MinRID = rid
	}
	s.MaxRID = max(s.MaxRID, rid)
}

// WidenRID widens s's EventRecordIDs by those of o.
func (s *Span) WidenRID(o Span) {
	if o.MaxRID != 0 {
		s.NoteRID(o.MinRID)
		s.NoteRID(o.MaxRID)
	}
}

// Interleaved reports whether the records of two of the spans (each one
// host's, in one log) overlap, in record numbers, in EventRecordIDs or in
// time: several computers logging over the same period (forwarded
// events), or each numbering its own events (a collector's records of two
// computers, one after the other, each from EventRecordID 1), not one
// machine renamed, whose event log service numbers the records of the new
// name after those of the old one (EventRecordID is the number the event
// log assigned the event when it was logged:
// https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-eventrecordid-systempropertiestype-element).
// Spans that only touch (the last record of one name and the first of the
// next at the same time) do not overlap.
func Interleaved(spans []Span) bool {
	for i, x := range spans {
		for _, y := range spans[i+1:] {
			if x.MinID < y.MaxID && y.MinID < x.MaxID {
				return true
			}
			if x.MaxRID != 0 && y.MaxRID != 0 && x.MinRID <= y.MaxRID && y.MinRID <= x.MaxRID {
				return true
			}
			if x.First.Before(y.Last) && y.First.Before(x.Last) {
				return true
			}
		}
	}
	return false
}
