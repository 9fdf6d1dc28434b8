package fleet

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// Clones: two logs that share a history and then part.
//
// A VM cloned from another's disk (or a disk copied and attached to a
// second VM) starts with the other's event logs: the same records, byte
// for byte, up to the clone. After it each machine writes its own records,
// numbered on from the same EventRecordID, so the two logs hold different
// records under the same EventRecordIDs. Grouping found such logs to share
// records and read them as copies of one log: one machine, with "a damaged
// copy" (evtx.Merge keeps one record per EventRecordID and TimeCreated),
// and one VM's evidence went unread or counted on the other.
//
// What tells them from copies of one log, from the record summaries
// grouping reads (no record is decoded):
//
//   - A record's place is its EventRecordID (Windows numbers a channel's
//     records in sequence, one EventRecordID each, and an export keeps it
//     while renumbering its records). Two records at one place are the
//     same record when their recordKey or their eventKey is equal
//     (sameAt).
//   - The shared history ends at the highest EventRecordID at which both
//     logs hold the same record: the clone point.
//   - Past it, a place both logs hold with different records is a
//     divergence when both records are verified (evtx.Summary.Verified:
//     their chunks' header and records checksums vouch for them, up to
//     the chunk's free space offset and last record number; a current
//     chunk past a lagging file header's count counts when its own
//     checksums verify, since a crashed VM's disk holds its newest records
//     there: TestCloneWithLaggingHeader), both summaries read a
//     TimeCreated, and neither is a record the other log holds elsewhere
//     with the same
//     record header (record number, header time, provider, computer and
//     event id: the same record whose EventRecordID changed), nor the same
//     record header and event with TimeCreated alone changed (sameRecord:
//     the one-field damage evtx.Merge reads as one record).
//   - One divergence is enough: the checksums cover every byte of both
//     records as written, so they are what the two writers wrote; damage
//     written before the checksums (in memory) changes a field of a
//     record, and the fields whose change makes one record look like
//     another at its place (EventRecordID, TimeCreated) are those the rules
//     above read as one record; and a damaged record of a copy of one log
//     is followed by the records both copies hold alike, so it never lies
//     past the last shared one. Copies of one log, however damaged, hold
//     no divergence: a copy taken earlier stops where the other goes on, a
//     damaged chunk's records are not verified, a record decoded in part
//     has no summary, and records past a lagging chunk header's free space
//     offset (written after its last checksum, as a crashed VM's disk
//     holds them, and numbered again after the restart) are not verified.
//     What one divergence cannot tell: a byte of the provider, event id
//     or computer of the first record past those both logs hold alike,
//     when it is the last record of one of them, changed before its
//     checksums were computed, reads as a clone that wrote one record of
//     its own; nothing in the two logs tells them apart, and two writers
//     are far the likelier.
//
// Sources: the chunk's event records checksum is a CRC32 of its records
// up to the free space offset, and the chunk header's of the header
// (libyal/libevtx, documentation/Windows XML Event Log (EVTX).asciidoc,
// "Chunk header"); TimeCreated is a FILETIME, in 100 ns units, and Windows
// writes it to that precision (SystemTime='2026-04-16T23:59:47.3308179Z'
// in reference/domain.md's sample); a VM made from a snapshot of another
// VM's OS disk ("specialized" disk) is that disk as it was, logs included
// (Azure-Samples/managed-disk-dotnet-create-virtual-machine-using-
// specialized-disk-from-snapshot).
//
// Logs of one copy set (they share a record) with a divergence are read
// apart (clonesApart): each a Log of its own, each with the copies that
// agree with it, and Group makes them two machines (conflicts), whose
// Grouping says where they part.

// Parted is what a Log says of another Log of its copy set from which it
// parted (Log.Parted): the two share a history and then hold different
// records under the same EventRecordIDs, each verified (a VM cloned from
// the other's disk). They are not copies of one log: each is read apart,
// and Group makes them two machines.
type Parted struct {
	Other *Log
	// At is the EventRecordID of the last record both hold (0: none at
	// one EventRecordID; they were found copies through other logs), AtTime
	// its TimeCreated (zero when not read).
	At     uint64
	AtTime time.Time
	// Differ counts the records past At that both hold at one
	// EventRecordID, verified, and that differ (the divergences).
	Differ int
}

// Describe says, for a grouping line or a note on stderr, that the log at
// path and p.Other (whose describes it, "" for nothing) are not copies of
// one log, where they part, and why. A Parted without Other (the zero
// value; Group always sets it) says "another log".
func (p Parted) Describe(path, whose string) string {
	other := "another log"
	if p.Other != nil && len(p.Other.Copies) > 0 {
		other = p.Other.Copies[0].Path
	}
	shared := "they hold no record alike at one EventRecordID, yet both are copies of the same logs"
	if p.At > 0 {
		at := ""
		if !p.AtTime.IsZero() {
			at = " (" + evtx.FormatEventTime(p.AtTime) + ")"
		}
		shared = fmt.Sprintf("they hold the same records up to EventRecordID %d%s, one history", p.At, at)
	}
	if whose != "" {
		whose = " (" + whose + ")"
	}
	return fmt.Sprintf("%s and %s%s are not copies of one log: %s, and past it %s at the same EventRecordIDs %s, each in a chunk whose checksums verify (not damage): a VM cloned from the other's disk, or given a copy of it, at that record (a clone starts with the computer name of the disk it was made from); read apart",
		path, other, whose, shared, plural.N(p.Differ, "record"), plural.Word(p.Differ, "differs", "differ"))
}

// Parted lists the logs of its copy set from which l parted (clones).
func (l *Log) Parted() []Parted { return l.clones }

// placeSlot is the record a set of logs holds at one EventRecordID.
type placeSlot struct {
	rec recHeader
	// mixed: the logs hold different records there (not sameAt): no one
	// record speaks for the place.
	mixed bool
}

// places indexes records by EventRecordID (rec.erid): sorted, one slot a
// place. Sorted slices joined in order, not maps: grouping two copies of
// a 257 MiB System log (63,138 records of the period each) took 10.6% more
// instructions with maps of the places and headers than without the
// clone check at all.
type places struct {
	slots []placeSlot
	// headers holds (record header, EventRecordID) of its records with a
	// record header, sorted; made when first asked (elsewhere), which only
	// a record that may be a divergence asks.
	headers [][2]uint64
}

// placesOf indexes recs (unchanged): a verified record stands for its
// place in preference to an unverified copy of it; records are taken in
// the order of their place, key and eventKey, so that which of several
// copies stands does not depend on the order a profile noted them in.
func placesOf(recs []recHeader) *places {
	rs := byPlace(recs)
	ps := &places{slots: make([]placeSlot, 0, len(rs))}
	for _, r := range rs {
		ps.note(placeSlot{rec: r})
	}
	return ps
}

// byPlace returns recs sorted by EventRecordID, then key and eventKey. A
// log's records of a period number a run of EventRecordIDs with few gaps:
// they are placed by counting where the run is at most four times as long
// as the records (a comparison sort of 63,138 records took 5% of the
// instructions of grouping two copies of a 257 MiB System log), else
// sorted; either gives the one order (TestByPlaceSorts).
func byPlace(recs []recHeader) []recHeader {
	rs := slices.Clone(recs)
	less := func(a, b recHeader) int {
		return cmp.Or(cmp.Compare(a.erid, b.erid), cmp.Compare(a.key, b.key), cmp.Compare(a.alt, b.alt))
	}
	if len(rs) < 2 {
		return rs
	}
	lo, hi := rs[0].erid, rs[0].erid
	for _, r := range rs {
		lo, hi = min(lo, r.erid), max(hi, r.erid)
	}
	if hi-lo >= uint64(4*len(rs)+1024) {
		slices.SortFunc(rs, less)
		return rs
	}
	at := make([]int32, hi-lo+2)
	for _, r := range rs {
		at[r.erid-lo+1]++
	}
	for i := 1; i < len(at); i++ {
		at[i] += at[i-1]
	}
	out := make([]recHeader, len(rs))
	for _, r := range rs {
		out[at[r.erid-lo]] = r
		at[r.erid-lo]++
	}
	// Records of one EventRecordID (copies in one log: rare) in order.
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].erid == out[i].erid {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(out[i:j], less)
		}
		i = j
	}
	return out
}

// note adds a slot at or after the last one's place.
func (ps *places) note(s placeSlot) {
	n := len(ps.slots)
	if n == 0 || ps.slots[n-1].rec.erid != s.rec.erid {
		ps.slots = append(ps.slots, s)
		return
	}
	last := &ps.slots[n-1]
	switch {
	case last.mixed:
	case s.mixed || !sameAt(last.rec, s.rec):
		last.mixed = true
	case s.rec.verified && !last.rec.verified:
		last.rec = s.rec
	}
}

// merge returns the places of a and b together.
func (a *places) merge(b *places) *places {
	out := &places{slots: make([]placeSlot, 0, len(a.slots)+len(b.slots))}
	i, j := 0, 0
	for i < len(a.slots) || j < len(b.slots) {
		if j == len(b.slots) || i < len(a.slots) && a.slots[i].rec.erid <= b.slots[j].rec.erid {
			out.note(a.slots[i])
			i++
		} else {
			out.note(b.slots[j])
			j++
		}
	}
	return out
}

// sameAt reports whether a and b, records at one EventRecordID, are the
// same record: their recordKey (its record header and event) or their
// eventKey (its event: an export renumbers it) is equal.
func sameAt(a, b recHeader) bool {
	return a.key == b.key || a.alt != 0 && a.alt == b.alt
}

// diverge compares the records of x with those of g: the last record
// both hold (the clone point: its EventRecordID, 0 when none, and the
// record) and the divergences past it (see the package's notes on
// clones).
func diverge(x, g *places) (at uint64, atRec recHeader, differ int) {
	both := func(f func(xs, gs placeSlot)) {
		for i, j := 0, 0; i < len(x.slots) && j < len(g.slots); {
			switch a, b := x.slots[i].rec.erid, g.slots[j].rec.erid; {
			case a < b:
				i++
			case a > b:
				j++
			default:
				f(x.slots[i], g.slots[j])
				i, j = i+1, j+1
			}
		}
	}
	both(func(xs, gs placeSlot) {
		if !xs.mixed && !gs.mixed && sameAt(xs.rec, gs.rec) {
			at, atRec = xs.rec.erid, gs.rec // places rise
		}
	})
	both(func(xs, gs placeSlot) {
		a, b := xs.rec, gs.rec
		if a.erid <= at || xs.mixed || gs.mixed || !a.verified || !b.verified || a.created == 0 || b.created == 0 || sameAt(a, b) || sameRecord(a, b) {
			return
		}
		if elsewhere(g, a) || elsewhere(x, b) {
			return
		}
		differ++
	})
	return at, atRec, differ
}

// elsewhere reports whether ps holds r's record header at another
// EventRecordID: the same record, its EventRecordID changed.
func elsewhere(ps *places, r recHeader) bool {
	if r.header == 0 {
		return false
	}
	if ps.headers == nil {
		ps.headers = make([][2]uint64, 0, len(ps.slots))
		for _, s := range ps.slots {
			if s.rec.header != 0 {
				ps.headers = append(ps.headers, [2]uint64{s.rec.header, s.rec.erid})
			}
		}
		slices.SortFunc(ps.headers, func(a, b [2]uint64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	}
	i, _ := slices.BinarySearchFunc(ps.headers, r.header, func(h [2]uint64, k uint64) int { return cmp.Compare(h[0], k) })
	for ; i < len(ps.headers) && ps.headers[i][0] == r.header; i++ {
		if ps.headers[i][1] != r.erid {
			return true
		}
	}
	return false
}

// cloneSplit is a copy set split into logs that part (clonesApart).
type cloneSplit struct {
	groups [][]int // entry indexes, each group in found order
	links  []groupLink
}

// groupLink says that groups a and b (indexes into groups) parted.
type groupLink struct {
	a, b   int
	at     uint64
	atTime time.Time
	differ int
}

// clonesApart splits a copy set (entry indexes in found order) into the
// logs that part from one another (diverge finds a divergence): each
// profiled entry, the one with the most records first, joins the group
// it parts from no log of with which it shares the longest history (the
// highest EventRecordID of a record both hold: a copy of one clone cut
// short by damage shares the history of both and more of its own
// clone's), else the first it parts from no log of; else it starts a
// group. Entries that are the same file as
// another go with it; entries without a profile or records (not read)
// with the first group. A set of one log, or whose logs all agree, is one
// group.
func clonesApart(es []*entry, set []int) cloneSplit {
	var cand []int
	for _, i := range set {
		if e := es[i]; e.sameFile < 0 && e.prof != nil && len(e.prof.recs) > 0 {
			cand = append(cand, i)
		}
	}
	if len(cand) < 2 {
		return cloneSplit{groups: [][]int{set}}
	}
	slices.SortStableFunc(cand, func(a, b int) int { return cmp.Compare(records(es[b]), records(es[a])) })
	type group struct {
		members []int
		ps      *places
	}
	var gs []*group
	var links []groupLink
	of := map[int]int{} // entry index to its group
	for _, i := range cand {
		x := placesOf(es[i].prof.recs)
		join, loose := -1, -1
		var joinAt uint64
		var parted []groupLink
		for gi, g := range gs {
			at, atRec, differ := diverge(x, g.ps)
			if differ > 0 {
				var t time.Time
				if atRec.created != 0 {
					t = time.Unix(0, atRec.created).UTC()
				}
				parted = append(parted, groupLink{a: gi, at: at, atTime: t, differ: differ})
				continue
			}
			if at > joinAt {
				join, joinAt = gi, at
			}
			if loose < 0 {
				loose = gi
			}
		}
		if join < 0 {
			join = loose
		}
		if join < 0 {
			join = len(gs)
			gs = append(gs, &group{ps: &places{}})
			for _, l := range parted {
				l.b = join
				links = append(links, l)
			}
		}
		g := gs[join]
		g.members = append(g.members, i)
		g.ps = g.ps.merge(x)
		of[i] = join
	}
	if len(gs) == 1 {
		return cloneSplit{groups: [][]int{set}}
	}
	out := cloneSplit{groups: make([][]int, len(gs)), links: links}
	for _, i := range set {
		e := es[i]
		gi, ok := of[i]
		if !ok && e.sameFile >= 0 {
			gi, ok = of[e.sameFile]
		}
		if !ok {
			gi = 0
		}
		out.groups[gi] = append(out.groups[gi], i)
	}
	return out
}

// partedFrom reports whether l and o parted (clonesApart).
func (l *Log) partedFrom(o *Log) bool {
	for _, c := range l.clones {
		if c.Other == o {
			return true
		}
	}
	return false
}

// cloneNotes says, for the Grouping of a machine, where each log of it
// parted from a log of its copy set (Parted), and whose that log is (of).
// Both machines name both files and the record where they part.
func cloneNotes(m *Machine, of map[*Log]*Machine) []string {
	var out []string
	for _, l := range m.Logs {
		for _, c := range l.clones {
			whose := "another machine's log, analysed in its own section"
			if of[c.Other] == m {
				whose = "also this machine's"
			}
			out = append(out, c.Describe(l.Copies[0].Path, whose))
		}
	}
	return out
}
