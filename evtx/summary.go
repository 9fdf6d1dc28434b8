package evtx

import (
	"encoding/binary"
	"strings"
	"time"
)

// Summary is what a record's System part says about the event, read
// without building the event: enough to decide whether to decode it
// (Options.Filter). Provider, EventID and Computer are the values Next
// would give in Event.System; Written and RecordID are the record
// header's time and id (Event.Written, Event.RecordID).
type Summary struct {
	Provider string
	EventID  uint16
	Computer string
	Written  time.Time
	RecordID uint64
	// TimeCreated is the event's TimeCreated as TimeCreatedOf reads it,
	// when it could be read without decoding; zero otherwise.
	TimeCreated time.Time
	// EventRecordID is the event's System/EventRecordID (Event.System.
	// EventRecordID), when it was read with TimeCreated; 0 otherwise. An
	// exported log keeps it while renumbering RecordID, and Merge counts
	// records by it (Event.Identity).
	EventRecordID uint64
	// Damaged is set when the record lies in a chunk whose header or
	// records checksum does not verify (or whose header cannot be
	// believed), or, for a decoded event (a merged log's Filter), when it
	// was decoded in part (Event.Partial): what it says, its Computer
	// among it, may be the damage rather than what Windows wrote.
	Damaged bool
	// Verified is set when its chunk's header and records checksums vouch
	// for the record: both verify, and it lies whole in the record area
	// they cover (up to the free space offset), numbered within the chunk
	// header's range, not salvaged. A record past a lagging chunk header's
	// free space offset, written after the chunk was last checksummed, is
	// not; one of a current chunk past the file header's count (a dirty
	// log whose file header lags) is, though evtx.Merge, which also asks
	// that the file header count the chunk, does not prefer it to a copy
	// of other content. Damaged records are never Verified. False for a
	// decoded event's summary (a merged log's Filter), whose place no
	// reader of one file judged.
	Verified bool
	// rec reads the record's fields while a Filter runs (Data); gen is
	// the call it was given to (rec serves the chunk's every call).
	rec *summaryRec
	gen uint64
	// ev is, for the summary of a decoded event (a merged log's Filter:
	// eventSummary), that event (Decoded).
	ev *Event
}

// Decoded returns the event s summarizes when it was decoded before the
// Filter was asked (a log of copies read as one, evtx.Merge, decodes
// every record first), else nil. Data does not read it: with the same
// answers from a Filter for every log, a merged log's records are judged
// as those of one file.
func (s Summary) Decoded() *Event { return s.ev }

// summarize reads the Summary of the record at off without building its
// tree. ok is false when the record is not of the shape every Windows
// record has (a template instance, or an element, whose root is Event with
// a System child): the caller then decodes it in full, so that its
// problems are found as usual.
//
// Records of the usual shape (one template instance) are read by
// summarizeLean, without building nodes; every other record, and every
// one summarizeLean cannot decide alike, by summarizeFull. The two give
// the same (Summary, ok) for every record (TestSummarizeLeanEqualsFull).
func (d *chunkDecoder) summarize(off, size int) (Summary, bool) {
	if s, ok, decided := d.summarizeLean(off, size); decided {
		return s, ok
	}
	return d.summarizeFull(off, size)
}

// summarizeFull is summarize by parsing the record's fragment into nodes
// (parseFragment) and reading them: the reference summarizeLean agrees
// with.
func (d *chunkDecoder) summarizeFull(off, size int) (s Summary, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = Summary{}, false
		}
	}()
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return s, false
	}
	d.beginRecord(off, size)
	c := &cursor{b: d.chunk, pos: off + binxmlRecordHeader, end: off + size - 4}
	nodes, err := d.parseFragment(c, false, 0)
	if err != nil {
		return s, false
	}
	// Mirror what decoding builds, and give up (decode in full) wherever
	// its shape rules could make the two differ: more than one
	// element-producing node, repeated elements (convert keeps the last),
	// elements whose whole content is one substitution (dropped when it is
	// empty and optional, repeated for an array).
	var event *tnode
	var ic *instCtx
	top := onlyElement(nodes)
	switch {
	case top == nil:
		return s, false
	case top.kind == nInstance && top.tmpl != nil:
		event, ic = onlyElement(top.tmpl.nodes), newInstCtx(top.vals)
	case top.kind == nElement:
		event = top
	}
	if event == nil || event.kind != nElement || event.name != "Event" || !d.plain(event, ic) {
		return s, false
	}
	sys, ok := d.uniqueChild(event, "System", ic, false)
	if !ok || sys == nil {
		return s, false
	}
	p, ok1 := d.uniqueChild(sys, "Provider", ic, true)
	e, ok2 := d.uniqueChild(sys, "EventID", ic, true)
	cp, ok3 := d.uniqueChild(sys, "Computer", ic, true)
	if !ok1 || !ok2 || !ok3 {
		return s, false
	}
	if p != nil {
		seen := false
		for _, a := range p.attrs {
			// The query evaluator reads @Name from every attribute whose
			// name passes NameIs ("x:Name" too): decline unless there is
			// one, named exactly Name.
			if !NameIs(a.name, "Name") || isXMLNSName(a.name) {
				continue
			}
			if seen || a.name != "Name" {
				return s, false
			}
			seen = true
			v, ok := d.joined(a.parts, ic)
			if !ok {
				return s, false
			}
			if v.Kind == KindNull && hasOptional(a.parts) {
				continue // decoding omits the attribute
			}
			s.Provider = textOf(v)
		}
	}
	if e != nil {
		v, ok := d.joined(e.children, ic)
		if !ok {
			return s, false
		}
		if !plainInteger(v) {
			return s, false // let a full decode and the query judge it
		}
		s.EventID = uint16(uintOf(v))
	}
	if cp != nil {
		v, ok := d.joined(cp.children, ic)
		if !ok {
			return s, false
		}
		s.Computer = textOf(v)
	}
	return s, true
}

// onlyElement returns the one node of nodes that yields elements (an
// element, a template instance or a substitution), or nil when there is
// not exactly one.
func onlyElement(nodes []*tnode) *tnode {
	var one *tnode
	for _, n := range nodes {
		switch n.kind {
		case nElement, nInstance, nSubst:
			if one != nil {
				return nil
			}
			one = n
		}
	}
	return one
}

// uniqueChild returns the child element of n called name, nil if there is
// none; ok is false if there are several, or if the one is not plain, or
// if a child that decoding builds from a nested instance or BinXML value
// (which could be called name too) can take its place: anywhere when the
// last such child wins (System's children, as convert reads them), before
// it when the first wins (Event's System).
func (d *chunkDecoder) uniqueChild(n *tnode, name string, ic *instCtx, lastWins bool) (c *tnode, ok bool) {
	for _, ch := range n.children {
		nested := ch.kind == nInstance || (ch.kind == nSubst && ic != nil && int(ch.index) < len(ic.vals) && ic.vals[ch.index].kind == KindBinXML)
		if nested && (lastWins || c == nil) {
			return nil, false
		}
		// Names compare as the query evaluator compares them (NameIs: a
		// prefixed "e:Provider" is a Provider to a query): a child that
		// only passes with its prefix makes the summary decline (the
		// record is decoded in full, and Event.System reads it through
		// its prefix too).
		if ch.kind == nElement && NameIs(ch.name, name) {
			if c != nil || ch.name != name {
				return nil, false
			}
			c = ch
		}
	}
	return c, c == nil || d.plain(c, ic)
}

// plain reports whether decoding builds exactly one element for n: its
// content is not a single substitution that is absent and optional (the
// element is dropped), an array (the element repeats) or BinXML.
func (d *chunkDecoder) plain(n *tnode, ic *instCtx) bool {
	if len(n.children) != 1 || n.children[0].kind != nSubst || ic == nil {
		return true
	}
	i := int(n.children[0].index)
	if i >= len(ic.vals) {
		return !n.children[0].optional
	}
	rv := ic.vals[i]
	if rv.kind == KindBinXML || rv.kind.IsArray() {
		return false
	}
	if rv.kind == KindNull || rv.size == 0 {
		return !n.children[0].optional
	}
	return true
}

// plainInteger reports whether v is an integer, or text of decimal digits:
// an event id whose numeric meaning the summary and an XPath comparison
// cannot disagree on.
func plainInteger(v Value) bool {
	switch v.Kind {
	case KindInt8, KindInt16, KindInt32, KindInt64, KindUint8, KindUint16, KindUint32, KindUint64, KindHexInt32, KindHexInt64:
		return true
	case KindString, KindAnsiString:
		t := strings.TrimSpace(v.Str)
		if t == "" {
			return false
		}
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// hasOptional reports whether parts hold an optional substitution.
func hasOptional(parts []*tnode) bool {
	for _, p := range parts {
		if p.kind == nSubst && p.optional {
			return true
		}
	}
	return false
}

// joined returns the value of text and substitution pieces as the decoder
// builds it (one piece keeps its type, several become a string); ok is
// false for pieces a summary does not read (elements, BinXML values).
func (d *chunkDecoder) joined(parts []*tnode, ic *instCtx) (Value, bool) {
	var p pieces
	for _, part := range parts {
		switch part.kind {
		case nText:
			p.add(Value{Kind: KindString, Str: part.name})
		case nSubst:
			if ic != nil && int(part.index) < len(ic.vals) && ic.vals[part.index].kind == KindBinXML {
				return Value{}, false
			}
			v, present, err := d.value(ic, part.index, 0)
			if err != nil {
				return Value{}, false
			}
			if present {
				p.add(v)
			}
		default:
			return Value{}, false
		}
	}
	return p.value(), true
}

// summarizeLean is summarize for the usual record, [fragment header] one
// template instance [EOF], read as readTime reads it (leanInstance: the
// values into a reused slice, no nodes) and with what does not depend on
// the values found once per template (summaryShape). decided is false
// when summarizeFull must read the record instead: any other shape, a
// definition leanInstance does not use (damaged, not fitting), a bound
// charge that runs out, a panic. Where decided, (s, ok) is what
// summarizeFull returns, an ok == false and the partly filled s that goes
// with it included, and the record's budgets are charged as
// summarizeFull charges them (parseInstance's one unit per value, value's
// charges per use), so that a budget runs out alike.
func (d *chunkDecoder) summarizeLean(off, size int) (s Summary, ok, decided bool) {
	defer func() {
		d.bound = false
		if recover() != nil {
			s, ok, decided = Summary{}, false, false
		}
	}()
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return s, false, true
	}
	d.beginRecord(off, size)
	c := &cursor{b: d.chunk, pos: off + binxmlRecordHeader, end: off + size - 4}
	// The one definition is charged by its bound (as readTime does): if
	// the bound fits, the exact charge does too, and nothing after reads
	// the definition budget; if not, summarizeFull charges exactly.
	d.bound, d.overBound = true, false
	tmpl, vals, _, lean := d.leanInstance(c, d.svals[:0])
	d.bound = false
	d.svals = vals[:0]
	// parseFragment stops at an EOF token (any flags) or the end.
	if !lean || c.pos < c.end && c.b[c.pos]&^tokMoreFlag != tokEOF {
		return s, false, false
	}
	if d.spend(c.pos, len(vals)) != nil {
		return s, false, false
	}
	sh := tmpl.summaryShape()
	if !sh.ok {
		return s, false, true
	}
	ic := &d.sic
	ic.vals = vals
	// What summarizeFull's plain and uniqueChild check with the values:
	// each element built once, no BinXML value among Event's children
	// before System nor among System's children.
	if !d.plain(sh.event, ic) || binXMLAmong(sh.before, vals) || !d.plain(sh.sys, ic) || binXMLAmong(sh.inSys, vals) {
		return s, false, true
	}
	for _, n := range [...]*tnode{sh.provider, sh.eventID, sh.computer} {
		if n != nil && !d.plain(n, ic) {
			return s, false, true
		}
	}
	var v Value // leanJoined's result, reused: a Value is large to copy
	seen := false
	for _, a := range sh.names {
		if seen || a.name != "Name" {
			return s, false, true
		}
		seen = true
		if !d.leanJoined(a.parts, ic, &v) {
			return s, false, true
		}
		if v.Kind == KindNull && hasOptional(a.parts) {
			continue
		}
		s.Provider = textOf(v)
	}
	if e := sh.eventID; e != nil {
		if !d.leanJoined(e.children, ic, &v) || !plainInteger(v) {
			return s, false, true
		}
		s.EventID = uint16(uintOf(v))
	}
	if cp := sh.computer; cp != nil {
		if !d.leanJoined(cp.children, ic, &v) {
			return s, false, true
		}
		s.Computer = textOf(v)
	}
	return s, true, true
}

// sumShape is what summarizeFull finds in a template definition whatever
// the instance's values, found once per definition (summaryShape).
type sumShape struct {
	// ok is false when summarizeFull declines every record using the
	// definition (no Event root, no System, or System, Provider, EventID
	// or Computer repeated, prefixed, or beside a template instance
	// where it could add one).
	ok         bool
	event, sys *tnode
	// provider, eventID and computer are System's children of those
	// names, nil when absent.
	provider, eventID, computer *tnode
	// before are the substitution indexes among Event's children before
	// System, inSys those among System's children: a BinXML value there
	// makes summarizeFull decline.
	before, inSys []uint16
	// names are Provider's attributes summarizeFull reads (names passing
	// NameIs(Name), xmlns ones aside), in order.
	names []*tattr
}

// summaryShape returns (computing it once) the summary shape of template
// t. It reads only t.nodes, so a template rebuilt from the same
// definition (tmplcache.go) shares it.
func (t *template) summaryShape() *sumShape {
	if t.sshape != nil {
		return t.sshape
	}
	s := &sumShape{}
	t.sshape = s
	ev := onlyElement(t.nodes)
	if ev == nil || ev.kind != nElement || ev.name != "Event" {
		return s
	}
	// As uniqueChild(Event, "System", ic, false).
	var sys *tnode
	var before []uint16
	for _, ch := range ev.children {
		switch {
		case ch.kind == nInstance:
			if sys == nil {
				return s
			}
		case ch.kind == nSubst:
			if sys == nil {
				before = append(before, ch.index)
			}
		case ch.kind == nElement && NameIs(ch.name, "System"):
			if sys != nil || ch.name != "System" {
				return s
			}
			sys = ch
		}
	}
	if sys == nil {
		return s
	}
	// As uniqueChild(System, name, ic, true) for the three names.
	var inSys []uint16
	for _, ch := range sys.children {
		switch ch.kind {
		case nInstance:
			return s
		case nSubst:
			inSys = append(inSys, ch.index)
		}
	}
	var found [3]*tnode
	for i, name := range [...]string{"Provider", "EventID", "Computer"} {
		for _, ch := range sys.children {
			if ch.kind == nElement && NameIs(ch.name, name) {
				if found[i] != nil || ch.name != name {
					return s
				}
				found[i] = ch
			}
		}
	}
	var names []*tattr
	if p := found[0]; p != nil {
		for i := range p.attrs {
			if a := &p.attrs[i]; NameIs(a.name, "Name") && !isXMLNSName(a.name) {
				names = append(names, a)
			}
		}
	}
	*s = sumShape{ok: true, event: ev, sys: sys, provider: found[0], eventID: found[1], computer: found[2],
		before: before, inSys: inSys, names: names}
	return s
}

// binXMLAmong reports whether a substitution of indexes holds a BinXML
// value.
func binXMLAmong(indexes []uint16, vals []rawValue) bool {
	for _, i := range indexes {
		if int(i) < len(vals) && vals[i].kind == KindBinXML {
			return true
		}
	}
	return false
}

// leanJoined sets *v to joined(parts, ic) for ic's values (not nil) and
// returns joined's ok, with less copying for the usual single piece: a
// lone text, or a lone substitution whose UTF-16 string is taken from
// d.sumText when its bytes were decoded before for this chunk. It charges
// the work budget as joined does.
func (d *chunkDecoder) leanJoined(parts []*tnode, ic *instCtx, v *Value) (ok bool) {
	switch {
	case len(parts) == 0:
		*v = Value{}
		return true
	case len(parts) != 1:
		*v, ok = d.joined(parts, ic)
		return ok
	case parts[0].kind == nText:
		*v = Value{Kind: KindString, Str: parts[0].name}
		return true
	case parts[0].kind != nSubst:
		*v = Value{}
		return false
	}
	*v = Value{}
	i := int(parts[0].index)
	if i >= len(ic.vals) {
		return true // absent: no piece
	}
	rv := ic.vals[i]
	switch rv.kind {
	case KindBinXML:
		return false
	case KindNull:
		return true
	}
	// As value: charged by size, then decoded.
	if d.spend(rv.pos, 1+rv.size/16) != nil {
		return false
	}
	b := d.chunk[rv.pos : rv.pos+rv.size]
	switch {
	case rv.kind == KindString:
		// decodeValue's string, which charges nothing more.
		v.Kind, v.Str = KindString, d.summaryText(b)
		return true
	case rv.kind == KindUint16 && len(b) == 2:
		// decodeFixed's (no array: nothing more charged).
		v.Kind, v.Uint = KindUint16, uint64(binary.LittleEndian.Uint16(b))
		return true
	}
	var err error
	if *v, err = decodeValue(rv.kind, b, rv.pos); err != nil {
		*v = Value{}
		return false
	}
	return d.spend(rv.pos, len(v.Array)) == nil
}

// maxSummaryTexts bounds the strings d.sumText keeps (a chunk's records
// name a few providers and one computer).
const maxSummaryTexts = 64

// summaryText returns the string decodeValue makes of UTF-16 string
// bytes b, kept by the bytes in d.sumText: most records of a chunk name a
// provider and computer an earlier one did, and allocate nothing.
func (d *chunkDecoder) summaryText(b []byte) string {
	if s, ok := d.sumText[string(b)]; ok {
		return s
	}
	s := trimNUL(decodeUTF16(b))
	if d.sumText == nil || len(d.sumText) >= maxSummaryTexts {
		d.sumText = make(map[string]string)
	}
	d.sumText[string(b)] = s
	return s
}
