package fleet

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// Old clones: clones whose shared records lie before a grouping period.
//
// With a grouping period (Options.Period), copySets compares the records
// of each log's own period: the period before its own last-written
// record. A clone whose log ends before the other's period (a VM cloned
// from another's disk, then stopped, its disk examined weeks later beside
// the other's) shares no record that grouping reads with the other: the
// two are two logs of one channel and one computer name, and, their
// periods apart in time (conflicts), were put in one machine, with
// nothing said, though a comparison of all their records finds where they
// part (TestOldCloneIsTwoMachines). A shortcut must not change an answer,
// so clonesOverAll compares, for the logs that could be put in one
// machine that way, all their records, as Group with Period 0 does.
//
// Which logs: those of one channel whose computer names are one (or a
// rename links them: the machines Group could put them in are those of
// that name), two or more of them, each read. Logs of one channel that
// share a record in the period are one Log already (copySets), and
// clonesApart has compared them on those records. Every copy of each such
// log is read again, whole (its record summaries: no record is decoded),
// and the copies are grouped and compared as copySets and clonesApart do
// with Period 0. Where that finds two copies of different logs parted, the
// two logs are linked as clones (Log.clones): conflicts then keeps them in
// two machines, and both machines' grouping says where they part. Copies
// it finds to be one log (an older copy whose records all lie before the
// other's period) stay separate logs, as Options.Period says: the machine
// they are put in is the same either way.
//
// Cost: nothing for a machine's usual logs (one log a channel, or logs of
// one channel of different computer names); for a log and an older copy
// of it (containedPair), one read of the copy and one of the log within
// the copy's time; otherwise one more read of every record summary of
// the logs concerned, with a key and a recHeader (about 64 bytes) kept
// for each record while they are compared.
func clonesOverAll(ctx context.Context, es []*entry, all []*Log, comp func(*Log) string, workers int) {
	type bucket struct{ ch, comp string }
	of := map[bucket][]*Log{}
	var order []bucket
	for _, l := range all {
		c := comp(l)
		if c == "" || !l.Read {
			continue
		}
		k := bucket{strings.ToLower(l.Channel), c}
		if of[k] == nil {
			order = append(order, k)
		}
		of[k] = append(of[k], l)
	}
	for _, k := range order {
		if ls := of[k]; len(ls) > 1 {
			partOverAll(ctx, es, ls, workers)
		}
	}
}

// partOverAll reads every record summary of each copy of logs (of one
// channel) and links the logs whose copies part (clonesOverAll), unless
// two logs are one the other's older copy (containedPair).
func partOverAll(ctx context.Context, es []*entry, logs []*Log, workers int) {
	if !containedOff && len(logs) == 2 && containedPair(ctx, es, logs, workers) {
		return
	}
	wholeReads.Add(1)
	var sub []*entry
	var owner []*Log
	for _, l := range logs {
		for _, i := range l.set {
			e := es[i]
			if e.sameFile >= 0 || e.prof == nil {
				continue
			}
			c := *e
			c.prof = nil
			sub, owner = append(sub, &c), append(owner, l)
		}
	}
	if len(sub) < 2 {
		return
	}
	read := make([]*evtx.Log, len(sub))
	chans := make([]string, len(sub))
	idx := make([]int, len(sub))
	for i, e := range sub {
		read[i], chans[i], idx[i] = e.log, e.channel, i
	}
	profs := profileAll(ctx, read, chans, make([]bool, len(sub)), idx, workers, 0)
	for i, e := range sub {
		e.prof = profs[i]
	}
	roots, sets, _ := copySetsOf(sub)
	// The logs a comparison of all records makes (each group of each
	// set), with the time their records cover.
	type whole struct {
		logs        []*Log
		first, last time.Time
	}
	var wholes []whole
	for _, r := range roots {
		split := clonesApart(sub, sets[r])
		for _, g := range split.groups {
			var w whole
			for _, x := range g {
				if !slices.Contains(w.logs, owner[x]) {
					w.logs = append(w.logs, owner[x])
				}
				if p := sub[x].prof; p != nil && !p.first.IsZero() {
					if w.first.IsZero() || p.first.Before(w.first) {
						w.first = p.first
					}
					w.last = maxTime(w.last, p.last)
				}
			}
			wholes = append(wholes, w)
		}
		for _, k := range split.links {
			for _, x := range split.groups[k.a] {
				for _, y := range split.groups[k.b] {
					a, b := owner[x], owner[y]
					if a == b || a.partedFrom(b) {
						continue
					}
					a.clones = append(a.clones, Parted{Other: b, At: k.at, AtTime: k.atTime, Differ: k.differ})
					b.clones = append(b.clones, Parted{Other: a, At: k.at, AtTime: k.atTime, Differ: k.differ})
				}
			}
		}
	}
	// Logs that share no record over all their records, and whose
	// records cover the same time, are two writers at once: two
	// machines, as conflicts finds them from the records of the periods.
	for i, w := range wholes {
		for _, v := range wholes[i+1:] {
			if w.first.IsZero() || v.first.IsZero() || !w.first.Before(v.last) || !v.first.Before(w.last) {
				continue
			}
			for _, a := range w.logs {
				for _, b := range v.logs {
					if a != b && !slices.Contains(a.overlap, b) && !a.partedFrom(b) {
						a.overlap = append(a.overlap, b)
						b.overlap = append(b.overlap, a)
					}
				}
			}
		}
	}
}

// containedPair reports whether, of two logs of one channel and name
// (each one copy read), every record of the smaller file is a record the
// other holds at its EventRecordID (the same recordKey): an older copy of
// the other, as a shadow copy beside the live log is. partOverAll would
// then find nothing, so it need not read the larger log whole:
//
//   - the two share a recordKey, so they are one set of copies (copySetsOf
//     joins them by recordKeys, whatever their hosts), and logs of one set
//     are not two writers at one time;
//   - they hold no divergence (clonesApart: one group, no link): at a
//     place where both hold one record (slots not mixed), the smaller's
//     record has the key of a record the larger holds there, and that is
//     the same record as the slot's (its recordKey, or its eventKey, which
//     equal recordKeys share, equals the slot's: placeSlot), so sameAt
//     holds; that is so whichever of the two clonesApart takes first.
//
// The smaller file is read whole; the larger only within the TimeCreated
// of the smaller's records (evtx.Options.Since and Until, inclusive, and
// the records without a TimeCreated, which every window yields), since a
// record of the same recordKey has the same TimeCreated. When the smaller
// holds a record without a usable TimeCreated (placed nowhere: FILETIME 0,
// the year 30828), or either read ends in an error, it reports false and
// partOverAll compares all records. TestContainedPairEqualsWholeRead holds
// it to the whole read.
func containedPair(ctx context.Context, es []*entry, logs []*Log, workers int) bool {
	one := func(l *Log) *entry {
		var got *entry
		for _, i := range l.set {
			if e := es[i]; e.sameFile < 0 && e.prof != nil {
				if got != nil {
					return nil
				}
				got = e
			}
		}
		return got
	}
	big, small := one(logs[0]), one(logs[1])
	if big == nil || small == nil {
		return false
	}
	if small.log.Size > big.log.Size {
		big, small = small, big
	}
	ps := readProfileAlt(ctx, small.log, small.channel, workers, 0, true, false)
	if ps.err != nil || ps.untimed > 0 || len(ps.recs) == 0 || ps.first.IsZero() {
		return false
	}
	pr := newProfiler(big.channel)
	_, err := summariesIn(big.log, evtx.Options{Workers: workers, Since: ps.first, Until: ps.last, Context: ctx}, pr.note)
	if err != nil {
		return false
	}
	have := pr.profile().recs
	held := func(r recHeader) [2]uint64 { return [2]uint64{r.erid, r.key} }
	keys := make([][2]uint64, len(have))
	for i, r := range have {
		keys[i] = held(r)
	}
	slices.SortFunc(keys, func(a, b [2]uint64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	for _, r := range ps.recs {
		if _, ok := slices.BinarySearchFunc(keys, held(r), func(a, b [2]uint64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) }); !ok {
			return false
		}
	}
	return true
}

// containedOff makes partOverAll read every log whole (tests compare both
// ways); wholeReads counts the times it did.
var (
	containedOff bool
	wholeReads   atomic.Int64
)
