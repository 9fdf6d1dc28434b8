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
	var event *tnode
	var ic *instCtx
	for _, n := range nodes {
		switch {
		case n.kind == nInstance && n.tmpl != nil:
			for _, m := range n.tmpl.nodes {
				if m.kind == nElement {
					event, ic = m, newInstCtx(n.vals)
					break
				}
			}
		case n.kind == nElement:
			event = n
		}
		if event != nil {
			break
		}
	}
	if event == nil || event.name != "Event" {
		return s, false
	}
	sys := tchild(event, "System")
	if sys == nil {
		return s, false
	}
	if p := tchild(sys, "Provider"); p != nil {
		for _, a := range p.attrs {
			if a.name == "Name" {
				v, ok := d.joined(a.parts, ic)
				if !ok {
					return s, false
				}
				s.Provider = textOf(v)
				break
			}
		}
	}
	if e := tchild(sys, "EventID"); e != nil {
		v, ok := d.joined(e.children, ic)
		if !ok {
			return s, false
		}
		s.EventID = uint16(uintOf(v))
	}
	if e := tchild(sys, "Computer"); e != nil {
		v, ok := d.joined(e.children, ic)
		if !ok {
			return s, false
		}
		s.Computer = textOf(v)
	}
	return s, true
}

// tchild returns the first child element of n called name.
func tchild(n *tnode, name string) *tnode {
	for _, c := range n.children {
		if c.kind == nElement && c.name == name {
			return c
		}
	}
	return nil
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
