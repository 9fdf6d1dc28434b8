package evtxtest

import (
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// NoTime is the header time to give Event.Written for a record header
// whose time field is 0 (FILETIME 0, 1601-01-01), as exported logs hold.
var NoTime = evtx.FiletimeToTime(0)

// Exported returns copies of events as a saved, filtered log holds them
// (Event Viewer's "Save Filtered Log File As", wevtutil epl with a query):
// the records renumbered from 1 (RecordID), each keeping its
// System/EventRecordID (the original record number, or its position from
// 1 when the event has none), and each record header time taken from the
// next event's TimeCreated, the last one's 0 (NoTime). This is the shape of
// the shared case exported-filtered (cases/CASES.md: 80 of 197 real public
// logs tried were such exports); Fox-IT describes the anomalies exporting
// introduces in "Export corrupts Windows Event Log files"
// (https://blog.fox-it.com/2019/06/04/export-corrupts-windows-event-log-files/).
func Exported(events []*evtx.Event) []*evtx.Event {
	out := make([]*evtx.Event, len(events))
	for i, ev := range events {
		c := *ev
		if c.System.EventRecordID == 0 {
			c.System.EventRecordID = ev.RecordID
			if c.System.EventRecordID == 0 {
				c.System.EventRecordID = uint64(i + 1)
			}
		}
		c.RecordID = uint64(i + 1)
		c.Written = NoTime
		if i+1 < len(events) {
			c.Written = events[i+1].System.TimeCreated
		}
		out[i] = &c
	}
	return out
}

// ExportedLastUntimed returns a filtered export (Exported) of a System
// log whose last-written record gives no time: 46 Noise records an hour
// apart from 48 hours before newest, two Schannel 36871 (error state
// 10013) 90 and 60 minutes before newest, and last a Noise record whose
// TimeCreated is FILETIME 0. Its reference time is the second 36871's
// TimeCreated (the last record written with a usable one), while the
// last-written record alone gives 1601-01-01.
func ExportedLastUntimed(newest time.Time) []*evtx.Event {
	evs := Noise(newest.Add(-48*time.Hour), time.Hour, 46)
	evs = append(evs, Schannel36871(newest.Add(-90*time.Minute), 10013), Schannel36871(newest.Add(-time.Hour), 10013))
	last := Noise(newest, time.Hour, 1)[0]
	last.System.TimeCreated = NoTime
	return Exported(append(evs, last))
}
