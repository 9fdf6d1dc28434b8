package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/rawpath"
	"github.com/evtxrdp/evtxrdp/rules"
)

// TimelineCut is what the timeline set aside of one grouped entry while
// reading (rules.TimelineCut): Events in Groups groups, and the entry's
// id, channel and XPath (without a time condition).
type TimelineCut struct {
	Entry   string `json:"entry"`
	Channel string `json:"channel"`
	XPath   string `json:"xpath"`
	Events  int    `json:"events"`
	Groups  int    `json:"groups"`
}

// SchemaVersion is the version of the JSON report schema (SCHEMA.md). It
// changes when a field is removed or changes meaning; added fields do not
// change it.
const SchemaVersion = "2"

// Report is the result of an analysis in the stable, documented schema.
// Times are Windows event XML times (UTC, 7 fractional digits, "Z"), ""
// when unknown; durations are whole seconds.
type Report struct {
	SchemaVersion string `json:"schema_version"`
	Tool          string `json:"tool"`
	// ToolVersion is the version of evtxrdp that wrote the report (the
	// module version from the build information, with the commit when
	// known; "(devel)" for go run and tests).
	ToolVersion string `json:"tool_version"`
	// Options are the analyze flags of the run as given (paths are the
	// inputs), "--name=value", sorted by name; [] for none.
	Options []string `json:"options"`
	// Computers are the computer names (System/Computer) of the machine's
	// records, oldest first (fleet.Machine.Computers). The caller (the
	// CLI) sets it: New does not; omitted when unknown.
	Computers []string `json:"computers,omitempty"`
	// NotRead lists the inputs given that could not be read at all, each
	// as the problem naming its path ("stat /mnt/vm2: no such file or
	// directory", a folder that cannot be listed, a link not followed): no
	// log of theirs is among Inputs. The caller (the CLI) sets it; omitted
	// when none.
	NotRead []string `json:"not_read,omitempty"`
	// Machine says which machine the report is about and how the inputs
	// were grouped; omitted for the inputs of one machine given once (no
	// copies, no rename), always set in fleets and JSON Lines.
	Machine *Machine `json:"machine,omitempty"`
	// ReferenceTime is the "now" of the analysis; every window ends there.
	ReferenceTime string `json:"reference_time"`
	// ReferenceSource says where it came from: "given" (--at),
	// "last-written record" (the TimeCreated of the record with the
	// highest record number; then ReferenceLog names the log and
	// ReferenceRecord the record) or "none" (no record time: every rule
	// is not checked, and ReferenceTime is "").
	ReferenceSource string  `json:"reference_source"`
	ReferenceLog    string  `json:"reference_log,omitempty"`
	ReferenceRecord *Record `json:"reference_record,omitempty"`
	// ReferenceNewestLost is set when the reference log's newest
	// records are lost (its file header counts records written after
	// the newest it holds: rules.LostRecords.Newest): ReferenceRecord is
	// the newest record the file holds, not the last written.
	ReferenceNewestLost bool `json:"reference_newest_lost,omitempty"`
	// LookBackSeconds is how far outside the windows matching events were
	// looked for.
	LookBackSeconds int64 `json:"look_back_seconds"`
	// Warnings are about the analysis as a whole (a doubtful reference
	// time, a clock that jumped).
	Warnings []string `json:"warnings,omitempty"`
	// ClockJumps lists the logs with records whose TimeCreated lies more
	// than an hour after that of the log's last-written record (each is
	// also a warning).
	ClockJumps []ClockJump `json:"clock_jumps,omitempty"`
	// TimeGaps lists the logs with a week or more without records across
	// the start of their analysed period (each is also a warning).
	TimeGaps []TimeGap `json:"time_gaps,omitempty"`
	Summary  Summary   `json:"summary"`
	Findings []Finding `json:"findings"`
	Inputs   []Input   `json:"inputs"`
	// Timeline holds the RDP-relevant events around the reference time
	// (boots and shutdowns, Remote Desktop service states, listener starts,
	// successful RDP logons, failed ones grouped by status and address,
	// certificate and TLS errors), oldest first by Time (of a group: its
	// oldest event's); TimelineOmitted counts the older events left out
	// (--timeline N keeps the N lines whose newest event is newest). It is
	// absent only when the timeline was turned off (--timeline 0).
	Timeline        []TimelineLine `json:"timeline,omitzero"`
	TimelineOmitted int            `json:"timeline_omitted,omitempty"`
	// TimelineCut says, per grouped timeline entry, the events of
	// TimelineOmitted that were set aside with their groups while
	// reading (the timeline keeps at most rules.MaxTimelineGroups
	// groups): no --timeline N brings them back; a query of the entry's
	// XPath on its channel lists them (rules.TimelineCut). Omitted when
	// none was.
	TimelineCut []TimelineCut `json:"timeline_cut,omitempty"`
	// TimelineUntimed counts the events of the timeline's kinds that have
	// no TimeCreated: on no line, whatever their record header time
	// (rules.Result.TimelineUntimed); TimelineUntimedEvents names the
	// last written of them (at most rules.MaxTimelineUntimed), last
	// written first, each Event's Query the timeline entry's id, its Time
	// "" and its record header time in Written. Both omitted when none.
	TimelineUntimed       int     `json:"timeline_untimed,omitempty"`
	TimelineUntimedEvents []Event `json:"timeline_untimed_events,omitempty"`
}

// TimelineLine is one line of the timeline: one event, or a group of
// events with the same status and address.
type TimelineLine struct {
	Time          string `json:"time"`                // TimeCreated (of a group: the oldest)
	LastTime      string `json:"last_time,omitempty"` // of a group of several: the newest
	Count         int    `json:"count"`
	Entry         string `json:"entry"` // the timeline entry id (rules/timeline.yaml)
	Provider      string `json:"provider"`
	EventID       uint16 `json:"event_id"`
	Channel       string `json:"channel"`
	File          string `json:"file"`
	FileBase64    string `json:"file_base64,omitempty"` // File's bytes when not UTF-8 (SCHEMA.md)
	EventRecordID uint64 `json:"event_record_id"`       // of a group: the newest's
	RecordNumber  uint64 `json:"record_number"`
	Text          string `json:"text"`
}

// Record names a record: by its EventRecordID (what Event Viewer shows;
// 0 when none was read: a record decoded in part, or written without
// one), with its record number in the file, which differs in exported
// logs.
// File is, for a record of copies read as one (a log and its shadow copy
// or export, Machine's copies), the copy that holds it, whose record
// number RecordNumber is; "" for a log of one file.
type Record struct {
	EventRecordID uint64 `json:"event_record_id"`
	RecordNumber  uint64 `json:"record_number"`
	File          string `json:"file,omitempty"`
	FileBase64    string `json:"file_base64,omitempty"` // File's bytes when not UTF-8 (SCHEMA.md)
	// Time is the record's TimeCreated, "" when it has none (the record
	// header time never stands for it: rules.RecordRef.Time).
	Time string `json:"time"`
}

func newRecord(r *rules.RecordRef) *Record {
	if r == nil {
		return nil
	}
	return &Record{EventRecordID: r.EventRecordID, RecordNumber: r.RecordNumber, File: r.File, FileBase64: rawpath.Base64(r.File), Time: formatTime(r.Time)}
}

// ClockJump is a log with records whose TimeCreated lies after that of its
// last-written record (a clock that ran ahead and was set back), or, with
// Behind, before that of its first-written record (the clock was set back
// after the first-written record: it ran ahead then, or behind after).
type ClockJump struct {
	Log string `json:"log"`
	// LastWritten is the log's last-written record; Count the records
	// later in time (Behind: earlier than FirstWritten, the log's
	// first-written record), First the lowest-numbered of them, Newest
	// the latest, Oldest (Behind only) the earliest.
	LastWritten  Record  `json:"last_written"`
	Behind       bool    `json:"behind,omitempty"`
	FirstWritten *Record `json:"first_written,omitempty"`
	Count        int     `json:"count"`
	First        Record  `json:"first"`
	Newest       Record  `json:"newest"`
	Oldest       *Record `json:"oldest,omitempty"`
	// Changes are the log's records that say the clock was set so as to
	// make the jump (rules.ClockJump.Changes), in written order; omitted
	// when none was found. At most eight, the first written:
	// ChangesNotNamed counts the others that explain the jump.
	Changes         []ClockChange `json:"changes,omitempty"`
	ChangesNotNamed int           `json:"changes_not_named,omitempty"`
}

// ClockChange is a record that says the system time was set
// (rules.ClockChange): Microsoft-Windows-Kernel-General event 1 in
// System or Security event 4616.
type ClockChange struct {
	Record Record `json:"record"`
	// Event is "Kernel-General 1" or "Security 4616".
	Event string `json:"event"`
	// OldTime and NewTime are the times the clock showed before and
	// after the change, UTC (a version 0 4616's local times, LocalTimes
	// as written, read with the offset its TimeCreated shows).
	OldTime    string `json:"old_time"`
	NewTime    string `json:"new_time"`
	LocalTimes string `json:"local_times,omitempty"`
	// Reason is Kernel-General 1's Reason (0: none), ReasonText its
	// meaning where the provider's value map is known.
	Reason     uint32 `json:"reason,omitempty"`
	ReasonText string `json:"reason_text,omitempty"`
	// Process is the program that set the time (ProcessName), ProcessID
	// its id as written; TimeService is set when Process is svchost.exe,
	// the Windows Time service's host process.
	Process     string `json:"process,omitempty"`
	ProcessID   string `json:"process_id,omitempty"`
	TimeService bool   `json:"time_service,omitempty"`
}

// newClockChanges converts cs.
func newClockChanges(cs []*rules.ClockChange) []ClockChange {
	var out []ClockChange
	for _, c := range cs {
		out = append(out, ClockChange{Record: *newRecord(c.Record), Event: c.Event, OldTime: formatTime(c.Old), NewTime: formatTime(c.New), LocalTimes: c.Local,
			Reason: c.Reason, ReasonText: rules.ReasonText(c.Reason), Process: c.Process, ProcessID: c.PID, TimeService: c.TimeService()})
	}
	return out
}

// TimeGap is a log with no record for rules.TimeGapMin or more across the
// start of its analysed period (Since), though it holds WeekBefore
// (rules.TimeGapWritten or more) records in the week before: Before is
// its newest record before Since, After its oldest from Since on
// (rules.TimeGap).
type TimeGap struct {
	Log    string `json:"log"`
	Since  string `json:"since"`
	Before Record `json:"before"`
	After  Record `json:"after"`
	// WeekBefore counts the log's records in the week up to Before.
	WeekBefore int `json:"week_before"`
	// Changes are the log's records that say the clock was set ahead
	// across the gap (rules.TimeGap.Changes); omitted when none was
	// found. At most eight, the first written: ChangesNotNamed counts
	// the others that explain the gap.
	Changes         []ClockChange `json:"changes,omitempty"`
	ChangesNotNamed int           `json:"changes_not_named,omitempty"`
}

// Summary counts the verdicts.
type Summary struct {
	Detected    int `json:"detected"`
	Possible    int `json:"possible"`
	Resolved    int `json:"resolved"`
	NotDetected int `json:"not_detected"`
	NotChecked  int `json:"not_checked"`
}

// Finding is the verdict of one rule (scenario).
type Finding struct {
	RuleID   string `json:"rule_id"`
	Scenario int    `json:"scenario,omitempty"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	// Verdict is "detected", "possible", "resolved", "not_detected" or
	// "not_checked".
	Verdict string `json:"verdict"`
	// VerdictReason says in one sentence why, and what would confirm it.
	VerdictReason string `json:"verdict_reason"`
	// ResolvedBy is the event that shows the fault recovered (verdict
	// "resolved").
	ResolvedBy    *Event `json:"resolved_by,omitempty"`
	WindowStart   string `json:"window_start"`
	WindowEnd     string `json:"window_end"`
	WindowSeconds int64  `json:"window_seconds"`
	// Reasons say why the rule was not checked; Caveats qualify any verdict.
	Reasons []string `json:"reasons,omitempty"`
	Caveats []string `json:"caveats,omitempty"`
	// Logs has one entry per channel the rule reads.
	Logs []LogStatus `json:"logs"`
	// Queries has one entry per query of the rule, with its counts.
	Queries []QueryResult `json:"queries"`
	// EvidenceCount counts the evidence events in the window; Evidence
	// holds the newest of them (per query at most the engine's limit),
	// newest first.
	EvidenceCount int     `json:"evidence_count"`
	Evidence      []Event `json:"evidence"`
	// OutsideWindow lists, per query, the nearest matches before and after
	// the window.
	OutsideWindow []Outside `json:"outside_window,omitempty"`
	// Corroboration supports the finding (e.g. a computer-name change).
	Corroboration []Corroboration `json:"corroboration,omitempty"`
	// Others are one line per kind of matches that belong to other
	// programs ("other TLS errors on this machine: 3, from lsass.exe");
	// they are not evidence.
	Others []string `json:"others,omitempty"`
	// Cause is the refined cause when a refinement applies, else the rule's.
	Cause string `json:"cause"`
	// Refinements are those the evidence satisfied; the first chose Cause
	// and the first steps.
	Refinements []Refinement `json:"refinements,omitempty"`
	// Steps is the ordered resolution, numbered from 1.
	Steps      []Step      `json:"steps"`
	Notes      []string    `json:"notes,omitempty"`
	References []Reference `json:"references,omitempty"`
}

// LogStatus says how one channel a rule reads was covered.
type LogStatus struct {
	Channel string `json:"channel"`
	// Role is "evidence" or "corroboration".
	Role  string   `json:"role"`
	Paths []string `json:"paths,omitempty"`
	// PathsBase64 holds, when one of Paths is not valid UTF-8, each one's
	// bytes in base64 ("" for those that are): SCHEMA.md.
	PathsBase64 []string `json:"paths_base64,omitempty"`
	// Status is "read", "absent", "unreadable", "empty" or "partial".
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// QueryResult is one query of a rule and its counts.
type QueryResult struct {
	ID        string `json:"id"`
	Channel   string `json:"channel"`
	Role      string `json:"role"`
	XPath     string `json:"xpath"`
	Describes string `json:"describes,omitempty"`
	// LiveCommand runs the same query on the live machine (wevtutil),
	// with the where and unless conditions its XPath can hold.
	LiveCommand string `json:"live_command"`
	// LiveUnchecked lists the conditions of the query that LiveCommand
	// does not check ("an item of LocalPorts split at ',' is '3389'"):
	// the user reads them in the events it prints (rules.LiveUnchecked).
	LiveUnchecked []string `json:"live_unchecked,omitempty"`
	// Count, First and Last describe the matches in the window.
	Count       int    `json:"count"`
	First       string `json:"first,omitempty"`
	Last        string `json:"last,omitempty"`
	BeforeCount int    `json:"before_count"`
	AfterCount  int    `json:"after_count"`
	// Possible counts the matches in the window (included in Count) that
	// are consistent with the scenario but not attributable to RDP; Other
	// those that belong to other programs (not in Count).
	Possible int `json:"possible,omitempty"`
	Other    int `json:"other,omitempty"`
	// Untimed counts the matches without a TimeCreated, whatever their
	// record header time: in no window or look-back, and not in Count,
	// BeforeCount or AfterCount (rules.QueryHit.Untimed); UntimedEvent
	// is the last written of them. Both omitted when none.
	Untimed      int    `json:"untimed,omitempty"`
	UntimedEvent *Event `json:"untimed_event,omitempty"`
}

// Outside is the nearest match of a query outside the window.
type Outside struct {
	Query string `json:"query"`
	// Relation is "before" or "after" the window.
	Relation string `json:"relation"`
	// Seconds from the window's edge to the event.
	Seconds int64 `json:"seconds"`
	// Text says it for people: "last seen 3 days before the window".
	Text  string `json:"text"`
	Count int    `json:"count"`
	Event Event  `json:"event"`
}

// Event is an event shown as evidence.
type Event struct {
	Query string `json:"query"`
	File  string `json:"file"`
	// FileBase64 is File's bytes in base64 when File is not valid UTF-8
	// (SCHEMA.md).
	FileBase64 string `json:"file_base64,omitempty"`
	Channel    string `json:"channel"`
	// EventRecordID is the record's System/EventRecordID (what Event
	// Viewer shows; 0 when none was read); RecordID its record number in
	// the file, which differs in exported logs.
	EventRecordID uint64 `json:"event_record_id"`
	RecordID      uint64 `json:"record_id"`
	// Time is the event's TimeCreated (rules.EventRef.Time); "" for an
	// event written without one, which no window holds (only a query's
	// untimed_event is such an event). The record header time never
	// stands for it.
	Time string `json:"time"`
	// Written is, for an event without a TimeCreated (Time ""), its
	// record header time: when the record was written to the file, not
	// when its event happened; omitted otherwise, and when it is 0.
	Written  string  `json:"written,omitempty"`
	Provider string  `json:"provider"`
	EventID  uint16  `json:"event_id"`
	Level    uint8   `json:"level"`
	Computer string  `json:"computer,omitempty"`
	Data     []Field `json:"data,omitempty"`
	// Attribution says why the event belongs to RDP, or why it may not
	// (then Possible is true).
	Attribution string `json:"attribution,omitempty"`
	Possible    bool   `json:"possible,omitempty"`
}

// Field is a named data value of an event ("Data[1]" for unnamed classic
// data).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Corroboration is supporting evidence.
type Corroboration struct {
	Text  string `json:"text"`
	Event *Event `json:"event,omitempty"`
}

// Refinement is a refinement the evidence satisfied.
type Refinement struct {
	ID     string `json:"id"`
	Cause  string `json:"cause"`
	Note   string `json:"note,omitempty"`
	Count  int    `json:"count"`
	Newest Event  `json:"newest"`
}

// Step is one resolution step.
type Step struct {
	Number int    `json:"number"`
	ID     string `json:"id"`
	Title  string `json:"title"`
	Text   string `json:"text,omitempty"`
	Shell  string `json:"shell,omitempty"`
	// RunOn is where the commands run: "vm", "rescue-vm" (the recovery
	// VM the OS disk is attached to) or "workstation" (the engineer's
	// machine or Cloud Shell); set when Commands is.
	RunOn    string `json:"run_on,omitempty"`
	Commands string `json:"commands,omitempty"`
	Source   string `json:"source,omitempty"`
}

// Reference is a source document.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Input is one log file given to the analysis.
type Input struct {
	Path string `json:"path"`
	// PathBase64 is Path's bytes in base64 when Path is not valid UTF-8
	// (a JSON string then holds U+FFFD for each invalid byte): decoded,
	// the name to open (SCHEMA.md).
	PathBase64 string `json:"path_base64,omitempty"`
	Channel    string `json:"channel"`
	// ChannelFromEvents is true when the channel, read from the events
	// (the System/Channel of the log's first record), differs from the one
	// its file name gives (a renamed, copied or exported log); FileChannel
	// is then the file name's ("" for standard input).
	ChannelFromEvents bool   `json:"channel_from_events,omitempty"`
	FileChannel       string `json:"file_channel,omitempty"`
	// ChannelUnknown is true for a log that could not be read and whose
	// file name names no channel (standard input, an export.evtx:
	// rules.FileNameClaim): Channel is then only its file name's ("" for standard
	// input), and the log may be one a rule reads.
	ChannelUnknown bool `json:"channel_unknown,omitempty"`
	// Channels lists, for a log whose records are of several channels
	// (a saved custom view, forwarded events), those its first and its
	// first- and last-written records say, Channel first; each record is
	// evaluated by the rules of its own channel.
	Channels []string `json:"channels,omitempty"`
	Size     int64    `json:"size"`
	// Used is false for logs no rule reads (read no further than the
	// first record, which names the channel).
	Used bool `json:"used"`
	// Records counts the intact records found; Decoded those decoded (in
	// the analysed period, DecodedSince to DecodedUntil); Filtered those of
	// the period that no query could match, judged from their provider and
	// event id without decoding them. A byte-identical copy of a record
	// inside one file (a copied chunk) is told apart only when both are
	// decoded (evtx.Stats.Duplicates): outside the period it counts in
	// Records, inside it in Duplicates; Records + Duplicates is the same
	// for every period. The copies in a log's other files (a log and its
	// copies read as one) count in Duplicates, whatever the period.
	Records      int    `json:"records"`
	Decoded      int    `json:"decoded"`
	Filtered     int    `json:"filtered,omitempty"`
	DecodedSince string `json:"decoded_since,omitempty"`
	DecodedUntil string `json:"decoded_until,omitempty"`
	// First and Last are the oldest and newest record header (write)
	// times, which exported logs borrow from other records or leave 0.
	First string `json:"first,omitempty"`
	Last  string `json:"last,omitempty"`
	// FirstCreated and LastCreated are the oldest and newest TimeCreated
	// of the records whose TimeCreated was read (evtx.Stats.FirstCreated):
	// the span of the log's events, which the report prints.
	FirstCreated string `json:"first_created,omitempty"`
	LastCreated  string `json:"last_created,omitempty"`
	// Reader statistics. For a log read with its copies as one (Path is
	// the first copy's), the record counts count each record once, the
	// chunk counts, Dirty and Full are those of the file Path names
	// (evtx.Stats.Size), and Errors and ErrorCount hold every file's
	// problems, each naming its file; Problems ends with a line per copy
	// that holds damage counted here ("in the copy PATH: 67 records
	// decoded in part": rules.Input.Parts), which need not be Path.
	HeaderChunks int `json:"header_chunks"`
	Chunks       int `json:"chunks"`
	BadChunks    int `json:"bad_chunks"`
	Recovered    int `json:"recovered_records"`
	BadRecords   int `json:"bad_records"`
	Duplicates   int `json:"duplicate_records"`
	// Conflicts counts, for a log read with its copies as one, the
	// records two copies hold with different content (the same channel,
	// EventRecordID and TimeCreated: one copy damaged), or with one of
	// those different and the same record number, header time and size
	// (see evtx.Merge), each counted
	// once, from the copy whose chunk checksums verify, else the copy read
	// first (evtx.Stats.Conflicts); Errors holds the problem of each copy
	// set aside or not counted, naming the other. Omitted when 0.
	Conflicts int `json:"conflicting_records,omitempty"`
	// Stale counts old records left in chunk slack (not problems; not
	// read by analyze).
	Stale int `json:"stale_records"`
	// Partial counts records decoded in part (a template overwritten or
	// damaged: values without names), which no rule reads, of which the
	// file holds no copy decoded in full (evtx.Stats.Partial).
	Partial int `json:"partial_records,omitempty"`
	// Untimed counts the records decoded in full without a TimeCreated
	// (rules.Input.Untimed): placed in no window, whatever their record
	// header time; omitted when 0.
	Untimed     int   `json:"untimed_records,omitempty"`
	UnreadBytes int64 `json:"unread_bytes"`
	// LostRecords counts the records missing between the log's records
	// and after its newest (runs of record numbers no chunk holds:
	// chunks zeroed or overwritten, or past the end of a copy cut
	// short), and Lost describes each run (rules.Input.Lost).
	LostRecords uint64   `json:"lost_records,omitempty"`
	Lost        []string `json:"lost,omitempty"`
	Dirty       bool     `json:"dirty"`
	Full        bool     `json:"full"`
	// Problems describe read problems for people; Errors are the reader's
	// format errors (the first 100; ErrorCount counts all).
	Problems   []string `json:"problems,omitempty"`
	Errors     []string `json:"errors,omitempty"`
	ErrorCount int      `json:"error_count"`
	// Error is why the log could not be read at all.
	Error string `json:"error,omitempty"`
	// LastWritten is the log's last-written record (highest record
	// number): "now" for this log.
	LastWritten *Record `json:"last_written,omitempty"`
	// NewestLost is set when the log's newest records are lost (a
	// rules.LostRecords with Newest: the file header or the newest
	// chunk's header counts records after the newest the file holds, or
	// the copy is cut short): LastWritten is then the newest record the
	// file holds, not the last written.
	NewestLost bool `json:"newest_lost,omitempty"`
	// Exported is set for a log saved from another ("Save All Events
	// As", wevtutil epl): its records are renumbered (record numbers
	// differ from EventRecordID) or its last record's header time is
	// zero; record header times there are not write times.
	Exported bool `json:"exported,omitempty"`
	// ClockAhead is set when the log's last-written record was written
	// while the machine's clock ran ahead, as another of its logs shows
	// (a warning says which): it is not the machine's "now".
	ClockAhead bool `json:"clock_ahead,omitempty"`
	// CopyOf is the Path of another input holding records a query
	// matched in this log too (rules.Input.CopyOf): copies of one log
	// given unmerged, each such record counted once, from CopyOf;
	// SharedMatches counts them. evtxrdp merges copies before analysing
	// them, so its reports hold neither; a library caller's may.
	CopyOf        string `json:"copy_of,omitempty"`
	SharedMatches int    `json:"shared_matches,omitempty"`
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return evtx.FormatTime(t)
}

// eventTime is a record's time as a report holds it (formatTime's
// form), for the text and Markdown reports: followed by why, when it is
// a time evtx.UsableTime refuses ("1601-01-01T00:00:00.0000001Z
// (implausible: before 1980, taken for a cleared or damaged value)"), so that no
// line prints such a time as when an event happened.
func eventTime(s string) string { return s + implausibleNote(s) }

// implausibleNote is what eventTime adds to s: " (implausible: ...)", or
// "" for a usable time. A time after the year 9999 is written with a
// signed year (evtx.FormatTime), one before the year 0 with a minus
// sign; text that is no time (a report read back may hold any) gets
// none.
func implausibleNote(s string) string {
	var t time.Time
	switch {
	case s == "":
		return ""
	case s[0] == '+' || s[0] == '-':
		// A signed year of four digits or more, then a date and time
		// that parse (given a plain year): text that merely starts
		// with a sign ("-", "+1 day") is no time.
		y := 1
		for y < len(s) && s[y] >= '0' && s[y] <= '9' {
			y++
		}
		if y < 5 {
			return ""
		}
		if _, err := time.Parse(time.RFC3339Nano, "2000"+s[y:]); err != nil {
			return ""
		}
		t = evtx.FiletimeToTime(math.MaxUint64)
		if s[0] == '-' {
			t = evtx.FiletimeToTime(1)
		}
	default:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return ""
		}
	}
	if why := evtx.Implausible(t); why != "" {
		return " (" + why + ")"
	}
	return ""
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// New converts an analysis result into a Report. What a rules.Result does
// not hold is the caller's to set, as evtxrdp analyze sets it: ToolVersion
// ("" from New), Options ([] from New), Computers (the machine's
// fleet.Machine.Computers), NotRead, and Machine (NewMachine, for a
// machine whose inputs were grouped: copies, a rename, forwarded events;
// always in a fleet). A report New makes from Engine.Analyze of the same
// logs as analyze's therefore lacks "computers" unless the caller sets it.
// res must not be nil (New panics); Engine.Analyze returns a non-nil
// Result also with ErrNoReadableLog, and New of it is the report that
// says nothing could be read.
func New(res *rules.Result) *Report {
	r := &Report{
		SchemaVersion:   SchemaVersion,
		Tool:            "evtxrdp",
		ReferenceTime:   formatTime(res.ReferenceTime),
		ReferenceSource: "given",
		LookBackSeconds: seconds(res.LookBack),
		Warnings:        res.Warnings,
		Options:         []string{},
		Findings:        []Finding{},
		Inputs:          []Input{},
	}
	if res.ReferenceFrom != "" {
		r.ReferenceSource, r.ReferenceLog = "last-written record", res.ReferenceFrom
		r.ReferenceRecord = newRecord(res.ReferenceRecord)
		for _, in := range res.Inputs {
			for _, l := range in.Lost {
				if l.Newest && in.Path == res.ReferenceFrom {
					r.ReferenceNewestLost = true
				}
			}
		}
	} else if res.ReferenceTime.IsZero() {
		r.ReferenceSource = "none"
	}
	for _, j := range res.ClockJumps {
		cj := ClockJump{Log: j.Path, Behind: j.Behind, FirstWritten: newRecord(j.FirstWritten), Oldest: newRecord(j.Oldest), Count: j.Count, First: *newRecord(j.First), Newest: *newRecord(j.Newest), Changes: newClockChanges(j.Changes), ChangesNotNamed: j.ChangesNotNamed}
		if j.Last != nil {
			cj.LastWritten = *newRecord(j.Last)
		}
		r.ClockJumps = append(r.ClockJumps, cj)
	}
	for _, g := range res.TimeGaps {
		r.TimeGaps = append(r.TimeGaps, TimeGap{Log: g.Path, Since: formatTime(g.Since), Before: *newRecord(g.Before), After: *newRecord(g.After), WeekBefore: g.WeekBefore, Changes: newClockChanges(g.Changes), ChangesNotNamed: g.ChangesNotNamed})
	}
	for _, f := range res.Findings {
		rf := newFinding(f)
		switch f.Verdict {
		case rules.Detected:
			r.Summary.Detected++
		case rules.Possible:
			r.Summary.Possible++
		case rules.Resolved:
			r.Summary.Resolved++
		case rules.NotDetected:
			r.Summary.NotDetected++
		default:
			r.Summary.NotChecked++
		}
		r.Findings = append(r.Findings, rf)
	}
	for _, in := range res.Inputs {
		r.Inputs = append(r.Inputs, newInput(in))
	}
	if res.Timeline != nil {
		r.Timeline = []TimelineLine{}
	}
	for _, l := range res.Timeline {
		tl := TimelineLine{Time: formatTime(l.Time), Count: l.Count, Entry: l.Entry, Provider: l.Provider, EventID: l.EventID,
			Channel: l.Channel, File: l.File, FileBase64: rawpath.Base64(l.File), EventRecordID: l.EventRecordID, RecordNumber: l.RecordID, Text: l.Text}
		if l.Count > 1 {
			tl.LastTime = formatTime(l.Last)
		}
		r.Timeline = append(r.Timeline, tl)
	}
	r.TimelineOmitted = res.TimelineDropped
	for _, c := range res.TimelineCut {
		r.TimelineCut = append(r.TimelineCut, TimelineCut(c))
	}
	r.TimelineUntimed = res.TimelineUntimed
	for _, e := range res.TimelineUntimedEvents {
		r.TimelineUntimedEvents = append(r.TimelineUntimedEvents, newEvent(e))
	}
	sort.SliceStable(r.Inputs, func(i, j int) bool { return r.Inputs[i].Path < r.Inputs[j].Path })
	return r
}

func newEvent(e *rules.EventRef) Event {
	ev := Event{
		Query: e.Query, File: e.File, FileBase64: rawpath.Base64(e.File), Channel: e.Channel, EventRecordID: e.EventRecordID, RecordID: e.RecordID,
		Time: formatTime(e.Time), Provider: e.Provider, EventID: e.EventID,
		Level: e.Level, Computer: e.Computer,
		Attribution: e.Attribution, Possible: e.Possible,
	}
	if e.Time.IsZero() {
		ev.Written = formatTime(e.Written)
	}
	for _, d := range e.Data {
		ev.Data = append(ev.Data, Field{Name: d.Name, Value: d.Value})
	}
	return ev
}

func newFinding(f *rules.Finding) Finding {
	r := f.Rule
	rf := Finding{
		RuleID: r.ID, Scenario: r.Scenario, Title: r.Title, Severity: string(r.Severity),
		Verdict:       string(f.Verdict),
		VerdictReason: f.Why,
		Others:        f.Others,
		WindowStart:   formatTime(f.WindowStart), WindowEnd: formatTime(f.WindowEnd),
		WindowSeconds: seconds(f.Window),
		Reasons:       f.Reasons, Caveats: f.Caveats,
		EvidenceCount: f.EvidenceCount,
		Evidence:      []Event{},
		Cause:         f.Cause,
		Steps:         []Step{},
	}
	for _, ls := range f.Logs {
		rf.Logs = append(rf.Logs, LogStatus{Channel: ls.Channel, Role: ls.Role, Paths: ls.Paths, PathsBase64: rawpath.List(ls.Paths), Status: ls.Status, Detail: ls.Detail})
	}
	win := *r
	win.Window = f.Window
	for _, h := range f.Hits {
		q := h.Query
		rf.Queries = append(rf.Queries, QueryResult{
			ID: q.ID, Channel: q.Channel, Role: q.Role, XPath: q.XPath, Describes: q.Describes,
			LiveCommand: win.WevtutilCommand(q), LiveUnchecked: win.LiveUnchecked(q),
			Count: h.Count, First: formatTime(h.First), Last: formatTime(h.Last),
			BeforeCount: h.BeforeCount, AfterCount: h.AfterCount,
			Possible: h.Possible, Other: h.Other, Untimed: h.Untimed,
		})
		if h.UntimedNewest != nil {
			ev := newEvent(h.UntimedNewest)
			rf.Queries[len(rf.Queries)-1].UntimedEvent = &ev
		}
		if h.Before != nil {
			d := f.WindowStart.Sub(h.Before.Time)
			rf.OutsideWindow = append(rf.OutsideWindow, Outside{
				Query: q.ID, Relation: "before", Seconds: seconds(d), Count: h.BeforeCount,
				Text:  "last seen " + rules.FormatDuration(d) + " before the window",
				Event: newEvent(h.Before),
			})
		}
		if h.After != nil {
			d := h.After.Time.Sub(f.WindowEnd)
			rf.OutsideWindow = append(rf.OutsideWindow, Outside{
				Query: q.ID, Relation: "after", Seconds: seconds(d), Count: h.AfterCount,
				Text:  "first seen " + rules.FormatDuration(d) + " after the window",
				Event: newEvent(h.After),
			})
		}
	}
	for _, e := range f.Evidence {
		rf.Evidence = append(rf.Evidence, newEvent(e))
	}
	if f.ResolvedBy != nil {
		ev := newEvent(f.ResolvedBy)
		rf.ResolvedBy = &ev
	}
	for _, c := range f.Corroboration {
		rc := Corroboration{Text: c.Text}
		if c.Event != nil {
			ev := newEvent(c.Event)
			rc.Event = &ev
		}
		rf.Corroboration = append(rf.Corroboration, rc)
	}
	for _, h := range f.Refinements {
		rf.Refinements = append(rf.Refinements, Refinement{
			ID: h.Refinement.ID, Cause: strings.TrimSpace(h.Refinement.Cause), Note: strings.TrimSpace(h.Refinement.Note),
			Count: h.Count, Newest: newEvent(h.Newest),
		})
	}
	for i, s := range f.Steps {
		st := Step{
			Number: i + 1, ID: s.ID, Title: s.Title, Text: strings.TrimSpace(s.Text),
			Shell: s.Shell, Commands: strings.TrimRight(s.Commands, "\n"), Source: s.Source,
		}
		if st.Commands != "" {
			st.RunOn = cmp.Or(s.RunOn, rules.RunOnVM)
		}
		rf.Steps = append(rf.Steps, st)
	}
	for _, n := range r.Notes {
		rf.Notes = append(rf.Notes, strings.TrimSpace(n))
	}
	for _, ref := range r.References {
		rf.References = append(rf.References, Reference{Title: ref.Title, URL: ref.URL})
	}
	return rf
}

func newInput(in *rules.Input) Input {
	s := in.Stats
	ri := Input{
		Path: in.Path, PathBase64: rawpath.Base64(in.Path), Channel: in.Channel, ChannelFromEvents: in.ChannelFromEvents, FileChannel: in.FileChannel, Channels: in.Channels,
		ChannelUnknown: in.ChannelUnknown,
		Size:           in.Size, Used: in.Used,
		Records: s.Records + s.Skipped + s.Filtered, Decoded: s.Records, Filtered: s.Filtered,
		First: formatTime(s.First), Last: formatTime(s.Last),
		FirstCreated: formatTime(s.FirstCreated), LastCreated: formatTime(s.LastCreated),
		HeaderChunks: s.HeaderChunks, Chunks: s.Chunks, BadChunks: s.BadChunks,
		Recovered: s.Recovered, BadRecords: s.BadRecords, Duplicates: s.Duplicates, Conflicts: s.Conflicts, Stale: s.Stale, Partial: s.Partial, Untimed: in.Untimed,
		UnreadBytes: s.UnreadBytes, Dirty: s.Dirty, Full: s.Full,
		ErrorCount: in.ErrorCount,
	}
	if in.Decoded {
		ri.DecodedSince, ri.DecodedUntil = formatTime(in.Since), formatTime(in.Until)
	}
	for _, l := range in.Lost {
		ri.LostRecords += l.Count()
		ri.Lost = append(ri.Lost, l.String())
		ri.NewestLost = ri.NewestLost || l.Newest
	}
	ri.LastWritten = newRecord(in.LastWritten)
	ri.Exported = in.Exported
	ri.ClockAhead = in.ClockAhead
	ri.CopyOf, ri.SharedMatches = in.CopyOf, in.SharedMatches
	if in.Err != nil {
		ri.Error = in.Err.Error()
	}
	for _, e := range in.Errors {
		ri.Errors = append(ri.Errors, e.Error())
	}
	ri.Problems = problems(ri)
	// Of copies read as one (Path is the first's), a line per copy that
	// holds damage counted above, with its share: the damage need not lie
	// in the copy the log is named by.
	if len(in.Parts) > 1 {
		for _, d := range in.Parts {
			if ws := damageWords(d.BadChunks, d.Partial, d.BadRecords, d.UnreadBytes, ""); len(ws) > 0 {
				ri.Problems = append(ri.Problems, "in the copy "+d.Path+": "+strings.Join(ws, ", "))
			}
		}
	}
	return ri
}

// damageWords describes damage in words: damaged chunks, records decoded
// in part (followed by partialWhy), undecodable records and bytes unread
// (evtx.Stats.UnreadBytes), those that are not 0, in that order.
func damageWords(badChunks, partial, badRecords int, unread int64, partialWhy string) []string {
	var ws []string
	if badChunks > 0 {
		ws = append(ws, plural.N(badChunks, "damaged chunk"))
	}
	if partial > 0 {
		ws = append(ws, plural.N(partial, "record")+" decoded in part"+partialWhy)
	}
	if badRecords > 0 {
		ws = append(ws, plural.N(badRecords, "undecodable record"))
	}
	if unread > 0 {
		// evtx.Stats.UnreadBytes: gaps in record areas, and the bytes of
		// another log that follows the log in its file (cat a.evtx
		// b.evtx), which are no record area of this one.
		ws = append(ws, plural.N(unread, "byte")+" unread")
	}
	return ws
}

// problems describes an input's read problems in words.
func problems(in Input) []string {
	var p []string
	if in.Error != "" {
		p = append(p, "unreadable: "+in.Error)
	}
	if in.Dirty {
		p = append(p, "dirty (not closed cleanly; the headers may not count the newest records)")
	}
	if in.Full {
		p = append(p, "full (the oldest records may have been overwritten)")
	}
	if in.Chunks > in.HeaderChunks && in.HeaderChunks >= 0 && in.Used {
		p = append(p, fmt.Sprintf("the file header counts %s, the file holds %d", plural.N(in.HeaderChunks, "chunk"), in.Chunks))
	}
	if in.Recovered > 0 {
		p = append(p, fmt.Sprintf("%s recovered from parts the headers do not count", plural.N(in.Recovered, "record")))
	}
	p = append(p, damageWords(in.BadChunks, in.Partial, in.BadRecords, in.UnreadBytes, " (template overwritten or damaged; not used as evidence)")...)
	if in.Untimed > 0 {
		p = append(p, plural.N(in.Untimed, "record")+" without a TimeCreated (placed in no window; a record header time is when the record was written, not when its event happened)")
	}
	if in.LostRecords > 0 && in.Records == 0 {
		// No record read: the file header alone counts them.
		p = append(p, fmt.Sprintf("up to %s missing, none of its records read: %s", plural.N(in.LostRecords, "record"), strings.Join(in.Lost, "; ")))
	} else if in.LostRecords > 0 {
		// The newest records lost lie after the newest the file holds,
		// not between its records; and a copy cut short lost the chunks
		// past its end, which are neither zeroed nor overwritten (dump
		// and query say "zeroed, overwritten or cut off" alike).
		where, why := " between its records", "chunks zeroed or overwritten"
		if in.NewestLost {
			where = ""
		}
		if in.NewestLost || cutShort(in) {
			why = "chunks zeroed, overwritten or cut off"
		}
		p = append(p, fmt.Sprintf("%s missing%s (%s): %s", plural.N(in.LostRecords, "record"), where, why, strings.Join(in.Lost, "; ")))
	}
	if in.ErrorCount > 0 {
		p = append(p, plural.N(in.ErrorCount, "format error"))
	}
	return p
}

// cutShort reports whether the file in names ends before the chunks its
// file header counts, or inside a chunk: a log file is a 4 KiB file
// header and whole 64 KiB chunks (rules' cutShort, on the same Stats).
func cutShort(in Input) bool {
	const header, chunk = 4096, 65536
	want := header + int64(in.HeaderChunks)*chunk
	return in.Size > 0 && (in.Size < want || (in.Size-header)%chunk != 0)
}

// WriteJSON writes r as indented JSON.
//
// Strings are escaped as encoding/json does, and also the characters that
// could drive a terminal or reorder a line when the JSON is printed (C1
// controls and bidirectional overrides, evtx.IsUnsafeRune) as \u escapes:
// the JSON means exactly the same.
func WriteJSON(w io.Writer, r *Report) error {
	if err := nilArgs(w, r); err != nil {
		return err
	}
	b, err := encodeIndented(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(EscapeJSONUnsafe(b))
	return err
}

// EscapeJSONUnsafe returns the JSON text b with every rune for which
// evtx.IsUnsafeRune holds written as a \u escape (JSON's structure is
// ASCII, so such runes only occur inside strings, where the escape means
// the same character). b is returned as it is when it holds none.
func EscapeJSONUnsafe(b []byte) []byte {
	const hex = "0123456789abcdef"
	var out []byte
	start := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !evtx.IsUnsafeRune(r) {
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[start:i]...)
		out = append(out, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		i += n
		start = i
	}
	if out == nil {
		return b
	}
	return append(out, b[start:]...)
}

// ReadJSON reads a report written by WriteJSON (analyze --format json of
// one machine). It rejects a schema version other than SchemaVersion and
// ignores fields it does not know: a newer evtxrdp may add fields without
// changing the version (SCHEMA.md), and a report it wrote must still read
// here. It also rejects a fleet document (analyze --format json of several
// machines: read it with ReadFleetJSON) and anything but white space after
// the report (JSON Lines, --format jsonl, hold one report per line: give
// ReadJSON each line). Errors start with "report: "; a nil rd is one
// (ErrNilArg).
func ReadJSON(rd io.Reader) (*Report, error) {
	raw, err := readDocument(rd, false)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("report: schema version %q (want %q)", r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}

// readDocument reads the one JSON value rd holds, which must be a fleet
// document (it has "machines") when fleet is set and a report (it has no
// "machines", or has "findings") otherwise. Both documents share
// schema_version and tool, and each reader ignores fields it does not
// know, so without this check either reader would take the other's
// document for an empty one without a word.
func readDocument(rd io.Reader, fleet bool) (json.RawMessage, error) {
	if rd == nil {
		return nil, fmt.Errorf("%w: io.Reader", ErrNilArg)
	}
	dec := json.NewDecoder(rd)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if fleet {
			return nil, fmt.Errorf("report: more than one JSON value: a fleet document is one object")
		}
		return nil, fmt.Errorf("report: more than one JSON value: JSON Lines (--format jsonl) hold one report per line; read each line with ReadJSON")
	}
	var kind struct {
		Machines json.RawMessage `json:"machines"`
		Findings json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(raw, &kind); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	switch isFleet := kind.Machines != nil && kind.Findings == nil; {
	case fleet && !isFleet:
		return nil, fmt.Errorf("report: not a fleet document (no \"machines\"): the report of one machine; read it with ReadJSON")
	case !fleet && isFleet:
		return nil, fmt.Errorf("report: a fleet document (\"machines\": several machines), not one report; read it with ReadFleetJSON")
	}
	return raw, nil
}

// liveHeading is the line above a finding's live-VM commands: an evidence
// query's command looks back over the rule's window (a timediff
// condition), a corroboration query's over the whole log
// (rules.Rule.WevtutilCommand), and the heading says which when there are
// both.
func liveHeading(f *Finding) string {
	for _, q := range f.Queries {
		if q.Role == rules.RoleCorroboration {
			return "Check on the live VM (newest match; corroboration over the whole log, the others in the window):"
		}
	}
	return "Check on the live VM (newest match in the window):"
}

// liveCheck is one command of a finding's "Check on the live VM", once
// however many of its queries run it, with what it does not check.
type liveCheck struct {
	command string
	// notes say the conditions the command does not check, one line per
	// distinct set among its queries; a line names the queries when
	// their sets differ.
	notes []string
}

// liveChecks returns the distinct live commands of f's queries in rule
// order, each with the notes of what it leaves to the reader.
func liveChecks(f *Finding) []liveCheck {
	var out []liveCheck
	type set struct {
		key     string
		queries []string
		conds   []string
	}
	sets := map[string][]*set{}
	for _, q := range f.Queries {
		if _, ok := sets[q.LiveCommand]; !ok {
			out = append(out, liveCheck{command: q.LiveCommand})
		}
		key := strings.Join(q.LiveUnchecked, "\x00")
		var s *set
		for _, t := range sets[q.LiveCommand] {
			if t.key == key {
				s = t
			}
		}
		if s == nil {
			s = &set{key: key, conds: q.LiveUnchecked}
			sets[q.LiveCommand] = append(sets[q.LiveCommand], s)
		}
		s.queries = append(s.queries, q.ID)
	}
	for i := range out {
		ss := sets[out[i].command]
		for _, s := range ss {
			if len(s.conds) == 0 {
				continue
			}
			n := "Not checked by this command"
			if len(ss) > 1 {
				n += " for " + strings.Join(s.queries, ", ")
			}
			it := "it"
			if len(s.conds) > 1 {
				it = "them"
			}
			n += ": " + strings.Join(s.conds, "; ") + ". Read " + it + " in the events the commands print: /c:1 prints the newest match only, raise it to read more."
			out[i].notes = append(out[i].notes, n)
		}
	}
	return out
}
