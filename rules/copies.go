package rules

import (
	"fmt"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
	"github.com/evtxrdp/evtxrdp/internal/recordkey"
)

// sharedRecords tells, while the scan evaluates the queries, the records
// a query matched in more than one of the logs given to Analyze: copies
// of one log given as two (a volume shadow copy beside the log, a second
// download of it) that were not merged first (fleet.Copies, evtx.Merge).
// The judge of "the same record" is evtx's: Event.Identity, under which
// evtx.Merge yields a record of several copies once. Such a record is
// counted once, from the first input that holds it (Merge yields its
// first part's), so that the findings are those of the copies merged.
//
// Identity hashes the event's XML, a cost on every match; without
// shortcuts every match pays it (exact). With shortcuts the scan first
// keeps only a key of what Identity covers (channel, EventRecordID,
// TimeCreated, provider, event id, computer: equal identities have equal
// keys, since the XML holds them all); only when two inputs share a key
// does Analyze scan again with exact identities, so a scan whose keys are
// all apart is the exact one.
//
// A record whose TimeCreated could not be read (a null or damaged
// substitution) in one copy has another identity there; evtx.Merge takes
// it for a copy of a record of another part of the same channel,
// EventRecordID and content but for TimeCreated
// (evtx.Event.TimelessIdentity), with a TimeCreated or without, and
// yields the copy with a TimeCreated when one part has it, whichever part
// comes first. So does this, in any order of the inputs: such a record
// is counted once when an earlier input gave a copy of it (byTimeless);
// else it is held (held) until every input is read, and counted among
// the matches without a TimeCreated (QueryHit.Untimed, which no window
// holds) only when no other input gave a copy of it with a TimeCreated
// (timed): else it is that copy, counted by its time. Before, a copy
// without a TimeCreated given first was counted among those matches
// beside its later copy (TestCopyWithoutTimeCreatedAnyOrder). A copy
// with a TimeCreated outside the period the scan decodes (and its
// look-back) is not read there: a held record that no input gave with a
// TimeCreated among the records read is looked for in the other inputs
// of its channel, all their records (findTimedCopies), as Merge reads
// them (TestCopyWithoutTimeCreatedOutsideThePeriod). With shortcuts, a
// matched record without a TimeCreated of a channel another input holds
// makes the scan exact (untimedOf), which holds and looks.
type sharedRecords struct {
	exact      bool
	byIdentity map[evtx.RecordIdentity]*Input
	byKey      map[uint64]*Input
	// byTimeless holds, by evtx.Event.TimelessIdentity, the first input
	// that gave a matched record (exact).
	byTimeless map[evtx.TimelessIdentity]*Input
	// timed holds, by evtx.Event.TimelessIdentity, the first two inputs
	// that gave a matched record with a TimeCreated (exact).
	timed map[evtx.TimelessIdentity][2]*Input
	// held holds the matched records without a TimeCreated that no
	// earlier input gave (exact), until every input is read
	// (scanner.countHeld).
	held []*heldUntimed
	// suspect is set when two inputs share a key (not exact): the scan
	// is to be done again exactly.
	suspect bool
	// untimedOf holds the inputs and channels of the matched records
	// without a TimeCreated (not exact): another input of that channel
	// makes the scan exact (suspected).
	untimedOf map[untimedOf]struct{}
}

type untimedOf struct {
	in      *Input
	channel string
}

// suspected reports whether a scan that was not exact must be done again
// exactly: two inputs shared a key, or one of inputs gave a matched
// record without a TimeCreated of a channel another input holds (which
// may hold a copy of it with one, read or not: findTimedCopies).
func (c *sharedRecords) suspected(inputs []*Input) bool {
	if c == nil {
		return false
	}
	if c.suspect {
		return true
	}
	for u := range c.untimedOf {
		for _, o := range inputs {
			if o != u.in && o.Used && o.Holds(u.channel) {
				return true
			}
		}
	}
	return false
}

// heldUntimed is a matched record without a TimeCreated of in, whose
// content but for TimeCreated is tl, and its matches: each query's (or
// timeline entry's) and the event named for it, to be counted, or not,
// once every input is read (sharedRecords.held).
type heldUntimed struct {
	in      *Input
	tl      evtx.TimelessIdentity
	matches []heldMatch
	// provider and eventID are the record's, to find a copy by its
	// summary (findTimedCopies).
	provider string
	eventID  uint16
}

type heldMatch struct {
	cq  *compiledQuery
	ref *EventRef
}

// copyCheck is what sharedRecords.shared tells of a matched record.
type copyCheck int

const (
	// notCopy: counted here.
	notCopy copyCheck = iota
	// copyCounted: an earlier input gave it, counted from there.
	copyCounted
	// copyHeld: without a TimeCreated, no earlier input gave it: held
	// until every input is read (heldUntimed).
	copyHeld
)

// newSharedRecords returns the tracker for inputs, nil when fewer than two
// of them are read (no record can be in two).
func newSharedRecords(inputs []*Input, exact bool) *sharedRecords {
	used := 0
	for _, in := range inputs {
		if in.Used {
			used++
		}
	}
	if used < 2 {
		return nil
	}
	if exact {
		return &sharedRecords{exact: true, byIdentity: map[evtx.RecordIdentity]*Input{}, byTimeless: map[evtx.TimelessIdentity]*Input{}, timed: map[evtx.TimelessIdentity][2]*Input{}}
	}
	return &sharedRecords{byKey: map[uint64]*Input{}}
}

// shared tells whether ev, a record of in that a query matched, is a
// record an earlier input already gave (by evtx.Event.Identity, or by
// its content but for a TimeCreated not read here), and notes it in
// in.CopyOf and in.SharedMatches (copyCounted); or one without a
// TimeCreated to hold until every input is read (copyHeld), whose
// content but for TimeCreated is the TimelessIdentity returned. Records
// that repeat within one input are left to the reader, as before.
func (c *sharedRecords) shared(in *Input, ev *evtx.Event) (copyCheck, evtx.TimelessIdentity) {
	if c == nil {
		return notCopy, evtx.TimelessIdentity{}
	}
	if !c.exact {
		k := identityKey(ev)
		if first, ok := c.byKey[k]; !ok {
			c.byKey[k] = in
		} else if first != in {
			c.suspect = true
		}
		// A record whose TimeCreated could not be read, of which
		// another input of its channel may hold a copy with one, read
		// or not (exact: held, findTimedCopies).
		if ev.System.TimeCreated.IsZero() {
			if c.untimedOf == nil {
				c.untimedOf = map[untimedOf]struct{}{}
			}
			c.untimedOf[untimedOf{in, recordChannel(in, ev)}] = struct{}{}
		}
		return notCopy, evtx.TimelessIdentity{}
	}
	id, tl := ev.Identities()
	first, ok := c.byIdentity[id]
	if !ok {
		c.byIdentity[id] = in
	}
	tfirst, tok := c.byTimeless[tl]
	if !tok {
		c.byTimeless[tl] = in
	}
	if id.TimeCreated != 0 {
		c.noteTimed(in, tl)
	}
	if !ok || first == in {
		if id.TimeCreated != 0 {
			return notCopy, tl
		}
		if !tok || tfirst == in {
			// No TimeCreated read here, and no earlier input gave a
			// copy of it: a later one may give it with one.
			return copyHeld, tl
		}
		// No TimeCreated read here, and an earlier input gave a copy
		// of the same content but for TimeCreated.
		first = tfirst
	}
	in.note(first)
	return copyCounted, tl
}

// note notes in Input.CopyOf and SharedMatches that a record of in is
// counted from first.
func (in *Input) note(first *Input) {
	in.SharedMatches++
	if in.CopyOf == "" {
		in.CopyOf = first.Path
	}
}

// noteTimed notes that in holds a record with a TimeCreated whose content
// but for TimeCreated is tl.
func (c *sharedRecords) noteTimed(in *Input, tl evtx.TimelessIdentity) {
	if t := c.timed[tl]; t[0] == nil {
		c.timed[tl] = [2]*Input{in}
	} else if t[1] == nil && t[0] != in {
		c.timed[tl] = [2]*Input{t[0], in}
	}
}

// timedCopy returns an input other than in that gave a matched record
// with a TimeCreated whose content but for TimeCreated is tl, nil if
// none did.
func (c *sharedRecords) timedCopy(in *Input, tl evtx.TimelessIdentity) *Input {
	for _, o := range c.timed[tl] {
		if o != nil && o != in {
			return o
		}
	}
	return nil
}

// countHeld counts the matched records without a TimeCreated that were
// held (sharedRecords.held), once every input is read: one that another
// input gave with a TimeCreated is that input's record (counted there by
// its time) and noted as shared, the others are counted among the
// matches without a TimeCreated (QueryHit.Untimed) and the timeline's
// (TimelineUntimed), as scanner.event counts them when no copy is held.
func (s *scanner) countHeld() {
	c := s.shared
	if c == nil {
		return
	}
	s.findTimedCopies()
	held := c.held
	c.held = nil
	for _, h := range held {
		if o := c.timedCopy(h.in, h.tl); o != nil {
			h.in.note(o)
			continue
		}
		for _, m := range h.matches {
			if m.cq.tl != nil {
				if s.tl != nil {
					s.tl.noteUntimed(m.ref)
				}
				continue
			}
			s.matchUntimed(m.cq, m.ref)
		}
	}
}

// findTimedCopies looks, for the held records that no other input gave
// with a TimeCreated among the records the scan read (a query matched),
// in each other input that holds their channel, through all its records,
// for a copy with a TimeCreated (noteTimed): one outside the period the
// scan decodes, or that no query matched, is one evtx.Merge would yield
// in the held record's place. With shortcuts only the records whose
// summary (provider, event id, EventRecordID) is a held record's, or
// cannot tell (no TimeCreated or EventRecordID read without decoding),
// are decoded; an input that cannot be read is passed over (the main
// pass reports it).
func (s *scanner) findTimedCopies() {
	c := s.shared
	var open []*heldUntimed
	for _, h := range c.held {
		if c.timedCopy(h.in, h.tl) == nil {
			open = append(open, h)
		}
	}
	if len(open) == 0 {
		return
	}
	type summaryKey struct {
		provider string
		eventID  uint16
		erid     uint64
	}
	for i, in := range s.inputs {
		if !in.Used {
			continue
		}
		wanted := map[summaryKey]struct{}{}
		tls := map[evtx.TimelessIdentity]struct{}{}
		for _, h := range open {
			if h.in != in && in.Holds(h.tl.Channel) {
				wanted[summaryKey{h.provider, h.eventID, h.tl.RecordID}] = struct{}{}
				tls[h.tl] = struct{}{}
			}
		}
		if len(tls) == 0 {
			continue
		}
		o := evtx.Options{Workers: s.e.opt.Workers, Context: s.e.ctx}
		if !s.e.opt.NoShortcuts {
			o.Filter = func(sm evtx.Summary) bool {
				if sm.TimeCreated.IsZero() || sm.EventRecordID == 0 {
					return true
				}
				_, ok := wanted[summaryKey{sm.Provider, sm.EventID, sm.EventRecordID}]
				return ok
			}
		}
		f, err := s.logs[i].Open(o)
		if err != nil {
			continue
		}
		// To its end or its first error (the main pass reports it).
		for ev, err := f.Next(); err == nil; ev, err = f.Next() {
			if ev.Partial == "" && !ev.System.TimeCreated.IsZero() {
				if _, tl := ev.Identities(); hasKey(tls, tl) {
					c.noteTimed(in, tl)
				}
			}
		}
		f.Close()
	}
}

// hasKey reports whether m holds k.
func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// identityKey is the key of what of ev's identity (evtx.Event.Identity)
// can be read without rendering it: recordkey.OfEvent, of its channel
// (but case), provider, computer, EventRecordID (the record number where
// it has none), TimeCreated and event id. Equal identities have equal
// keys, since the XML Identity hashes holds them all; keys coarser than
// the identity (channels that differ in case only, a hash collision) only
// make Analyze scan again exactly, which gives the same answer. It is the
// key fleet gives the record's summary (eventKey): the two agree on every
// record whose TimeCreated a summary reads (recordkey.TestKeysAgree).
func identityKey(ev *evtx.Event) uint64 {
	return recordkey.OfEvent(ev)
}

// copiesWarning says that in holds records another input gave too.
func copiesWarning(in *Input) string {
	return fmt.Sprintf(
		"%s holds %s a query matched in another log given, %s, too (the same channel, EventRecordID, TimeCreated and content, or the same but for a TimeCreated not read in one): copies of one log given as two logs (a shadow copy, a second download); those records are counted once, from the log given first, or from the copy with a TimeCreated, but each file is otherwise read and judged on its own: merge copies before analysing them (fleet.Copies, as evtxrdp analyze does, or evtx.Merge)",
		in.Path, plural.N(in.SharedMatches, "record"), in.CopyOf)
}

// conflictsWarning says that in, copies read as one (evtx.Merge), holds
// records two of its copies hold with different content or a different
// field of their key (evtx.Merge), and which copy
// was read: evtx.Merge decides (the copy whose chunk checksums verify;
// when both copies' do or neither's, it yields both and marks the one
// read later, evtx.Event.ConflictOf, and the scan counts the other), and
// dump and query print what it yields.
func conflictsWarning(in *Input) string {
	what := fmt.Sprintf("%d records are", in.Stats.Conflicts)
	if in.Stats.Conflicts == 1 {
		what = "1 record is"
	}
	return fmt.Sprintf("%s: %s in two of its copies that differ (in content, the same channel, EventRecordID and TimeCreated, or in one of those, the same record number, header time and size, or in TimeCreated alone, the same content otherwise: one copy is damaged); each is counted once, from the copy whose chunk checksums verify, else from the copy read first (evtxrdp dump and query print the copy counted, or both when the checksums do not tell them apart): %s",
		in.Path, what, in.Conflict.Error())
}
