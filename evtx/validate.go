package evtx

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// This file holds the checks that tell a real BinXML structure from bytes
// that merely parse: a record left in the slack of a reused chunk, or a
// record whose template definition or names were overwritten by later
// writes, can point at bytes that decode without error into nonsense
// (element names made of byte-swapped UTF-16, substitutions that pick the
// wrong values). The reader refuses such structures rather than yield them
// as events (see Event.Partial for what it yields instead).
//
// The checks:
//
//   - a name structure (MS-EVEN6 §2.2.12, "Name = NameHash NameNumChars
//     NullTerminatedUnicodeString") carries the hash Windows computes over
//     its UTF-16 code units (low 16 bits of h = h*65599 + unit, the hash the
//     Windows Event Log service and Microsoft's manifest compiler use; libyal
//     "Windows XML Event Log (EVTX)" notes the same), ends with a NUL code
//     unit, is an XML Name (XML 1.0 fifth edition, §2.3 productions
//     [4], [4a], [5]), and is not ASCII byte-swapped (byteSwappedASCII);
//   - a template instance names the template it uses by the first 4 bytes of
//     the template's GUID: the definition it points to must carry them;
//   - a template may use only substitutions the instance supplies: an index
//     at or past the instance's value count means the definition belongs to
//     another record (the samples hold such records only in chunk slack).

// nameHash returns the hash Windows stores in a name structure: the low 16
// bits of h = h*65599 + u over the UTF-16 code units u of the name.
func nameHash(units []byte) uint16 {
	var h uint32
	for i := 0; i+1 < len(units); i += 2 {
		h = h*65599 + uint32(binary.LittleEndian.Uint16(units[i:]))
	}
	return uint16(h)
}

// checkName checks the name structure at chunk offset off, n characters
// long (the caller has checked that it lies inside the chunk): its stored
// hash, its NUL terminator, and that its text s is an XML Name.
func checkName(chunk []byte, off, n int, s string) error {
	units := chunk[off+8 : off+8+2*n]
	if got, want := binary.LittleEndian.Uint16(chunk[off+4:]), nameHash(units); got != want {
		return corruptf(off, "name %q: stored hash %#04x, its characters hash to %#04x (not a name structure, or overwritten)", truncName(s), got, want)
	}
	if t := binary.LittleEndian.Uint16(chunk[off+8+2*n:]); t != 0 {
		return corruptf(off, "name %q: not NUL-terminated", truncName(s))
	}
	if !isXMLName(s) {
		return corruptf(off, "name %q is not an XML name", truncName(s))
	}
	if swapped, ok := byteSwappedASCII(units); ok {
		return corruptf(off, "name %q: its UTF-16 code units are byte-swapped (%q read the other way round): not a name Windows writes", truncName(s), truncName(swapped))
	}
	return nil
}

// byteSwappedASCII reports whether units (little endian) are at least
// minSwappedUnits UTF-16 code units, every one with a low byte of 0 and,
// as its high byte, an ASCII character an XML name may hold (letters,
// digits, '_', '-', '.', ':'), and returns the units read with their bytes
// swapped. Such a name ("䔀瘀攀渀琀" for
// "Event") is what bytes one off from a real name structure, or UTF-16
// written big-endian, read as: CJK and other characters that are XML name
// characters, so the Name production alone lets them pass. Element and
// attribute names of event XML come from the providers' manifests and the
// event schema (https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema),
// whose names are ASCII; none of the public samples' names is of this form
// outside chunk slack.
func byteSwappedASCII(units []byte) (string, bool) {
	if len(units) < 2*minSwappedUnits {
		return "", false
	}
	b := make([]byte, 0, len(units)/2)
	for i := 0; i+1 < len(units); i += 2 {
		lo, hi := units[i], units[i+1]
		if lo != 0 || !(hi == '_' || hi == '-' || hi == '.' || hi == ':' || '0' <= hi && hi <= '9' || 'A' <= hi && hi <= 'Z' || 'a' <= hi && hi <= 'z') {
			return "", false
		}
		b = append(b, hi)
	}
	return string(b), true
}

// minSwappedUnits is the fewest code units byteSwappedASCII judges. The
// shortest names of the event schema are of 4 ("Data", "Name", "Guid",
// "Task": https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema),
// while UserData's element names are the provider's own (UserDataType is
// xs:any: https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-userdatatype-complextype)
// and a few real CJK characters are such units: 最 (U+6700), 开 (U+5F00),
// 一 (U+4E00), 儀 (U+5100). A name of 1 to 3 of them is read as written
// (TestShortCJKNameIsAName).
const minSwappedUnits = 4

// truncName shortens a name for an error message.
func truncName(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// isXMLName reports whether s matches the Name production of XML 1.0
// (fifth edition) §2.3.
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if !isNameStartChar(r) && (i == 0 || !isNameChar(r)) {
			return false
		}
	}
	return true
}

func isNameStartChar(r rune) bool {
	switch {
	case r == ':' || r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z':
		return true
	case r < 0xC0:
		return false
	}
	return r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

func isNameChar(r rune) bool {
	return isNameStartChar(r) || r == '-' || r == '.' || '0' <= r && r <= '9' || r == 0xB7 ||
		0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040
}

// maxSubstIndex returns the highest substitution index used by the
// compiled nodes (attributes and content, not nested instances, which
// carry their own values), or -1.
func maxSubstIndex(nodes []*tnode) int {
	m := -1
	for _, n := range nodes {
		switch n.kind {
		case nSubst:
			m = max(m, int(n.index))
		case nElement:
			for _, a := range n.attrs {
				m = max(m, maxSubstIndex(a.parts))
			}
			m = max(m, maxSubstIndex(n.children))
		}
	}
	return m
}

// templateMismatch checks a template instance against the definition it
// points to: the template id (first 4 bytes of the GUID at offset 4 of the
// definition) and the substitution count.
func templateMismatch(chunk []byte, id uint32, defOff int, t *template, count int) error {
	if got := binary.LittleEndian.Uint32(chunk[defOff+4:]); got != id {
		return corruptf(defOff, "template instance names template %#08x, the definition here is %#08x (overwritten)", id, got)
	}
	if t.maxIndex >= count {
		return corruptf(defOff, "template uses substitution %d, the instance has %s (the definition belongs to another record)", t.maxIndex, plural.N(count, "value"))
	}
	return nil
}

// templateFits reports whether templateMismatch finds nothing wrong.
func templateFits(chunk []byte, id uint32, defOff int, t *template, count int) bool {
	return binary.LittleEndian.Uint32(chunk[defOff+4:defOff+8]) == id && t.maxIndex < count
}

// unresolvedElement builds the element that stands for a template instance
// whose definition cannot be used: <Unresolved Template='0x...'> with one
// <Value Type='...'> child per substitution value, in order. Values that do
// not decode keep their bytes as binary.
func (d *chunkDecoder) unresolvedElement(n *tnode, nest, depth int) (*Element, error) {
	if depth > maxDepth {
		return nil, limitf(d.recPos, "elements nested deeper than %d", maxDepth)
	}
	if err := d.spend(d.recPos, 1+len(n.vals)); err != nil {
		return nil, err
	}
	el := &Element{Name: UnresolvedElement, Attrs: []Attr{{Name: "Template", Value: Value{Kind: KindHexInt32, Uint: uint64(n.tmplID)}}}}
	el.Children = make([]*Element, 0, len(n.vals))
	ic := newInstCtx(n.vals)
	for i, rv := range n.vals {
		v := Value{}
		if rv.kind != KindNull {
			var err error
			v, _, err = d.value(ic, uint16(i), nest)
			if err != nil {
				// An embedded BinXML value that does not decode, or a
				// value over a limit: keep its bytes.
				v = binaryValue(d.chunk[rv.pos : rv.pos+rv.size])
			}
		}
		kind := v.Kind
		if rv.kind == KindNull {
			kind = KindNull
		}
		c := &Element{Name: "Value", Attrs: []Attr{{Name: "Type", Value: StringValue(kind.String())}}}
		if v.Kind == KindBinXML && v.Elem != nil {
			c.Children = []*Element{v.Elem}
		} else {
			c.Value = v
		}
		el.Children = append(el.Children, c)
		d.unresolved = append(d.unresolved, v)
	}
	return el, nil
}

// UnresolvedElement is the name of the element that stands, in a partial
// event's tree, for a template instance whose definition could not be used
// (see Event.Partial).
const UnresolvedElement = "Unresolved"

// partialReason words the problem of a template instance for Event.Partial.
func partialReason(err error) string {
	return "template not resolved: " + strings.ReplaceAll(err.Error(), "evtx: ", "")
}
