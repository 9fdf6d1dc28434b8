package evtx

import "time"

// Summary is what a record's System part says about the event, read
// without building the event: enough to decide whether to decode it
// (Options.Filter). Provider, EventID and Computer are the values Next
// would give in Event.System; Written is the record header time.
type Summary struct {
	Provider string
	EventID  uint16
	Computer string
	Written  time.Time
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
	d.budget = 8*size + 1024
	d.recPos = off
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
	sys, ok := d.uniqueChild(event, "System", ic)
	if !ok || sys == nil {
		return s, false
	}
	p, ok1 := d.uniqueChild(sys, "Provider", ic)
	e, ok2 := d.uniqueChild(sys, "EventID", ic)
	cp, ok3 := d.uniqueChild(sys, "Computer", ic)
	if !ok1 || !ok2 || !ok3 {
		return s, false
	}
	if p != nil {
		for _, a := range p.attrs {
			if a.name != "Name" {
				continue
			}
			v, ok := d.joined(a.parts, ic)
			if !ok {
				return s, false
			}
			if v.Kind == KindNull && hasOptional(a.parts) {
				continue // decoding omits the attribute
			}
			s.Provider = textOf(v)
			break
		}
	}
	if e != nil {
		v, ok := d.joined(e.children, ic)
		if !ok {
			return s, false
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
// none; ok is false if there are several, or if the one is not plain.
func (d *chunkDecoder) uniqueChild(n *tnode, name string, ic *instCtx) (c *tnode, ok bool) {
	for _, ch := range n.children {
		if ch.kind == nElement && ch.name == name {
			if c != nil {
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
