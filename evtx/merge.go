package evtx

import (
	"crypto/sha256"
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
// no copy of an event an earlier file gave (by Event.Identity): the
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
	id := RecordIdentity{Channel: ev.System.Channel, RecordID: ev.System.EventRecordID, Content: sha256.Sum256(ev.AppendXML(nil))}
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
	files     []*File
	cur       int
	win       window
	seen      map[RecordIdentity]struct{}
	records   int
	skipped   int
	filtered  int
	recovDups int // duplicates among the parts' recovered records
	dups      int
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
	slack   int // yielded events read from chunk slack or unallocated space
	// added counts per part its events that are no copy of an event an
	// earlier part gave (PartAdded).
	added []int
	// maxErrs bounds errors, as Options.MaxErrors bounds a Reader's
	// (negative: no bound); each part keeps as many.
	maxErrs int
}

func openMerged(l *Log, o Options) (*File, error) {
	m := &merged{win: newWindow(o.Since, o.Until), seen: map[RecordIdentity]struct{}{}, firstPart: map[recKey]int{}, full: map[looseKey]uint64{}, maxErrs: o.MaxErrors}
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
		}
		if ev.Partial == "" {
			if lk, ok := c.loose(); ok {
				m.full[lk] |= partBit(m.cur)
			}
			if ev := m.admit(c); ev != nil {
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
			if ev := m.judgePending(); ev != nil {
				return ev, nil
			}
		}
	}
	for len(m.pending) > 0 {
		if ev := m.judgePending(); ev != nil {
			return ev, nil
		}
	}
	m.pending = nil
	return nil, io.EOF
}

// maxPending bounds the events decoded in part a merged log holds until
// every part is read (merged.pending), so that its memory stays bounded
// whatever the damage: past it, the oldest is judged on the parts read so
// far, and a copy of it in full that a later part gives is then yielded
// beside it (as before the wait: it has no identity in common with a
// record decoded in part). A chunk holds a few hundred records; so many
// records in part, in copies read as one, mean damage all over a copy.
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

// mergeCand is an event a part of a merged log gave, with the key (recKey)
// of its bytes when its Reader knows it (hasKey), whether the headers do
// not account for it (recovered), and the index of that part.
type mergeCand struct {
	ev        *Event
	part      int
	k         recKey
	hasKey    bool
	recovered bool
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
// (by Event.Identity) and the window and filter yield it, else nil, having
// counted it.
func (m *merged) admit(c mergeCand) *Event {
	ev := c.ev
	k := ev.Identity()
	if _, dup := m.seen[k]; dup {
		m.dup(c)
		return nil
	}
	m.seen[k] = struct{}{}
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

// eventSummary is the Summary of decoded event ev: its TimeCreated as
// TimeCreatedOf reads it and, with it, its EventRecordID.
func eventSummary(ev *Event) Summary {
	s := Summary{Provider: ev.System.Provider.Name, EventID: ev.System.EventID, Computer: ev.System.Computer,
		Written: ev.Written, RecordID: ev.RecordID}
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
	bad := map[recKey]int{}         // the first part holding each of Reader.bad
	gapsBefore := map[gapKey]int{}  // the most copies of a span in one part read before
	staleBefore := map[recKey]int{} // the same of an old record
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
