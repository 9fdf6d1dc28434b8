package evtx

import (
	"encoding/binary"
	"unicode/utf16"
)

// bxw writes BinXML into a test chunk. Positions are chunk offsets: the
// chunk starts with a 512-byte (zero) header, like a real one.
type bxw struct {
	b          []byte
	inTemplate bool // element starts carry a dependency id
	// open elements: where their data size and attribute list size are
	// (-1: none), filled in when they close, as libevtx checks them
	opened []struct{ size, attrs int }
}

func newBXW() *bxw { return &bxw{b: make([]byte, 512)} }

func (w *bxw) pos() int               { return len(w.b) }
func (w *bxw) u8(v byte)              { w.b = append(w.b, v) }
func (w *bxw) u16(v uint16)           { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *bxw) u32(v uint32)           { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *bxw) u64(v uint64)           { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *bxw) raw(b ...byte)          { w.b = append(w.b, b...) }
func (w *bxw) put32(at int, v uint32) { binary.LittleEndian.PutUint32(w.b[at:], v) }

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// nameRef writes a name offset: inline (the name follows) when ref < 0,
// else a reference to an earlier name. It returns the name's offset.
func (w *bxw) nameRef(name string, ref int) int {
	if ref >= 0 {
		w.u32(uint32(ref))
		return ref
	}
	at := w.pos() + 4
	w.u32(uint32(at))
	w.u32(0) // next
	w.u16(nameHash(utf16le(name)))
	w.u16(uint16(len(utf16le(name)) / 2))
	w.raw(utf16le(name)...)
	w.u16(0)
	return at
}

func (w *bxw) fragment() { w.raw(0x0f, 1, 1, 0) }

// open writes an open start element; attrs tells whether attributes follow.
// It returns the name offset.
func (w *bxw) open(name string, attrs bool, ref int) int {
	tok := byte(0x01)
	if attrs {
		tok = 0x41
	}
	w.u8(tok)
	if w.inTemplate {
		w.u16(0xffff)
	}
	sizeAt := w.pos()
	w.u32(0) // data size (filled in when the element closes)
	off := w.nameRef(name, ref)
	attrAt := -1
	if attrs {
		attrAt = w.pos()
		w.u32(0) // attribute list size
	}
	w.opened = append(w.opened, struct{ size, attrs int }{sizeAt, attrAt})
	return off
}

// closed fills in the sizes of the innermost open element; attrsOnly
// fills the attribute list size only (the start tag closed).
func (w *bxw) closed(attrsOnly bool) {
	if len(w.opened) == 0 {
		return // hostile test input
	}
	e := &w.opened[len(w.opened)-1]
	if e.attrs >= 0 {
		w.put32(e.attrs, uint32(w.pos()-e.attrs-4))
		e.attrs = -1
	}
	if attrsOnly {
		return
	}
	w.put32(e.size, uint32(w.pos()-e.size-4))
	w.opened = w.opened[:len(w.opened)-1]
}

func (w *bxw) attr(name string, more bool) {
	tok := byte(0x06)
	if more {
		tok = 0x46
	}
	w.u8(tok)
	w.nameRef(name, -1)
}

// systemTime writes a fragment header and the start of
// <Event><System><TimeCreated SystemTime='%0'> (substitution 0, FILETIME),
// the shape Windows writes, leaving TimeCreated's start tag for
// closeEmpty or closeStart.
func (w *bxw) systemTime() {
	w.fragment()
	w.open("Event", false, -1)
	w.closeStart()
	w.open("System", false, -1)
	w.closeStart()
	w.open("TimeCreated", true, -1)
	w.attr("SystemTime", false)
	w.subst(0, KindFileTime, false)
}

// timeAndBinXML writes the values of a systemTime template whose second
// substitution is a BinXML value, in place: their count (2), the
// descriptors (FILETIME of 8 bytes; BinXML of size 0, for the caller to
// set at desc once the nested fragment is written) and ft; the nested
// fragment starts at start.
func (w *bxw) timeAndBinXML(ft uint64) (desc, start int) {
	w.u32(2)
	w.u16(8)
	w.u8(byte(KindFileTime))
	w.u8(0)
	desc = w.pos()
	w.u16(0)
	w.u8(byte(KindBinXML))
	w.u8(0)
	w.u64(ft)
	return desc, w.pos()
}

func (w *bxw) closeStart() { w.closed(true); w.u8(0x02) }
func (w *bxw) closeEmpty() { w.closed(true); w.u8(0x03); w.closed(false) }
func (w *bxw) end()        { w.u8(0x04); w.closed(false) }
func (w *bxw) eof()        { w.u8(0x00) }

func (w *bxw) text(s string) {
	w.raw(0x05, 0x01)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.raw(utf16le(s)...)
}

func (w *bxw) cdata(s string) {
	w.u8(0x07)
	w.u16(uint16(len(utf16.Encode([]rune(s)))))
	w.raw(utf16le(s)...)
}

func (w *bxw) charRef(r uint16) { w.u8(0x08); w.u16(r) }

func (w *bxw) entityRef(name string) { w.u8(0x09); w.nameRef(name, -1) }

func (w *bxw) subst(idx uint16, k Kind, optional bool) {
	if optional {
		w.u8(0x0e)
	} else {
		w.u8(0x0d)
	}
	w.u16(idx)
	w.u8(byte(k))
}

// leaf writes <name>subst(idx)</name>.
func (w *bxw) leaf(name string, idx uint16, k Kind, optional bool) {
	w.open(name, false, -1)
	w.closeStart()
	w.subst(idx, k, optional)
	w.end()
}

// templateInline writes a template instance whose definition follows
// inline; body writes the definition's BinXML (with dependency ids). It
// returns the definition offset.
func (w *bxw) templateInline(body func()) int {
	w.raw(0x0c, 0x01)
	w.u32(0x11223344)
	def := w.pos() + 4
	w.u32(uint32(def))
	w.u32(0)                   // next
	w.u32(0x11223344)          // GUID: its first 4 bytes are the template id
	w.raw(make([]byte, 12)...) // the rest of the GUID
	sizeAt := w.pos()
	w.u32(0)
	start := w.pos()
	saved := w.inTemplate
	w.inTemplate = true
	body()
	w.inTemplate = saved
	w.put32(sizeAt, uint32(w.pos()-start))
	return def
}

// templateRef writes a template instance that references a definition.
func (w *bxw) templateRef(def int) {
	w.raw(0x0c, 0x01)
	w.u32(0x11223344)
	w.u32(uint32(def))
}

type tval struct {
	k Kind
	b []byte
}

func (w *bxw) values(vals ...tval) {
	w.u32(uint32(len(vals)))
	for _, v := range vals {
		w.u16(uint16(len(v.b)))
		w.u8(byte(v.k))
		w.u8(0)
	}
	for _, v := range vals {
		w.raw(v.b...)
	}
}

// record wraps body (BinXML written by fn) in a record header and returns
// the record offset and size.
func (w *bxw) record(id, filetime uint64, fn func()) (int, int) {
	off := w.pos()
	w.raw('*', '*', 0, 0)
	w.u32(0)
	w.u64(id)
	w.u64(filetime)
	fn()
	size := w.pos() - off + 4
	w.u32(uint32(size))
	w.put32(off+4, uint32(size))
	return off, size
}

// Value byte helpers.
func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func strv(s string) tval   { return tval{KindString, append(utf16le(s), 0, 0)} }
