package rules

import (
	"fmt"
	"github.com/evtxrdp/evtxrdp/internal/plural"

	"github.com/evtxrdp/evtxrdp/evtx"
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
// (evtx.Event.TimelessIdentity), with a TimeCreated or without, and so
// does this: such a record is counted once when an earlier input gave a
// copy of it (byTimeless; with shortcuts, a key without TimeCreated,
// recordkey.OfEventAnyTime, that two inputs share makes the scan exact).
// A record with a TimeCreated is not set aside for an earlier input's
// copy without one (Merge yields the copy with a TimeCreated): it is
// counted, and so is that earlier copy, among the matches without a
// TimeCreated (QueryHit.Untimed), which no window holds.
type sharedRecords struct {
	exact      bool
	byIdentity map[evtx.RecordIdentity]*Input
	byKey      map[uint64]*Input
	// byTimeless holds, by evtx.Event.TimelessIdentity, the first input
	// that gave a matched record (exact).
	byTimeless map[evtx.TimelessIdentity]*Input
	// byAnyTime holds, by recordkey.OfEventAnyTime, the first input that
	// gave a matched record (not exact): a record without a TimeCreated
	// of another input under its key (its key, TimeCreated not read)
	// makes the scan exact.
	byAnyTime map[uint64]*Input
	// suspect is set when two inputs share a key (not exact): the scan
	// is to be done again exactly.
	suspect bool
}

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
		return &sharedRecords{exact: true, byIdentity: map[evtx.RecordIdentity]*Input{}, byTimeless: map[evtx.TimelessIdentity]*Input{}}
	}
	return &sharedRecords{byKey: map[uint64]*Input{}, byAnyTime: map[uint64]*Input{}}
}

// shared reports whether ev, a record of in that a query matched, is a
// record an earlier input already gave (by evtx.Event.Identity), and notes
// it in in.CopyOf and in.SharedMatches. Records that repeat within one
// input are left to the reader, as before.
func (c *sharedRecords) shared(in *Input, ev *evtx.Event) bool {
	if c == nil {
		return false
	}
	if !c.exact {
		k := identityKey(ev)
		if first, ok := c.byKey[k]; !ok {
			c.byKey[k] = in
		} else if first != in {
			c.suspect = true
		}
		// A copy whose TimeCreated one input could not read (exact:
		// byTimeless).
		untimed := ev.System.TimeCreated.IsZero()
		ak := k
		if !untimed {
			ak = recordkey.OfEventAnyTime(ev)
		}
		if first, ok := c.byAnyTime[ak]; !ok {
			c.byAnyTime[ak] = in
		} else if first != in && untimed {
			c.suspect = true
		}
		return false
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
	if !ok || first == in {
		if id.TimeCreated != 0 || !tok || tfirst == in {
			return false
		}
		// No TimeCreated read here, and an earlier input gave a copy
		// of the same content but for TimeCreated.
		first = tfirst
	}
	in.SharedMatches++
	if in.CopyOf == "" {
		in.CopyOf = first.Path
	}
	return true
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

// copiesWarning says that in holds records an earlier input gave too.
func copiesWarning(in *Input) string {
	return fmt.Sprintf(
		"%s holds %s a query matched in an earlier log, %s, too (the same channel, EventRecordID, TimeCreated and content, or the same but for a TimeCreated not read in one): copies of one log given as two logs (a shadow copy, a second download); those records are counted once, from the earlier log, but each file is otherwise read and judged on its own: merge copies before analysing them (fleet.Copies, as evtxrdp analyze does, or evtx.Merge)",
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
