package evtx

import (
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
}

// summarize reads the Summary of the record at off without building its
// tree. ok is false when the record is not of the shape every Windows
// record has (a template instance, or an element, whose root is Event with
// a System child): the caller then decodes it in full, so that its
// problems are found as usual.
func (d *chunkDecoder) summarize(off, size int) (s Summary, ok bool) {
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
