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
	partDups  int // duplicates among the parts' events decoded in part
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
	slack     int // yielded events read from chunk slack or unallocated space
	// added counts per part its events that are no copy of an event an
	// earlier part gave (PartAdded).
	added []int
	// maxErrs bounds errors, as Options.MaxErrors bounds a Reader's
	// (negative: no bound); each part keeps as many.
	maxErrs int
}

func openMerged(l *Log, o Options) (*File, error) {
	m := &merged{win: newWindow(o.Since, o.Until), seen: map[RecordIdentity]struct{}{}, firstPart: map[recKey]int{}, maxErrs: o.MaxErrors}
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
		recovered := f.cur != nil && f.pos > 0 && f.recoveredAt(f.pos-1)
		if f.cur != nil && f.pos > 0 && f.pos <= len(f.cur.keys) {
			if _, ok := m.firstPart[f.cur.keys[f.pos-1]]; !ok {
				m.firstPart[f.cur.keys[f.pos-1]] = m.cur
			}
		}
		k := ev.Identity()
		if m.added == nil {
			m.added = make([]int, len(m.files))
		}
		_, dup := m.seen[k]
		if !dup && ev.Partial != "" && f.cur != nil && f.pos > 0 && f.pos <= len(f.cur.keys) {
			// Decoded in part, it has no EventRecordID or TimeCreated
			// read, so no identity another copy's intact record can
			// share: a record of the same bytes an earlier part gave
			// (its template damaged in this copy only) is that record
			// again, as an undecodable one is (stats).
			j, ok := m.firstPart[f.cur.keys[f.pos-1]]
			dup = ok && j < m.cur
		}
		if dup {
			m.dups++
			if recovered {
				m.recovDups++
			}
			if ev.Partial != "" {
				m.partDups++
			}
			if f.cur != nil && f.pos > 0 && f.pos <= len(f.cur.keys) {
				if m.dupKeys == nil {
					m.dupKeys = make([]map[recKey]struct{}, len(m.files))
				}
				if m.dupKeys[m.cur] == nil {
					m.dupKeys[m.cur] = map[recKey]struct{}{}
				}
				m.dupKeys[m.cur][f.cur.keys[f.pos-1]] = struct{}{}
			}
			continue
		}
		m.seen[k] = struct{}{}
		m.added[m.cur]++
		// The Reader's order of judgement: the window by TimeCreated,
		// then the filter on the record's summary.
		if !m.win.admits(ev) {
			m.skipped++
			continue
		}
		if m.win.filter != nil && !m.win.filter(eventSummary(ev)) {
			m.filtered++
			continue
		}
		m.records++
		if ev.Recovered != "" {
			m.slack++
		}
		return ev, nil
	}
	return nil, io.EOF
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
	var s Stats
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
		s.BadRecords += p.BadRecords
		// The parts read every record (no window): their recovered
		// records less those that are copies of one read before.
		s.Recovered += p.Recovered
		// Decoded in part: counted whether or not the window and the
		// filter yield it, as the Reader counts it.
		s.Partial += p.Partial
		// Undecodable records an earlier part holds too.
		for _, b := range f.Reader.bad {
			j, ok := m.firstPart[b.k]
			if jb, okb := bad[b.k]; okb && (!ok || jb < j) {
				j, ok = jb, true
			}
			if ok && j < i {
				s.BadRecords--
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
					if d.partial {
						s.Partial--
					}
				}
			}
		}
		s.Stale += p.Stale
		// Old records an earlier part holds too (as many times).
		heldBefore(f.Reader.stale, staleBefore, func(_ recKey, n int) { s.Stale -= n })
		s.Duplicates += p.Duplicates
		s.UnreadBytes += p.UnreadBytes
		// Unreadable spans an earlier part holds too (as many times).
		heldBefore(f.Reader.gaps, gapsBefore, func(g gapKey, n int) { s.UnreadBytes -= int64(g.size) * int64(n) })
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
	s.Partial -= m.partDups
	s.SlackRead = m.slack
	s.Duplicates += m.dups
	return s
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
