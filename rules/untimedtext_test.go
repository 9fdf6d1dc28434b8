package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// UntimedText says why a last-written record gives no time from its
// TimeCreated as read: one before 1601, which a SYSTEMTIME holds (its
// FILETIME would be 0, and known takes it for none), lies before 1980;
// it is not "no TimeCreated, or one of FILETIME 0". FILETIME 0 and none
// are said so, and a time after 9999 is damaged.
func TestUntimedTextSaysTheTimeRead(t *testing.T) {
	l := &evtx.Log{Path: "System.evtx"}
	written := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	last := &evtx.Event{RecordID: 49, Written: written}
	last.System.EventRecordID, last.System.TimeCreated = 49, written.Add(-time.Hour)
	for _, c := range []struct {
		tc   time.Time
		want string
	}{
		{time.Date(1500, 6, 1, 0, 0, 0, 0, time.UTC), "its TimeCreated, 1500-06-01T00:00:00.0000000Z, lies before 1980, taken for a cleared or damaged value"},
		{evtx.FiletimeToTime(1), "its TimeCreated, 1601-01-01T00:00:00.0000001Z, lies before 1980"},
		{evtx.FiletimeToTime(0), "no TimeCreated, or one of FILETIME 0; its record header time, 2024-05-01T12:00:00.0000000Z"},
		{time.Time{}, "no TimeCreated, or one of FILETIME 0; its record header time, 2024-05-01T12:00:00.0000000Z"},
		{time.Date(30828, 9, 14, 2, 48, 5, 0, time.UTC), "lies after the year 9999, where no clock reaches: a damaged value"},
	} {
		untimed := &evtx.Event{RecordID: 50, Written: written}
		untimed.System.EventRecordID, untimed.System.TimeCreated = 50, c.tc
		if got := UntimedText(l, untimed, last); !strings.Contains(got, c.want) {
			t.Errorf("TimeCreated %v: %q\nwant it to say %q", c.tc, got, c.want)
		}
	}
}
