package rules

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/hosts"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// ClockSlack is how far a record's TimeCreated may lie after that of its
// log's last-written record before the log is reported as having a clock
// that jumped (ClockJump). Records of one log are written in time order up
// to the jitter of events logged by several threads (seconds); an hour is
// far above that and far below the jumps that matter (a clock a day or a
// year ahead).
const ClockSlack = time.Hour

// RecordRef names a record as a user finds it: by its EventRecordID (the
// "Event Record ID" Event Viewer shows, System/EventRecordID) and, where
// the file numbers it otherwise (an exported log renumbers its records),
// by its record number in the file. A record of copies read as one
// (evtx.Merge) is named with the copy that holds it (File): the log's
// path is its first copy's, and each copy numbers its records its own
// way.
type RecordRef struct {
	// EventRecordID is 0 when the record's could not be read (a record
	// decoded in part): Windows numbers records from 1, and the record
	// number does not stand for it, since an export renumbers its
	// records.
	EventRecordID uint64
	RecordNumber  uint64 // record header id in the file
	// Time is the record's TimeCreated, zero when it has none (absent,
	// or FILETIME 0: the record header time never stands for it), or the
	// time a search judged the record by where it sets one (ClockJump,
	// TimeGap).
	Time time.Time
	// File is, for a record of copies read as one, the copy it was read
	// from, which RecordNumber numbers it in; "" for a record of a log
	// of one file (the log's path names that file).
	File string
}

// NewRecordRef names ev's record, without the file that holds it: for a
// record of a log that may be copies read as one, LogRecordRef. It panics
// if ev is nil.
func NewRecordRef(ev *evtx.Event) *RecordRef {
	return &RecordRef{EventRecordID: ev.System.EventRecordID, RecordNumber: ev.RecordID, Time: writtenTime(ev)}
}

// LogRecordRef names ev's record, a record read from l: as NewRecordRef,
// and, when l is copies read as one (evtx.Merge), with the copy that
// holds it (File, from ev.Source). It panics if ev is nil.
func LogRecordRef(l *evtx.Log, ev *evtx.Event) *RecordRef {
	r := NewRecordRef(ev)
	r.File = copyOf(l, ev)
	return r
}

// copyOf returns, for ev read from l, the copy of l that holds it when l
// is copies read as one (the path the merged reader gave that copy's
// reader, ev.Source.File), else "".
func copyOf(l *evtx.Log, ev *evtx.Event) string {
	if l == nil || !merged(l) {
		return ""
	}
	return ev.Source.File
}

// before reports whether r was written before s, as evtx.WrittenBefore
// orders records: by EventRecordID (the record number where the record
// has none), so that records of copies read as one, an export's
// renumbered ones among them, compare as the source log numbered them;
// then by record number.
func (r *RecordRef) before(s *RecordRef) bool {
	if a, b := r.orderID(), s.orderID(); a != b {
		return a < b
	}
	return r.RecordNumber < s.RecordNumber
}

// orderID is r's EventRecordID, or its record number when it has none.
func (r *RecordRef) orderID() uint64 {
	if r.EventRecordID == 0 {
		return r.RecordNumber
	}
	return r.EventRecordID
}

// String renders r for people: "EventRecordID 5101 (record 102 in the
// file)", or "EventRecordID 142" when the numbers agree; for a record of
// copies read as one, with the copy that holds it: "EventRecordID 5101 in
// /mnt/export/System.evtx (record 102 in the file)".
func (r *RecordRef) String() string {
	if r.EventRecordID == 0 {
		// No EventRecordID was read: the record number alone, said so.
		s := fmt.Sprintf("record %d", r.RecordNumber)
		if r.File != "" {
			s += " in " + r.File
		}
		return s + " (no EventRecordID read)"
	}
	s := fmt.Sprintf("EventRecordID %d", r.EventRecordID)
	if r.File != "" {
		s += " in " + r.File
	}
	if r.RecordNumber != r.EventRecordID {
		s += fmt.Sprintf(" (record %d in the file)", r.RecordNumber)
	}
	return s
}

// In renders r as a record of the log at path: String, naming path as
// the file that holds it ("EventRecordID 142 in /mnt/vm/System.evtx")
// unless r names its copy (File).
func (r *RecordRef) In(path string) string {
	if r.File != "" {
		return r.String()
	}
	return r.String() + " in " + path
}

// ClockJump reports records of one log whose TimeCreated lies more than
// ClockSlack after that of the log's last-written record: written while
// the machine's clock ran ahead, before it was set back (or with a wrong
// time). "Now" is the last-written record's time, not theirs.
//
// With Behind set it reports the mirror: records whose TimeCreated lies
// more than ClockSlack before that of the log's first-written record
// (lowest record number of those with a TimeCreated), which Windows wrote
// after it: the clock was set
// back between the two (it ran ahead when the first-written record was
// written, as in a sample whose first 217 records are ten hours ahead of
// the Kernel-General 1 "system time changed" that follows them, or it ran
// behind afterwards, a lost CMOS time). Which times are wrong the
// records' times alone do not say; where the log holds the clock change
// that made the jump (a Kernel-General 1 or Security 4616 record:
// ClockChange), Changes names it, and ChangeText says it. Either way a
// window on TimeCreated does not see some events where they happened.
type ClockJump struct {
	Path string
	// Last is the log's last-written record.
	Last *RecordRef
	// Behind is set for records before FirstWritten (the log's
	// first-written record) in time; else the records lie after Last.
	Behind       bool
	FirstWritten *RecordRef
	// Count is the number of records after Last (Behind: before
	// FirstWritten) in time; First and Newest are those among them with
	// the lowest record number and with the latest TimeCreated, Oldest
	// the one with the earliest TimeCreated.
	Count                 int
	First, Newest, Oldest *RecordRef
	// placedLo and placedHi are the earliest and latest of its records'
	// times that place a record in time (evtx.UsableTime), zero when none
	// does: the span a clock change explains (explainAhead,
	// explainBehind) and, for a jump ahead, the span of time the clock
	// showed while it ran ahead (ReferenceEnd), which a cleared or
	// damaged time (1601, the year 30828) would stretch over centuries.
	placedLo, placedHi time.Time
	// copies is set for a log of copies read as one: its records are
	// named with the copy that holds them (LogRecordRef).
	copies bool
	// For a jump ahead, what its records show (String): lo and hi are
	// their lowest and highest EventRecordIDs, noID counts those without
	// one; lastComputer is the last-written record's Computer, others
	// counts the records of another computer and otherNames names up to
	// three of those computers.
	lo, hi       uint64
	noID         int
	lastComputer string
	others       int
	otherNames   []string
	// host is the host (hosts.Key) its records name, "" when none names
	// one; manyHosts is set when they name more than one (forwarded events,
	// or a machine renamed among them): then no change explains the jump
	// (explainAhead, explainBehind).
	host      string
	manyHosts bool
	// hostKeys are the hosts its records name, up to maxJumpHosts
	// (hostsOver: more); renames, those the log records (EventLog 6011:
	// read when the names of the jump's records, its last-written
	// record's and its log's clock changes differ), which make several
	// of them one machine (oneHost).
	hostKeys  []string
	hostNames []string // hostKeys as the first record of each wrote it
	hostsOver bool
	renames   *renameSet
	// Changes are the records that say the system time was set in a way
	// that makes the jump (ClockChange; explainAhead, explainBehind), in
	// written order: found among the records the jump's read decodes (a
	// change that set the clock ahead is stamped with its new time, so it
	// lies among a jump ahead's records; one that set it back, among a
	// jump behind's) and among every other record of the log (a change
	// outside analyze's analysed period explains a jump all the same:
	// query's ExplainClockJumps, analyze's logClockChanges). None when the
	// log holds none, which does not show that none was logged.
	// ChangeText says them. At most maxNamedChanges, the first written:
	// ChangesNotNamed counts the others that explain it.
	Changes         []*ClockChange
	ChangesNotNamed int
	// cands are the clock changes among the records the jump's read
	// counted, up to maxHeldChanges (nil: none).
	cands *changeSet
}

// String is the warning for the jump.
func (j *ClockJump) String() string {
	what := fmt.Sprintf("1 record (%s) has", j.Newest)
	if j.Count > 1 {
		what = fmt.Sprintf("%d records (from %s on) have", j.Count, j.First)
	}
	if j.Behind {
		why := "the machine's clock was set back between them (it ran ahead before, or behind after), or these times are wrong"
		if evtx.Implausible(j.Oldest.Time) != "" {
			// No clock was set back to 1601: the time is a value
			// cleared or damaged (evtx.MinUsableTime).
			why = fmt.Sprintf("the time of %s is a cleared or damaged value, not a clock set back", j.Oldest)
			if j.Count > 1 {
				why += "; the machine's clock was set back before the others, or their times are wrong too"
			}
		}
		return fmt.Sprintf("clock jump in %s: %s a TimeCreated earlier than that of the first-written record (%s, %s), down to %s (%s, %s earlier), although written after it: %s; the windows, on TimeCreated, do not see some of these events where they happened",
			j.Path, what, j.FirstWritten, evtx.FormatEventTime(j.FirstWritten.Time), evtx.FormatEventTime(j.Oldest.Time), j.Oldest, FormatSpan(j.Oldest.Time, j.FirstWritten.Time), why) + j.hostsText()
	}
	shows := j.shows()
	if evtx.Implausible(j.Newest.Time) != "" {
		// No clock ran ahead past the year 9999 (evtx.UsableTime): the
		// newest time is a damaged value; what the others show stands.
		dmg := fmt.Sprintf("the time of %s is a damaged value, not one a clock ran ahead to", j.Newest)
		if j.Count == 1 {
			shows = dmg
		} else {
			shows = dmg + "; " + shows
		}
	}
	return fmt.Sprintf("clock jump in %s: %s a TimeCreated later than that of the last-written record (%s, %s), up to %s (%s, %s later), though written before it: %s; \"now\" is the last-written record's time, not the largest time (give --at to choose another)",
		j.Path, what, j.Last, evtx.FormatEventTime(j.Last.Time), evtx.FormatEventTime(j.Newest.Time), j.Newest, FormatSpan(j.Last.Time, j.Newest.Time), shows)
}

// shows says what the records of a jump ahead show beside their times,
// and a cause only where that shows it: records that all name another
// computer than the last-written record carry that computer's clock; one
// run of consecutive EventRecordIDs, the records written after it back at
// earlier times, is what a clock that ran ahead while they were written
// and was set back leaves; a single record, or records with EventRecordIDs
// among them that are not such records, show a record's own time off, or
// more than one jump, which the log does not tell apart.
func (j *ClockJump) shows() string {
	// Records of another name than the last-written record's that the
	// log's renames make one machine (EventLog 6011) are that machine's.
	renamed := ""
	if j.others > 0 && j.renames != nil && !j.hostsOver {
		if via, all := j.renames.linking(append([]string{j.lastComputer}, j.hostKeys...)); all && len(via) > 0 {
			who := fmt.Sprintf("%d of them name", j.others)
			if j.others == j.Count {
				who = plural.Word(j.Count, "it names", "they name")
			}
			renamed = fmt.Sprintf("; %s %s, which the log records as this machine's name before its rename (%s): one computer with the last-written record (%s)",
				who, strings.Join(j.otherNames, ", "), renamesText(via), j.lastComputer)
		}
	}
	return j.showsTimes(renamed != "") + renamed
}

// showsTimes is shows without the renames: records of another computer
// than the last-written record's are said so unless renamed (one machine
// by another name).
func (j *ClockJump) showsTimes(renamed bool) string {
	switch {
	case j.lastComputer != "" && j.others == j.Count && !renamed:
		return fmt.Sprintf("%s of another computer (%s) than the last-written record (%s): a computer's records carry its own clock's times, which this log does not compare with %s",
			plural.Word(j.Count, "it is", "they are all"), strings.Join(j.otherNames, ", "), j.lastComputer, j.lastComputer)
	case j.Count == 1:
		return "it is the only such record: its own TimeCreated is far off (a damaged or forged time), or it alone was written while the clock ran ahead; the log does not tell which"
	case j.noID > 0:
		return "which of their times are wrong, or whether the clock ran ahead and was set back, the log does not tell"
	case j.hi-j.lo+1 == uint64(j.Count):
		return fmt.Sprintf("they are consecutive records (EventRecordIDs %d to %d), and the records written after them are back at earlier times: as when the machine's clock ran ahead while they were written and was set back after them, unless their own times are wrong", j.lo, j.hi)
	default:
		return fmt.Sprintf("they are not consecutive: %s of EventRecordIDs %d to %d, among them, %s not (%s earlier, or not in the log); each of them has a time far off (damaged or forged), or the clock jumped more than once, which the log does not tell apart",
			plural.N(j.hi-j.lo+1-uint64(j.Count), "record"), j.lo, j.hi, plural.Word(j.hi-j.lo+1-uint64(j.Count), "is", "are"), plural.Word(j.hi-j.lo+1-uint64(j.Count), "its time", "their times"))
	}
}

// LastAhead is a log whose last-written record is not "now": its time
// lies in the span another log of the machine shows its clock ran ahead
// in (By: records of that log with about that time, written before its
// own last-written record, Last of By). Windows stops writing a log that
// has nothing to say (a Security or RemoteConnectionManager log), so the
// last record of such a log can be one written while the clock ran ahead
// and nothing after it shows the correction; a log written on (System)
// does.
type LastAhead struct {
	Path string
	Last *RecordRef // the log's last-written record
	By   *ClockJump // the jump ahead, in another log, whose span holds Last's time
}

// String is the warning for a.
func (a *LastAhead) String() string {
	return fmt.Sprintf("clock ahead at the end of %s: its last-written record (%s, %s) lies in the time the machine's clock showed while it ran ahead: %s holds records of that time (%s to %s) written before its own last-written record (%s, %s); \"now\" is not taken from %s",
		a.Path, a.Last, evtx.FormatEventTime(a.Last.Time), a.By.Path, evtx.FormatEventTime(a.By.placedLo), evtx.FormatEventTime(a.By.placedHi), a.By.Last, evtx.FormatEventTime(a.By.Last.Time), a.Path)
}

// ReferenceEnd picks the log whose last-written record gives the reference
// time of a machine's logs: lasts[i] is log i's last-written record (nil
// for a log without one with a time), aheads[i] its jump ahead (records
// after its last-written one in time: FindClockJump; nil for none), paths[i]
// its path. It returns the index of the log with the latest last-written
// record (-1 when no log has one), passing over a log whose last-written
// record lies later than another log's last-written record (by more than
// ClockSlack) and within ClockSlack of the span of that log's jump ahead
// (of its records' times that place a record in time: a damaged time of
// the year 30828 among them does not stretch it; ClockJump.placedHi):
// that record was written while the clock ran ahead, before the other
// log's last-written record (see LastAhead). passed lists the logs passed
// over whose record is later than the one picked. When every log would be
// passed over (jumps that cover each other's ends), the latest is picked
// and passed is nil.
func ReferenceEnd(paths []string, lasts []*RecordRef, aheads []*ClockJump) (best int, passed []*LastAhead) {
	coveredBy := func(i int) *ClockJump {
		t := lasts[i].Time
		for j, a := range aheads {
			if j == i || a == nil || lasts[j] == nil || a.placedLo.IsZero() {
				continue
			}
			if t.After(lasts[j].Time.Add(ClockSlack)) && !t.Before(a.placedLo.Add(-ClockSlack)) && !t.After(a.placedHi.Add(ClockSlack)) {
				return a
			}
		}
		return nil
	}
	best, latest := -1, -1
	var over []*LastAhead
	for i, l := range lasts {
		if l == nil {
			continue
		}
		if latest < 0 || l.Time.After(lasts[latest].Time) {
			latest = i
		}
		if by := coveredBy(i); by != nil {
			over = append(over, &LastAhead{Path: paths[i], Last: l, By: by})
			continue
		}
		if best < 0 || l.Time.After(lasts[best].Time) {
			best = i
		}
	}
	if best < 0 {
		return latest, nil
	}
	for _, a := range over {
		if a.Last.Time.After(lasts[best].Time) {
			passed = append(passed, a)
		}
	}
	return best, passed
}

// LastWritten returns the last-written record of l: the record with the
// highest record number (Windows numbers records in the order it writes
// them). It is nil when the log holds no record. With plain set, every
// event is read and the highest number kept (the plain path that
// Reader.LastWritten's one read of the headers equals); o's window and
// filter are not used either way.
func LastWritten(l *evtx.Log, o evtx.Options, plain bool) (*evtx.Event, error) {
	_, last, err := WrittenEnds(l, o, plain)
	return last, err
}

// WrittenEnds returns the first- and last-written records of l (lowest
// and highest record numbers); see LastWritten. A record that gives no
// time (writtenTime: no TimeCreated, one of FILETIME 0, one before 1980,
// or one after the year 9999, whatever its record header time says) is replaced by the nearest record written
// after it (for first) or before it (for last) whose TimeCreated is
// known: the log's written ends in time. Before, a filtered export whose
// last record had no TimeCreated had no reference time at all, every rule
// not checked; and a live log's last record without a TimeCreated had its
// record header time taken for "now" by analyze and query, while dump
// --since 24h counted back from the last record with a TimeCreated.
func WrittenEnds(l *evtx.Log, o evtx.Options, plain bool) (first, last *evtx.Event, err error) {
	first, last, _, err = TimedWrittenEnds(l, o, plain)
	return first, last, err
}

// TimedWrittenEnds is WrittenEnds, also returning the last-written record
// when it gives no time (untimed; UntimedText says so), else nil. last is
// then the record that replaced it, or untimed itself when no record of
// the log gives a time (writtenTime(last) is zero then). It is the one
// definition of a log's end in time that analyze, query and dump take
// "now" from.
//
// A nil l is an error wrapping ErrNilLog (also of WrittenEnds and
// LastWritten).
func TimedWrittenEnds(l *evtx.Log, o evtx.Options, plain bool) (first, last, untimed *evtx.Event, err error) {
	if l == nil {
		return nil, nil, nil, ErrNilLog
	}
	first, last, err = writtenEnds(l, o, plain, nil)
	if err != nil || last == nil || !renumbered(last) && (first == nil || !writtenTime(first).IsZero() && !writtenTime(last).IsZero()) {
		return first, last, nil, err
	}
	if plain || merged(l) {
		return timedEndsRest(l, o, plain, first, last)
	}
	// The rest reads every record (its summary or the record itself)
	// once more, and grouping (fleet's periodStart) and the engine both
	// ask it of an export: the log's memo keeps the answer for the file
	// as it is (evtx.File.Remember), so the second asks for nothing. It
	// is a pure function of the file's records, first and last included
	// (writtenEnds' answer for the same file), and the same with
	// o.Workers of any count (decoding is a pure function of the record
	// and its chunk): TestTimedWrittenEndsRemembered compares it with
	// the plain path.
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	f, err := l.Open(o)
	if err != nil {
		return first, last, nil, err
	}
	defer f.Close()
	type ends struct{ first, last, untimed *evtx.Event }
	v := f.Remember(timedEndsKey{o.Name, o.Recover}, func() (any, bool) {
		timedEndsReads.Add(1)
		fi, la, un, err := timedEndsRest(l, o, false, first, last)
		if err != nil {
			return err, false // a read error: not kept, the next call reads again
		}
		return ends{fi, la, un}, true
	})
	if err, ok := v.(error); ok {
		return first, last, nil, err
	}
	e := v.(ends)
	return e.first, e.last, e.untimed, nil
}

// timedEndsKey is the key under which a log's memo keeps what
// timedEndsRest found (evtx.File.Remember): the options that change the
// events it gives (Name their Source.File, Recover which records are
// read; the window and Filter are not used, and Workers changes no
// answer).
type timedEndsKey struct {
	name    string
	recover bool
}

// timedEndsReads counts the runs of timedEndsRest that the memo was asked
// to keep (tests check that a second TimedWrittenEnds of a log reads
// nothing).
var timedEndsReads atomic.Int64

// timedEndsRest is TimedWrittenEnds after writtenEnds found first and last
// (last not nil), when last is renumbered (an export) or first or last
// gives no time: the export's order checked (exportOutOfOrder), and the
// records that give no time replaced.
func timedEndsRest(l *evtx.Log, o evtx.Options, plain bool, first, last *evtx.Event) (_, _, untimed *evtx.Event, err error) {
	if renumbered(last) {
		// An export of several channels saved one channel after the
		// other (its first and last records' channels differ), or of
		// records out of the order they were written. Copies read as
		// one are judged each alone (their record numbers do not
		// compare), and the log's ends are then taken by EventRecordID
		// across them: copies of one log share its EventRecordIDs
		// (TestReferenceTimeExportNotInWriteOrderCopies).
		out := first != nil && first.System.Channel != last.System.Channel
		parts := []*evtx.Log{l}
		if merged(l) {
			parts = l.Parts()
		}
		for _, p := range parts {
			if out || err != nil {
				break
			}
			out, err = exportOutOfOrder(p, o, plain)
		}
		if err == nil && out {
			return exportWrittenEnds(l, o, first, last)
		}
	}
	if err != nil || first == nil || !writtenTime(first).IsZero() && !writtenTime(last).IsZero() {
		return first, last, nil, err
	}
	// Rare (an export's last record without a time): every record is
	// read, by the plain path whatever plain says, so both agree.
	tf, tl, err := writtenEnds(l, o, true, func(ev *evtx.Event) bool { return !writtenTime(ev).IsZero() })
	if err != nil {
		return first, last, nil, err
	}
	if writtenTime(first).IsZero() && tf != nil {
		first = tf
	}
	if writtenTime(last).IsZero() {
		untimed = last
		if tl != nil {
			last = tl
		}
	}
	return first, last, untimed, nil
}

// renumbered reports whether ev's record number is not its EventRecordID:
// ev was read from an export, which renumbers the records it saves from 1
// and keeps the EventRecordID the source log gave each (evtxtest.Exported;
// Fox-IT, "Export corrupts Windows Event Log files",
// https://blog.fox-it.com/2019/06/04/export-corrupts-windows-event-log-files/).
func renumbered(ev *evtx.Event) bool {
	return ev.System.EventRecordID != 0 && ev.System.EventRecordID != ev.RecordID
}

// exportOutOfOrder reports whether the EventRecordIDs of l's records do
// not rise with their record numbers: l is an export that saved its
// records in another order than the source log wrote them (newest first,
// sorted by another column, or the channels of a structured query one
// after the other). EventRecordIDs compare only within one computer's
// records (hosts.Key of System/Computer): a collector's ForwardedEvents
// log, whose record numbers are its own and whose EventRecordIDs are each
// source computer's, holds vm1's records then vm2's, each from 1, written
// in that order (TestReferenceTimeForwardedNotAnExport). Without plain, the
// EventRecordIDs are read from the
// records' summaries, without decoding them (a record whose summary does
// not give one is decoded); with plain every record is decoded. Both read
// the same numbers (Summary.EventRecordID is Event.System.EventRecordID),
// so they give the same answer.
func exportOutOfOrder(l *evtx.Log, o evtx.Options, plain bool) (bool, error) {
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	type num struct {
		host    string
		rec, id uint64
	}
	var mu sync.Mutex
	var nums []num
	if !plain {
		o.Filter = func(s evtx.Summary) bool {
			if s.EventRecordID == 0 {
				return true // decoded: Next gives it
			}
			mu.Lock()
			nums = append(nums, num{hosts.Key(s.Computer), s.RecordID, s.EventRecordID})
			mu.Unlock()
			return false
		}
	}
	f, err := l.Open(o)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
		mu.Lock()
		nums = append(nums, num{hosts.Key(ev.System.Computer), ev.RecordID, ev.System.EventRecordID})
		mu.Unlock()
	}
	slices.SortFunc(nums, func(a, b num) int {
		return cmp.Or(strings.Compare(a.host, b.host), cmp.Compare(a.rec, b.rec), cmp.Compare(a.id, b.id))
	})
	var prev num
	for _, n := range nums {
		if n.id == 0 {
			continue // not read: it orders nothing
		}
		if n.host == prev.host && n.id < prev.id {
			return true, nil
		}
		prev = n
	}
	return false, nil
}

// exportWrittenEnds is TimedWrittenEnds for an export whose record
// numbers do not tell the order its records were written in: one that
// saved them out of that order (exportOutOfOrder), or one of several
// channels saved one channel after the other. The source log numbered its
// records in the order it wrote them, and the export kept those numbers as
// EventRecordID, so each channel's last-written record is its record with
// the highest EventRecordID, and its first-written the lowest; the
// EventRecordIDs of two channels, or of two computers (hosts.Key of
// System/Computer: forwarded events, or a renamed machine), do not
// compare, so, as across the logs
// of a machine (ReferenceEnd), the log's last-written record is the
// latest of its channels' (by TimeCreated), its first-written the
// earliest. Records whose TimeCreated gives no time give way as in
// TimedWrittenEnds: a channel's last-written record that gives none is
// replaced by the last one written before it that gives one, and is
// untimed when its channel gives the end. byNumberFirst and byNumberLast
// are the ends by record number, which stand when no record has an
// EventRecordID. Every record is decoded.
func exportWrittenEnds(l *evtx.Log, o evtx.Options, byNumberFirst, byNumberLast *evtx.Event) (first, last, untimed *evtx.Event, err error) {
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	// before orders two records of one channel by EventRecordID, then
	// record number (a tie only byte-different copies of a record make).
	before := func(a, b *evtx.Event) bool {
		if a.System.EventRecordID != b.System.EventRecordID {
			return a.System.EventRecordID < b.System.EventRecordID
		}
		return a.RecordID < b.RecordID
	}
	type ends struct{ lo, hi, tlo, thi *evtx.Event }
	// channelKey is one computer's channel: its records' EventRecordIDs
	// compare.
	type channelKey struct{ host, channel string }
	byChannel := map[channelKey]*ends{}
	var channels []channelKey // in the order their first record came
	for {
		ev, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if ev.System.EventRecordID == 0 {
			continue
		}
		k := channelKey{hosts.Key(ev.System.Computer), ev.System.Channel}
		e := byChannel[k]
		if e == nil {
			e = &ends{}
			byChannel[k] = e
			channels = append(channels, k)
		}
		if e.lo == nil || before(ev, e.lo) {
			e.lo = ev
		}
		if e.hi == nil || before(e.hi, ev) {
			e.hi = ev
		}
		if writtenTime(ev).IsZero() {
			continue
		}
		if e.tlo == nil || before(ev, e.tlo) {
			e.tlo = ev
		}
		if e.thi == nil || before(e.thi, ev) {
			e.thi = ev
		}
	}
	var lastEnds *ends
	for _, c := range channels {
		e := byChannel[c]
		if e.tlo != nil && (first == nil || writtenTime(e.tlo).Before(writtenTime(first))) {
			first = e.tlo
		}
		if e.thi != nil && (last == nil || writtenTime(last).Before(writtenTime(e.thi))) {
			last, lastEnds = e.thi, e
		}
	}
	if first == nil {
		first = byNumberFirst
	}
	if last == nil {
		// No record gives a time: the ends by record number stand, as
		// TimedWrittenEnds leaves them.
		return first, byNumberLast, byNumberLast, nil
	}
	if lastEnds.hi != last {
		untimed = lastEnds.hi
	}
	return first, last, untimed, nil
}

// UntimedText is the warning for a log l whose last-written record
// untimed gives no time (writtenTime: no TimeCreated, one of FILETIME 0,
// one before 1980, or one after the year 9999), so that its time is that of last,
// the last record written before it that gives one (TimedWrittenEnds),
// or, when last is untimed (no record gives a time), that l gives no
// reference time. A record header time untimed has is named as what it
// is, the time the record was written, and not used: no query's
// TimeCreated condition sees it. It panics if l or untimed is nil.
func UntimedText(l *evtx.Log, untimed, last *evtx.Event) string {
	why := "no TimeCreated, or one of FILETIME 0, and a record header time of 0"
	// evtx.Implausible, not known: a time before 1601 (a SYSTEMTIME's)
	// is no FILETIME 0, though its FILETIME would be 0.
	if t := untimed.System.TimeCreated; evtx.Implausible(t) != "" && t.Before(evtx.MinUsableTime) {
		why = fmt.Sprintf("its TimeCreated, %s, lies before 1980, taken for a cleared or damaged value", evtx.FormatTime(t))
	} else if evtx.Implausible(t) != "" {
		why = fmt.Sprintf("its TimeCreated, %s, lies after the year 9999, where no clock reaches: a damaged value", evtx.FormatTime(t))
	} else if t := known(untimed.Written); !t.IsZero() {
		why = fmt.Sprintf("no TimeCreated, or one of FILETIME 0; its record header time, %s, is when it was written, not when its event happened, and is not used", evtx.FormatEventTime(t))
	}
	if last == untimed || writtenTime(last).IsZero() {
		return fmt.Sprintf("the last-written record of %s (%s) gives no time (%s), nor does any record written before it: %s gives no reference time",
			l.Path, LogRecordRef(l, untimed), why, l.Path)
	}
	return fmt.Sprintf("the last-written record of %s (%s) gives no time (%s): its time is taken from %s, the last record written before it with a TimeCreated (%s)",
		l.Path, LogRecordRef(l, untimed), why, LogRecordRef(l, last), evtx.FormatEventTime(writtenTime(last)))
}

// writtenEnds is WrittenEnds without the replacement of records that give
// no time. The plain path reads every record: the lowest and highest
// record numbers of each file (a merged log's copies each number their
// records), then, across the files of a merged log, the earliest and
// latest by evtx.WrittenBefore, as Reader.WrittenEnds compares them. With
// keep set (plain only), only the records it keeps count.
func writtenEnds(l *evtx.Log, o evtx.Options, plain bool, keep func(*evtx.Event) bool) (first, last *evtx.Event, err error) {
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if !plain {
		first, last = f.WrittenEnds()
		return first, last, nil
	}
	type ends struct{ first, last *evtx.Event }
	var files []string // in the order their first record came
	byFile := map[string]*ends{}
	for {
		ev, err := f.Next()
		if err == nil && keep != nil && !keep(ev) {
			continue
		}
		if err != nil {
			for _, name := range files {
				e := byFile[name]
				if first == nil || evtx.WrittenBefore(e.first, first) {
					first = e.first
				}
				if last == nil || evtx.WrittenBefore(last, e.last) {
					last = e.last
				}
			}
			if err == io.EOF {
				err = nil
			}
			return first, last, err
		}
		e := byFile[ev.Source.File]
		if e == nil {
			e = &ends{ev, ev}
			byFile[ev.Source.File] = e
			files = append(files, ev.Source.File)
		}
		if ev.RecordID > e.last.RecordID {
			e.last = ev
		}
		if ev.RecordID < e.first.RecordID {
			e.first = ev
		}
	}
}

// FindClockJump returns the records of l whose TimeCreated lies more than
// ClockSlack after that of last (l's last-written record), or nil when
// there are none. Only the records the reader's window on [last's time +
// ClockSlack, ∞) keeps are decoded, unless plain (every record). A nil
// last (LastWritten of a log without records) has none; a nil l is an
// error wrapping ErrNilLog.
func FindClockJump(l *evtx.Log, last *evtx.Event, o evtx.Options, plain bool) (*ClockJump, error) {
	if l == nil {
		return nil, ErrNilLog
	}
	if last == nil {
		return nil, nil
	}
	lt := writtenTime(last)
	if lt.IsZero() {
		return nil, nil
	}
	limit := lt.Add(ClockSlack)
	o.Since, o.Until, o.Filter = limit, time.Time{}, nil
	if plain {
		o.Since = time.Time{}
	}
	f, err := l.Open(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Empty() {
		return nil, nil // no record in the window: what collect gives
	}
	j := &ClockJump{Path: l.Path, Last: LogRecordRef(l, last), copies: merged(l), lastComputer: last.System.Computer}
	return j.collect(f, func(t time.Time) bool { return t.After(limit) })
}

// collect reads the events of f, counting in j those whose time passes
// keep, with the lowest-numbered of them (First), the latest (Newest)
// and, for a jump behind, the earliest (Oldest). It returns nil when none
// passes.
func (j *ClockJump) collect(f *evtx.File, keep func(time.Time) bool) (*ClockJump, error) {
	if err := collectJumps(f, clockTarget{j, keep}); err != nil {
		return nil, err
	}
	return j.orNil(), nil
}

// clockTarget is a jump collectJumps fills: the records whose time passes
// keep.
type clockTarget struct {
	j    *ClockJump
	keep func(time.Time) bool
}

// collectJumps reads the events of f once, adding each that has a
// TimeCreated (eventTime) to every target whose keep its time passes
// (see collect). A record without one (decoded in part, or written
// without it) shows no jump: its record header time is when it was
// written, a hint, and the first- and last-written records the jumps are
// measured from are chosen among the records with a TimeCreated, so that
// such a record written before the first of them was counted as "written
// after it" with an earlier time.
func collectJumps(f *evtx.File, targets ...clockTarget) error {
	for {
		ev, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		t := eventTime(ev)
		if t.IsZero() {
			continue
		}
		for _, c := range targets {
			if c.keep(t) {
				c.j.add(ev, t)
			}
		}
	}
}

// add counts ev, whose time is t, in j.
func (j *ClockJump) add(ev *evtx.Event, t time.Time) {
	j.Count++
	if k := hosts.Key(ev.System.Computer); k != "" && j.host == "" {
		j.host = k
		j.hostKeys = append(j.hostKeys, k)
		j.hostNames = append(j.hostNames, ev.System.Computer)
	} else if k != "" && k != j.host {
		j.manyHosts = true
		switch {
		case slices.Contains(j.hostKeys, k):
		case len(j.hostKeys) < maxJumpHosts:
			j.hostKeys = append(j.hostKeys, k)
			j.hostNames = append(j.hostNames, ev.System.Computer)
		default:
			j.hostsOver = true
		}
	}
	if c := clockChangeOf(ev, j.copies); c != nil {
		if j.cands == nil {
			j.cands = &changeSet{}
		}
		j.cands.add(c)
	}
	r := NewRecordRef(ev)
	r.Time = t // the time it was judged by, its TimeCreated (eventTime)
	if j.copies {
		r.File = ev.Source.File
	}
	if j.First == nil || r.before(j.First) {
		j.First = r
	}
	if j.Newest == nil || t.After(j.Newest.Time) || t.Equal(j.Newest.Time) && r.before(j.Newest) {
		j.Newest = r
	}
	if evtx.UsableTime(t) {
		if j.placedLo.IsZero() || t.Before(j.placedLo) {
			j.placedLo = t
		}
		if t.After(j.placedHi) {
			j.placedHi = t
		}
	}
	if !j.Behind {
		if id := ev.System.EventRecordID; id == 0 {
			j.noID++
		} else {
			if j.hi == 0 || id < j.lo {
				j.lo = id
			}
			j.hi = max(j.hi, id)
		}
		if c := ev.System.Computer; j.lastComputer != "" && !strings.EqualFold(c, j.lastComputer) {
			j.others++
			if len(j.otherNames) < 3 && !slices.Contains(j.otherNames, c) {
				j.otherNames = append(j.otherNames, c)
			}
		}
	}
	if j.Behind && (j.Oldest == nil || t.Before(j.Oldest.Time) || t.Equal(j.Oldest.Time) && r.before(j.Oldest)) {
		j.Oldest = r
	}
}

// orNil returns j, or nil when it counts no record; j's Changes are
// those among its own records (explain), none when they are more than
// maxHeldChanges (ExplainClockJumps names them).
func (j *ClockJump) orNil() *ClockJump {
	if j.Count == 0 {
		return nil
	}
	j.explain(nil, evtx.Options{}, false, nil)
	return j
}

// clockJumps returns what FindClockJump (l, last) and FindClockJumpBehind
// (l, first, last) return, each asked for when its record is not nil (a
// read error leaves that one nil), with one read of l where each would
// read every record anyway: plain, or copies merged (evtx.Merge decodes
// every record of every copy on every read). Both ways give the same
// jumps: the windowed reads yield every record whose time can pass.
func clockJumps(l *evtx.Log, first, last *evtx.Event, o evtx.Options, plain bool) (ahead, behind *ClockJump) {
	if first == nil || last == nil || !plain && !merged(l) || writtenTime(first).IsZero() || writtenTime(last).IsZero() {
		if last != nil {
			ahead, _ = FindClockJump(l, last, o, plain)
		}
		if first != nil {
			behind, _ = FindClockJumpBehind(l, first, last, o, plain)
		}
		return ahead, behind
	}
	o.Since, o.Until, o.Filter = time.Time{}, time.Time{}, nil
	f, err := l.Open(o)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	upper := writtenTime(last).Add(ClockSlack)
	lower := writtenTime(first).Add(-ClockSlack)
	a := &ClockJump{Path: l.Path, Last: LogRecordRef(l, last), copies: merged(l), lastComputer: last.System.Computer}
	b := &ClockJump{Path: l.Path, Behind: true, FirstWritten: LogRecordRef(l, first), Last: LogRecordRef(l, last), copies: merged(l)}
	if err := collectJumps(f, clockTarget{a, func(t time.Time) bool { return t.After(upper) }},
		clockTarget{b, func(t time.Time) bool { return !known(t).IsZero() && t.Before(lower) }}); err != nil {
		return nil, nil
	}
	return a.orNil(), b.orNil()
}

// FindClockJumpBehind returns the records of l whose TimeCreated lies more
// than ClockSlack before that of first (l's first-written record), or nil
// when there are none; last is l's last-written record (named in the
// result). Only the records the reader's window on (-∞, first's time -
// ClockSlack] keeps are decoded, unless plain (every record). A nil first
// or last (WrittenEnds of a log without records) has none; a nil l is an
// error wrapping ErrNilLog.
func FindClockJumpBehind(l *evtx.Log, first, last *evtx.Event, o evtx.Options, plain bool) (*ClockJump, error) {
	if l == nil {
		return nil, ErrNilLog
	}
	if first == nil || last == nil {
		return nil, nil
	}
	ft := writtenTime(first)
	if ft.IsZero() {
		return nil, nil
	}
	limit := ft.Add(-ClockSlack)
	o.Since, o.Until, o.Filter = time.Time{}, limit, nil
	if plain {
		o.Until = time.Time{}
	}
	f, err := l.Open(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Empty() {
		return nil, nil // no record in the window: what collect gives
	}
	j := &ClockJump{Path: l.Path, Behind: true, FirstWritten: LogRecordRef(l, first), copies: merged(l)}
	if last != nil {
		j.Last = LogRecordRef(l, last)
	}
	return j.collect(f, func(t time.Time) bool { return !known(t).IsZero() && t.Before(limit) })
}

// lastWritten finds in's first- and last-written records.
func (s *scanner) lastWritten(in *Input, l *evtx.Log) {
	first, ev, untimed, err := TimedWrittenEnds(l, evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}, s.e.opt.NoShortcuts)
	if err != nil {
		in.Err = err
	}
	if untimed != nil {
		s.warnings = append(s.warnings, UntimedText(l, untimed, ev))
	}
	if first != nil && !writtenTime(first).IsZero() {
		in.FirstWritten = LogRecordRef(l, first)
		in.FirstCleared, in.FirstClearedTo = clearText(first)
	}
	if ev != nil {
		in.Exported = known(ev.Written).IsZero() || ev.System.EventRecordID != 0 && ev.System.EventRecordID != ev.RecordID
	}
	if ev != nil && !writtenTime(ev).IsZero() {
		in.LastWritten = LogRecordRef(l, ev)
		s.last[in] = ev
	}
	if first != nil && !writtenTime(first).IsZero() {
		s.first[in] = first
	}
	for _, ch := range logChannels(in.Channel, first, ev) {
		if !in.Holds(ch) {
			// the scan warns once its records are read (mixedText)
			if len(in.Channels) == 0 {
				in.Channels = []string{in.Channel}
			}
			in.Channels = append(in.Channels, ch) // after those the plan found
		}
	}
}

// logChannels returns the channels a log's records say: that of its first
// record (channel, as the plan found it), then those of its first- and
// last-written records (nil when absent) where they differ, each once
// (case-insensitive; a record naming no channel adds none). Windows writes
// one channel per log, so a log of one channel gives one. A log that mixes
// channels gives several: forwarded events keep the System part the
// source machine wrote, its Channel included ("All data in the received
// event is saved in the collector computer event log": Microsoft, Event
// Forwarding, https://docs.microsoft.com/en-us/previous-versions/aa820605(v=vs.85)),
// and a file may hold chunks of two logs (the LanguagePackSetup sample of
// ../shared/samples: PushNotification records from record 788 on); TestLogChannelsEqualFullRead checks
// that these three records give what reading every record gives over
// every real and crafted log in testdata and ../shared/samples.
func logChannels(channel string, first, last *evtx.Event) []string {
	var out []string
	add := func(ch string) {
		if ch != "" && !containsFold(out, ch) {
			out = append(out, ch)
		}
	}
	add(channel)
	for _, ev := range []*evtx.Event{first, last} {
		if ev != nil {
			add(ev.System.Channel)
		}
	}
	return out
}

// mixedText says that in's records are of several channels and how they
// are read.
func mixedText(in *Input) string {
	return fmt.Sprintf("%s holds records of several channels (%s: those of its first record, its first- and last-written records and the records a rule's query matched): each record is evaluated by the rules of its own channel",
		in.Path, strings.Join(in.Channels, ", "))
}

// checkClocks reports, for each log read, the records whose time lies
// after that of its last-written record, then those whose time lies
// before that of its first-written record.
func (s *scanner) checkClocks() {
	// Each is followed by the clock changes that make it, among its own
	// records and every other record of its log (ClockJump.Changes), as
	// query names them (ExplainClockJumps): a change outside the analysed
	// period explains a jump all the same (omerbenamram's system.evtx:
	// its jump behind lies in 2017, months before the period, and
	// Kernel-General 1 record 296 set the clock ahead again after it).
	// The period's changes were read with it; the records outside it are
	// read once, for a log with a jump (logClockChanges).
	all := map[*Input]*changeSet{}
	o := evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}
	for i, in := range s.inputs {
		if s.ahead[in] == nil && s.behind[in] == nil {
			continue
		}
		cs, err := logClockChanges(s.logs[i], o, s.e.opt.NoShortcuts, s.changes[in], in.Since, in.Until)
		if err != nil {
			// A read error is the decoding pass's to report: the changes
			// of the period, and those found before the error.
			cs.merge(s.changes[in])
		}
		all[in] = cs
		// Names that differ among the jump's records, its last-written
		// record and the changes: one machine where the log records its
		// rename (EventLog 6011).
		for _, j := range []*ClockJump{s.ahead[in], s.behind[in]} {
			j.withRenames(s.logs[i], o, s.e.opt.NoShortcuts, cs.hostKeys())
		}
	}
	// Every jump ahead first, then those behind.
	for i, in := range s.inputs {
		if a := s.ahead[in]; a != nil {
			a.explain(s.logs[i], o, s.e.opt.NoShortcuts, all[in])
			s.clockJumps = append(s.clockJumps, a)
			s.warnings = append(s.warnings, a.String())
			if t := a.ChangeText(); t != "" {
				s.warnings = append(s.warnings, t)
			}
		}
	}
	for i, in := range s.inputs {
		if b := s.behind[in]; b != nil {
			b.explain(s.logs[i], o, s.e.opt.NoShortcuts, all[in])
			s.clockJumps = append(s.clockJumps, b)
			s.warnings = append(s.warnings, b.String())
			if t := b.ChangeText(); t != "" {
				s.warnings = append(s.warnings, t)
			}
		}
	}
}

// findClocks finds, for each log read, its records after its last-written
// record in time (s.ahead) and before its first-written record (s.behind),
// which checkClocks reports; they depend on each log's own first- and
// last-written records only, and the jumps ahead choose the reference
// time (ReferenceEnd).
func (s *scanner) findClocks() {
	s.ahead, s.behind = map[*Input]*ClockJump{}, map[*Input]*ClockJump{}
	for i, in := range s.inputs {
		first, last := s.first[in], s.last[in]
		if !in.Used || first == nil && last == nil {
			continue
		}
		if first != nil && last != nil && writtenTime(first).After(writtenTime(last).Add(ClockSlack)) {
			// The first-written record is itself after the last-written
			// one: the jump ahead, seen from its other end.
			first = nil
		}
		// A read error is the decoding pass's to report.
		s.ahead[in], s.behind[in] = clockJumps(s.logs[i], first, last, evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}, s.e.opt.NoShortcuts)
	}
}

// clearText names ev when it is the event the event log service writes
// into a log as its first record when that log is cleared, else "":
// Microsoft-Windows-Eventlog 1102 "The audit log was cleared." in the
// Security log, and Microsoft-Windows-Eventlog 104 "The %1 log file was
// cleared." in the System log when its UserData/LogFileCleared/Channel
// names System (or is not there): the 104 of another channel's clearing
// is logged in System too (omerbenamram evtx samples system.evtx,
// EventRecordIDs 1847 and 1848: the clearing of
// Microsoft-Windows-Sysmon/Operational) and says nothing of System.
// backup is the 104's LogFileCleared/BackupPath (empty in those two
// samples), the file the clear saved what it removed to, "" for none.
// Microsoft, "1102(S): The audit log was cleared.",
// https://learn.microsoft.com/windows/security/threat-protection/auditing/event-1102;
// the 104's provider and LogFileCleared fields are those of the sample;
// EvtClearLog's TargetFilePath, "the full path to the target log file
// that will receive the events", is what a clear saves to
// (https://learn.microsoft.com/windows/win32/api/winevt/nf-winevt-evtclearlog).
func clearText(ev *evtx.Event) (name, backup string) {
	if ev == nil || !strings.EqualFold(ev.System.Provider.Name, "Microsoft-Windows-Eventlog") {
		return "", ""
	}
	switch {
	case ev.System.EventID == 1102 && strings.EqualFold(ev.System.Channel, "Security"):
		return "Eventlog 1102", ""
	case ev.System.EventID == 104 && strings.EqualFold(ev.System.Channel, "System"):
		if ev.UserData != nil && ev.UserData.Name == "LogFileCleared" {
			if c := ev.UserData.Child("Channel"); c != nil && !strings.EqualFold(strings.TrimSpace(c.Text()), "System") {
				return "", ""
			}
			if b := ev.UserData.Child("BackupPath"); b != nil {
				backup = strings.TrimSpace(b.Text())
			}
		}
		return "Eventlog 104", backup
	}
	return "", ""
}
