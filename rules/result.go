package rules

// The values Analyze returns: the Result with its inputs and one Finding
// per rule (verdict, evidence, cause, steps).

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Verdict of a rule.
type Verdict string

// Verdicts.
const (
	// Detected: an evidence query matched an event in the window.
	Detected Verdict = "detected"
	// NotDetected: the logs the rule needs were read, cover the window,
	// and hold no matching event in it.
	NotDetected Verdict = "not_detected"
	// NotChecked: a log the rule needs is absent, unreadable, or does not
	// reach back to the window's start.
	NotChecked Verdict = "not_checked"
)

// Result is what Analyze found.
type Result struct {
	// ReferenceTime is the "now" of the analysis; windows end there.
	ReferenceTime time.Time
	// ReferenceFrom is the path of the log whose last-written record gave
	// the reference time (of copies read as one, of the copy holding the
	// record, whose record numbers RecordNumber counts), or "" when it was
	// given (Options.At); ReferenceRecord is that record.
	ReferenceFrom   string
	ReferenceRecord *RecordRef
	// LookBack is how far outside the windows matches were looked for.
	LookBack time.Duration
	// Inputs lists every log given, in the given order (once per path);
	// those no rule needs have Used false and were read no further than
	// their first record, which names the channel.
	Inputs []*Input
	// Findings has one entry per rule, in rule order.
	Findings []*Finding
	// Warnings are about the analysis as a whole (e.g. a doubtful
	// reference time, a clock that jumped).
	Warnings []string
	// Timeline holds the RDP-relevant events around the reference time
	// (timeline.yaml), ordered by each line's Time (of a group: its
	// oldest event's), at most Options.Timeline lines (those whose Last is
	// newest), nil when Options.Timeline is negative; TimelineDropped
	// counts the older events left out.
	Timeline        []*TimelineLine
	TimelineDropped int
	// TimelineCut says, per grouped entry, the events of TimelineDropped
	// set aside with their groups while reading, past MaxTimelineGroups
	// groups: no Options.Timeline brings them back (a query of the
	// entry's XPath lists them); nil when none was.
	TimelineCut []TimelineCut
	// TimelineUntimed counts the events the timeline's entries select
	// that have no TimeCreated (EventRef.Time zero: written without one,
	// or one a query cannot read): on no line and in no span, whatever
	// their record header time, and not in TimelineDropped.
	// TimelineUntimedEvents names the last written of them (by record
	// number in a file; across files by record header time), last written
	// first, at most MaxTimelineUntimed; Query is the entry's id. A
	// TimeCreated of FILETIME 0 (1601-01-01) is a time, as for the rules'
	// windows: such an event lies before the timeline's span, outside it.
	TimelineUntimed       int
	TimelineUntimedEvents []*EventRef
	// ClockJumps lists the logs with records whose TimeCreated lies more
	// than ClockSlack after that of the log's last-written record (each
	// is also a warning).
	ClockJumps []*ClockJump
	// TimeGaps lists the logs whose records leave TimeGapMin or more
	// without a record across the start of their analysed period (Input
	// Since), in input order; each is also in Warnings.
	TimeGaps []*TimeGap
}

// Detected returns the number of findings with verdict Detected.
func (r *Result) Detected() int {
	n := 0
	for _, f := range r.Findings {
		if f.Verdict == Detected {
			n++
		}
	}
	return n
}

// Input is one log file and what reading it gave.
type Input struct {
	Path    string
	Channel string
	// Channel is the System/Channel of the log's first record; the
	// channel its file name gives (evtx.ChannelFromFileName) only when no
	// record tells. ChannelFromEvents is set when the two differ (a
	// renamed, copied or exported log), and FileChannel is then the file
	// name's channel ("" for standard input).
	ChannelFromEvents bool
	FileChannel       string
	// ChannelUnknown is set for a log that could not be read (Err: no
	// record read, or every record decoded in part, naming no channel)
	// and whose file name names no channel (FileNameClaim): no record told
	// its channel, so it may be any channel's, and the rules say so
	// rather than that no log of theirs was given.
	ChannelUnknown bool
	// Channels lists, for a log whose records are of several channels (a
	// saved custom view, forwarded events), the channels its first record
	// and its first- and last-written records say, Channel first, then
	// those of the records a rule's query matched; nil for a log of one
	// channel. Every query is evaluated on the records of every log read,
	// each record by the queries of its own System/Channel (Holds).
	Channels []string
	Size     int64
	// Used is true when a rule reads the log's channel (or it is the System
	// log, read for the reference time).
	Used bool
	// Decoded is true when records in the analysed period were decoded
	// (false when the log served only for the reference time).
	Decoded bool
	// Since and Until are the record-time bounds of the decoding, when
	// Decoded.
	Since, Until time.Time
	// InPeriod counts, when Decoded, the records whose time (TimeCreated,
	// else for a record decoded in part its record header time, a hint:
	// partialHint) lies in
	// [Since, Until], and PartialInPeriod those of them decoded in part
	// (their provider and event id unknown): a log most of whose period
	// is such records does not cover a rule's window (logStatus). A record
	// decoded in part whose record number and header time a record
	// decoded in full has (a copy of its bytes in a chunk lacking its
	// templates) counts once, in full; so in windows.
	InPeriod, PartialInPeriod int
	// Untimed counts, when Decoded, the records decoded in full that have
	// no TimeCreated (eventTime zero: written without one), of the whole
	// log whatever the period (the reader yields them whatever its window):
	// they lie in no window and are not in InPeriod, whatever their
	// record header time; the queries' matches among them are
	// QueryHit.Untimed.
	Untimed int
	// windows counts, when Decoded, for each window of the rules (all end
	// at the reference time; those of every channel, since a log may hold
	// records of a channel its first records do not say), the records
	// read whose time lies in it and those of them decoded in part: a log
	// at least half of whose records in a rule's window are decoded in
	// part does not cover it (logStatus). Counted alike with shortcuts and
	// without.
	windows []*windowCount
	// Stats are the reader's counts for the last pass over the file (with
	// Decoded, the pass over the analysed period [Since, Until], widened
	// for a corroboration look-back). Its Records are the events that
	// pass decoded, not the log's records: with the reader's window and
	// filter (shortcuts), the log's intact records are Records + Skipped
	// + Filtered, the report's records; with NoShortcuts every record is
	// in Records.
	Stats evtx.Stats
	// Parts are, for copies read as one (evtx.Merge; Path is the first
	// copy's), each copy's path and the damage of Stats it holds
	// (evtx.Reader.PartDamage: each damaged record or span counted in the
	// first copy that holds it, none where another copy holds the record
	// intact; their sums are Stats'), in the order read; nil for a log of
	// one file. Caveats about damage name the copies that hold it.
	Parts []PartDamage
	// Errors are the reader's format errors (at most 100 are kept);
	// ErrorCount counts all.
	Errors     []*evtx.FormatError
	ErrorCount int
	// Conflict is, for copies read as one (evtx.Merge), the problem of
	// the first record two copies hold with different content
	// (evtx.ErrConflict: the copy set aside, the copy used and why), nil
	// when there is none; Stats.Conflicts counts them. The rules read
	// the copy evtx.Merge chose, as dump and query print it.
	Conflict *evtx.FormatError
	// Err is why the log could not be read at all, or nil.
	Err error
	// FirstWritten and LastWritten are the log's first- and last-written
	// records (lowest and highest record numbers), nil when it holds none
	// or was not read. The span between their times is the span the log
	// covers.
	FirstWritten, LastWritten *RecordRef
	// FirstCleared names FirstWritten when it is the event of the log's
	// own clearing ("Eventlog 104", "Eventlog 1102": clearText), else
	// "": the log was cleared then, and what was written before it is
	// not in it.
	FirstCleared string
	// FirstClearedTo is the file the clear FirstCleared names saved what
	// it removed to (Eventlog 104's BackupPath: Event Viewer's "Save and
	// Clear", wevtutil cl /bu), as Windows wrote it; "" when it saved
	// none, or says none (Security's 1102 has no such field).
	FirstClearedTo string
	// Exported is set when the log is a saved copy of another (Event
	// Viewer's "Save All Events As", wevtutil epl): its last-written
	// record's number differs from its EventRecordID (the records were
	// renumbered) or its header time is zero, or most of its records whose
	// EventRecordID was read are renumbered (evtx.Stats.Exported).
	Exported bool
	// CopyOf is the Path of another input that gave records this log
	// holds too: records a query matched with the same
	// evtx.RecordIdentity (channel, EventRecordID, TimeCreated and
	// content, as evtx.Merge judges copies), or the same but for a
	// TimeCreated not read in one. The two are copies of one log given as
	// two logs (a volume shadow copy, a second download). SharedMatches
	// counts those records; each is counted once, from the input that
	// gave it first (in the order given to Analyze), as evtx.Merge yields
	// a record from its first part, but for a record without a
	// TimeCreated here that a later input gives with one: counted from
	// that input, as evtx.Merge keeps that copy, so that the findings do
	// not depend on the order. Warnings says so. The
	// rest of this Input (Stats, InPeriod, its first- and last-written
	// records) is still this file's alone: merge copies before Analyze
	// (fleet.Copies) to read them as one log. "" and 0 when no matched
	// record of the log was counted from another input: only matched
	// records are compared, so copies without a match are not told.
	CopyOf        string
	SharedMatches int
	// ClockAhead is set when the log's last-written record lies later
	// than another log's and in the time that log shows the machine's
	// clock ran ahead (ReferenceEnd): it was written then, and is not
	// the machine's "now".
	ClockAhead bool
	// Lost lists, when Decoded, the runs of record numbers missing
	// between the log's records (evtx.Reader.LostRecords: chunks zeroed
	// or overwritten in a crash or a damaged copy): records Windows wrote
	// that are not in the file. A log that lost records in a time that
	// reaches into a rule's window does not cover it (logStatus); records
	// lost before it leave a caveat.
	Lost []LostRecords
	// lostRead is set once Lost was read (the log is read again for
	// corroboration).
	lostRead bool
	// cutLoss says, of a log cut short (cutShort), which records the cut
	// lost (evtx.Reader.CutLoss); cutRead is set once it was read.
	cutLoss evtx.CutLoss
	cutRead bool
}

// LostRecords is a run of lost records (evtx.LostSpan): the record
// numbered AfterID is followed by the one numbered BeforeID; After and
// Before are their TimeCreated, zero when not known.
//
// Newest marks the run of the newest records (evtx.LostSpan.Newest):
// BeforeID is the file header's next record id (or one past the last
// record id the newest chunk's header counts), no record, and Before
// is zero; the lost records lie after After, so the run reaches into
// every window that ends after it.
type LostRecords struct {
	AfterID, BeforeID uint64
	After, Before     time.Time
	// AfterEventID and BeforeEventID are the EventRecordIDs of the
	// records either side (0: not read, or no record): where an export
	// renumbered its records, AfterID and BeforeID are the file's own
	// numbers, which Event Viewer does not show, and the run is named
	// by both.
	AfterEventID, BeforeEventID uint64
	Newest                      bool
	// cut marks the records after the last one of a log cut short
	// (cutText), which its file header's chunk count says were written:
	// AfterID and After are the last record's, BeforeID is not known.
	cut bool
	// chunkCount marks a Newest run counted by the newest chunk's header
	// (evtx.LostSpan.ChunkCount), not the file header.
	chunkCount bool
	// noneRead marks a Newest run of a log no chunk of which holds a
	// readable record (evtx.LostSpan.NoneRead): the file header counts
	// records written up to BeforeID−1; Count is how many the file may
	// have held, at most.
	noneRead bool
	// Slack counts the records of the run the file holds as old records
	// (evtx.LostSpan.Slack): not lost, but not read either (the analysis
	// reads the current records), so the run's time is not covered all
	// the same.
	Slack uint64
}

// Count is the number of records lost: numbered in the run and not in
// the file (Slack left out).
func (l LostRecords) Count() uint64 { return l.BeforeID - l.AfterID - 1 - l.Slack }

// String names the run: "records 1156 to 1417 (262) between record 1155
// (2018-08-06T08:42:42.4548681Z) and record 1418 (...)".
func (l LostRecords) String() string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "time unknown"
		}
		return evtx.FormatEventTime(t)
	}
	// side names a record beside the run: its record number, with its
	// EventRecordID where that differs (an export renumbers its records,
	// and Event Viewer shows the EventRecordID).
	side := func(id, eventID uint64, t time.Time) string {
		if eventID != 0 && eventID != id {
			return fmt.Sprintf("record %d (EventRecordID %d, %s)", id, eventID, at(t))
		}
		return fmt.Sprintf("record %d (%s)", id, at(t))
	}
	what := fmt.Sprintf("records %d to %d (%d)", l.AfterID+1, l.BeforeID-1, l.Count())
	if l.Count() == 1 {
		what = fmt.Sprintf("record %d", l.AfterID+1)
	}
	if l.Slack > 0 {
		what = fmt.Sprintf("records %d to %d (%d; %d more are old records in chunk slack, not read: evtxrdp dump --recover prints them)", l.AfterID+1, l.BeforeID-1, l.Count(), l.Slack)
	}
	if l.noneRead {
		return fmt.Sprintf("records %d to %d (at most %d) not read: no chunk holds a readable record, and the file header counts records up to %d (next record id %d); how many of them the file held is not known", l.AfterID+1, l.BeforeID-1, l.Count(), l.BeforeID-1, l.BeforeID)
	}
	if l.Newest && l.chunkCount {
		return fmt.Sprintf("%s missing after %s, the newest the file holds (the header of its newest chunk counts records up to %d)", what, side(l.AfterID, l.AfterEventID, l.After), l.BeforeID-1)
	}
	if l.Newest {
		return fmt.Sprintf("%s missing after %s, the newest the file holds (its file header counts records up to %d: next record id %d)", what, side(l.AfterID, l.AfterEventID, l.After), l.BeforeID-1, l.BeforeID)
	}
	return fmt.Sprintf("%s missing between %s and %s", what, side(l.AfterID, l.AfterEventID, l.After), side(l.BeforeID, l.BeforeEventID, l.Before))
}

// overlaps reports whether the lost records can lie in [start, end]: they
// were written between After and Before (an unknown time bounds nothing),
// whichever is the earlier: a clock set back while they were written
// gives the record after them the earlier TimeCreated, and they lie
// between the two all the same.
func (l LostRecords) overlaps(start, end time.Time) bool {
	lo, hi := l.After, l.Before
	if !lo.IsZero() && !hi.IsZero() && hi.Before(lo) {
		lo, hi = hi, lo
	}
	return (hi.IsZero() || !hi.Before(start)) && (lo.IsZero() || !lo.After(end))
}

// PartDamage is one copy of a log read as one with its copies (its path)
// and what of the log's damage it holds (Input.Parts).
type PartDamage struct {
	Path string
	evtx.Damage
	// Lost are the runs of records missing between the file's records
	// (Input.Lost; a log of one file only).
	Lost []LostRecords
}

// damages returns in's damage by the file that holds it: each of its
// copies that holds some (Parts), or, for a log of one file, the log's
// own (Stats).
func (in *Input) damages() []PartDamage {
	if len(in.Parts) == 0 {
		s := in.Stats
		return []PartDamage{{Path: in.Path, Damage: evtx.Damage{BadChunks: s.BadChunks, BadRecords: s.BadRecords, UnreadBytes: s.UnreadBytes, Partial: s.Partial}, Lost: in.Lost}}
	}
	var out []PartDamage
	for _, p := range in.Parts {
		if p.Damage != (evtx.Damage{}) || len(p.Lost) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// windowCount is Input.windows' count of one window: the records whose
// time (eventTime) lies in [from, the reference time], and those of
// them decoded in part. start, the reference time minus the window,
// names it (Input.inWindow); from is where its records start
// (windowStart), less than 1 ms before it. filtered counts, while the log is read, the
// records of it the pre-filter passes over (from its decoding
// goroutines); decode then adds them to records.
type windowCount struct {
	start, from      time.Time
	records, partial int
	filtered         atomic.Int64
}

// inWindow returns the records of in whose time lies in the window
// starting at start, and those of them decoded in part; ok is false when
// in was not decoded for that window.
func (in *Input) inWindow(start time.Time) (records, partial int, ok bool) {
	for _, w := range in.windows {
		if w.start.Equal(start) {
			return w.records, w.partial, true
		}
	}
	return 0, 0, false
}

// Holds reports whether in is a log of channel ch: its Channel, or, for a
// log whose records are of several channels, one of them.
func (in *Input) Holds(ch string) bool {
	if in.Channel == ch || strings.EqualFold(in.Channel, ch) { // equal text first: EqualFold goes rune by rune
		return true
	}
	for _, c := range in.Channels {
		if c == ch || strings.EqualFold(c, ch) {
			return true
		}
	}
	return false
}

// Readable reports whether the log was opened and read to the end.
func (in *Input) Readable() bool { return in.Used && in.Err == nil }

// EventRef identifies an event and carries what a report shows of it.
type EventRef struct {
	Query string // id of the query that matched
	// File is the log's path; of copies read as one (evtx.Merge), the
	// copy the record was read from, which RecordID numbers it in.
	File    string
	Channel string
	// EventRecordID is System/EventRecordID (what Event Viewer shows), 0
	// when the record carries none (Windows numbers from 1): name such a
	// record by RecordID, as RecordRef.String does; RecordID the record
	// number in the file (they differ in exported logs, which renumber
	// their records).
	EventRecordID uint64
	RecordID      uint64
	// Time is the event's System/TimeCreated, as a query's TimeCreated
	// condition reads it (evtx.TimeCreatedOf; one of FILETIME 0 is
	// 1601-01-01), else as decoded when evtx.UsableTime passes it (a
	// TimeCreated no query can read, e.g. namespace-prefixed). It is the
	// zero time for an event written without one: such an event is placed
	// in no window and only ever named as QueryHit.UntimedNewest. The
	// record header time never stands for it.
	Time time.Time
	// Written is the record header time (evtx.Event.Written): when the
	// record was written to the file, not when its event happened
	// (exported logs borrow it from other records or leave it 0, which
	// is the zero time here). Shown only for an event without a Time,
	// labelled as the record's write time; never compared with a window.
	Written  time.Time
	Provider string
	EventID  uint16
	Level    uint8
	Computer string
	Data     []DataField
	// Attribution says why an evidence event belongs to RDP, or why it
	// may not ("" for queries without Attribution).
	Attribution string
	// Possible is set for an evidence event that is consistent with the
	// scenario but not attributable to RDP.
	Possible bool
	// Subject is what the event is about when its query has a Subject
	// (a service's key name), else "".
	Subject string

	callerPID uint64 // the calling process id the event names (hasCaller)
	hasCaller bool
	same      string        // awaiting a coincidence: its Coincidence.Same value (sameKey)
	addr      netip.Addr    // awaiting a coincidence: its CoincidenceAddress.Data address
	refs      []*Refinement // the refinements the event matched (evidence)
}

// QueryHit summarises one query's matches for a finding.
type QueryHit struct {
	Query *Query
	// Count is the number of matches in the window; First and Last their
	// oldest and newest times.
	Count       int
	First, Last time.Time
	// Before is the newest match before the window (within the look-back),
	// After the oldest match after its end; nil if none.
	Before, After *EventRef
	// BeforeCount and AfterCount count the matches outside the window that
	// were seen (within the look-back).
	BeforeCount, AfterCount int
	// Untimed counts the matches without a TimeCreated (EventRef.Time
	// zero: written without one, or one a query cannot read), whatever
	// their record header time: they are in no window and no look-back,
	// and not in Count, BeforeCount, AfterCount, Possible or Other, as a
	// query's TimeCreated condition (timediff) selects none of them.
	// UntimedNewest is the last written of them (highest record number;
	// of several files, the latest record header time), nil if none.
	Untimed       int
	UntimedNewest *EventRef
	// Possible counts the matches in the window (included in Count) that
	// are consistent with the scenario but not attributable to RDP.
	Possible int
	// Other counts the matches in the window that belong to other
	// programs (not in Count); OtherFrom counts them by program or by the
	// field that tells (Attribution).
	Other     int
	OtherFrom map[string]int
}

// RefinementHit is a refinement that evidence in the window satisfied.
type RefinementHit struct {
	Refinement *Refinement
	Count      int
	Newest     *EventRef
}

// LogStatus says how one channel a rule reads was covered.
type LogStatus struct {
	Channel string
	Role    string   // RoleEvidence or RoleCorroboration
	Paths   []string // the logs of this channel
	// Paths are the logs of the channel that were read (or, when none
	// could be, those that could not); Detail names the unreadable ones
	// beside readable ones.
	// Status is "read" (read and covers the window), "absent",
	// "unreadable", "empty" (no records) or "partial" (read, but starts
	// after the window's start).
	Status string
	Detail string
}

// Log statuses.
const (
	LogRead       = "read"
	LogAbsent     = "absent"
	LogUnreadable = "unreadable"
	LogPartial    = "partial"
	LogEmpty      = "empty"
)

// Corroboration supports a finding: a corroborating event, or a change of
// the computer name seen in the events.
type Corroboration struct {
	Text  string
	Event *EventRef // nil for a computer-name change
}

// Finding is the verdict of one rule.
type Finding struct {
	Rule    *Rule
	Verdict Verdict
	// WindowStart is WindowEnd minus Window; the window counts from less
	// than 1 ms before it, where its timediff condition starts to select
	// (rules/doc.go; xpath.TimediffStart). WindowEnd is the reference time.
	WindowStart, WindowEnd time.Time
	Window                 time.Duration
	// Logs has one entry per channel the rule reads, sorted by channel.
	Logs []*LogStatus
	// Reasons say why the verdict is NotChecked.
	Reasons []string
	// Caveats qualify a verdict (damaged logs, absent optional logs).
	Caveats []string
	// Hits has one entry per query, in rule order.
	Hits []*QueryHit
	// Evidence holds the newest evidence events in the window (at most
	// Options.MaxEvidence per query), newest first. EvidenceCount counts all.
	Evidence      []*EventRef
	EvidenceCount int
	// Refinements that evidence satisfied; the first decided Cause.
	Refinements []*RefinementHit
	// Corroboration found for the rule (any verdict).
	Corroboration []*Corroboration
	// Cause and Steps: the refined or default cause and the ordered
	// resolution (set for every verdict; reports show them when detected
	// or possible).
	Cause string
	Steps []*Step
	// Why says in one sentence why the verdict is what it is and what
	// would confirm it.
	Why string
	// Others are lines about matches that belong to other programs
	// (Attribution), e.g. "other TLS errors on this machine: 3, from
	// lsass.exe"; they never count as evidence.
	Others []string
	// ResolvedBy is the recovery event that shows the fault recovered
	// (verdict Resolved).
	ResolvedBy *EventRef
}

// ErrNoReadableLog is returned (with a complete Result) when none of the
// logs the rules need could be read: each is absent, could not be opened,
// or met problems without giving one record (a copy cut inside its file
// header, or after it).
var ErrNoReadableLog = errors.New("rules: no readable log for the rules' channels")
