package fleet

import (
	"slices"
	"strings"
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
// one channel of different computer names); otherwise one more read of
// every record summary of the logs concerned, with a key and a recHeader
// (about 64 bytes) kept for each record while they are compared.
func clonesOverAll(es []*entry, all []*Log, comp func(*Log) string, workers int) {
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
			partOverAll(es, ls, workers)
		}
	}
}

// partOverAll reads every record summary of each copy of logs (of one
// channel) and links the logs whose copies part (clonesOverAll).
func partOverAll(es []*entry, logs []*Log, workers int) {
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
	profs := profileAll(read, chans, make([]bool, len(sub)), idx, workers, 0)
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
