package evtx

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"time"
)

// This file reads an event's TimeCreated (System/TimeCreated/@SystemTime)
// without building the event, so that a window on TimeCreated
// (Options.Since/Until) can skip records exactly.
//
// Windows writes every record as one template instance whose definition
// holds <Event><System>...<TimeCreated SystemTime='%n'/>...</System>...
// with substitution n a FILETIME value. Per template definition (so once
// per chunk for each template) timeShape finds where that substitution
// sits, and timePlan which values the read looks at; per record the value
// descriptors are walked and only those values read (plannedTime, which
// instanceTime keeping every value agrees with: TestTimePlanCrafted and
// checkCheapTime compare the two). A record of any
// other shape is decoded in full and its tree read by plainTimeCreated,
// which the cheap read agrees with wherever it succeeds
// (TestTimeCreatedCheapEqualsDecoded).
//
// "Plain" is what makes the window exact for every consumer: the event has
// exactly one element a query's path System/TimeCreated/@SystemTime can
// reach (names compared as NameIs does, as the query evaluator does), and
// it holds a time value. Then that time is Event.System.TimeCreated and the
// value every TimeCreated condition of a query reads. Events whose time is
// not plain are yielded whatever the window; their consumer judges them.

// NameIs reports whether an element or attribute name passes the name
// test local: equal to it, or local behind a non-empty namespace prefix
// ("e:Provider" passes "Provider"). It is how the query evaluator
// (rules/xpath) and the Summary compare names, so that the two agree.
func NameIs(name, local string) bool {
	if name == local {
		return true
	}
	n := len(name) - len(local)
	return n > 1 && name[n-1] == ':' && name[n:] == local
}

func isXMLNSName(name string) bool {
	return name == "xmlns" || len(name) > 6 && name[:6] == "xmlns:"
}

// timeShape is where a template definition puts System/TimeCreated/
// @SystemTime: nil fields when the definition does not have the plain
// shape (then records using it are decoded to read their time).
type timeShape struct {
	event, sys, tc *tnode
	part           *tnode // the SystemTime substitution
	recordID       *tnode // System/EventRecordID, if unique by name
	// substs are the substitutions among Event's children: BinXML values
	// there (EventData, UserData) add elements, which must not be a
	// System.
	substs []*tnode
	tplan  *timePlan // what readTime reads of the values (timePlan)
	// noSystem tells that the definition's top nodes are elements none of
	// which is named System (NameIs), and nothing else that yields
	// elements: what readTime asks of the template of a BinXML value among
	// Event's children.
	noSystem bool
}

// onlyNamed returns the one element child of n whose name passes local,
// when there is exactly one and it is named exactly local and n has no
// child that could add elements (a template instance or a substitution,
// which may hold BinXML).
func onlyNamed(n *tnode, local string) *tnode {
	var one *tnode
	for _, ch := range n.children {
		switch ch.kind {
		case nInstance, nSubst:
			return nil
		case nElement:
			if NameIs(ch.name, local) {
				if one != nil || ch.name != local {
					return nil
				}
				one = ch
			}
		}
	}
	return one
}

// shape returns (computing it once) the time shape of template t.
func (t *template) shape() *timeShape {
	if t.tshape != nil {
		return t.tshape
	}
	return t.newShape()
}

// newShape computes the time shape of template t and keeps it.
func (t *template) newShape() *timeShape {
	s := &timeShape{noSystem: true}
	t.tshape = s
	for _, n := range t.nodes {
		switch n.kind {
		case nElement:
			s.noSystem = s.noSystem && !NameIs(n.name, "System")
		case nSubst, nInstance:
			s.noSystem = false
		}
	}
	ev := onlyElement(t.nodes)
	if ev == nil || ev.kind != nElement {
		return s
	}
	var substs []*tnode
	for _, ch := range ev.children {
		if ch.kind == nSubst {
			substs = append(substs, ch)
		}
	}
	sys := onlyNamed(&tnode{children: without(ev.children, substs)}, "System")
	if sys == nil {
		return s
	}
	tc := onlyNamed(sys, "TimeCreated")
	if tc == nil {
		return s
	}
	var part *tnode
	for _, a := range tc.attrs {
		if !NameIs(a.name, "SystemTime") || isXMLNSName(a.name) {
			continue
		}
		if part != nil || a.name != "SystemTime" || len(a.parts) != 1 || a.parts[0].kind != nSubst {
			return s
		}
		part = a.parts[0]
	}
	if part == nil {
		return s
	}
	s.event, s.sys, s.tc, s.part, s.substs = ev, sys, tc, part, substs
	s.recordID = onlyNamed(sys, "EventRecordID")
	return s
}

// recordTime is what a cheap read of a record found. It has four fields
// of a word each at most, so that the compiler keeps it in registers.
type recordTime struct {
	// TimeCreated: the FILETIME ft when created is nil (a FILETIME value
	// of 8 bytes, read directly), else *created (read through d.value).
	// time gives it either way.
	ft            uint64
	created       *time.Time
	eventRecordID uint64 // System/EventRecordID; hasID tells if read
	hasID         bool
}

// fromFT tells whether rt holds its TimeCreated as the FILETIME ft.
func (rt recordTime) fromFT() bool { return rt.created == nil }

// time returns the TimeCreated rt holds.
func (rt recordTime) time() time.Time {
	if rt.created == nil {
		return FiletimeToTime(rt.ft)
	}
	return *rt.created
}

// readTime reads the TimeCreated (and EventRecordID) of the record at off
// without building it. ok is false when the record is not of the plain
// shape (one template instance, then the end of the fragment); the caller
// then decodes it.
//
// The definitions the read uses are first charged to the record's budget
// by an upper bound of their bytes (chargeBound): when the bound stays
// within the budget, charging each distinct definition once, as decoding
// does, cannot exceed it either, and the read is what it would be. Only
// when the bound exceeds it is the read done again with exact charges.
func (d *chunkDecoder) readTime(off, size int) (rt recordTime, ok bool) {
	d.bound, d.overBound = true, false
	rt, ok = d.readTimeCharged(off, size)
	d.bound = false
	if d.overBound {
		rt, ok = d.readTimeCharged(off, size)
	}
	return rt, ok
}

// readTimeLean is readTime whose first read does not recover from a
// panic: its caller does (scanChunk, which reads the chunk again with
// readTime).
func (d *chunkDecoder) readTimeLean(off, size int) (recordTime, bool) {
	d.bound, d.overBound = true, false
	rt, ok := d.readTimeOnce(off, size)
	d.bound = false
	if d.overBound {
		rt, ok = d.readTimeCharged(off, size)
	}
	return rt, ok
}

// readTimeCharged is readTimeOnce recovering from a panic: the results are
// then the zero values, as they are only set by the return statement,
// after all that may panic.
func (d *chunkDecoder) readTimeCharged(off, size int) (rt recordTime, ok bool) {
	defer recoverRead()
	return d.readTimeOnce(off, size)
}

// readTimeOnce is one read of readTime's, without recovering from a panic.
func (d *chunkDecoder) readTimeOnce(off, size int) (recordTime, bool) {
	if readTimeHook != nil {
		readTimeHook(d, off)
	}
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return recordTime{}, false
	}
	d.beginRecord(off, size)
	start, end := off+binxmlRecordHeader, off+size-4
	if !timePlanOff {
		ft, erid, hasID, ok, again := d.plannedTime(start, end)
		if !again {
			if !ok {
				return recordTime{}, false
			}
			return recordTime{ft: ft, eventRecordID: erid, hasID: hasID}, true
		}
		// From the start, every value kept.
		d.beginRecord(off, size)
	}
	c := &cursor{b: d.chunk, pos: start, end: end}
	tmpl, vals, nbin, lean := d.leanInstance(c, d.tvals[:0])
	d.tvals = vals[:0]
	if !lean || (c.pos < c.end && c.b[c.pos] != tokEOF) {
		return recordTime{}, false
	}
	return d.instanceTime(tmpl, vals, nbin)
}

// readTimeHook, when set, is called by every read of readTime's with the
// decoder and the record's offset (tests make reads panic).
var readTimeHook func(d *chunkDecoder, off int)

// recoverRead, deferred, ends a panic of the read that defers it.
func recoverRead() { _ = recover() }

// timePlanOff makes readTime keep every value of the record's instance
// (instanceTime) instead of reading only those its plan names (tests
// compare the two ways).
var timePlanOff = false

// timePlan is what of an instance's values readTime reads, for a template
// of the plain shape: the substitutions that are the only content of
// Event, System or TimeCreated (checks: what d.plain checks), SystemTime's
// (part) and EventRecordID's (id; -1 when there is no EventRecordID).
type timePlan struct {
	checks   []planCheck
	part, id int
	// events has bit i set when substitution i (below 64) is one of
	// Event's children (timeShape.eventChild).
	events uint64
	// noTime tells that the template does not have the plain shape
	// (timeShape.part is nil): its records are decoded to read their time.
	noTime bool
	// ok is false when readTime must keep every value: EventRecordID's
	// content is not one substitution (d.recordID then joins it), or the
	// template does not have the plain shape.
	ok bool
}

type planCheck struct {
	index    int
	optional bool
}

// eventChild is timeShape.eventChild for a substitution i below 64.
func (p *timePlan) eventChild(i int) bool { return p.events>>uint(i)&1 != 0 }

// The values plannedTime walks are fewer than the bits of timePlan.events.
var _ [64 - maxWalk]struct{}

// timePlan returns (computing them once) the time plan of t's time shape.
func (t *template) timePlan() *timePlan {
	if s := t.tshape; s != nil && s.tplan != nil {
		return s.tplan
	}
	return t.newTimePlan()
}

// newTimePlan computes the time plan of t's time shape, and that shape,
// once.
//
//go:noinline
func (t *template) newTimePlan() *timePlan { return t.shape().timePlan() }

// timePlan returns (computing it once) the time plan of time shape s.
func (s *timeShape) timePlan() *timePlan {
	if s.tplan != nil {
		return s.tplan
	}
	p := &timePlan{id: -1, noTime: s.part == nil}
	s.tplan = p
	if s.part == nil {
		return p
	}
	for _, n := range []*tnode{s.event, s.sys, s.tc} {
		if len(n.children) == 1 && n.children[0].kind == nSubst {
			p.checks = append(p.checks, planCheck{index: int(n.children[0].index), optional: n.children[0].optional})
		}
	}
	for _, sub := range s.substs {
		if sub.index < 64 {
			p.events |= 1 << sub.index
		}
	}
	p.part = int(s.part.index)
	if r := s.recordID; r != nil {
		if len(r.children) != 1 || r.children[0].kind != nSubst {
			return p // joined by d.recordID: every value kept
		}
		p.id = int(r.children[0].index)
	}
	p.ok = true
	return p
}

// plannedTime is readTimeCharged's read of the record's BinXML (the chunk
// bytes from start to end) by its template's time plan: the values are
// walked as leanInstance walks them (the same checks), keeping only the
// sums of their sizes and where the BinXML ones sit (valueWalk.walk), and
// instanceTime's checks made on those the plan names and on the BinXML
// ones. Where it decides (again false), ok is what leanInstance and
// instanceTime give, and when ok so is the record's time: its TimeCreated
// FILETIME ft (plannedTime reads no other), and its EventRecordID erid
// when hasID; with the same charges to the record's budgets, in the same
// order. again asks for those to read the record, from its start, where
// the plan does not fit it (no plan for its template, more values than
// walk walks, more BinXML values than it keeps, a time or EventRecordID
// value instanceTime reads through d.value).
func (d *chunkDecoder) plannedTime(start, end int) (ft, erid uint64, hasID, ok, again bool) {
	tmpl, desc, pos, ok := d.leanHead(start, end)
	if !ok {
		return 0, 0, false, false, false
	}
	p := tmpl.timePlan()
	if p.noTime {
		return 0, 0, false, false, false // instanceTime's first check
	}
	n := len(desc) / 4
	if !p.ok || n > maxWalk {
		return 0, 0, false, false, true
	}
	w := &d.walk
	after, nbin, ok := w.walk(desc, pos, end)
	if !ok {
		return 0, 0, false, false, false
	}
	if after < end && d.chunk[after] != tokEOF {
		return 0, 0, false, false, false
	}
	if nbin > maxBins {
		return 0, 0, false, false, true
	}
	le := binary.LittleEndian
	// instanceTime's checks, in its order, on value i's kind and size (a
	// missing value is NULL, as d.plain and instanceTime read it).
	for _, ch := range p.checks {
		i := ch.index
		if i >= n {
			if ch.optional {
				return 0, 0, false, false, false
			}
			continue
		}
		if !plainKind(Kind(desc[4*i+2]), int(le.Uint16(desc[4*i:])), ch.optional) {
			return 0, 0, false, false, false
		}
	}
	for j, i := range w.bix[:nbin] {
		t, ok := d.binXMLResolves(rawValue{kind: KindBinXML, pos: int(w.bpos[j]), size: int(le.Uint16(desc[4*i:]))})
		if !ok || p.eventChild(int(i)) && !t.shape().noSystem {
			return 0, 0, false, false, false
		}
	}
	if i := p.part; i >= n {
		return 0, 0, false, false, false // NULL: no time
	} else if dd := desc[4*i : 4*i+4 : 4*i+4]; Kind(dd[2]) == KindFileTime && le.Uint16(dd) == 8 && !directValuesOff {
		at := w.pos(desc, pos, i)
		if d.spend(at, 1) != nil {
			return 0, 0, false, false, false
		}
		ft = le.Uint64(d.chunk[at : at+8 : at+8])
	} else if k := Kind(dd[2]); k == KindFileTime || k == KindSysTime {
		return 0, 0, false, false, true // read through d.value
	} else {
		return 0, 0, false, false, false
	}
	i := p.id
	if i < 0 {
		return ft, 0, false, true, false
	}
	// A UInt64 of 8 bytes is plain (d.plain); any other value (NULL when
	// missing) is read as instanceTime reads it, d.plain and d.recordID's
	// join.
	if i >= n {
		return 0, 0, false, false, true
	}
	if dd := desc[4*i : 4*i+4 : 4*i+4]; Kind(dd[2]) != KindUint64 || le.Uint16(dd) != 8 || directValuesOff {
		return 0, 0, false, false, true
	}
	at := w.pos(desc, pos, i)
	if d.spend(at, 1) != nil {
		return ft, 0, false, true, false // d.recordID's charge ran out: no id
	}
	return ft, le.Uint64(d.chunk[at : at+8 : at+8]), true, true, false
}

// Value descriptors are 4 bytes: the value's size (16 bits), its kind
// (8 bits) and a byte unused. Read two at a time as a little-endian
// uint64, their sizes lie in the low 16 bits of its two 32-bit lanes and
// their kinds in bits 16-23 of each lane.
const (
	descSizes  = 0x0000ffff_0000ffff
	descKinds  = 0x00ff0000_00ff0000
	descBinXML = uint64(KindBinXML)<<16 | uint64(KindBinXML)<<48
	descCarry  = 0x01000000_01000000
)

// descBins returns, for two descriptors read as x, bit 24 set when the
// first is a BinXML value and bit 56 when the second is, no other bit.
// Each kind xor KindBinXML is 0 for BinXML; adding 0xff to it carries into
// bit 24 of its lane exactly when it is not 0, and never beyond the lane.
func descBins(x uint64) uint64 {
	return ^((x&descKinds ^ descBinXML) + descKinds) & descCarry
}

// laneSum returns the sum of the two 32-bit lanes of x.
func laneSum(x uint64) int { return int(uint32(x)) + int(x>>32) }

// valueWalk is what walk keeps of an instance's values (a chunkDecoder's,
// reused from record to record).
type valueWalk struct {
	// sums[k] holds the sizes of values 0..2k-1 summed in two 32-bit
	// lanes (laneSum gives their total).
	sums [maxWalk/2 + 1]uint64
	// bix holds the indices of the BinXML values and bpos their
	// positions, the first maxBins of them.
	bix, bpos [maxBins]int32
	// prev holds the pairs of descriptors walked last, npairs of them, and
	// prevBins those holding a BinXML one (bit k for pair k). A walk takes
	// the sums and BinXML pairs of those it starts with from them rather
	// than walking them again: they depend on the descriptors alone
	// (walkCacheOff).
	prev     [maxWalk / 2]uint64
	npairs   int
	prevBins uint32
}

// walkCacheOff makes walk walk every descriptor, none taken from the walk
// before (tests compare the two ways).
var walkCacheOff = false

// walk walks the value descriptors desc (4 bytes each, at most maxWalk of
// them) of values starting at pos, which must end by end, as leanInstance
// does: it returns the position after them and ok, keeps the sums of their
// sizes (pos gives a value's position from them), and the indices and
// positions of the BinXML values, nbin of them (when more than maxBins,
// the first). Sizes are not negative, so the values fit when their sum
// does. It reads what walkValuesPlain reads, whatever it walked before
// (TestWalkValuesEqualsPlain, TestWalkValuesAfterOthers, FuzzWalkValues).
func (w *valueWalk) walk(desc []byte, pos, end int) (after, nbin int, ok bool) {
	desc = desc[:4*min(len(desc)/4, maxWalk)]
	np := len(desc) / 8
	k := 0
	if !walkCacheOff {
		k = w.shared(desc[:8*np])
	}
	acc, bins := w.sumPairs(desc[:8*np], k)
	total := laneSum(acc)
	if len(desc)&4 != 0 { // an odd one last
		x := binary.LittleEndian.Uint32(desc[len(desc)-4:])
		total += int(x & 0xffff)
		if Kind(x>>16) == KindBinXML {
			bins |= 1 << (np & 31)
		}
	}
	if total > end-pos && len(desc) > 0 { // no value, no check
		return pos, 0, false
	}
	for bins != 0 {
		k := bits.TrailingZeros32(bins)
		bins &= bins - 1
		at := pos + laneSum(w.sums[k&(maxWalk/2-1)])
		d := desc[4*2*k:]
		if Kind(d[2]) == KindBinXML {
			nbin = w.noteBin(nbin, 2*k, at)
		}
		if len(d) >= 8 && Kind(d[6]) == KindBinXML {
			nbin = w.noteBin(nbin, 2*k+1, at+int(binary.LittleEndian.Uint16(d)))
		}
	}
	return pos + total, nbin, true
}

// shared returns how many pairs of descriptors pairs (8 bytes each, at
// most maxWalk/2 of them) starts with that the walk before walked.
func (w *valueWalk) shared(pairs []byte) int {
	n := min(len(pairs)/8, w.npairs, maxWalk/2)
	k := 0
	for k < n && binary.LittleEndian.Uint64(pairs[8*k:8*k+8]) == w.prev[k] {
		k++
	}
	return k
}

// sumPairs walks the descriptors of pairs (8 bytes each, at most
// maxWalk/2 of them) two at a time from pair k on, the first k being
// those the walk before walked first: it keeps in w.sums[j] the sizes
// before pair j, and returns the sum of their sizes (both in two 32-bit
// lanes, which cannot overflow below maxLaneWords pairs) and the pairs
// holding a BinXML value (bit j set for pair j). It keeps the pairs for
// the next walk.
func (w *valueWalk) sumPairs(pairs []byte, k int) (acc uint64, bins uint32) {
	if k > 0 {
		acc, bins = w.sums[k], w.prevBins&(1<<k-1)
	}
	for i := 8 * k; i+8 <= len(pairs); i += 8 {
		x := binary.LittleEndian.Uint64(pairs[i : i+8])
		j := (i >> 3) & (maxWalk/2 - 1)
		w.sums[j], w.prev[j] = acc, x
		acc += x & descSizes
		if Kind(x>>16) == KindBinXML || Kind(x>>48) == KindBinXML {
			bins |= 1 << j
		}
	}
	np := len(pairs) / 8
	w.sums[np] = acc
	w.npairs, w.prevBins = np, bins
	return acc, bins
}

// noteBin keeps BinXML value i at position at as the nbin-th, if there is
// room, and returns nbin+1.
func (w *valueWalk) noteBin(nbin, i, at int) int {
	if nbin < maxBins {
		w.bix[nbin], w.bpos[nbin] = int32(i), int32(at)
	}
	return nbin + 1
}

// pos returns the position of value i (below the count walked) of the
// values walked from pos with descriptors desc.
func (w *valueWalk) pos(desc []byte, pos, i int) int {
	pos += laneSum(w.sums[i>>1])
	if i&1 != 0 {
		pos += int(binary.LittleEndian.Uint16(desc[4*i-4:]))
	}
	return pos
}

// maxWalk bounds the values of an instance readTime reads by its plan
// (Windows's System templates have fewer than 20), and maxBins its BinXML
// values (Windows writes one, EventData or UserData).
const (
	maxWalk = 64
	maxBins = 4
)

// plainKind is d.plain for a node whose only child is a substitution
// (optional or not) with a value of kind k and size bytes.
func plainKind(k Kind, size int, optional bool) bool {
	if k == KindBinXML || k.IsArray() {
		return false
	}
	if k == KindNull || size == 0 {
		return !optional
	}
	return true
}

// leanHead reads, from pos to end of the chunk, an optional fragment header and the head of one
// template instance the way parseInstance does (the same checks): the
// definition it names (charged to the record), an inline copy of it, the
// substitution count, and that the definition is the one the instance
// names and uses no substitution beyond its values (templateFits;
// parseInstance checks that after reading the values, but every caller
// gives up alike on either failure, so the order changes nothing). It
// returns the template, its value descriptors and the position of its
// first value. ok is false for anything parseInstance would not turn into
// a usable instance.
func (d *chunkDecoder) leanHead(pos, end int) (tmpl *template, desc []byte, after int, ok bool) {
	b := d.chunk
	if end-pos >= 4 && b[pos]&^tokMoreFlag == tokFragmentHeader {
		pos += 4
	}
	// Token, unknown byte, template id, definition offset: the cursor's
	// reads without their errors, which nothing reports.
	if end-pos < 10 {
		return nil, nil, 0, false
	}
	h := b[pos : pos+10 : pos+10]
	if h[0]&^tokMoreFlag != tokTemplate {
		return nil, nil, 0, false
	}
	le := binary.LittleEndian
	id, defOff := le.Uint32(h[2:6]), le.Uint32(h[6:10])
	start := pos
	pos += 10
	tmpl = d.template(int(defOff))
	if tmpl.err != nil || tmpl.damaged != nil {
		return nil, nil, 0, false
	}
	// d.chargeTemplate, its charge by chargeBound made here once the
	// bound is summed.
	if d.bound && tmpl.boundCost != 0 {
		if d.defBudget -= tmpl.boundCost + boundExtra; d.defBudget < 0 {
			d.overBound = true
			return nil, nil, 0, false
		}
	} else if d.chargeTemplate(start, tmpl) != nil {
		return nil, nil, 0, false
	}
	if int(defOff) == pos {
		if tmpl.size < 0 || end-pos < tmpl.size {
			return nil, nil, 0, false
		}
		pos += tmpl.size
	}
	if end-pos < 4 {
		return nil, nil, 0, false
	}
	count := le.Uint32(b[pos : pos+4 : pos+4])
	pos += 4
	if int64(count) > int64((end-pos)/4) {
		return nil, nil, 0, false
	}
	if !templateFits(b, id, int(defOff), tmpl, int(count)) {
		return nil, nil, 0, false
	}
	n := 4 * int(count)
	return tmpl, b[pos : pos+n : pos+n], pos + n, true
}

// leanInstance reads, at c, an optional fragment header and one template
// instance the way parseInstance does (the same checks), appending its
// values to dst without allocating. ok is false for anything parseInstance
// would not turn into a usable instance. nbin counts the BinXML values.
func (d *chunkDecoder) leanInstance(c *cursor, dst []rawValue) (tmpl *template, vals []rawValue, nbin int, ok bool) {
	tmpl, desc, pos, ok := d.leanHead(c.pos, c.end)
	if !ok {
		return nil, dst, 0, false
	}
	n := len(desc) / 4
	k := len(dst)
	dst = slices.Grow(dst, n)[:k+n]
	vs := dst[k:]
	end := c.end
	for i := range vs {
		dd := desc[4*i : 4*i+4 : 4*i+4]
		size, kind := int(dd[0])|int(dd[1])<<8, Kind(dd[2])
		if size > end-pos {
			return nil, dst[:k], 0, false
		}
		if kind == KindBinXML {
			nbin++
		}
		vs[i] = rawValue{kind: kind, pos: pos, size: size}
		pos += size
	}
	c.pos = pos
	return tmpl, dst, nbin, true
}

// skipValues returns the sum of the sizes of the values whose
// descriptors (4 bytes each) desc holds, and whether any is BinXML, as
// skipValuesPlain does (TestWalkValuesEqualsPlain, FuzzWalkValues): two
// descriptors at a time, summed in two 32-bit lanes, which cannot
// overflow below maxLaneWords words.
func skipValues(desc []byte) (size int, bin bool) {
	if len(desc) >= 8*maxLaneWords {
		return skipValuesPlain(desc)
	}
	var acc, bins uint64
	for len(desc) >= 8 {
		x := binary.LittleEndian.Uint64(desc)
		acc += x & descSizes
		bins |= descBins(x)
		desc = desc[8:]
	}
	size = laneSum(acc)
	if len(desc) >= 4 {
		x := uint64(binary.LittleEndian.Uint32(desc))
		size += int(x & 0xffff)
		bins |= descBins(x)
	}
	return size, bins != 0
}

// maxLaneWords is the number of words of descriptors whose sizes sum in
// a 32-bit lane without overflow (each adds at most 0xffff).
const maxLaneWords = 1 << 16

// skipValuesPlain is skipValues one descriptor at a time.
func skipValuesPlain(desc []byte) (size int, bin bool) {
	for len(desc) >= 4 {
		size += int(binary.LittleEndian.Uint16(desc))
		bin = bin || Kind(desc[2]) == KindBinXML
		desc = desc[4:]
	}
	return size, bin
}

// instanceTime reads the time of a record whose only element-producing
// node is an instance of tmpl with values vals, nbin of them BinXML.
func (d *chunkDecoder) instanceTime(tmpl *template, vals []rawValue, nbin int) (rt recordTime, ok bool) {
	s := tmpl.shape()
	if s.part == nil {
		return rt, false
	}
	ic := &instCtx{vals: vals}
	if !d.plain(s.event, ic) || !d.plain(s.sys, ic) || !d.plain(s.tc, ic) {
		return rt, false
	}
	// Every BinXML value must resolve; one among Event's children must
	// add no System.
	for i := 0; nbin > 0; i++ {
		if vals[i].kind != KindBinXML {
			continue
		}
		nbin--
		t, ok := d.binXMLResolves(vals[i])
		if !ok || s.eventChild(i) && !t.shape().noSystem {
			return rt, false
		}
	}
	i := int(s.part.index)
	if i >= len(ic.vals) {
		return rt, false
	}
	rv := ic.vals[i]
	switch {
	case rv.kind == KindFileTime && rv.size == 8 && !directValuesOff:
		// What d.value does for this value, without building a Value
		// (TestTimeCreatedCheapEqualsDecoded compares the two).
		if d.spend(rv.pos, 1) != nil {
			return rt, false
		}
		rt.ft = binary.LittleEndian.Uint64(d.chunk[rv.pos:])
	case rv.kind == KindFileTime || rv.kind == KindSysTime:
		v, present, err := d.value(ic, s.part.index, 0)
		if err != nil || !present || v.Kind != KindFileTime && v.Kind != KindSysTime {
			// A time value of the wrong size decodes as binary: no time.
			return rt, false
		}
		t := v.Time
		rt.created = &t
	default:
		return rt, false
	}
	if r := s.recordID; r != nil && d.plain(r, ic) {
		rt.eventRecordID, rt.hasID = d.recordID(r, ic)
	}
	return rt, true
}

// directValuesOff makes instanceTime and recordID read every value
// through d.value (tests compare the two ways).
var directValuesOff = false

// recordID reads the EventRecordID element r as joined and plainInteger
// judge it, ok false when it is not a plain integer.
func (d *chunkDecoder) recordID(r *tnode, ic *instCtx) (uint64, bool) {
	if len(r.children) == 1 && r.children[0].kind == nSubst {
		if i := int(r.children[0].index); i < len(ic.vals) {
			if rv := ic.vals[i]; rv.kind == KindUint64 && rv.size == 8 && !directValuesOff {
				// d.value's charge and decoding of this value.
				if d.spend(rv.pos, 1) != nil {
					return 0, false
				}
				return binary.LittleEndian.Uint64(d.chunk[rv.pos:]), true
			}
		}
	}
	if v, ok := d.joined(r.children, ic); ok && plainInteger(v) {
		return uintOf(v), true
	}
	return 0, false
}

// without returns nodes less those in drop.
func without(nodes, drop []*tnode) []*tnode {
	if len(drop) == 0 {
		return nodes
	}
	out := make([]*tnode, 0, len(nodes))
	for _, n := range nodes {
		keep := true
		for _, x := range drop {
			keep = keep && n != x
		}
		if keep {
			out = append(out, n)
		}
	}
	return out
}

// eventChild reports whether substitution i is one of Event's children.
func (s *timeShape) eventChild(i int) bool {
	for _, sub := range s.substs {
		if int(sub.index) == i {
			return true
		}
	}
	return false
}

// binXMLResolves reports whether BinXML value rv is one template instance
// (as Windows writes EventData and UserData) whose definition leanInstance
// can use (intact, the one the instance names, fitting its values and the
// record's definition budget), with nothing after it but an EOF token and
// no BinXML among its values, and returns its template. A record with a
// BinXML value that does not is decoded in full, whatever the window
// (readTime declines it) and the filter (scanChunk decodes a record it
// passes over when nestedResolve is false), so that the problem decoding
// finds in such a value (a definition overwritten: decoded in part; one
// that runs past the chunk: not decodable) is found and counted as the
// plain read finds it (TestNestedDamageFoundAlike).
func (d *chunkDecoder) binXMLResolves(rv rawValue) (*template, bool) {
	// leanInstance without the values.
	end := rv.pos + rv.size
	tmpl, desc, pos, ok := d.leanHead(rv.pos, end)
	if !ok {
		return nil, false
	}
	size, bin := skipValues(desc)
	// Sizes are not negative, so the values fit when their sum does.
	if size > end-pos {
		return nil, false
	}
	if pos += size; pos < end && d.chunk[pos] != tokEOF || bin {
		return nil, false
	}
	return tmpl, true
}

// nestedResolve reports whether the record at off is one template
// instance (leanInstance's checks, its definition charged by its bound)
// whose BinXML values all resolve (binXMLResolves). A record a Filter
// passes over is decoded all the same when it does not, so that its
// problem is found (scanChunk).
func (d *chunkDecoder) nestedResolve(off, size int) (ok bool) {
	defer func() {
		d.bound = false
		if recover() != nil {
			ok = false
		}
	}()
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return false
	}
	d.beginRecord(off, size)
	d.bound, d.overBound = true, false
	c := &cursor{b: d.chunk, pos: off + binxmlRecordHeader, end: off + size - 4}
	_, vals, _, lean := d.leanInstance(c, d.tvals[:0])
	d.tvals = vals[:0]
	if !lean || (c.pos < c.end && c.b[c.pos]&^tokMoreFlag != tokEOF) {
		return false
	}
	for _, v := range vals {
		if v.kind == KindBinXML {
			if _, ok := d.binXMLResolves(v); !ok {
				return false
			}
		}
	}
	return true
}

// plainTimeCreated returns the time of System/TimeCreated/@SystemTime of
// the event rooted at root when it is plain (see the file comment).
func plainTimeCreated(root *Element) (time.Time, bool) {
	if root == nil || root.Value.Kind == KindBinXML {
		return time.Time{}, false
	}
	sys := onlyChild(root, "System")
	if sys == nil || sys.Value.Kind == KindBinXML {
		return time.Time{}, false
	}
	tc := onlyChild(sys, "TimeCreated")
	if tc == nil {
		return time.Time{}, false
	}
	var at *Attr
	for i := range tc.Attrs {
		a := &tc.Attrs[i]
		if !NameIs(a.Name, "SystemTime") || isXMLNSName(a.Name) {
			continue
		}
		if at != nil || a.Name != "SystemTime" {
			return time.Time{}, false
		}
		at = a
	}
	if at == nil || (at.Value.Kind != KindFileTime && at.Value.Kind != KindSysTime) {
		return time.Time{}, false
	}
	return at.Value.Time, true
}

// onlyChild returns the one child of e whose name passes local, when it is
// named exactly local.
func onlyChild(e *Element, local string) *Element {
	var one *Element
	for _, c := range e.Children {
		if NameIs(c.Name, local) {
			if one != nil || c.Name != local {
				return nil
			}
			one = c
		}
	}
	return one
}

// TimeCreatedOf returns the event's TimeCreated and true when the event
// has exactly one System/TimeCreated/@SystemTime that a query can read (no
// duplicate or namespace-prefixed System, TimeCreated or SystemTime) and it
// holds a time value; then it equals ev.System.TimeCreated. This is the
// time Options.Since/Until compare; an event for which it is false is
// yielded whatever the window. An event without Root (built by hand) is
// read from the tree its fields give (Tree), as a query reads it: it has
// its System.TimeCreated.
func TimeCreatedOf(ev *Event) (time.Time, bool) {
	if ev == nil {
		return time.Time{}, false
	}
	return plainTimeCreated(ev.Tree())
}

// Time returns when the event happened: its System.TimeCreated, UTC; the
// zero time when the record carries none (one decoded in part, whose
// System template did not resolve, or one written without it). The record
// header time (Written) is never given in its place: exported logs borrow
// it from other records or leave it 0, and it lags TimeCreated by days
// after a clock correction. A caller that wants to place such a record
// anyway reads Written itself, knowing what it is.
func (ev *Event) Time() time.Time {
	return ev.System.TimeCreated
}

// Time returns the summarised record's TimeCreated, as Event.Time does:
// the zero time when it was not read without decoding (then the decoded
// event may still have one), never the record header time (Written).
func (s Summary) Time() time.Time {
	return s.TimeCreated
}
