package evtx

// This file reads one EventData field of a record without building the
// record, for a Filter that asks (Summary.Data): the rules' queries for
// Service Control Manager 7040 accept only the Remote Desktop services'
// key names in param4, and most 7040s in a System log name other
// services, so that deciding them from the field alone saves decoding
// them.

// summaryRec lets a Summary read fields of its record while the Filter
// it was given to runs (live); scanChunk clears live when it returns.
type summaryRec struct {
	dec       func() *chunkDecoder
	off, size int
	live      bool
	gen       uint64 // the Filter call it serves (Summary.gen)
}

// Data returns the value of the EventData field called name of the record
// s summarizes, as Event.Data returns it once the record is decoded: found
// tells whether the record has such a field. ok is false when it cannot
// be told without decoding the record (any shape where the two could
// differ), and whenever s is not the Summary a Filter is being given: the
// record's bytes are not held after the Filter returns. The value is the
// field's, not trimmed or converted (a string, a number, ...).
func (s Summary) Data(name string) (v Value, found, ok bool) {
	r := s.rec
	if r == nil || !r.live || r.gen != s.gen {
		return Value{}, false, false
	}
	return r.dec().eventData(r.off, r.size, name)
}

// eventData is Summary.Data for the record at off (size bytes), read as
// readTime reads a record: [fragment header] one template instance
// [EOF], its values and those of the BinXML value that holds EventData
// read by leanInstance (the checks parseInstance makes), no node built.
// The field is found as fillEvent finds it, giving up (ok false) on any
// other shape and wherever decoding could build something the
// template's nodes do not show: a nested instance, or a BinXML value
// other than the one that makes EventData, where an EventData or a field
// could come from; an Event, EventData or field element that decoding
// drops or repeats (its whole content one substitution that is absent
// and optional, an array, or BinXML); a Name attribute that is absent and
// optional; a field whose content holds elements; a charge that runs out.
func (d *chunkDecoder) eventData(off, size int, name string) (v Value, found, ok bool) {
	defer func() {
		d.bound = false
		if recover() != nil {
			v, found, ok = Value{}, false, false
		}
	}()
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return Value{}, false, false
	}
	d.beginRecord(off, size)
	d.bound, d.overBound = true, false
	// The values lie in outer and inner, and the contexts holding them
	// in eventIC and dataIC, on the stack: leanElement returns a context
	// by value, so that neither escapes (each record whose EventData the
	// filter read allocated its 1,152 bytes of values, 2.8 MB in analyze
	// of bench/run's volume).
	var outer [24]rawValue
	event, eventIC, ok := d.leanElement(&cursor{b: d.chunk, pos: off + binxmlRecordHeader, end: off + size - 4}, outer[:0])
	if !ok || event.name != "Event" {
		return Value{}, false, false
	}
	ic := &eventIC
	binXML := func(n *tnode, ic *instCtx) bool {
		return n.kind == nSubst && int(n.index) < len(ic.vals) && ic.vals[n.index].kind == KindBinXML
	}
	// The first child called EventData (childLocal), none built from a
	// nested instance before it. Windows writes EventData (or UserData)
	// as a BinXML value of the event's instance: decoding makes the
	// element of that value's fragment the child.
	var ed *tnode
	var inner [24]rawValue
	var dataIC instCtx
	for _, ch := range event.children {
		if ch.kind == nInstance {
			return Value{}, false, false
		}
		if binXML(ch, ic) {
			rv := ic.vals[ch.index]
			el, nic, ok := d.leanElement(&cursor{b: d.chunk, pos: rv.pos, end: rv.pos + rv.size}, inner[:0])
			if !ok {
				return Value{}, false, false
			}
			if NameIs(el.name, "EventData") {
				dataIC = nic
				ed, ic = el, &dataIC
				break
			}
			continue
		}
		if ch.kind == nElement && NameIs(ch.name, "EventData") {
			if !d.plain(ch, ic) {
				return Value{}, false, false
			}
			ed = ch
			break
		}
	}
	if ed == nil {
		return Value{}, false, !d.overBound
	}
	for _, ch := range ed.children {
		if ch.kind == nInstance || binXML(ch, ic) {
			return Value{}, false, false
		}
		if ch.kind != nElement {
			continue // text: no field
		}
		if ln := localName(ch.name); ln != "Data" && ln != "ComplexData" {
			continue // Binary, or another element: no field
		}
		if !d.plain(ch, ic) {
			return Value{}, false, false
		}
		// The Name attribute as attrLocal reads it: the first attribute
		// passing NameIs("Name").
		var fname string
		for _, a := range ch.attrs {
			if !NameIs(a.name, "Name") || isXMLNSName(a.name) {
				continue
			}
			av, ok := d.joined(a.parts, ic)
			if !ok || av.Kind == KindNull && hasOptional(a.parts) {
				return Value{}, false, false // omitted: another attribute could be read
			}
			fname = textOf(av)
			break
		}
		if fname != name {
			continue
		}
		for _, p := range ch.children {
			if p.kind != nText && p.kind != nSubst {
				return Value{}, false, false // child elements: the field is their text
			}
		}
		fv, ok := d.joined(ch.children, ic)
		if !ok || d.overBound {
			return Value{}, false, false
		}
		return fv, true, true
	}
	return Value{}, false, !d.overBound
}

// leanElement reads at c [fragment header] one template instance [EOF]
// (leanInstance, its values appended to dst) whose template's one
// element-producing node is an element that decoding builds once
// (plain): that element and the instance's values. ok is false for any
// other fragment.
func (d *chunkDecoder) leanElement(c *cursor, dst []rawValue) (el *tnode, ic instCtx, ok bool) {
	tmpl, vals, _, lean := d.leanInstance(c, dst)
	if !lean || (c.pos < c.end && c.b[c.pos]&^tokMoreFlag != tokEOF) {
		return nil, instCtx{}, false
	}
	el = onlyElement(tmpl.nodes)
	ic = instCtx{vals: vals}
	if el == nil || el.kind != nElement || !d.plain(el, &ic) {
		return nil, instCtx{}, false
	}
	return el, ic, true
}
