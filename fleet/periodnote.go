package fleet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// notePeriodCopies says, in the Grouping of the machines concerned, where
// grouping from the analysed period (Options.Period) missed an older copy
// of a log: a log o of the same channel as a log l, whose last-written
// record is older than the records read of l, that holds a record l holds
// too. Such a copy (a shadow copy taken weeks before, holding the log's
// first chunks) shares records with l only before l's period, which the
// grouping does not read, so it stays a log of its own, or, naming only a
// computer name the machine had before a rename, a machine of its own;
// a read of every record (Period 0) merges it into l, each record once.
//
// Whether l holds a record of o is asked of o's newest records, those at
// the TimeCreated of its last-written record (the highest record number,
// evtx.Reader.LastWritten): a log is written in record order, so a newer
// copy that holds any record of an older one holds its last-written ones,
// and a copy found has a shared record. Not at o's largest TimeCreated: a
// record written while the clock ran ahead sets it, and a newer log that
// wrapped past that record holds o's later ones still
// (TestOlderCopyWithClockJumpSaid). Both logs are read at that one time
// only (evtx.Options Since and Until; the chunks the grouping's read
// found elsewhere in time are not read again). A log of another use of
// the channel (an archived log, another machine's log) holds none of them
// and is not named.
//
// The pairs asked are those of one machine, or of one unit (a folder,
// volume or zip), at most maxPeriodProbes: in a fleet, one folder per
// machine, each machine's logs are older than many others', and asking
// every pair cost a fleet of 200 generated machines 256 pairs before the
// bound (about a tenth of its CPU time). An older copy in another unit
// that names only a former name of the computer is not found: it is
// analysed as a machine of its own (Options.Period says so).
//
// It sets Machine.UnmergedCopy on each machine it writes to.
func notePeriodCopies(ctx context.Context, ms []*Machine) {
	type where struct {
		m *Machine
		l *Log
	}
	var all []where
	for _, m := range ms {
		if m.Forwarded {
			continue
		}
		for _, l := range m.Logs {
			if l.Read && len(l.hosts) > 0 && !l.last.IsZero() {
				all = append(all, where{m, l})
			}
		}
	}
	newest := map[*Log]map[recordID]bool{}
	newestAt := map[*Log]time.Time{}
	probes := 0
	for _, o := range all {
		for _, l := range all {
			// o's last-written record lies at or after o.first, so o.first
			// before l.first is necessary for it to lie before l.first.
			if o.l == l.l || !strings.EqualFold(o.l.Channel, l.l.Channel) || !o.l.first.Before(l.l.first) ||
				o.m != l.m && o.l.unit != l.l.unit {
				continue
			}
			at, ok := newestAt[o.l]
			if !ok {
				if probes >= maxPeriodProbes {
					return
				}
				probes++ // a read of o's last chunks
				at = lastWrittenAt(ctx, o.l)
				newestAt[o.l] = at
			}
			if !at.Before(l.l.first) {
				continue
			}
			if probes >= maxPeriodProbes {
				return
			}
			probes++
			if newest[o.l] == nil {
				newest[o.l] = recordsAt(ctx, o.l, at)
			}
			if !sharesAny(newest[o.l], recordsAt(ctx, l.l, at)) {
				continue
			}
			op, lp := o.l.Copies[0].Path, l.l.Copies[0].Path
			if o.m == l.m {
				o.m.Grouping = append(o.m.Grouping, fmt.Sprintf(
					"%s: an older copy of %s (its newest records, at %s, are in it), read as a log of its own: its last-written record is older than those read of %s (from %s, the period read to group the logs), where copies are found; 'evtxrdp dump' of both reads it as one log",
					op, lp, evtx.FormatEventTime(at), lp, evtx.FormatEventTime(l.l.first)))
				o.m.UnmergedCopy = true
				continue
			}
			renamed := ", renamed in between"
			if sameHostSpans(o.l, l.l) {
				renamed = ""
			}
			note := fmt.Sprintf(
				"%s (%s) is an older copy of %s (%s): its newest records, at %s, are in it, so the two are one machine%s; analysed apart, since its last-written record is older than those read of %s (from %s, the period read to group the logs), where copies are found; 'evtxrdp dump' of both reads it as one log",
				op, o.m.Label(), lp, l.m.Label(), evtx.FormatEventTime(at), renamed, lp, evtx.FormatEventTime(l.l.first))
			for _, m := range []*Machine{o.m, l.m} {
				m.Grouping = append(m.Grouping, note)
				m.UnmergedCopy = true
			}
		}
	}
}

// maxPeriodProbes bounds the reads notePeriodCopies makes (the
// last-written record of each older log asked, and two small windowed
// reads per pair): a unit holding hundreds of logs of one
// channel (archived logs) would otherwise ask every pair. Past it, no
// more pairs are asked and nothing more is said.
const maxPeriodProbes = 256

// recordID identifies a record as the record keys of the grouping do
// (recordKey): its record number, header time, TimeCreated, provider,
// event id and computer.
type recordID struct {
	id                uint64
	written, created  time.Time
	provider, machine string
	event             uint16
}

// recordsAt returns the identities of the records of l's copies whose
// TimeCreated is t, read without decoding where the reader can.
func recordsAt(ctx context.Context, l *Log, t time.Time) map[recordID]bool {
	out := map[recordID]bool{}
	var mu sync.Mutex
	note := func(s evtx.Summary) {
		if !s.TimeCreated.Equal(t) {
			return
		}
		mu.Lock()
		out[recordID{s.RecordID, s.Written.UTC(), s.TimeCreated.UTC(), s.Provider, s.Computer, s.EventID}] = true
		mu.Unlock()
	}
	for _, c := range l.Copies {
		if c.SameFile {
			continue
		}
		summariesIn(c.Log, evtx.Options{Workers: 1, Since: t, Until: t, Context: ctx}, note)
	}
	return out
}

// sameHostSpans reports whether a host key of a is one of b's.
func sameHostSpans(a, b *Log) bool {
	for _, x := range a.hosts {
		for _, y := range b.hosts {
			if x.key == y.key {
				return true
			}
		}
	}
	return false
}

// lastWrittenAt returns the TimeCreated of l's last-written record: of
// its copies' last-written records (evtx.Reader.LastWritten), the last by
// evtx.WrittenBefore (EventRecordID: an exported copy renumbers its
// records); l.last, its largest usable TimeCreated read, when no copy
// gives one or that record's is not usable (evtx.UsableTime: FILETIME 0,
// before 1980 or after the year 9999, which the grouping places nowhere: placed).
// An older copy whose last record held FILETIME 0 was said to be a copy
// whose "newest records, at 1601-01-01T00:00:00Z" the newer log holds.
func lastWrittenAt(ctx context.Context, l *Log) time.Time {
	var newest *evtx.Event
	for _, c := range l.Copies {
		if c.SameFile {
			continue
		}
		f, err := c.Log.Open(evtx.Options{Workers: 1, Context: ctx})
		if err != nil {
			continue
		}
		if ev := f.LastWritten(); ev != nil && (newest == nil || evtx.WrittenBefore(newest, ev)) {
			newest = ev
		}
		f.Close()
	}
	if newest != nil {
		if t, ok := evtx.TimeCreatedOf(newest); ok && evtx.UsableTime(t) {
			return t
		}
	}
	return l.last
}

func sharesAny(a, b map[recordID]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
