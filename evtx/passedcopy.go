package evtx

import (
	"cmp"
	"slices"
)

// The plain read yields a record and drops a later copy of its bytes (same
// record id, size and CRC32: Reader.seen) as a duplicate. A read with a
// window or a Filter does not decode the records it passes over, so it
// does not know their bytes; a later copy with the same TimeCreated and
// summary is passed over all the same, but a copy decoded in part (its
// template not found where it lies, e.g. a log whose chunks are read off
// their offsets after another log) has neither and is yielded. So Next
// looks, for an event that may be such a copy, at the records passed over
// before it: passedCopies keeps, cheaply, the span of record ids passed
// over in each chunk, and only for an event whose id lies in one of them
// (none, in a sound log: each chunk's numbers are its own, and a chunk's
// records are numbered in file order) reads that chunk again as the plain
// read does, to learn what the plain read's seen would hold.

// passedCopies is what Next keeps of the records the window passed over or
// the Filter declined, for passedCopy. Index 0 is the log's current
// records, 1 Options.Recover's slack pass.
type passedCopies struct {
	// spans are the merged id spans of the chunks in chunks, sorted and
	// apart; chunks those read before the chunk at hand (pending, added
	// when the next chunk is taken).
	spans   [2][][2]uint64
	chunks  [2][]passedChunk
	pending passedChunk
	// pendingPass is the pass of pending plus one (0: none).
	pendingPass int
	// may is the position in cur.mayCopy of the next event it names.
	may int
	// plain holds what the plain read yields of a few chunks, by pass and
	// chunk slot (plainKeys), at most maxPlainChunks.
	plain map[[2]int][]plainKey
}

// passedChunk is a chunk slot with records passed over, with the span of
// their ids.
type passedChunk struct {
	index  int
	lo, hi uint64
}

// plainKey is an event of the plain read of a chunk: the key of its bytes,
// its file offset, whether it was decoded in full, and its record id and
// header time (Reader.live).
type plainKey struct {
	k    recKey
	off  int64
	full bool
	lk   [2]uint64
}

// maxPlainChunks bounds the chunks whose plain read passedCopies keeps.
const maxPlainChunks = 64

// take notes chunk result res, which Next takes now, in pass (0 current
// records, 1 slack) of a log of nslots chunk slots, and resets the walk
// of its mayCopy.
func (pc *passedCopies) take(res *chunkResult, pass, nslots int) {
	if pc.pendingPass > 0 {
		p := pc.pendingPass - 1
		if pc.chunks[p] == nil {
			// One allocation for the pass, of the most it can hold: grown
			// by append, the lists of a windowed read of bench/run's
			// 4,110-chunk System log took some 400 KB, four times the
			// final list.
			pc.chunks[p] = make([]passedChunk, 0, nslots)
		}
		pc.chunks[p] = append(pc.chunks[p], pc.pending)
		pc.spans[p] = addSpan(pc.spans[p], pc.pending.lo, pc.pending.hi)
		pc.pendingPass = 0
	}
	pc.may = 0
	if res.passedAny {
		pc.pending = passedChunk{index: res.index, lo: res.passedLo, hi: res.passedHi}
		pc.pendingPass = pass + 1
	}
}

// addSpan adds lo..hi to spans, sorted and apart, merging those it
// overlaps or touches.
func addSpan(spans [][2]uint64, lo, hi uint64) [][2]uint64 {
	i, _ := slices.BinarySearchFunc(spans, lo, func(s [2]uint64, lo uint64) int { return cmp.Compare(s[0], lo) })
	// Merge with the span before when it reaches lo.
	if i > 0 && (spans[i-1][1] >= lo || spans[i-1][1]+1 == lo) {
		i--
		lo = spans[i][0]
		hi = max(hi, spans[i][1])
	}
	j := i
	for j < len(spans) && (spans[j][0] <= hi || hi+1 == spans[j][0]) {
		hi = max(hi, spans[j][1])
		j++
	}
	return slices.Replace(spans, i, j, [2]uint64{lo, hi})
}

// inSpans reports whether id lies in one of spans.
func inSpans(spans [][2]uint64, id uint64) bool {
	i, found := slices.BinarySearchFunc(spans, id, func(s [2]uint64, id uint64) int { return cmp.Compare(s[0], id) })
	if found {
		return true
	}
	return i > 0 && spans[i-1][1] >= id
}

// passedCopy makes rd.seen hold, for event i of rd.cur (key k), what the
// plain read's would hold of the records the window passed over or the
// Filter declined before it: the plain read yields such a record (or drops
// it as a copy of one it yielded) and so drops a later copy of its bytes.
// Only an event whose record id lies in the span of the records passed
// over in an earlier chunk of its pass, or before it in its own chunk
// (chunkResult.mayCopy), is looked at.
func (rd *Reader) passedCopy(i int, k recKey) {
	pc := &rd.pc
	cur := rd.cur
	pass := 0
	if rd.slackNext >= 0 {
		pass = 1
	}
	inChunk := false
	for pc.may < len(cur.mayCopy) && cur.mayCopy[pc.may] <= i {
		inChunk = cur.mayCopy[pc.may] == i
		pc.may++
	}
	earlier := inSpans(pc.spans[pass], k.id)
	if !inChunk && !earlier {
		return
	}
	found, full := false, false
	note := func(index int, before int64) {
		keys := rd.plainKeys(pass, index)
		j, _ := slices.BinarySearchFunc(keys, k.id, func(p plainKey, id uint64) int { return cmp.Compare(p.k.id, id) })
		for ; j < len(keys) && keys[j].k.id == k.id; j++ {
			p := keys[j]
			if p.k != k || before >= 0 && p.off >= before {
				continue
			}
			if pass == 1 {
				// A slack record the plain read drops as an old copy of
				// a current one (Reader.live) is not in its seen.
				if _, live := rd.live[p.lk]; live {
					continue
				}
			}
			found = true
			full = full || p.full
		}
	}
	if earlier {
		for _, c := range pc.chunks[pass] {
			if c.lo <= k.id && k.id <= c.hi {
				note(c.index, -1)
			}
		}
	}
	if inChunk {
		note(cur.index, cur.events[i].Source.Offset)
	}
	if !found {
		return
	}
	if rd.seen == nil {
		rd.seen = make(map[recKey]bool)
	}
	rd.seen[k] = rd.seen[k] || full
}

// plainKeys returns the events the plain read (no window, no Filter)
// yields of chunk slot index in pass (0 current records, 1 the slack pass),
// sorted by record id, then file offset.
func (rd *Reader) plainKeys(pass, index int) []plainKey {
	ck := [2]int{pass, index}
	if keys, ok := rd.pc.plain[ck]; ok {
		return keys
	}
	s := *rd.src
	s.win = window{slackOnly: pass == 1}
	s.memo = nil
	res := chunkOwn(&s, index)
	keys := make([]plainKey, len(res.events))
	for j, ev := range res.events {
		keys[j] = plainKey{k: res.keys[j], off: ev.Source.Offset, full: ev.Partial == "", lk: [2]uint64{ev.RecordID, TimeToFiletime(ev.Written)}}
	}
	slices.SortStableFunc(keys, func(a, b plainKey) int { return cmp.Compare(a.k.id, b.k.id) })
	if rd.pc.plain == nil {
		rd.pc.plain = map[[2]int][]plainKey{}
	}
	if len(rd.pc.plain) >= maxPlainChunks {
		for c := range rd.pc.plain {
			delete(rd.pc.plain, c)
			break
		}
	}
	rd.pc.plain[ck] = keys
	return keys
}
