package evtx

import "time"

// Stats counts what a Reader found. It is complete once Next has returned
// io.EOF; before that it covers the chunks consumed so far.
type Stats struct {
	// Size is the bytes of the log in the input: all of them, but where
	// another log's file header follows the log's chunks (two logs
	// concatenated), the bytes before it; those from it on are not read
	// and are counted in UnreadBytes, and a problem names their offset
	// (TestAppendedLogNotRead). Size, HeaderChunks, Chunks,
	// BadChunks, Dirty and Full describe one file: for a merged log
	// (Merge), the first of its files, the one it is named by
	// (Reader.PartStats has each file's).
	Size int64

	// HeaderChunks is the chunk count the file header claims; Chunks the
	// chunk slots that hold data (an all-zero, preallocated slot is not
	// counted); BadChunks those among them whose header is unusable
	// (signature or header CRC32 wrong, or truncated). Records are read
	// from bad chunks too.
	HeaderChunks, Chunks, BadChunks int

	Records int // events yielded
	Skipped int // intact records outside the Since/Until window, not decoded
	// Filtered counts intact records in the window that Options.Filter
	// declined from their Summary: not decoded either. A declined record
	// that is decoded all the same (its BinXML values do not resolve: see
	// Partial) and does not decode is counted in BadRecords, not here:
	// BadRecords is the plain read's whatever the window and filter, and
	// each record counts once, so Records + Skipped + Filtered +
	// BadRecords + Duplicates is the same for every window and filter
	// (TestFilterCountsPartition; Options.Recover's slack records aside,
	// see Duplicates).
	Filtered int
	// Recovered counts the intact records of the log's current contents
	// that lie where the headers do not account for them: in chunks past
	// the file header's chunk count, past a chunk's free space offset or
	// last record id while continuing the chunk's record ids (written after
	// the header was last updated), or in a chunk whose header or records
	// checksum is wrong; whether yielded, skipped by the window, passed
	// over by Options.Filter or undecodable, so that no window or filter
	// changes it. A copy of a record of the same file (a Duplicate) counts
	// too: a window can pass over either without telling it for a copy. A
	// merged log (Merge) counts a record another of its logs holds once.
	// Records read from chunk slack are not counted here but in SlackRead.
	Recovered int
	// BadRecords counts records whose header is intact but whose body does
	// not decode, whether or not the window and the filter would have
	// passed over them (see Filtered): a record counted here is not in
	// Skipped or Filtered. Each has a FormatError. A merged log (Merge) counts one
	// that another of its logs yields or holds undecodable once.
	BadRecords int
	// Stale counts the intact records found in the slack of chunks (past
	// the free space offset of a chunk header that can be believed, and not
	// continuing the chunk's record ids: what remains of an earlier use of
	// the chunk, or of the log before it was cleared). They are not part of
	// the log's current contents: counted, not decoded, not reported as
	// problems, unless Options.Recover is set. Records of an old chunk past
	// the file header's count (unallocated space: see Event.Recovered)
	// count here too. A merged log counts one that several of its logs
	// hold once.
	Stale int
	// StaleOldChunks counts those of Stale that lie in old chunks past the
	// file header's chunk count (a chunk of the file before it was
	// cleared, or when it was bigger: unallocated space), not in the slack
	// of a current chunk; Stale−StaleOldChunks are those of chunk slack.
	StaleOldChunks int
	// ForeignChunks counts the chunks the file header counts that are not
	// the log's (another log's chunk copied or carved into the file): their
	// records are old records, counted in StaleOldChunks, and each has a
	// FormatError saying why. A merged log counts one that several of its
	// logs hold once (the same bytes: a log and its copy).
	ForeignChunks int
	// SlackRead counts the records of chunk slack yielded as events
	// (Options.Recover; Event.Recovered is RecoveredSlack); they are also
	// in Records. SlackUnreadable counts those that did not decode at all
	// (each has a FormatError).
	SlackRead, SlackUnreadable int
	// Partial counts the records decoded in part (Event.Partial): a
	// template of the record could not be resolved but its values were
	// intact. Each has a FormatError. They are counted whether or not the
	// window and the filter yield them (those yielded are also in
	// Records): a record whose EventData or UserData names an overwritten
	// definition is decoded even outside the window or passed over by the
	// filter, so that Partial, BadRecords and the problems are those of a
	// read of every record (TestNestedDamageFoundAlike); a copy decoded
	// in part of a record yielded before counts too (it is also in
	// Duplicates and its problem is listed). A record decoded in part
	// that the file also holds decoded in full (a record of its current
	// contents, not slack, with the same record number and a non-zero
	// record header time, e.g. where a chunk was half overwritten by a
	// copy of another: the copy in part lacks the templates the other
	// chunk has) is one record, held in full: it is counted in PartialHeld
	// instead, whether or not the window and the filter yield either copy
	// (Reader.settlePartial), as the rules' windows count it once, in
	// full. So Partial counts the records whose names no copy in the file
	// gives: the same in dump, query and analyze. A merged log (Merge)
	// settles each of its files so, and does not count either a record
	// another of its files gives decoded in full.
	Partial int
	// PartialHeld counts the records decoded in part that are not in
	// Partial because their own file holds them decoded in full too (each
	// copy in part counts; its problem is still listed); of a merged log,
	// the sum over its files.
	PartialHeld int
	// Duplicates counts records not yielded because a byte-identical record
	// (same record id, size and CRC32) was yielded earlier, e.g. from a
	// chunk that is a copy of another. Only records that are decoded are
	// told apart: a copy of a record outside the Since/Until window, or
	// passed over by Filter, counts in Skipped or Filtered like the record
	// it copies (both have the same TimeCreated and summary), so with a
	// window Duplicates counts the copies inside it, as a full read
	// filtered afterwards drops them, and Records + Skipped + Filtered +
	// Duplicates is the same for every window and filter (Options.Recover
	// aside: slack records outside the window are counted in Stale
	// only). A copy that is decoded, in part (its templates not where it
	// lies: no TimeCreated, no summary), of a record the window or Filter
	// passed over is a duplicate too, as in the full read (47 events of
	// Application_no_crc32 followed by its copy, for the full read's 43
	// in the window, before). Telling the copies of skipped records apart
	// by a key (a CRC32 of its bytes) kept for every record skipped would
	// cost, on bench/run's 526,135-record log, about 55 ms of CRC32 and
	// 230 ms of map inserts, most of an analysis: the reader keeps only
	// the span of record numbers passed over in each chunk, and reads a
	// chunk again as the full read does only for a record numbered
	// inside such a span of an earlier chunk (none in a sound log, whose
	// chunks each hold numbers of their own; see passedcopy.go). A
	// merged log (Merge) decodes every
	// record of its logs: its Duplicates count every copy, in any of its
	// logs, whatever the window.
	Duplicates int
	// Conflicts counts, for a merged log (Merge), the records that two
	// of its copies hold with different content (the same channel,
	// EventRecordID and TimeCreated: one copy damaged), or with one of
	// those different and the same record number, header time and size,
	// or with TimeCreated different and the same channel, EventRecordID
	// and content otherwise (that field damaged in one copy; see Merge;
	// a TimeCreated not read in one copy is no conflict): yielded once,
	// from the copy whose chunk checksums verify, the other counted in
	// Duplicates, or, when both copies' checksums verify or neither's,
	// from both, the later marked (Event.ConflictOf). Each copy set aside
	// or marked has a problem (ErrConflict) naming the other. 0 for a log
	// that is not merged.
	Conflicts int
	// UnreadBytes counts bytes of record areas (up to a chunk's free space
	// offset, or the whole used part of a chunk whose header is unusable)
	// not covered by any intact record, and the bytes of another log that
	// follows the log in its file (see Size). Each gap has a FormatError. A
	// merged log counts a span of the same bytes in several of its logs
	// once.
	UnreadBytes int64
	// Problems counts every problem found (a FormatError each), also those
	// Errors no longer keeps (Options.MaxErrors). For a merged log, those
	// of all its files: each FormatError names its file, so damage that
	// two copies share is listed, and counted, for each of them.
	Problems int

	Dirty, Full bool // file header flags 0x1 and 0x2

	// First and Last are the oldest and newest record header (write) times
	// of the intact records (skipped, filtered, undecodable and stale ones
	// included, whatever the window); a zero header time is left out.
	// Zero if there are none. They are not when the events happened: an
	// exported log borrows header times from other records (see Exported),
	// and they lag TimeCreated after a clock correction; FirstCreated and
	// LastCreated are the events' times.
	First, Last time.Time

	// FirstCreated and LastCreated are the oldest and newest TimeCreated
	// (System/TimeCreated/@SystemTime, as TimeCreatedOf reads it) of the
	// intact records whose TimeCreated was read: every decoded record, and
	// every record a window skipped or a Filter declined that was judged by
	// it. Zero if there are none.
	FirstCreated, LastCreated time.Time
	// LastWrittenID is the highest record number (record header id) of the
	// records whose TimeCreated was read and places them in time
	// (UsableTime: not FILETIME 0, not before 1980, not after the year 9999), and
	// LastWrittenCreated its TimeCreated: the last record the log's writer
	// wrote, as opposed to the newest time in the log (they differ when the
	// clock was set back). 0 and the zero time when no record has such a
	// TimeCreated (every one decoded in part, or none that UsableTime
	// passes); Reader.LastWritten is the record with the highest number
	// whatever its TimeCreated.
	LastWrittenID      uint64
	LastWrittenCreated time.Time
	// LastWrittenEventRecordID is that record's System/EventRecordID (the
	// id Event Viewer shows; an exported log renumbers the records, so it
	// differs from LastWrittenID there), 0 when it was not read.
	LastWrittenEventRecordID uint64
	// LastWrittenFile is, for copies read as one (Merge), the copy that
	// holds that record (the path of one of Log.Parts), whose record
	// number LastWrittenID is; "" for a log of one file.
	LastWrittenFile string
	// LastWrittenExported tells that the last-written record looks
	// exported: its header time is 0 (Event Viewer's saved logs leave the
	// newest record's header time 0) or its number differs from its
	// EventRecordID (saved logs renumber their records from 1).
	LastWrittenExported bool

	// ZeroWritten counts intact records whose header time is zero (0 in the
	// FILETIME field). Exported logs hold such records: Event Viewer's
	// "Save Filtered Log File As" leaves the newest record's header time 0.
	ZeroWritten int
	// Renumbered counts the records whose record number (record header id)
	// differs from their System/EventRecordID, among those whose
	// EventRecordID was read (decoded, or read with TimeCreated); IDsRead
	// counts those. A live log numbers its records with their
	// EventRecordID; a saved or filtered export renumbers them from 1.
	Renumbered, IDsRead int

	firstFT, lastFT uint64
	timed           bool
	created         bool // FirstCreated and LastCreated hold values
	lastSet         bool // LastWrittenID etc. hold values
}

// Exported reports whether the log looks saved or exported (Event
// Viewer's "Save All Events As" / "Save Filtered Log File As", wevtutil
// epl) rather than written by the event log service: its last-written
// record's header time is 0 or its number differs from its EventRecordID
// (LastWrittenExported), or most records whose EventRecordID was read are
// renumbered. (A few renumbered or zero-time records alone are damage or
// remnants, seen in VSS copies, not an export.) In such a log record header
// times and numbers say nothing about when an event happened; events are
// placed by TimeCreated.
func (s Stats) Exported() bool {
	return s.LastWrittenExported || s.Renumbered > 0 && 2*s.Renumbered > s.IDsRead
}

// noteRead notes what was read of record number id with header time ft:
// its TimeCreated t, and its EventRecordID erid when hasID.
func (s *Stats) noteRead(id, ft uint64, t time.Time, erid uint64, hasID bool) {
	read, renumbered, exported, erid := idNote(id, ft, erid, hasID)
	s.IDsRead += read
	s.Renumbered += renumbered
	tc := TimeToFiletime(t)
	if tc == 0 {
		// A TimeCreated of FILETIME 0 is no time, as a header time of 0
		// is none (noteTime): it places the record nowhere, and the
		// last-written record with a time gives "now" (dump --since 24h
		// counted back from 1601).
		return
	}
	if usableFT(tc) {
		// A time before 1980 (taken for a cleared or damaged value) or after the
		// year 9999 (a damaged value) is in the span, but its record is
		// not the last-written one with a time.
		s.noteLast(id, t, exported, erid)
	}
	widen(&s.FirstCreated, &s.LastCreated, &s.created, t)
}

// idNote is what noteRead (and ftRun.note, for runs of records) takes of
// record number id with header time ft and EventRecordID erid, read when
// hasID: whether the EventRecordID was read (1 or 0) and differs from the
// number (1 or 0), whether the record looks exported (header time 0, or
// renumbered), and the EventRecordID to keep (0 when not read).
func idNote(id, ft, erid uint64, hasID bool) (read, renumbered int, exported bool, keep uint64) {
	if hasID {
		read, keep = 1, erid
		if id != erid {
			renumbered = 1
		}
	}
	return read, renumbered, ft == 0 || renumbered == 1, keep
}

// noteLast makes the record of number id, TimeCreated t, looking exported
// or not and of EventRecordID erid the last-written one when it is the
// first with a time noted, or its number is higher, or the same with a
// later time.
func (s *Stats) noteLast(id uint64, t time.Time, exported bool, erid uint64) {
	if !s.lastSet || id > s.LastWrittenID || id == s.LastWrittenID && t.After(s.LastWrittenCreated) {
		s.LastWrittenID, s.LastWrittenCreated, s.LastWrittenExported, s.LastWrittenEventRecordID = id, t, exported, erid
		s.lastSet = true
	}
}

// noteEvent notes what decoded event ev of record number id with header
// time ft says.
func (s *Stats) noteEvent(id, ft uint64, ev *Event) {
	t, ok := plainTimeCreated(ev.Root)
	if !ok {
		return
	}
	// An EventRecordID is read when it is an integer, as the read
	// without decoding (chunkDecoder.recordID) judges it: one of another
	// type (a Real64, a GUID) is no id, and counted as one (0) it made
	// the record "renumbered" and the log an export only when decoded.
	hasID := false
	if sys := ev.Root.Child("System"); sys != nil {
		if e := sys.Child("EventRecordID"); e != nil && plainInteger(e.Value) {
			hasID = true
		}
	}
	s.noteRead(id, ft, t, ev.System.EventRecordID, hasID)
}

// noteTime widens First/Last with a record header FILETIME.
func (s *Stats) noteTime(ft uint64) {
	if ft == 0 {
		return // no time: it says nothing about the span the log covers
	}
	if !s.timed {
		s.firstFT, s.lastFT, s.timed = ft, ft, true
		return
	}
	s.firstFT = min(s.firstFT, ft)
	s.lastFT = max(s.lastFT, ft)
}

// add merges the counts of one chunk into s.
func (s *Stats) add(c *Stats) {
	s.Chunks += c.Chunks
	s.BadChunks += c.BadChunks
	s.Records += c.Records
	s.Skipped += c.Skipped
	s.Filtered += c.Filtered
	s.Recovered += c.Recovered
	s.BadRecords += c.BadRecords
	s.Duplicates += c.Duplicates
	s.Stale += c.Stale
	s.StaleOldChunks += c.StaleOldChunks
	s.ForeignChunks += c.ForeignChunks
	s.SlackRead += c.SlackRead
	s.SlackUnreadable += c.SlackUnreadable
	s.Partial += c.Partial
	s.UnreadBytes += c.UnreadBytes
	if c.timed {
		s.noteTime(c.firstFT)
		s.noteTime(c.lastFT)
	}
	s.ZeroWritten += c.ZeroWritten
	s.Renumbered += c.Renumbered
	s.IDsRead += c.IDsRead
	if c.created {
		if !s.created {
			s.FirstCreated, s.LastCreated, s.created = c.FirstCreated, c.LastCreated, true
		} else {
			s.FirstCreated = minTime(s.FirstCreated, c.FirstCreated)
			if c.LastCreated.After(s.LastCreated) {
				s.LastCreated = c.LastCreated
			}
		}
	}
	if c.lastSet && (!s.lastSet || c.LastWrittenID > s.LastWrittenID || (c.LastWrittenID == s.LastWrittenID && c.LastWrittenCreated.After(s.LastWrittenCreated))) {
		s.LastWrittenID, s.LastWrittenCreated, s.LastWrittenExported, s.LastWrittenEventRecordID = c.LastWrittenID, c.LastWrittenCreated, c.LastWrittenExported, c.LastWrittenEventRecordID
		s.lastSet = true
	}
}

// times fills First and Last from the FILETIMEs.
func (s *Stats) times() {
	if !s.timed {
		s.First, s.Last = time.Time{}, time.Time{}
		return
	}
	s.First = FiletimeToTime(s.firstFT)
	s.Last = FiletimeToTime(s.lastFT)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
