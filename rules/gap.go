package rules

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// TimeGapMin is the shortest span without records that TimeGap reports: a
// week, longer than a machine left off over a weekend, far shorter than
// the clock jumps that hide evidence (days to years).
const TimeGapMin = 7 * 24 * time.Hour

// TimeGapWritten is the fewest records a log must hold in the TimeGapMin
// before a gap for TimeGap to report it: a log written at least about
// daily, whose silence is news. A log that holds a record every few weeks
// (a SessionBroker-Client or RemoteConnectionManager log of an idle VM)
// has gaps of weeks that say nothing.
const TimeGapWritten = 8

// TimeGap reports a span of at least TimeGapMin in which one log holds no
// record, across the start of the analysed period (Since): its newest
// record before Since (Before) is that much older than its oldest record
// from Since on (After). The records before the gap lie outside every
// window and look-back. Either the machine was off (or the log was not
// written) for that long, or its clock jumped ahead at After: then "now",
// the last-written record's time, is as far ahead, and the events that
// led to the failure are before the gap. Which of the two the records'
// times do not say; Windows logs a clock change as
// Microsoft-Windows-Kernel-General event 1 ("The system time has changed
// to NewTime from OldTime", in the System log) or Security 4616, and
// where the log holds one that set the clock ahead across the gap,
// Changes names it (ClockChange).
type TimeGap struct {
	Path          string
	Since         time.Time
	Before, After *RecordRef
	// WeekBefore counts the records in the TimeGapMin up to Before (it
	// included): at least TimeGapWritten.
	WeekBefore int
	// Changes are the records that say the clock was set ahead across the
	// gap (ClockChange; TimeGap.explain), in written order: found among
	// the records of the ClockSlack from After on (a change is stamped
	// with its new time, so one that explains the gap lies there) and, in
	// analyze, of the analysed period of a log that also has a clock jump
	// (the period's changes are read only for those: scanner.changes).
	// None when the log holds none there. ChangeText says them. At most
	// maxNamedChanges, the first written: ChangesNotNamed counts the
	// others that explain it.
	Changes         []*ClockChange
	ChangesNotNamed int
	// cands are the clock changes among the records of the ClockSlack
	// from After on, up to maxHeldChanges.
	cands *changeSet
	// computers are the Computer values of Before and After: a change
	// explains the gap only when it is of their computer (explain).
	computers [2]string
	// renames are the renames its log records (EventLog 6011), read when
	// computers, or those of cands, differ (withRenames); nil otherwise.
	renames *renameSet
}

// Span is the time between the two records.
func (g *TimeGap) Span() time.Duration { return g.After.Time.Sub(g.Before.Time) }

// String is the warning for the gap.
func (g *TimeGap) String() string {
	return fmt.Sprintf("time gap in %s: no record between %s (%s) and %s (%s), %s, across the start of the analysed period (%s), though the log holds %s in the week before: the machine was off, or its clock jumped ahead at %s; the records before the gap lie outside every window and look-back (if the clock jumped, give --at %s to analyse the time before it)",
		g.Path, evtx.FormatEventTime(g.Before.Time), g.Before, evtx.FormatEventTime(g.After.Time), g.After, FormatSpan(g.Before.Time, g.After.Time),
		evtx.FormatEventTime(g.Since), plural.N(g.WeekBefore, "record"), g.After, g.Before.Time.UTC().Format(time.RFC3339Nano)) + g.namesText()
}

// FindTimeGap returns the gap of l across since (see TimeGap), or nil when
// l holds no record before since, none from since on, or the two nearest
// records lie less than TimeGapMin apart, or l holds fewer than
// TimeGapWritten records in the TimeGapMin up to the one before since
// (it included). A record's time is the one the
// windows judge it by, its TimeCreated (eventTime); records without one
// (decoded in part, or written without it: their record header times are
// write times, never shown as an event's) and those whose TimeCreated is
// FILETIME 0 (no time) play no part. The newest record before since is,
// of several at that time, the last written (highest record number); the
// oldest from since on the first written.
//
// With plain set, or for copies merged (evtx.Merge, whose every read
// decodes every record), every record is decoded once. Otherwise the reader's window
// (o's Since, Until and Filter are replaced) reads a span before since,
// then twice as long, and so on until a record is found or the log's
// oldest time is passed; likewise after since; only the records at the two
// times found are decoded. Both ways give the same result
// (TestTimeGapShortcutEqualsPlain). A nil l is an error wrapping
// ErrNilLog.
func FindTimeGap(l *evtx.Log, since time.Time, o evtx.Options, plain bool) (*TimeGap, error) {
	if l == nil {
		return nil, ErrNilLog
	}
	if plain || merged(l) {
		return findTimeGap(l, since, time.Time{}, time.Time{}, o, true)
	}
	o.Since, o.Until, o.Filter = far, far, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, err
	}
	for {
		if _, err := f.Next(); err != nil {
			break
		}
	}
	st := f.Stats()
	f.Close()
	oldest, newest := timeBounds(st)
	return findTimeGap(l, since, oldest, newest, o, false)
}

// timeBounds returns times no record time (as eventTime gives it, FILETIME
// 0 aside) of a log with Stats st lies outside: the oldest and newest of
// its TimeCreated and header times (wider bounds than the TimeCreated
// alone give: they only bound the search). When a TimeCreated of FILETIME 0 was
// read, FirstCreated is that and says nothing of the oldest other one,
// which can precede every header time: the oldest is then FILETIME 1.
func timeBounds(st evtx.Stats) (oldest, newest time.Time) {
	oldest = minKnown(st.FirstCreated, st.First)
	if !st.FirstCreated.IsZero() && known(st.FirstCreated).IsZero() {
		oldest = evtx.FiletimeToTime(1)
	}
	return oldest, maxTime(known(st.LastCreated), known(st.Last))
}

// findTimeGap is FindTimeGap given the oldest and newest record times of
// l (bounds of their TimeCreated: timeBounds; a pass over l gives them in
// Stats).
func findTimeGap(l *evtx.Log, since, oldest, newest time.Time, o evtx.Options, plain bool) (*TimeGap, error) {
	if plain || merged(l) {
		before, after, computers, times, err := nearestPlain(l, since, o)
		if err != nil || before == nil || after == nil {
			return nil, err
		}
		n := 0
		for _, t := range times {
			if !t.Before(before.Time.Add(-TimeGapMin)) && !t.After(before.Time) {
				n++
			}
		}
		return withChanges(newTimeGap(l.Path, since, before, after, n), computers, l, o, true)
	}
	// The thresholds are newTimeGap's, checked as soon as their inputs
	// are known so that a log without a gap costs one read.
	bt, at, ok, err := nearestTimes(l, since, oldest, newest, o)
	if err != nil || !ok || at.Sub(bt) < TimeGapMin {
		return nil, err
	}
	n, err := countIn(l, bt.Add(-TimeGapMin), bt, o)
	if err != nil || n < TimeGapWritten {
		return nil, err
	}
	before, after, computers, err := recordsAt(l, bt, at, o)
	if err != nil || before == nil || after == nil {
		return nil, err
	}
	return withChanges(newTimeGap(l.Path, since, before, after, n), computers, l, o, false)
}

// withChanges returns g (nil: nil) with the clock changes among the
// records of l whose TimeCreated lies in the ClockSlack from g.After's
// on (g.cands) and those of them that explain it (g.Changes), given the
// Computer values of g.Before and g.After (computers). With plain
// every record is decoded; otherwise the reader's window on that span
// keeps them, and its filter decodes only the clock changes (by their
// summaries' provider and event id), which gives the same changes. A
// read error leaves the gap without them.
func withChanges(g *TimeGap, computers [2]string, l *evtx.Log, o evtx.Options, plain bool) (*TimeGap, error) {
	if g == nil {
		return nil, nil
	}
	g.computers = computers
	lo, hi := g.After.Time, g.After.Time.Add(ClockSlack)
	g.cands = &changeSet{}
	wo := o
	wo.Since, wo.Until = lo, hi
	// A read error: the decoding pass reports it.
	_ = readClockChanges(l, wo, plain, func(t time.Time) bool { return !t.Before(lo) && !t.After(hi) }, g.cands.add)
	g.withRenames(l, o, plain)
	g.explain(l, o, plain, nil, time.Time{}, time.Time{})
	return g, nil
}

// merged reports whether l is copies merged (evtx.Merge): a read of it
// decodes every record of every copy whatever the window, so the windowed
// reads of the shortcut would each cost a full decode (the 48 shared
// samples with their shadow copies took 2.9 CPU s, 70% of it in the
// probes); one plain read decides instead.
func merged(l *evtx.Log) bool { return len(l.Parts()) > 1 }

// countIn counts the records of l whose time lies in [lo, hi], through
// the reader's window as readTimes reads them.
func countIn(l *evtx.Log, lo, hi time.Time, o evtx.Options) (int, error) {
	var n atomic.Int64
	err := readTimes(l, lo, hi, o, func(x time.Time) {
		if !x.IsZero() && !x.Before(lo) && !x.After(hi) {
			n.Add(1)
		}
	})
	return int(n.Load()), err
}

// readTimes calls note, from several goroutines at once, with the time of
// each record of l the reader's window on [lo, hi] keeps or judges (and
// more, or zero times, which note must judge itself): a record whose
// TimeCreated is read without decoding by its summary, without decoding
// it; one the window yields without (no plain TimeCreated) by its
// decoded time, as eventTime gives it.
func readTimes(l *evtx.Log, lo, hi time.Time, o evtx.Options, note func(time.Time)) error {
	o.Since, o.Until = lo, hi
	o.Filter = func(s evtx.Summary) bool {
		if s.TimeCreated.IsZero() {
			return true // decoded: judged by its event's time
		}
		note(known(s.TimeCreated))
		return false
	}
	f, err := l.Open(o)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		note(known(eventTime(ev)))
	}
}

// nearestTimes returns the time of the newest record of l before since
// and of the oldest from since on, through the reader's window (ok false
// when either side has none); oldest and newest bound the log's times.
func nearestTimes(l *evtx.Log, since, oldest, newest time.Time, o evtx.Options) (bt, at time.Time, ok bool, err error) {
	if oldest.IsZero() || !oldest.Before(since) || newest.Before(since) {
		return bt, at, false, nil
	}
	// The hour on each side of since first: in a log written every few
	// minutes, one read decides.
	bt, at, okB, okA, err := extremes(l, since.Add(-time.Hour), since, since.Add(time.Hour), o)
	if err != nil {
		return bt, at, false, err
	}
	if !okB {
		if bt, okB, err = probe(l, since.Add(-time.Hour), oldest, -1, o); err != nil || !okB {
			return bt, at, false, err
		}
	}
	if !okA {
		if at, okA, err = probe(l, since.Add(time.Hour), newest, 1, o); err != nil || !okA {
			return bt, at, false, err
		}
	}
	return bt, at, true, nil
}

// recordsAt returns the last-written record of l at time bt and the
// first-written at time at, and their Computer values.
func recordsAt(l *evtx.Log, bt, at time.Time, o evtx.Options) (before, after *RecordRef, computers [2]string, err error) {
	if before, computers[0], err = recordAt(l, bt, true, o); err != nil {
		return nil, nil, computers, err
	}
	after, computers[1], err = recordAt(l, at, false, o)
	return before, after, computers, err
}

// newTimeGap is the gap between before and after, with weekBefore
// records in the TimeGapMin up to before, or nil when FindTimeGap reports
// none.
func newTimeGap(path string, since time.Time, before, after *RecordRef, weekBefore int) *TimeGap {
	if after.Time.Sub(before.Time) < TimeGapMin || weekBefore < TimeGapWritten {
		return nil
	}
	return &TimeGap{Path: path, Since: since, Before: before, After: after, WeekBefore: weekBefore}
}

// nearestPlain reads every record of l and returns the newest before
// since (the last written of several), the oldest from since on (the
// first written of several), their Computer values and every record's
// time (none for a record without one). Of copies read as one, records are in written order by
// EventRecordID (RecordRef.before): two copies' record numbers do not
// compare (an export renumbers its records from 1).
func nearestPlain(l *evtx.Log, since time.Time, o evtx.Options) (before, after *RecordRef, computers [2]string, times []time.Time, err error) {
	copies := merged(l)
	later := func(r, s *RecordRef) bool { // r written after s
		if copies {
			return s.before(r)
		}
		return r.RecordNumber > s.RecordNumber
	}
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, nil, computers, nil, err
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return before, after, computers, times, nil
		}
		if err != nil {
			return nil, nil, computers, nil, err
		}
		t := known(eventTime(ev))
		if t.IsZero() {
			continue
		}
		times = append(times, t)
		r := LogRecordRef(l, ev)
		r.Time = t
		if t.Before(since) {
			if before == nil || t.After(before.Time) || t.Equal(before.Time) && later(r, before) {
				before, computers[0] = r, ev.System.Computer
			}
		} else if after == nil || t.Before(after.Time) || t.Equal(after.Time) && later(after, r) {
			after, computers[1] = r, ev.System.Computer
		}
	}
}

// probe returns the time of the record of l nearest from on side dir
// (-1: the newest before from; 1: the oldest from it on), reading spans
// of two hours, then four, eight and so on away from from until one holds
// a record or the span reaches bound (the log's oldest, or newest, time);
// after maxDoublings spans, the next reaches bound; past bound, one last
// read covers every time left on that side. ok is false when there is
// none.
func probe(l *evtx.Log, from, bound time.Time, dir int, o evtx.Options) (t time.Time, ok bool, err error) {
	span := 2 * time.Hour
	near := from // the side of the span nearest since
	for i := 0; ; i++ {
		lo, hi := near, near.Add(span) // [lo, hi) after since
		if dir < 0 {
			lo, hi = near.Add(-span), near // [lo, hi) before since
		}
		if dir < 0 && (i == maxDoublings || lo.Before(bound)) {
			lo = bound // the rest: [bound, near)
		}
		if dir > 0 && (i == maxDoublings || hi.After(bound)) {
			hi = bound.Add(time.Nanosecond) // the rest: [near, bound]
		}
		t, ok, err := extreme(l, lo, hi, dir, o)
		if err != nil || ok {
			return t, ok, err
		}
		if dir < 0 && !lo.After(bound) {
			// Past the bound: the rest, in case a record's time lies
			// beyond what the bound was taken from (a TimeCreated the
			// reader's Stats do not hold).
			if lo.After(minRecordTime) {
				return extreme(l, minRecordTime, lo, dir, o)
			}
			return time.Time{}, false, nil
		}
		if dir > 0 && hi.After(bound) {
			if hi.Before(maxRecordTime) {
				return extreme(l, hi, maxRecordTime, dir, o)
			}
			return time.Time{}, false, nil
		}
		if dir < 0 {
			near = lo
		} else {
			near = hi
		}
		span *= 2
	}
}

// maxDoublings bounds the spans probe reads: 2^20 hours are 120 years.
const maxDoublings = 20

// minRecordTime and maxRecordTime bound every record time: FILETIME 1
// (FILETIME 0 is no time) and the largest FILETIME, in the year 60056
// (a SYSTEMTIME ends in 30827).
var (
	minRecordTime = evtx.FiletimeToTime(1)
	maxRecordTime = evtx.FiletimeToTime(^uint64(0))
)

// extreme returns the latest (dir -1) or earliest (dir 1) time in [lo,
// hi) of l's records (see extremes).
func extreme(l *evtx.Log, lo, hi time.Time, dir int, o evtx.Options) (t time.Time, ok bool, err error) {
	if dir < 0 {
		t, _, ok, _, err = extremes(l, lo, hi, hi, o)
		return t, ok, err
	}
	_, t, _, ok, err = extremes(l, lo, lo, hi, o)
	return t, ok, err
}

// extremes returns the latest time in [lo, mid) and the earliest in [mid,
// hi) of l's records (okB, okA: there is one), read by readTimes.
func extremes(l *evtx.Log, lo, mid, hi time.Time, o evtx.Options) (bt, at time.Time, okB, okA bool, err error) {
	var mu sync.Mutex // Filter is called concurrently
	note := func(x time.Time) {
		if x.IsZero() || x.Before(lo) || !x.Before(hi) {
			return
		}
		mu.Lock()
		if x.Before(mid) {
			if !okB || x.After(bt) {
				bt, okB = x, true
			}
		} else if !okA || x.Before(at) {
			at, okA = x, true
		}
		mu.Unlock()
	}
	if err := readTimes(l, lo, hi, o, note); err != nil {
		return time.Time{}, time.Time{}, false, false, err
	}
	return bt, at, okB, okA, nil
}

// recordAt returns the record of l at time t (eventTime), and its
// Computer: of several, the last written when last is set, else the
// first written.
func recordAt(l *evtx.Log, t time.Time, last bool, o evtx.Options) (*RecordRef, string, error) {
	o.Since, o.Until, o.Filter = t, t, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var r *RecordRef
	var computer string
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return r, computer, nil
		}
		if err != nil {
			return nil, "", err
		}
		if !known(eventTime(ev)).Equal(t) {
			continue
		}
		n := ev.RecordID
		if r == nil || last && n > r.RecordNumber || !last && n < r.RecordNumber {
			r, computer = LogRecordRef(l, ev), ev.System.Computer
			r.Time = t
		}
	}
}

// minKnown is the earlier of the known times among a and b (zero when
// neither is).
func minKnown(a, b time.Time) time.Time {
	a, b = known(a), known(b)
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}
