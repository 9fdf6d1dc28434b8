package evtx

import (
	"time"

	"github.com/evtxrdp/evtxrdp/internal/hosts"
)

// ForComputer returns a view of l that reads only the records whose
// System/Computer names the host computer names (hosts.Key: the first
// DNS label, case ignored, so "VM1" and "vm1.contoso.com" are one host).
// It is for a log of forwarded events: a Windows Event Collector writes
// the events it receives from several computers into one log (by default
// ForwardedEvents), each with the System part its source computer wrote,
// its Computer, Channel and EventRecordID among it ("the Event Collector
// service sends an event as the received event to an event log":
// EcContentFormatEvents,
// https://learn.microsoft.com/en-us/windows/win32/api/evcoll/ne-evcoll-ec_subscription_content_format),
// while the collector's log numbers its records (record header ids) in
// the order it wrote them. One computer's records, read through the view,
// are what that computer logged, as if its own logs had been given.
//
// Every way of reading the view gives exactly what reading the whole log
// and keeping the records naming the host gives (TestForComputerEqualsFilter):
// Open composes the view's selection with Options.Filter (a record naming
// another host is declined from its summary, not decoded, and counted in
// Stats.Filtered), and drops a record decoded in full or in part whose
// Computer names another host, or none (a record decoded in part without
// its System part), counting it in Stats.Filtered too instead of
// Stats.Records. Reader.WrittenEnds and LastWritten of a view read every
// record of the view (no shortcut by record headers, which name no
// computer) and return the records with the lowest and highest record
// numbers, the collector's order; the source computer's order is its
// EventRecordIDs, which a caller taking "now" from a view must use.
// What a view cannot select stays the file's: Stats of the file itself
// (chunks, damage, problems), Reader.LostRecords (records lost from the
// file name no computer) and Reader.NewestTime (record header times, a
// hint).
//
// A view of a merged log (Merge) is the merge of the views of its parts.
// A view keeps no memo (Log.Prime does nothing for it). computer "" gives
// l itself.
func (l *Log) ForComputer(computer string) *Log {
	key := hosts.Key(computer)
	if key == "" {
		return l
	}
	v := *l
	v.computer = key
	v.memo = nil
	if len(l.parts) > 0 {
		v.parts = make([]*Log, len(l.parts))
		for i, p := range l.parts {
			v.parts[i] = p.ForComputer(computer)
		}
	}
	return &v
}

// Computer returns the host a view reads (ForComputer: the host key, lower
// case), or "" for a log that is not a view.
func (l *Log) Computer() string { return l.computer }

// view is what a Reader of a view (Log.ForComputer) keeps.
type view struct {
	key string
	log *Log    // the view, to read again (writtenEnds)
	o   Options // the options it was opened with
}

// openView opens a view: the whole log, with the view's selection in the
// Filter and in Next (Reader.view).
func (l *Log) openView(o Options) (*File, error) {
	key := l.computer
	whole := *l
	whole.computer = ""
	vo := o
	filter := o.Filter
	vo.Filter = func(s Summary) bool {
		return hosts.Key(s.Computer) == key && (filter == nil || filter(s))
	}
	f, err := whole.Open(vo)
	if err != nil {
		return nil, err
	}
	f.Reader.view = &view{key: key, log: l, o: o}
	return f, nil
}

// drops reports whether a Reader of the view passes over ev, a record
// naming another host or none.
func (v *view) drops(ev *Event) bool {
	return v != nil && hosts.Key(ev.System.Computer) != v.key
}

// writtenEnds is Reader.WrittenEnds of a view: every record of the view
// read, the lowest and highest record numbers kept (a tie, which only
// byte-different copies make, goes to the first in file order), as the
// plain read of WrittenEnds defines them. A read error ends the read
// with what was found before it.
func (v *view) writtenEnds() (first, last *Event) {
	o := v.o
	o.Since, o.Until, o.Filter, o.Recover, o.Progress = time.Time{}, time.Time{}, nil, false, nil
	f, err := v.log.Open(o)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err != nil { // io.EOF, or a read error
			return first, last
		}
		if first == nil || ev.RecordID < first.RecordID {
			first = ev
		}
		if last == nil || ev.RecordID > last.RecordID {
			last = ev
		}
	}
}
