package evtx

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/maphash"
	"io"
	"time"
)

// Merge returns one log made of copies of a log: the same file by two
// paths, a volume shadow copy of it, identical members of an archive, or
// an older copy whose records overlap the newer one's. Reading it yields
// every record once: a record whose identity was yielded by an earlier part
// is passed over and counted in Stats.Duplicates. A record's identity is
// its channel, its EventRecordID (System/EventRecordID; the record header
// id where the event has none), its System/TimeCreated and its content
// (the SHA-256 of its event XML, which holds the channel and the
// EventRecordID), so copies whose chunks were laid out differently, and
// a log saved from Event Viewer or wevtutil (an export, whose record
// header ids are renumbered), still count once.
//
// The parts are read in the order given, so the first part's copy of a
// record is the one yielded; the merged log's Path, Channel and Size are
// the first part's. Merge of one log returns it, of none nil; a nil part
// is a programming error (Merge or the merged log's Open panics, as for a
// nil *Log anywhere).
//
// Copies that differ: a record of the same channel, EventRecordID and
// TimeCreated in two parts whose content differs (a byte changed in one
// copy: a bit flip, a chunk damaged) is one record, since Windows numbers
// the records of a channel in sequence (TimeCreated, to 100 ns, keeps
// apart records a log cleared and begun again might number alike).
// So is a record whose copies in two parts have the same record number,
// record header time (not 0) and size, and differ in one of channel,
// EventRecordID and TimeCreated (a byte changed in one copy's field of
// the key; two records of a log differ in more): its copies are decided
// as below, the problem naming the other copy's value of that field.
// So is a record whose copies in two parts have the same channel,
// EventRecordID and content but for System/TimeCreated, and differ in
// TimeCreated: found so where the record header cannot tell (an export
// renumbers its records and leaves their header times 0, so two exports
// of one log that disagree are judged as live copies are). A record whose
// event has no EventRecordID (0: its identity holds the record number)
// is one record with a copy in another part whose event (channel,
// TimeCreated and content) is the same, whatever record number the two
// copies' record headers give (a byte changed in one copy's header), and
// so is such a record whose TimeCreated could not be read in either
// copy, its event the same; two such records of one file stay that
// file's. (Two records of
// a log cleared and begun again that share a channel, an EventRecordID
// and everything but TimeCreated are taken for one, a risk taken since
// such records say the same.)
// Stats.Conflicts counts such records, and a FormatError wrapping
// ErrConflict, at the copy set aside or marked (its file, chunk, offset
// and record number), names the other copy (its file, record number and
// offset) and says what was done and why. When the chunk header checksum and records
// checksum (the CRC32 of the chunk header and of its records up to the
// free space offset; libyal's libevtx, evtx_chunk.h) of exactly one
// copy's chunk verify, the record is yielded once, from that copy, the
// other counted in Stats.Duplicates. When both copies' verify, or
// neither's, nothing tells which is right: both are yielded, as before
// this decision was made, the copy read later marked (Event.ConflictOf)
// so that a reader that counts records counts it once, by the copy read
// first. So that a later copy can take its place, a record decoded in
// full that its chunk's checksums do not vouch for (a chunk whose
// checksum is wrong, records the headers do not account for), in a part
// that a later part follows, is held until every part is read, and the
// events read after it wait behind it, so that it is yielded in its
// place, in the order of its part, or, set aside, a later copy its
// checksums vouch for is yielded there (at most 16,384 events wait: past
// that the oldest held one is judged on the parts read so far, and a
// later copy that its checksums vouch for is set aside, its problem
// saying that the copy read first was yielded before it was read). Two
// records of one key in one file are that file's, both yielded, as its
// Reader yields them.
//
// A record decoded in full whose TimeCreated could not be read (a null
// substitution, or one whose value's type or size is damaged) is a copy
// of a record another part gives of the same channel, EventRecordID and
// content but for TimeCreated, with a TimeCreated or without: one
// record, the others counted in Stats.Duplicates, no conflict, since
// nothing that both copies hold differs; its TimeCreated, the field that
// could not be read, is not compared. The copy with a TimeCreated is
// yielded, whichever part holds it: such a record in a part a later part
// follows waits, as a held record does, and a later copy with a
// TimeCreated is yielded in its place.
//
// A record decoded in part (Event.Partial: its template damaged or
// overwritten in that file) has no EventRecordID or TimeCreated read, so
// it shares no identity with a copy of it decoded in full. Such a record
// is a copy of one another part gives decoded in full when its bytes are
// the same (record number, size and CRC32), or its record number, size
// and record header time are (the record holding a damaged template
// definition differs in those bytes; a header time of 0, as exports
// leave it, tells nothing), unless its own file holds the record in full
// too (that file's damage, counted as its Reader counts it): it is then a
// duplicate, neither yielded nor counted in Stats.Partial, whichever part
// holds it first. (Two exports of different spans of a log, which
// renumber their records from 1 and may borrow header times, could give
// two records one record number and header time: a record in part of
// one is then taken for the other's when their sizes agree too, a risk
// taken since a record in part is never evidence.) The events decoded in part that no part gives in full
// are therefore yielded last, after every part's other events (in the
// order met; a reader of the merged log holds them until then, at most
// 16,384: past that, the oldest is judged on the parts read so far, and
// yielded beside a copy in full a later part gives).
//
// A merged log decodes every record of its parts (identity needs the
// content) and applies Options.Since, Until and Filter to the decoded
// events with the Reader's rules, so it yields exactly the events a single
// copy holding all the records would; Stats.Skipped and Stats.Filtered
// count records once. Format errors are those of every part, each naming
// its own file, and Stats.Problems counts them all. Stats counts every
// record and every span of damage once, as a single copy holding all the
// records would, and gives the span of TimeCreated and the last-written
// record over all the parts (each part reads every record); the file's
// own facts, Size, HeaderChunks, Chunks, BadChunks, Dirty and Full, are
// those of the first part, the file the merged log is named by (a copy's
// chunks are not the log's chunks again: a byte copy would count each
// chunk twice, and "the file header counts 11 chunks, the file holds 12"
// would describe no file). Reader.PartStats gives each file's Stats.
func Merge(parts ...*Log) *Log {
	if len(parts) == 1 {
		return parts[0]
	}
	if len(parts) == 0 {
		return nil
	}
	l := *parts[0]
	l.parts = append([]*Log(nil), parts...)
	return &l
}

// Parts returns the logs a merged log reads (Merge), or nil for a log that
// is not merged.
func (l *Log) Parts() []*Log { return append([]*Log(nil), l.parts...) }

// PartStats returns, for a Reader of a merged log (Merge), the Stats of
// each of its files in the order of Log.Parts, as a Reader of that file
// alone, without a window, counts them (each names its own chunks and
// problems; records the files share are counted in each); nil for a
// Reader of a log that is not merged. Like Stats, they are complete once
// Next has returned io.EOF.
func (rd *Reader) PartStats() []Stats {
	if rd.merged == nil {
		return nil
	}
	out := make([]Stats, len(rd.merged.files))
	for i, f := range rd.merged.files {
		out[i] = f.Reader.Stats()
	}
	return out
}

// PartAdded returns, for a Reader of a merged log (Merge), how many of
// each file's events (PartStats' Records, in the order of Log.Parts) are
// no copy of an event an earlier file gave (by Event.Identity), nor set
// aside for another file's copy of other content (Stats.Conflicts): the
// events that file adds to the log, whether or not the window and filter
// yield them. Their sum is the merged log's events, yielded or not
// (Stats.Records + Skipped + Filtered). nil for a Reader of a log that is
// not merged. Like Stats, they are complete once Next has returned io.EOF.
func (rd *Reader) PartAdded() []int {
	if rd.merged == nil {
		return nil
	}
	out := make([]int, len(rd.merged.files))
	copy(out, rd.merged.added)
	return out
}

// Conflicts returns, for a Reader of a merged log (Merge), the problems
// of the records two of its copies hold with different content
// (ErrConflict: each at the copy set aside or marked, naming the other
// copy and saying what was done and why),
// in the order decided, at most Options.MaxErrors of them (Stats.Conflicts
// counts the records); they are among Errors too, after every file's own
// problems. nil for a Reader of a log that is not merged, or when there
// are none. Like Stats, they are complete once Next has returned io.EOF.
func (rd *Reader) Conflicts() []*FormatError {
	if rd.merged == nil || len(rd.merged.conflicts) == 0 {
		return nil
	}
	return append([]*FormatError(nil), rd.merged.conflicts...)
}

// Damage is what of a log could not be read as records: chunks whose
// header is unusable, undecodable records, bytes of the record area that
// hold no readable record, and records decoded in part (as Stats counts
// them).
type Damage struct {
	BadChunks   int
	BadRecords  int
	UnreadBytes int64
	Partial     int
}

// PartDamage returns, for a Reader of a merged log (Merge), the damage of
// Stats each of its files holds, in the order of Log.Parts: BadRecords,
// UnreadBytes and Partial count each record or span in the first file
// that holds it, and a record decoded in part not at all where another
// file gives it in full (as Stats counts them: their sums over the files
// are Stats' counts); BadChunks is the first file's, as Stats'. So a
// caveat names the copy that holds the damage, not the first copy, by
// which the merged log is named. nil for a Reader of a log that is not
// merged. Like Stats, they are complete once Next has returned io.EOF.
func (rd *Reader) PartDamage() []Damage {
	if rd.merged == nil {
		return nil
	}
	_, ds := rd.merged.tally()
	return ds
}

// RecordIdentity is the identity of a decoded record under which Merge
// counts it once (see Merge).
type RecordIdentity struct {
	Channel     string
	RecordID    uint64
	TimeCreated int64 // UnixNano of System/TimeCreated, 0 when absent
	Content     [sha256.Size]byte
}

// Identity returns the record's identity (see Merge).
func (ev *Event) Identity() RecordIdentity {
	return ev.identityOf(ev.AppendXML(nil))
}

// TimelessIdentity is a decoded record's content but for TimeCreated,
// under which Merge takes a record whose TimeCreated could not be read
// (a null substitution, or its value's type or size damaged) for a copy
// of one another part gives (see Merge): Channel is System/Channel as
// read; RecordID is System/EventRecordID, the record number where that
// is 0 (as in RecordIdentity); Content is a 64-bit hash (hash/maphash,
// seeded once per process: compare values of one process only, never
// store them) of the record's one-line event XML (Event.AppendXML) with
// its System/TimeCreated element cut out (a NUL in its place), or of the
// whole XML when it has no such element. Two copies of a record, one of
// whose TimeCreated could not be read, have equal TimelessIdentity
// values; equal values of records of two files mean such copies, but for
// a 64-bit hash collision.
type TimelessIdentity struct {
	Channel  string
	RecordID uint64
	Content  uint64
}

// Identities returns the record's identity (Identity) and its content
// but for TimeCreated (TimelessIdentity), rendering its XML once.
func (ev *Event) Identities() (RecordIdentity, TimelessIdentity) {
	xml := ev.AppendXML(nil)
	id := ev.identityOf(xml)
	return id, TimelessIdentity{Channel: id.Channel, RecordID: id.RecordID, Content: timeless(ev, xml)}
}

// identityOf is Identity, xml being ev's event XML (AppendXML).
func (ev *Event) identityOf(xml []byte) RecordIdentity {
	id := RecordIdentity{Channel: ev.System.Channel, RecordID: ev.System.EventRecordID, Content: sha256.Sum256(xml)}
	if id.RecordID == 0 {
		id.RecordID = ev.RecordID
	}
	if !ev.System.TimeCreated.IsZero() {
		id.TimeCreated = ev.System.TimeCreated.UnixNano()
	}
	return id
}

// merged is the state of a Reader over a merged log.
type merged struct {
	files []*File
	cur   int
	win   window
	// seen holds every record with a TimeCreated admitted or held (take),
	// by mergeKey, as an index in recs: where its kept copy lies, its
	// content and whether its chunk's checksums vouch for it. (The map's
	// slots stay small, and recs holds no pointer for the collector to
	// scan: with mergeSeen as the map's value a merged read of two
	// 135,919-record copies took a third more CPU than with no value.)
	seen map[mergeKey]int
	recs []mergeSeen
	// untimed holds the records without TimeCreated admitted, by
	// identity (Event.Identity): such a record is one record with no
	// other.
	untimed map[RecordIdentity]struct{}
	// byID holds, by channel (its number in chanNames) and EventRecordID,
	// the first record decoded in full with a TimeCreated met with them:
	// a record of another part of that channel and EventRecordID whose
	// content but for TimeCreated (mergeCand.timeless) is the same is a
	// copy of it, whose TimeCreated differs (keyConflict) or could not be
	// read (takeUntimed). It finds such copies where the record header
	// cannot (byLoose): an export leaves the header time 0 and renumbers
	// the records.
	byID map[idKey]looseRef
	// noID holds, by channel, TimeCreated and content (a RecordIdentity
	// whose RecordID is 0), the key of the first record decoded in full
	// with a TimeCreated and without an EventRecordID met with them:
	// such a record's key holds its record number (Event.Identity), so
	// a copy in another part whose record header number differs (a byte
	// changed there), its event the same, is found here as that record.
	// nil while there are none.
	noID map[RecordIdentity]mergeKey
	// untimedNoID is noID for the records without TimeCreated admitted
	// (by channel and content): the part of the first met.
	untimedNoID map[RecordIdentity]int32
	// untimedBy holds the records without TimeCreated admitted, by
	// channel, EventRecordID and content but for TimeCreated: a copy of
	// one in another part, with or without a TimeCreated, is that record
	// again. One held (untimedRef.held) gives way to such a copy with a
	// TimeCreated (take).
	untimedBy map[untimedKey]untimedRef
	// extra holds the records yielded beside the one seen keeps under
	// their key (addExtra), by identity; nil while there are none.
	extra map[RecordIdentity]struct{}
	// byLoose holds, by its looseKey (record number, header time, size),
	// the first record decoded in full with a TimeCreated met with that
	// looseKey: a record of another part with the same looseKey whose
	// key differs from it in one field is a copy of it whose key fields
	// differ (keyConflict). chans and chanNames number the channels it
	// names (so that it holds no pointer).
	byLoose   map[looseKey]looseRef
	chans     map[string]int32
	chanNames []string
	// conflicts are the problems of the records whose copies differ
	// (ErrConflict), in the order decided; nconflicts counts them all
	// (Stats.Conflicts), conflicts keeping at most maxErrs.
	conflicts  []*FormatError
	nconflicts int
	// conflictErrs counts the problems of conflicts, kept or not.
	conflictErrs int
	records      int
	skipped      int
	filtered     int
	recovDups    int // duplicates among the parts' recovered records
	dups         int
	// partDupsAt lists per part the (record id, header time) of its
	// events decoded in part that are duplicates of another part's: the
	// tally takes them out of Partial, less those their own part holds in
	// full (Reader.held), which its Reader took out already.
	partDupsAt [][][2]uint64
	// dupKeys holds per part the keys (recKey) of its events that are
	// copies of another part's: a part's own copies of them
	// (Reader.inDups) are copies of that record too.
	dupKeys []map[recKey]struct{}
	// firstPart holds, by its bytes (recKey), the first part that yielded
	// each record: an undecodable record of a later part (Reader.bad)
	// that an earlier part yielded, or holds undecodable too, is one
	// record, counted once (in BadRecords, and in Recovered where the
	// headers do not count it).
	firstPart map[recKey]int
	// full holds, by its looseKey, the parts that gave a record decoded in
	// full (partBit): a copy of it decoded in part in another part (its
	// template damaged in that copy) is that record again (fullCopy).
	full map[looseKey]uint64
	// pending are the events decoded in part that no part gave in full
	// so far, in the order met: yielded once every part has been read,
	// unless a later part gave the record in full; past maxPending the
	// oldest is judged on the parts read so far (judgePending).
	pending []mergeCand
	// out are the events to yield, in the order read, from the first
	// record held for a decision on: the events decoded in full that
	// their chunk's checksums do not vouch for, of parts that a later
	// part follows (take), wait in their place, and the events read
	// after them behind them, so that a record held comes out where its
	// copy holds it. A held one is decided once every part has been read
	// (judgeHeld), unless a later part gave a copy of other content that
	// its checksums vouch for, which then takes its place (replaceHeld);
	// past maxPending events waiting, the oldest held one is judged on
	// the parts read so far. outOff counts the events taken from out (an
	// event's place in it, outOff on, is its mergeSeen.held less 1).
	out    []outItem
	outOff uint64
	slack  int // yielded events read from chunk slack or unallocated space
	// added counts per part its events that are no copy of an event an
	// earlier part gave (PartAdded).
	added []int
	// maxErrs bounds errors, as Options.MaxErrors bounds a Reader's
	// (negative: no bound); each part keeps as many.
	maxErrs int
}

func openMerged(l *Log, o Options) (*File, error) {
	m := &merged{win: newWindow(o.Since, o.Until), seen: map[mergeKey]int{}, untimed: map[RecordIdentity]struct{}{}, firstPart: map[recKey]int{}, full: map[looseKey]uint64{}, maxErrs: o.MaxErrors}
	if m.maxErrs == 0 {
		m.maxErrs = DefaultMaxErrors
	}
	m.win.filter = o.Filter
	if o.Progress == nil {
		o.Progress = l.Progress
	}
	for _, p := range l.parts {
		pl := *p
		if pl.TempDir == "" {
			pl.TempDir = l.TempDir
		}
		// Every option but the window and filter, which the merged
		// reader applies after de-duplication, and the name.
		po := o
		po.Since, po.Until, po.Filter, po.Name = time.Time{}, time.Time{}, nil, p.Path
		f, err := pl.Open(po)
		if err != nil {
			m.close()
			return nil, err
		}
		f.Reader.mergePart = true
		m.files = append(m.files, f)
	}
	rd := &Reader{merged: m, hdr: m.files[0].Header()}
	return &File{Reader: rd}, nil
}

func (m *merged) next() (*Event, error) {
	for m.cur < len(m.files) {
		if ev, ok := m.popOut(false); ok {
			if ev != nil {
				return ev, nil
			}
			continue
		}
		f := m.files[m.cur]
		ev, err := f.Next()
		if err == io.EOF {
			m.cur++
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.added == nil {
			m.added = make([]int, len(m.files))
		}
		c := mergeCand{ev: ev, part: m.cur, recovered: f.cur != nil && f.pos > 0 && f.recoveredAt(f.pos-1)}
		if f.cur != nil && f.pos > 0 && f.pos <= len(f.cur.keys) {
			c.k, c.hasKey = f.cur.keys[f.pos-1], true
			if _, ok := m.firstPart[c.k]; !ok {
				m.firstPart[c.k] = m.cur
			}
			// Its chunk's checksums vouch for it: it lies, whole, in
			// the record area they cover, as a record of the log's
			// current contents the headers account for.
			c.verified = !c.recovered && ev.Recovered == "" && ev.Source.Offset >= f.cur.verifiedFrom &&
				ev.Source.Offset+int64(c.k.size) <= f.cur.verifiedTo
		}
		if ev.Partial == "" {
			if lk, ok := c.loose(); ok {
				m.full[lk] |= partBit(m.cur)
			}
			if ev := m.emit(m.take(c)); ev != nil {
				return ev, nil
			}
			continue
		}
		if c.hasKey {
			// Decoded in part, it has no EventRecordID or TimeCreated
			// read, so no identity another copy's intact record can
			// share: a record of the same bytes an earlier part gave
			// (its template damaged in this copy only) is that record
			// again, as an undecodable one is (stats).
			if j := m.firstPart[c.k]; j < m.cur {
				m.dup(c)
				continue
			}
		}
		// A later part may hold it in full: it waits for the last part.
		m.pending = append(m.pending, c)
		if len(m.pending) > maxPending {
			if ev := m.emit(m.judgePending()); ev != nil {
				return ev, nil
			}
		}
	}
	for len(m.out) > 0 {
		if ev, _ := m.popOut(true); ev != nil {
			return ev, nil
		}
	}
	m.out = nil
	for len(m.pending) > 0 {
		if ev := m.judgePending(); ev != nil {
			return ev, nil
		}
	}
	m.pending = nil
	return nil, io.EOF
}

// maxPending bounds the events decoded in part a merged log holds until
// every part is read (merged.pending), and, apart, the events waiting
// from the first one decoded in full that its chunk's checksums do not
// vouch for on (merged.out), so that its memory stays bounded whatever
// the damage: past it, the oldest (the oldest held one) is judged on the
// parts read so far. A copy in full of an event decoded
// in part that a later part gives is then yielded beside it (as before
// the wait: it has no identity in common with a record decoded in part);
// a copy of other content of a held event that a later part gives, its
// checksums right, is set aside (the copy read first was yielded). A
// chunk holds a few hundred records; so many records in part, in copies
// read as one, mean damage all over a copy.
// A variable for tests.
var maxPending = 16384

// judgePending takes the oldest pending event: a duplicate when another
// part gave its record in full (fullCopy), else admitted; it returns the
// event when it is to be yielded.
func (m *merged) judgePending() *Event {
	c := m.pending[0]
	m.pending[0] = mergeCand{} // let the event go
	m.pending = m.pending[1:]
	if m.fullCopy(c) {
		m.dup(c)
		return nil
	}
	return m.admit(c)
}

// outItem is an event waiting in merged.out: one to yield (ev, nil when
// the window or filter declined it), or, held, a record decoded in full
// that its chunk's checksums do not vouch for, waiting for a decision
// (judgeHeld, replaceHeld).
type outItem struct {
	ev   *Event
	c    mergeCand
	held bool
}

// emit returns ev, an event to yield (nil: none), when no event waits
// before it (merged.out), else puts it behind them and returns nil.
func (m *merged) emit(ev *Event) *Event {
	if ev == nil || len(m.out) == 0 {
		return ev
	}
	m.out = append(m.out, outItem{ev: ev})
	return nil
}

// hold puts c, a record held for a decision, in merged.out, and returns
// its mergeSeen.held.
func (m *merged) hold(c mergeCand) uint64 {
	c.held = m.outOff + uint64(len(m.out)) + 1
	m.out = append(m.out, outItem{c: c, held: true})
	return c.held
}

// popOut takes the first event waiting in merged.out when it is decided,
// or, when all is true (every part read) or more than maxPending events
// wait, when it is held (judged on the parts read so far). ok tells that
// one was taken; ev is the event to yield, nil when there is none.
func (m *merged) popOut(all bool) (ev *Event, ok bool) {
	if len(m.out) == 0 || m.out[0].held && !all && len(m.out) <= maxPending {
		return nil, false
	}
	it := m.out[0]
	m.out[0] = outItem{} // let the event go
	m.out = m.out[1:]
	m.outOff++
	if len(m.out) == 0 {
		m.out = nil
	}
	if it.held {
		return m.judgeHeld(it.c), true
	}
	return it.ev, true
}

// replaceHeld puts c, a copy of other content of the record held as held
// (mergeSeen.held) that its chunk's checksums vouch for, in the held
// one's place in merged.out, the held one set aside.
func (m *merged) replaceHeld(held uint64, c mergeCand) {
	it := &m.out[held-1-m.outOff]
	m.dup(it.c)
	*it = outItem{ev: m.pass(c)}
}

// judgeHeld decides c, a record decoded in full that its chunk's
// checksums do not vouch for, held (take) until every part was read or
// more than maxPending events waited: kept unless a copy they vouch for,
// with other content, took its place. It returns the event when it is to
// be yielded.
func (m *merged) judgeHeld(c mergeCand) *Event {
	k, _ := c.ev.mergeKey()
	if k.created == 0 {
		// Without a TimeCreated (takeUntimed): no copy with one took
		// its place.
		uk := untimedKey{chn: m.chanNum(k.channel), id: k.id, timeless: c.timeless}
		m.untimedBy[uk] = untimedRef{part: int32(c.part)}
		return m.pass(c)
	}
	e, _ := m.lookup(k)
	if e.held != c.held {
		m.dup(c)
		return nil
	}
	e.held = 0
	m.store(k, e)
	return m.pass(c)
}

// mergeCand is an event a part of a merged log gave, with the key (recKey)
// of its bytes when its Reader knows it (hasKey), whether the headers do
// not account for it (recovered), and the index of that part.
type mergeCand struct {
	ev        *Event
	part      int
	k         recKey
	hasKey    bool
	recovered bool
	// verified tells that the chunk's header and records checksums
	// vouch for the record (chunkResult.verifiedFrom).
	verified bool
	// held is, for a record decoded in full held for a decision (take),
	// its place in merged.out, from 1 (mergeSeen.held); 0 otherwise.
	held uint64
	// timeless is, for a record decoded in full (take), a hash of its
	// event XML without its System/TimeCreated element (timeless).
	timeless uint64
}

// looseKey is a record by its record number, size and record header time
// (a FILETIME): what a copy whose template definition is damaged keeps of
// the record, whose bytes then differ from the intact copy's in the
// record that holds the definition.
type looseKey struct {
	id, ft uint64
	size   uint32
}

// loose returns c's looseKey; ok is false when its bytes are not known or
// its header time is 0 (an export leaves it 0: no time to tell records by).
func (c mergeCand) loose() (looseKey, bool) {
	ft := TimeToFiletime(c.ev.Written)
	if !c.hasKey || ft == 0 {
		return looseKey{}, false
	}
	return looseKey{id: c.k.id, ft: ft, size: c.k.size}, true
}

// fullCopy reports whether another part gave, decoded in full, the
// record that c (decoded in part) is a copy of, and c's own part did not:
// one of the same bytes, or of the same record number, size and non-zero
// header time. A copy decoded in part beside one decoded in full in the
// same file (a chunk half overwritten by another's) is that file's own
// damage, counted as its Reader counts it (a merged log of byte copies
// counts what one copy does).
func (m *merged) fullCopy(c mergeCand) bool {
	lk, ok := c.loose()
	if !ok {
		return false
	}
	ps, own := m.full[lk], partBit(c.part)
	// Parts from the 64th on share a bit: for them "another part" cannot
	// be told from their own, and the copy in part stays counted.
	return ps&^own != 0 && ps&own == 0
}

// partBit is part i's bit in merged.full: 1<<i, the 64th and later parts
// sharing the last.
func partBit(i int) uint64 {
	return 1 << min(i, 63)
}

// dup counts c, not yielded, as a copy of a record another part gives.
func (m *merged) dup(c mergeCand) {
	m.dups++
	if c.recovered {
		m.recovDups++
	}
	if c.ev.Partial != "" {
		if m.partDupsAt == nil {
			m.partDupsAt = make([][][2]uint64, len(m.files))
		}
		m.partDupsAt[c.part] = append(m.partDupsAt[c.part], [2]uint64{c.ev.RecordID, TimeToFiletime(c.ev.Written)})
	}
	if c.hasKey {
		if m.dupKeys == nil {
			m.dupKeys = make([]map[recKey]struct{}, len(m.files))
		}
		if m.dupKeys[c.part] == nil {
			m.dupKeys[c.part] = map[recKey]struct{}{}
		}
		m.dupKeys[c.part][c.k] = struct{}{}
	}
}

// admit returns c's event when it is no copy of an event yielded before
// and the window and filter yield it, else nil, having counted it. It is
// take for a record that is never held: one decoded in part, judged when
// every part has been read (or past maxPending).
func (m *merged) admit(c mergeCand) *Event {
	k, id := c.ev.mergeKey()
	if k.created == 0 {
		return m.admitUntimed(c, id)
	}
	sum := id.Content
	e, ok := m.lookup(k)
	switch {
	case !ok:
		m.store(k, m.seenOf(c, sum))
	case e.content == sum || m.isExtra(k, sum):
		m.dup(c)
		return nil
	default:
		m.addExtra(k, sum)
	}
	return m.pass(c)
}

// isExtra reports whether a record of key k and content sum was yielded
// beside the one m.seen keeps (addExtra).
func (m *merged) isExtra(k mergeKey, sum [sha256.Size]byte) bool {
	_, ok := m.extra[RecordIdentity{Channel: k.channel, RecordID: k.id, TimeCreated: k.created, Content: sum}]
	return ok
}

// addExtra notes a record of key k and content sum yielded beside the one
// m.seen keeps: one of the same file (its Reader's to judge), or decoded
// in part (no copy decoded in full is set aside for it). A copy of it in
// another part is a duplicate.
func (m *merged) addExtra(k mergeKey, sum [sha256.Size]byte) {
	if m.extra == nil {
		m.extra = map[RecordIdentity]struct{}{}
	}
	m.extra[RecordIdentity{Channel: k.channel, RecordID: k.id, TimeCreated: k.created, Content: sum}] = struct{}{}
}

// take decides what becomes of c, a record decoded in full: its event
// when it is yielded now, else nil. A copy of a record met before, of the
// same content, is a duplicate. A record of the same channel,
// EventRecordID and TimeCreated as one met before in another part, with
// other content, is that record in a copy that differs (a byte changed
// in one copy), counted in Stats.Conflicts: when the chunk header and
// records checksums of only one copy verify, that copy is kept and the
// other set aside (in Duplicates); else both are yielded, c marked
// (Event.ConflictOf). Either way the copy set aside or marked gets a
// problem (ErrConflict) naming the other. For that, a record its
// checksums do not vouch for, in a part some later part follows, is held
// (merged.out, in its place) until every part is read, or past
// maxPending; a record of a key met for the first time whose record
// number, header time and size are another part's record's, its key
// differing in one field, is decided so too (keyConflict).
func (m *merged) take(c mergeCand) *Event {
	ev := c.ev
	k, id, tl := ev.mergeKeys()
	c.timeless = tl
	if k.created == 0 {
		return m.takeUntimed(c, k, id)
	}
	sum := id.Content
	e, ok := m.lookup(k)
	noID := ev.System.EventRecordID == 0
	if !ok && noID {
		// Without an EventRecordID its key holds the record number: a
		// copy whose record header number differs (a byte changed
		// there) is that record still when its event is the same.
		if k0, found := m.noID[RecordIdentity{Channel: k.channel, TimeCreated: k.created, Content: sum}]; found {
			if e0, _ := m.lookup(k0); int(e0.part) != c.part && e0.content == sum {
				k, e, ok = k0, e0, true
			}
		}
	}
	if !ok {
		lk, lok := c.loose()
		if lok {
			if r, found := m.byLoose[lk]; found {
				if int(m.recs[r.rec].part) != c.part && m.oneFieldDiffers(r, k) {
					return m.keyConflict(c, k, sum, r, sameHeader)
				}
				lok = false // a record of that looseKey is known
			}
		}
		n := m.chanNum(k.channel)
		if r, found := m.byID[idKey{chn: n, id: k.id}]; found {
			if o := m.recs[r.rec]; int(o.part) != c.part && o.timeless == tl {
				// Its TimeCreated alone differs from another part's copy
				// (an export's copies, whose header times are 0 and
				// record numbers renumbered, too).
				return m.keyConflict(c, k, sum, r, sameButTime)
			}
		}
		uk := untimedKey{chn: n, id: k.id, timeless: tl}
		u, copyUntimed := m.untimedBy[uk]
		copyUntimed = copyUntimed && int(u.part) != c.part
		e = m.seenOf(c, sum)
		held := !c.verified && c.part < len(m.files)-1 && !copyUntimed
		if held {
			e.held = m.hold(c)
		}
		i := m.store(k, e)
		if lok {
			m.noteLoose(lk, k, i)
		}
		m.noteID(k, i)
		if noID {
			m.noteNoID(k, sum)
		}
		if copyUntimed {
			// A copy of a record another part gave without a
			// TimeCreated (one that could not be read there): one record,
			// this copy, which has one, in the other's place when it
			// waits there, else a duplicate of the one yielded.
			if u.held != 0 {
				m.untimedBy[uk] = untimedRef{part: u.part}
				m.replaceHeld(u.held, c)
			} else {
				m.dup(c)
			}
			return nil
		}
		if held {
			return nil
		}
		return m.pass(c)
	}
	if e.content == sum {
		// The same record: its checksums vouch for the content kept.
		if c.verified && !e.verified {
			e.verified = true
			m.store(k, e)
		}
		m.dup(c)
		return nil
	}
	if m.isExtra(k, sum) {
		m.dup(c)
		return nil
	}
	if int(e.part) == c.part {
		// Two records of one file: left to its Reader, as a log of one
		// file yields them both.
		m.addExtra(k, sum)
		return m.pass(c)
	}
	if c.verified && !e.verified && e.held != 0 {
		// The held copy is set aside, this one kept in its place.
		m.conflict(k, e.conflict, c.at(), e.at(m), contentDiffers, "that copy is used and this one set aside: that copy's chunk header and records checksums verify and this one's do not")
		held := e.held
		e = m.seenOf(c, sum)
		e.conflict = true
		m.store(k, e)
		m.replaceHeld(held, c)
		return nil
	}
	if e.verified && !c.verified || c.verified && !e.verified {
		why := setAsideWhy(c.verified)
		m.conflict(k, e.conflict, e.at(m), c.at(), contentDiffers, "that copy is used and this one set aside: "+why)
		e.conflict = true
		m.store(k, e)
		m.dup(c)
		return nil
	}
	// Nothing tells the copies apart: both are yielded, as copies of
	// other content always were, this one marked (Event.ConflictOf).
	why := bothYieldedWhy(c.verified)
	kept := e.at(m)
	m.conflict(k, e.conflict, kept, c.at(), contentDiffers, "both are yielded, since "+why+"; this one is marked as the other's conflicting copy (Event.ConflictOf), that one, read first, counts")
	e.conflict = true
	m.store(k, e)
	m.addExtra(k, sum)
	c.ev.ConflictOf = &Position{File: kept.file, Chunk: kept.chunk, Offset: kept.offset}
	return m.pass(c)
}

// copyAt places a copy of a record: its file (Position.File), chunk,
// offset and record number.
type copyAt struct {
	file   string
	chunk  int
	offset int64
	record uint64
}

// at places c's record.
func (c mergeCand) at() copyAt {
	return copyAt{file: c.ev.Source.File, chunk: c.ev.Source.Chunk, offset: c.ev.Source.Offset, record: c.ev.RecordID}
}

// at places the copy e keeps.
func (e mergeSeen) at(m *merged) copyAt {
	return copyAt{file: m.files[e.part].Reader.src.name, chunk: int(e.chunk), offset: e.offset, record: e.record}
}

// contentDiffers is what conflict says of copies of one key whose
// content differs.
const contentDiffers = ", with other content"

// conflict counts the record whose copies differ, unless counted (it
// was), and notes the problem of the copy set aside or marked (set, of
// key k): a FormatError at its file, chunk, offset and record number,
// naming the other copy (kept), how they differ (with) and what was done
// and why (why). Every such problem counts in Stats.Problems.
func (m *merged) conflict(k mergeKey, counted bool, kept, set copyAt, with, why string) {
	if !counted {
		m.nconflicts++
	}
	m.conflictErrs++
	if m.maxErrs >= 0 && len(m.conflicts) >= m.maxErrs {
		return
	}
	err := fmt.Errorf("%w: the record of channel %q, EventRecordID %d, TimeCreated %s is in %s too, as record %d at offset %#x%s; %s",
		ErrConflict, k.channel, k.id, FormatTime(time.Unix(0, k.created).UTC()), kept.file, kept.record, kept.offset, with, why)
	m.conflicts = append(m.conflicts, &FormatError{File: set.file, Offset: set.offset, Chunk: set.chunk, Record: set.record, Err: err})
}

// pass counts c's event, no copy of one met before, among the events
// its part adds, and returns it when the window and filter yield it, else
// nil, having counted it.
func (m *merged) pass(c mergeCand) *Event {
	ev := c.ev
	m.added[c.part]++
	// The Reader's order of judgement: the window by TimeCreated,
	// then the filter on the record's summary.
	if !m.win.admits(ev) {
		m.skipped++
		return nil
	}
	if m.win.filter != nil && !m.win.filter(eventSummary(ev)) {
		m.filtered++
		return nil
	}
	m.records++
	if ev.Recovered != "" {
		m.slack++
	}
	return ev
}

// mergeKey is the key under which a merged log holds a record with a
// TimeCreated that it met (merged.seen): its channel, EventRecordID (the
// record number where the event has none) and TimeCreated. Windows
// numbers the records of a channel in sequence, one EventRecordID each
// ("the very first record written to an event log is record number 1,
// and other records are numbered sequentially": Microsoft, Event Log
// Records, https://learn.microsoft.com/windows/win32/eventlog/event-log-records);
// TimeCreated, to 100 ns, keeps apart two records a log cleared and begun
// again might number alike. Records of one key in two copies are one
// record, whose content differs in one copy where they differ (take); a
// record without TimeCreated has only its identity (merged.untimed).
type mergeKey struct {
	channel string
	id      uint64
	created int64
}

// mergeSeen is what a merged log keeps of a record it met (merged.seen):
// the content of the copy kept, where that copy lies (its part, record
// number and offset), whether its chunk's checksums vouch for it, whether
// it is held for a decision (its mergeCand.held, else 0), and whether a
// copy of other content was set aside (conflict).
type mergeSeen struct {
	content  [sha256.Size]byte
	timeless uint64 // mergeCand.timeless
	record   uint64
	offset   int64
	held     uint64
	part     int32
	chunk    int32
	verified bool
	conflict bool
}

// seenOf returns what m keeps of c, whose content is sum.
func (m *merged) seenOf(c mergeCand, sum [sha256.Size]byte) mergeSeen {
	return mergeSeen{content: sum, timeless: c.timeless, record: c.ev.RecordID, offset: c.ev.Source.Offset, part: int32(c.part), chunk: int32(c.ev.Source.Chunk), verified: c.verified}
}

// mergeKey returns ev's mergeKey and its identity (Event.Identity: the
// SHA-256 of its event XML is the content merged.recs keeps).
func (ev *Event) mergeKey() (mergeKey, RecordIdentity) {
	id := ev.Identity()
	return mergeKey{channel: id.Channel, id: id.RecordID, created: id.TimeCreated}, id
}

// mergeKeys is mergeKey with the hash of ev's content but for
// TimeCreated (timeless), from one rendering of its XML.
func (ev *Event) mergeKeys() (mergeKey, RecordIdentity, uint64) {
	id, tl := ev.Identities()
	return mergeKey{channel: id.Channel, id: id.RecordID, created: id.TimeCreated}, id, tl.Content
}

// lookup returns what m keeps of the record of key k, and whether it met
// it.
func (m *merged) lookup(k mergeKey) (mergeSeen, bool) {
	i, ok := m.seen[k]
	if !ok {
		return mergeSeen{}, false
	}
	return m.recs[i], true
}

// store keeps e for the record of key k, and returns its index in
// merged.recs.
func (m *merged) store(k mergeKey, e mergeSeen) int {
	if i, ok := m.seen[k]; ok {
		m.recs[i] = e
		return i
	}
	m.seen[k] = len(m.recs)
	m.recs = append(m.recs, e)
	return len(m.recs) - 1
}

// looseRef is what merged.byLoose keeps of a record: its index in
// merged.recs and its mergeKey (the channel by its number in
// merged.chanNames).
type looseRef struct {
	rec     int
	chn     int32
	id      uint64
	created int64
}

// key returns r's mergeKey.
func (m *merged) key(r looseRef) mergeKey {
	return mergeKey{channel: m.chanNames[r.chn], id: r.id, created: r.created}
}

// noteLoose keeps in merged.byLoose that the record of key k, at index i
// in merged.recs, is the first met of looseKey lk.
func (m *merged) noteLoose(lk looseKey, k mergeKey, i int) {
	if m.byLoose == nil {
		m.byLoose = map[looseKey]looseRef{}
	}
	m.byLoose[lk] = looseRef{rec: i, chn: m.chanNum(k.channel), id: k.id, created: k.created}
}

// chanNum returns the number of channel in merged.chanNames, numbering
// it when it is new.
func (m *merged) chanNum(channel string) int32 {
	if m.chans == nil {
		m.chans = map[string]int32{}
	}
	n, ok := m.chans[channel]
	if !ok {
		n = int32(len(m.chanNames))
		m.chans[channel] = n
		m.chanNames = append(m.chanNames, channel)
	}
	return n
}

// idKey is a record by its channel (its number in merged.chanNames) and
// EventRecordID (merged.byID).
type idKey struct {
	chn int32
	id  uint64
}

// untimedKey is a record without TimeCreated by its channel (its number
// in merged.chanNames), EventRecordID and content but for TimeCreated
// (merged.untimedBy).
type untimedKey struct {
	chn      int32
	id       uint64
	timeless uint64
}

// untimedRef is what merged.untimedBy keeps of a record without
// TimeCreated: its part and, while it waits in merged.out for a copy with
// a TimeCreated to take its place, its place there (mergeCand.held).
type untimedRef struct {
	part int32
	held uint64
}

// noteID keeps in merged.byID the record of key k, at index i in
// merged.recs, unless one of its channel and EventRecordID is known.
func (m *merged) noteID(k mergeKey, i int) {
	if m.byID == nil {
		m.byID = map[idKey]looseRef{}
	}
	n := m.chanNum(k.channel)
	ik := idKey{chn: n, id: k.id}
	if _, ok := m.byID[ik]; !ok {
		m.byID[ik] = looseRef{rec: i, chn: n, id: k.id, created: k.created}
	}
}

// noteNoID keeps in merged.noID that the record of key k, whose event has
// no EventRecordID (k.id is its record number), is the first met of its
// channel, TimeCreated and content sum.
func (m *merged) noteNoID(k mergeKey, sum [sha256.Size]byte) {
	if m.noID == nil {
		m.noID = map[RecordIdentity]mergeKey{}
	}
	nk := RecordIdentity{Channel: k.channel, TimeCreated: k.created, Content: sum}
	if _, ok := m.noID[nk]; !ok {
		m.noID[nk] = k
	}
}

// timelessSeed seeds the hash of a record's content but for TimeCreated
// (mergeCand.timeless), which lives only as long as the process.
var timelessSeed = maphash.MakeSeed()

// timeless returns a hash of xml, ev's event XML (AppendXML), with its
// System/TimeCreated element left out: what two copies of a record share
// when their TimeCreated differs or could not be read in one (a null or
// damaged substitution). With no TimeCreated element, xml's hash.
func timeless(ev *Event, xml []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(timelessSeed)
	if tc := timeCreatedElement(ev.Tree()); tc != nil {
		// The one-line XML renders a child as it renders alone.
		var buf [160]byte // most such elements fit: no allocation
		el := appendElement(buf[:0], tc, false, -1)
		if i := bytes.Index(xml, el); i >= 0 {
			h.Write(xml[:i])
			h.WriteByte(0)
			h.Write(xml[i+len(el):])
			return h.Sum64()
		}
	}
	h.Write(xml)
	return h.Sum64()
}

// timeCreatedElement returns root's System/TimeCreated element, nil when
// it has none.
func timeCreatedElement(root *Element) *Element {
	if root == nil {
		return nil
	}
	for _, sys := range root.Children {
		if sys == nil || !NameIs(sys.Name, "System") {
			continue
		}
		for _, c := range sys.Children {
			if c != nil && NameIs(c.Name, "TimeCreated") {
				return c
			}
		}
		return nil
	}
	return nil
}

// oneFieldDiffers reports whether k differs from r's key in exactly one
// of channel, EventRecordID and TimeCreated: what a byte changed in one
// copy of a record does. (Two records of different spans of a log that
// an export renumbered and gave borrowed header times may share a record
// number, header time and size; they differ in EventRecordID and
// TimeCreated both.)
func (m *merged) oneFieldDiffers(r looseRef, k mergeKey) bool {
	n := 0
	if m.chanNames[r.chn] != k.channel {
		n++
	}
	if r.id != k.id {
		n++
	}
	if r.created != k.created {
		n++
	}
	return n == 1
}

// What two copies of a record whose key differs in one field share
// (keyDiff): its record header (merged.byLoose) or its content but for
// TimeCreated (merged.byID).
const (
	sameHeader  = "the same record number, header time and size"
	sameButTime = "the same channel, EventRecordID and content but for TimeCreated"
)

// keyDiff says what other holds where it differs from k: "with" its
// channel, EventRecordID or TimeCreated.
func keyDiff(k, other mergeKey, same string) string {
	s := " (" + same + "), with"
	switch {
	case k.channel != other.channel:
		return fmt.Sprintf("%s channel %q", s, other.channel)
	case k.id != other.id:
		return fmt.Sprintf("%s EventRecordID %d", s, other.id)
	}
	return fmt.Sprintf("%s TimeCreated %s", s, FormatTime(time.Unix(0, other.created).UTC()))
}

// keyConflict decides c, a record decoded in full of key k and content
// sum met for the first time, whose record number, header time and size
// (looseKey) are those of a record another part gave (r) whose key
// differs from k in one field: one record, whose copies differ in a field
// of its key (a byte changed in one copy), decided as take decides copies
// of one key whose content differs, and counted in Stats.Conflicts, the
// problem (ErrConflict) of the copy set aside or marked naming the other
// and the value of the field there. It returns c's event when it is to
// be yielded now, else nil.
func (m *merged) keyConflict(c mergeCand, k mergeKey, sum [sha256.Size]byte, r looseRef, same string) *Event {
	ek := m.key(r)
	e := m.recs[r.rec]
	ne := m.seenOf(c, sum)
	ne.conflict = true
	const used = "that copy is used and this one set aside: "
	switch {
	case c.verified && !e.verified && e.held != 0:
		// The held copy is set aside, this one kept in its place.
		m.conflict(ek, e.conflict, c.at(), e.at(m), keyDiff(ek, k, same), used+"that copy's chunk header and records checksums verify and this one's do not")
		held := e.held
		e.held, e.conflict = 0, true
		m.recs[r.rec] = e
		m.store(k, ne)
		m.replaceHeld(held, c)
		return nil
	case e.verified != c.verified:
		why := setAsideWhy(c.verified)
		m.conflict(k, e.conflict, e.at(m), c.at(), keyDiff(k, ek, same), used+why)
		e.conflict = true
		m.recs[r.rec] = e
		m.store(k, ne)
		m.dup(c)
		return nil
	}
	why := bothYieldedWhy(c.verified)
	kept := e.at(m)
	m.conflict(k, e.conflict, kept, c.at(), keyDiff(k, ek, same), "both are yielded, since "+why+"; this one is marked as the other's conflicting copy (Event.ConflictOf), that one, read first, counts")
	e.conflict = true
	m.recs[r.rec] = e
	m.store(k, ne)
	c.ev.ConflictOf = &Position{File: kept.file, Chunk: kept.chunk, Offset: kept.offset}
	return m.pass(c)
}

// takeUntimed is take for c, a record decoded in full without a
// TimeCreated read (none, or a null or damaged substitution) of key k
// (created 0) and identity id: a duplicate when a record of that identity
// was met, or when another part gave a record of its channel and
// EventRecordID whose content but for TimeCreated is c's, with a
// TimeCreated or without (its copy in that part; its TimeCreated, the
// field that could not be read here, is not compared). Else it is
// admitted: held in its place (merged.out) when a later part follows,
// so that a copy with a TimeCreated that a later part gives takes its
// place (take), else yielded when the window and filter yield it.
func (m *merged) takeUntimed(c mergeCand, k mergeKey, id RecordIdentity) *Event {
	if _, dup := m.untimed[id]; dup {
		m.dup(c)
		return nil
	}
	if c.ev.System.EventRecordID == 0 {
		// Its identity holds its record number: a copy in another part
		// whose record header number differs, its event the same, is
		// that record still (as in take).
		nk := RecordIdentity{Channel: id.Channel, Content: id.Content}
		if p, found := m.untimedNoID[nk]; found && int(p) != c.part {
			m.dup(c)
			return nil
		} else if !found {
			if m.untimedNoID == nil {
				m.untimedNoID = map[RecordIdentity]int32{}
			}
			m.untimedNoID[nk] = int32(c.part)
		}
	}
	m.untimed[id] = struct{}{}
	n := m.chanNum(k.channel)
	if r, found := m.byID[idKey{chn: n, id: k.id}]; found {
		if o := m.recs[r.rec]; int(o.part) != c.part && o.timeless == c.timeless {
			m.dup(c)
			return nil
		}
	}
	uk := untimedKey{chn: n, id: k.id, timeless: c.timeless}
	if u, found := m.untimedBy[uk]; found {
		if int(u.part) != c.part {
			m.dup(c)
			return nil
		}
		// Two records of one file: left to its Reader.
		return m.pass(c)
	}
	if m.untimedBy == nil {
		m.untimedBy = map[untimedKey]untimedRef{}
	}
	u := untimedRef{part: int32(c.part)}
	if c.part < len(m.files)-1 {
		u.held = m.hold(c)
		m.untimedBy[uk] = u
		return nil
	}
	m.untimedBy[uk] = u
	return m.pass(c)
}

// admitUntimed returns c's event, a record without TimeCreated of
// identity id, when no record of that identity was met before and the
// window and filter yield it, else nil, having counted it.
func (m *merged) admitUntimed(c mergeCand, id RecordIdentity) *Event {
	if _, dup := m.untimed[id]; dup {
		m.dup(c)
		return nil
	}
	m.untimed[id] = struct{}{}
	return m.pass(c)
}

// eventSummary is the Summary of decoded event ev: its TimeCreated as
// TimeCreatedOf reads it and, with it, its EventRecordID; Damaged when it
// was decoded in part or read from a damaged chunk (Event.Damaged).
func eventSummary(ev *Event) Summary {
	s := Summary{Provider: ev.System.Provider.Name, EventID: ev.System.EventID, Computer: ev.System.Computer,
		Written: ev.Written, RecordID: ev.RecordID, Damaged: ev.Partial != "" || ev.Damaged, ev: ev}
	if t, ok := TimeCreatedOf(ev); ok {
		s.TimeCreated, s.EventRecordID = t, ev.System.EventRecordID
	}
	return s
}

func (m *merged) stats() Stats {
	s, _ := m.tally()
	return s
}

// tally returns the merged log's Stats and what of its damage each part
// holds (Reader.PartDamage).
func (m *merged) tally() (Stats, []Damage) {
	var s Stats
	ds := make([]Damage, len(m.files))
	bad := map[recKey]int{}           // the first part holding each of Reader.bad
	gapsBefore := map[gapKey]int{}    // the most copies of a span in one part read before
	staleBefore := map[recKey]int{}   // the same of an old record
	foreignBefore := map[gapKey]int{} // the same of another log's chunk
	for i, f := range m.files {
		p := f.Reader.Stats()
		if i == 0 {
			// The file's own facts are those of the file the merged log
			// is named by (PartStats has every file's).
			s.Size, s.HeaderChunks, s.Chunks, s.BadChunks = p.Size, p.HeaderChunks, p.Chunks, p.BadChunks
			s.Dirty, s.Full = p.Dirty, p.Full
		}
		pd := &ds[i] // what of it this part holds
		if i == 0 {
			pd.BadChunks = p.BadChunks
		}
		s.BadRecords += p.BadRecords
		pd.BadRecords += p.BadRecords
		// The parts read every record (no window): their recovered
		// records less those that are copies of one read before.
		s.Recovered += p.Recovered
		// Decoded in part: counted whether or not the window and the
		// filter yield it, as the Reader counts it.
		s.Partial += p.Partial
		s.PartialHeld += p.PartialHeld
		pd.Partial += p.Partial
		if i < len(m.partDupsAt) {
			for _, k := range m.partDupsAt[i] {
				if !f.Reader.held[k] {
					pd.Partial--
					s.Partial--
				}
			}
		}
		// Undecodable records an earlier part holds too.
		for _, b := range f.Reader.bad {
			j, ok := m.firstPart[b.k]
			if jb, okb := bad[b.k]; okb && (!ok || jb < j) {
				j, ok = jb, true
			}
			if ok && j < i {
				s.BadRecords--
				pd.BadRecords--
				if b.recovered {
					s.Recovered--
				}
			} else if _, okb := bad[b.k]; !okb {
				bad[b.k] = i
			}
		}
		// A part's own copies of a record another part holds.
		if i < len(m.dupKeys) && m.dupKeys[i] != nil {
			for _, d := range f.Reader.inDups {
				if _, ok := m.dupKeys[i][d.k]; ok {
					if d.recovered {
						s.Recovered--
					}
					if d.partial && !f.Reader.held[d.idft] {
						s.Partial--
						pd.Partial--
					}
				}
			}
		}
		s.Stale += p.Stale
		s.StaleOldChunks += p.StaleOldChunks
		s.ForeignChunks += p.ForeignChunks
		// Another log's chunks an earlier part holds too (as many
		// times): a chunk found in two copies is one foreign chunk.
		heldBefore(f.Reader.foreign, foreignBefore, func(_ gapKey, n int) { s.ForeignChunks -= n })
		// Those of them in old chunks an earlier part holds too (in
		// slack or an old chunk) are not counted again either.
		here := map[recKey]int{}
		for _, k := range f.Reader.staleOld {
			here[k]++
		}
		for k, c := range here {
			s.StaleOldChunks -= min(c, staleBefore[k])
		}
		// Old records an earlier part holds too (as many times).
		heldBefore(f.Reader.stale, staleBefore, func(_ recKey, n int) { s.Stale -= n })
		s.Duplicates += p.Duplicates
		s.UnreadBytes += p.UnreadBytes
		pd.UnreadBytes += p.UnreadBytes
		// Unreadable spans an earlier part holds too (as many times).
		heldBefore(f.Reader.gaps, gapsBefore, func(g gapKey, n int) {
			s.UnreadBytes -= int64(g.size) * int64(n)
			pd.UnreadBytes -= int64(g.size) * int64(n)
		})
		s.Problems += p.Problems
		if !p.First.IsZero() && (i == 0 || s.First.IsZero() || p.First.Before(s.First)) {
			s.First = p.First
		}
		if p.Last.After(s.Last) {
			s.Last = p.Last
		}
		// What the parts read of the records' TimeCreated and
		// EventRecordID: every part reads every record (no window).
		s.SlackUnreadable += p.SlackUnreadable
		s.ZeroWritten += p.ZeroWritten
		s.Renumbered += p.Renumbered
		s.IDsRead += p.IDsRead
		if p.created {
			if !s.created || p.FirstCreated.Before(s.FirstCreated) {
				s.FirstCreated = p.FirstCreated
			}
			if !s.created || p.LastCreated.After(s.LastCreated) {
				s.LastCreated = p.LastCreated
			}
			s.created = true
		}
		if p.lastSet {
			if !s.lastSet || numberedBefore(s.LastWrittenEventRecordID, s.LastWrittenID, p.LastWrittenEventRecordID, p.LastWrittenID) ||
				p.LastWrittenID == s.LastWrittenID && p.LastWrittenEventRecordID == s.LastWrittenEventRecordID && p.LastWrittenCreated.After(s.LastWrittenCreated) {
				s.LastWrittenID, s.LastWrittenCreated, s.LastWrittenExported, s.LastWrittenEventRecordID = p.LastWrittenID, p.LastWrittenCreated, p.LastWrittenExported, p.LastWrittenEventRecordID
				s.LastWrittenFile = f.Reader.src.name
			}
			s.lastSet = true
		}
	}
	s.Records, s.Skipped, s.Filtered = m.records, m.skipped, m.filtered
	s.Recovered -= m.recovDups
	s.SlackRead = m.slack
	s.Duplicates += m.dups
	s.Conflicts = m.nconflicts
	s.Problems += m.conflictErrs
	return s, ds
}

// heldBefore calls drop(k, n) for each key of one part's keys that an
// earlier part held too, n being how many of its copies here an earlier
// part held (the most copies any one earlier part held, at most the
// copies here), and then records this part's copies in before.
func heldBefore[K comparable](keys []K, before map[K]int, drop func(k K, n int)) {
	here := map[K]int{}
	for _, k := range keys {
		here[k]++
	}
	for k, c := range here {
		if n := min(c, before[k]); n > 0 {
			drop(k, n)
		}
	}
	for k, c := range here {
		before[k] = max(before[k], c)
	}
}

func (m *merged) errors() []*FormatError {
	var out []*FormatError
	for _, f := range m.files {
		out = append(out, f.Errors()...)
	}
	out = append(out, m.conflicts...)
	if m.maxErrs >= 0 && len(out) > m.maxErrs {
		out = out[:m.maxErrs]
	}
	return out
}

func (m *merged) newestTime() time.Time {
	var t time.Time
	for _, f := range m.files {
		if n := f.NewestTime(); n.After(t) {
			t = n
		}
	}
	return t
}

func (m *merged) close() {
	for _, f := range m.files {
		f.Close()
	}
}

// recoveredAt reports whether the current chunk's i-th event lies where
// the headers do not account for it.
func (rd *Reader) recoveredAt(i int) bool {
	return rd.cur != nil && i < len(rd.cur.recovered) && rd.cur.recovered[i]
}

// setAsideWhy says why, of two copies of a record whose chunk checksums
// one verifies, the later (read now; its checksums verify when cVerified)
// is set aside, or the earlier was yielded all the same.
func setAsideWhy(cVerified bool) string {
	if cVerified {
		return fmt.Sprintf("that copy, read first, was yielded before this one, whose chunk checksums verify and that copy's do not, was read (more than %d records were waiting for the decision)", maxPending)
	}
	return "that copy's chunk header and records checksums verify and this one's do not"
}

// bothYieldedWhy says why two copies of a record are both yielded: the
// chunk checksums of both verify (cVerified), or of neither.
func bothYieldedWhy(cVerified bool) string {
	if cVerified {
		return "the chunk checksums of both copies verify"
	}
	return "the chunk checksums of neither copy verify"
}
