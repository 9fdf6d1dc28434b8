package evtx

import "time"

// Stats counts what a Reader found. It is complete once Next has returned
// io.EOF; before that it covers the chunks consumed so far.
type Stats struct {
	Size int64 // bytes in the input

	// HeaderChunks is the chunk count the file header claims; Chunks the
	// chunk slots that hold data (an all-zero, preallocated slot is not
	// counted); BadChunks those among them whose header is unusable
	// (signature or header CRC32 wrong, or truncated). Records are read
	// from bad chunks too.
	HeaderChunks, Chunks, BadChunks int

	Records int // events yielded
	Skipped int // intact records outside the Since/Until window, not decoded
	// Filtered counts intact records in the window that Options.Filter
	// declined from their Summary: not decoded either.
	Filtered int
	// Recovered counts the yielded records (and those Options.Filter passed
	// over) of the log's current contents that lie where the headers do not
	// account for them: in chunks past the file header's chunk count, past a
	// chunk's free space offset or last record id while continuing the
	// chunk's record ids (written after the header was last updated), or in
	// a chunk whose header or records checksum is wrong. Records read from
	// chunk slack are not counted here but in SlackRead.
	Recovered int
	// BadRecords counts records whose header is intact but whose body does
	// not decode. Each has a FormatError.
	BadRecords int
	// Stale counts the intact records found in the slack of chunks (past
	// the free space offset of a chunk header that can be believed, and not
	// continuing the chunk's record ids: what remains of an earlier use of
	// the chunk, or of the log before it was cleared). They are not part of
	// the log's current contents: counted, not decoded, not reported as
	// problems, unless Options.Recover is set.
	Stale int
	// SlackRead counts the records of chunk slack yielded as events
	// (Options.Recover; Event.Recovered is RecoveredSlack); they are also
	// in Records. SlackUnreadable counts those that did not decode at all
	// (each has a FormatError).
	SlackRead, SlackUnreadable int
	// Partial counts the events yielded in part (Event.Partial): a
	// template of the record could not be resolved but its values were
	// intact. Each has a FormatError; they are also in Records.
	Partial int
	// Duplicates counts records not yielded because a byte-identical record
	// (same record id, size and CRC32) was yielded earlier, e.g. from a
	// chunk that is a copy of another.
	Duplicates int
	// UnreadBytes counts bytes of record areas (up to a chunk's free space
	// offset, or the whole used part of a chunk whose header is unusable)
	// not covered by any intact record. Each gap has a FormatError.
	UnreadBytes int64

	Dirty, Full bool // file header flags 0x1 and 0x2

	// First and Last are the oldest and newest record header times of the
	// intact records, skipped ones included. Zero if there are none.
	First, Last time.Time

	firstFT, lastFT uint64
	timed           bool
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
	s.SlackRead += c.SlackRead
	s.SlackUnreadable += c.SlackUnreadable
	s.Partial += c.Partial
	s.UnreadBytes += c.UnreadBytes
	if c.timed {
		s.noteTime(c.firstFT)
		s.noteTime(c.lastFT)
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
