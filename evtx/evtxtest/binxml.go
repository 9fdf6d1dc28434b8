package evtxtest

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// BinXML tokens (MS-EVEN6 §2.2.12).
const (
	tokEOF           = 0x00
	tokOpenStart     = 0x01
	tokCloseStart    = 0x02
	tokCloseEmpty    = 0x03
	tokEndElement    = 0x04
	tokValue         = 0x05
	tokAttribute     = 0x06
	tokTemplate      = 0x0c
	tokNormalSubst   = 0x0d
	tokOptionalSubst = 0x0e
	tokFragment      = 0x0f
	tokMore          = 0x40
)

const (
	chunkSize       = 0x10000
	chunkHeaderSize = 0x200
	nameBuckets     = 64
	templateBuckets = 32
	noDependency    = 0xffff
)

// errChunkFull means the record does not fit in what is left of the chunk.
var errChunkFull = errors.New("evtxtest: chunk full")

// tnode is an element of a template definition.
type tnode struct {
	name    string
	dep     int // substitution index the element depends on, or -1
	attrs   []tattr
	content []tcontent
}

type tattr struct {
	name string
	val  tcontent
}

// tcontent is one piece of content: literal text, a substitution, or a child
// element (exactly one is set).
type tcontent struct {
	text     *string
	sub      int // substitution index when isSub
	isSub    bool
	optional bool
	kind     evtx.Kind // declared substitution type
	child    *tnode
}

func lit(s string) tcontent { return tcontent{text: &s} }

func sub(i int, k evtx.Kind, optional bool) tcontent {
	return tcontent{sub: i, isSub: true, kind: k, optional: optional}
}

func elem(n *tnode) tcontent { return tcontent{child: n} }

// instance is a template instance: the template (identified by key) and its
// substitution values. A value of kind KindBinXML is written as an embedded
// fragment holding the inner instance.
type instance struct {
	key    string
	root   *tnode
	values []subValue
	// fragment: when embedded as a BinXML value, the instance is preceded
	// by a fragment header (Windows writes one for classic events only).
	fragment bool
}

type subValue struct {
	v     evtx.Value
	inner *instance
}

// templateGUID derives a stable GUID for a template shape.
func templateGUID(key string) [16]byte {
	sum := sha256.Sum256([]byte(key))
	var g [16]byte
	copy(g[:], sum[:16])
	return g
}

// nameHash is the hash Windows stores with element and attribute names:
// h = h*65599 + code unit over the UTF-16 string, low 16 bits kept.
func nameHash(s string) uint16 {
	var h uint32
	for _, u := range utf16Units(s) {
		h = h*65599 + uint32(u)
	}
	return uint16(h)
}

func utf16Units(s string) []uint16 {
	b := appendUTF16(nil, s)
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return u
}

// chunkWriter builds one chunk. Offsets are chunk offsets: buf[0] is the
// first byte of the chunk header.
type chunkWriter struct {
	buf       []byte
	names     map[string]uint32
	templates map[string]uint32
	nameHeads [nameBuckets]uint32
	tmplHeads [templateBuckets]uint32
	records   []recordInfo
	limit     int // last byte offset a record may end at
}

type recordInfo struct {
	off, size uint32
	id        uint64
	nameHeads [nameBuckets]uint32
	tmplHeads [templateBuckets]uint32
}

func newChunkWriter(fill bool) *chunkWriter {
	limit := chunkSize - 8
	if fill {
		limit = chunkSize
	}
	return &chunkWriter{
		limit:     limit,
		buf:       make([]byte, chunkHeaderSize, chunkSize),
		names:     map[string]uint32{},
		templates: map[string]uint32{},
	}
}

func (c *chunkWriter) pos() int { return len(c.buf) }

func (c *chunkWriter) u8(v byte)    { c.buf = append(c.buf, v) }
func (c *chunkWriter) u16(v uint16) { c.buf = binary.LittleEndian.AppendUint16(c.buf, v) }
func (c *chunkWriter) u32(v uint32) { c.buf = binary.LittleEndian.AppendUint32(c.buf, v) }
func (c *chunkWriter) u64(v uint64) { c.buf = binary.LittleEndian.AppendUint64(c.buf, v) }

func (c *chunkWriter) patch16(at int, v int) error {
	if v > 0xffff {
		return errChunkFull
	}
	binary.LittleEndian.PutUint16(c.buf[at:], uint16(v))
	return nil
}

func (c *chunkWriter) patch32(at int, v int) {
	binary.LittleEndian.PutUint32(c.buf[at:], uint32(v))
}

// full reports whether the chunk has overflowed; the writer checks it after
// each step so a huge event stops early. A chunk is never filled to its last
// byte: no real chunk is (335 chunks of the sample logs leave 8 bytes or
// more), and evtxexport does not read the last record of one that is.
func (c *chunkWriter) full() bool { return len(c.buf) > c.limit }

// writeRecord appends one record. On error the bytes and the header tables
// are restored; the name and template maps are not, so the caller must not
// add records to this chunk afterwards.
func (c *chunkWriter) writeRecord(id uint64, written uint64, in *instance) error {
	start := len(c.buf)
	nh, th := c.nameHeads, c.tmplHeads
	err := c.record(id, written, in)
	if err == nil && c.full() {
		err = errChunkFull
	}
	if err != nil {
		// The chunk is closed after a failed record (or the whole write
		// fails), so only the bytes and the header tables need restoring.
		c.buf = c.buf[:start]
		c.nameHeads, c.tmplHeads = nh, th
		return err
	}
	c.records = append(c.records, recordInfo{
		off: uint32(start), size: uint32(len(c.buf) - start), id: id,
		nameHeads: c.nameHeads, tmplHeads: c.tmplHeads,
	})
	return nil
}

func (c *chunkWriter) record(id, written uint64, in *instance) error {
	start := len(c.buf)
	c.buf = append(c.buf, '*', '*', 0, 0)
	c.u32(0) // size, patched
	c.u64(id)
	c.u64(written)
	c.buf = append(c.buf, tokFragment, 1, 1, 0)
	if err := c.instance(in); err != nil {
		return err
	}
	c.u8(tokEOF)
	for (len(c.buf)-start+4)%8 != 0 {
		c.u8(0)
	}
	size := len(c.buf) - start + 4
	c.u32(uint32(size))
	c.patch32(start+4, size)
	return nil
}

// instance writes a template instance token, the template definition when
// this chunk has not seen it yet, and the values.
func (c *chunkWriter) instance(in *instance) error {
	if c.full() {
		return errChunkFull
	}
	guid := templateGUID(in.key)
	id := binary.LittleEndian.Uint32(guid[:4])
	c.u8(tokTemplate)
	c.u8(1)
	c.u32(id)
	if off, ok := c.templates[in.key]; ok {
		c.u32(off)
	} else {
		def := uint32(c.pos() + 4)
		c.u32(def)
		b := id % templateBuckets
		c.u32(c.tmplHeads[b])
		c.tmplHeads[b] = def
		c.templates[in.key] = def
		c.buf = append(c.buf, guid[:]...)
		sizeAt := c.pos()
		c.u32(0)
		begin := c.pos()
		c.buf = append(c.buf, tokFragment, 1, 1, 0)
		if err := c.node(in.root); err != nil {
			return err
		}
		c.u8(tokEOF)
		c.patch32(sizeAt, c.pos()-begin)
	}
	if len(in.values) > 0xffff {
		return fmt.Errorf("evtxtest: %d substitution values, more than a template can index", len(in.values))
	}
	c.u32(uint32(len(in.values)))
	desc := c.pos()
	for range in.values {
		c.u32(0)
	}
	for i, sv := range in.values {
		if c.full() {
			return errChunkFull
		}
		begin := c.pos()
		kind := sv.v.Kind
		if sv.inner != nil {
			kind = evtx.KindBinXML
			if sv.inner.fragment {
				c.buf = append(c.buf, tokFragment, 1, 1, 0)
			}
			if err := c.instance(sv.inner); err != nil {
				return err
			}
			c.u8(tokEOF)
		} else {
			b, err := appendValue(c.buf, sv.v)
			if err != nil {
				return err
			}
			c.buf = b
		}
		if err := c.patch16(desc+4*i, c.pos()-begin); err != nil {
			return err
		}
		c.buf[desc+4*i+2] = byte(kind)
	}
	return nil
}

// name writes a name reference, with the name structure inline when the
// chunk does not hold it yet.
func (c *chunkWriter) name(s string) error {
	if off, ok := c.names[s]; ok {
		c.u32(off)
		return nil
	}
	n := utf16Len(s)
	if n > 0xffff {
		return fmt.Errorf("evtxtest: name of %d characters", n)
	}
	off := uint32(c.pos() + 4)
	c.u32(off)
	h := nameHash(s)
	b := h % nameBuckets
	c.u32(c.nameHeads[b])
	c.nameHeads[b] = off
	c.names[s] = off
	c.u16(h)
	c.u16(uint16(n))
	c.buf = appendUTF16(c.buf, s)
	c.u16(0)
	return nil
}

func (c *chunkWriter) node(n *tnode) error {
	if c.full() {
		return errChunkFull
	}
	tok := byte(tokOpenStart)
	if len(n.attrs) > 0 {
		tok |= tokMore
	}
	c.u8(tok)
	dep := uint16(noDependency)
	if n.dep >= 0 {
		dep = uint16(n.dep)
	}
	c.u16(dep)
	sizeAt := c.pos()
	c.u32(0)
	if err := c.name(n.name); err != nil {
		return err
	}
	if len(n.attrs) > 0 {
		listAt := c.pos()
		c.u32(0)
		for i, a := range n.attrs {
			t := byte(tokAttribute)
			if i < len(n.attrs)-1 {
				t |= tokMore
			}
			c.u8(t)
			if err := c.name(a.name); err != nil {
				return err
			}
			if err := c.content(a.val); err != nil {
				return err
			}
		}
		c.patch32(listAt, c.pos()-listAt-4)
	}
	if len(n.content) == 0 {
		c.u8(tokCloseEmpty)
	} else {
		c.u8(tokCloseStart)
		for _, ct := range n.content {
			if err := c.content(ct); err != nil {
				return err
			}
		}
		c.u8(tokEndElement)
	}
	c.patch32(sizeAt, c.pos()-sizeAt-4)
	return nil
}

func (c *chunkWriter) content(ct tcontent) error {
	switch {
	case ct.child != nil:
		return c.node(ct.child)
	case ct.isSub:
		t := byte(tokNormalSubst)
		if ct.optional {
			t = tokOptionalSubst
		}
		c.u8(t)
		c.u16(uint16(ct.sub))
		c.u8(byte(ct.kind))
	case ct.text != nil:
		n := utf16Len(*ct.text)
		if n > 0xffff {
			return fmt.Errorf("evtxtest: literal text too long")
		}
		c.u8(tokValue)
		c.u8(byte(evtx.KindString))
		c.u16(uint16(n))
		c.buf = appendUTF16(c.buf, *ct.text)
	}
	return nil
}

// keyOf renders a template tree as a string that identifies its shape.
func keyOf(n *tnode) string {
	var b strings.Builder
	writeKey(&b, n)
	return b.String()
}

func writeKey(b *strings.Builder, n *tnode) {
	b.WriteString("<")
	b.WriteString(strconv.Quote(n.name))
	b.WriteString(strconv.Itoa(n.dep))
	for _, a := range n.attrs {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(a.name))
		b.WriteString("=")
		contentKey(b, a.val)
	}
	b.WriteString(">")
	for _, ct := range n.content {
		contentKey(b, ct)
	}
	b.WriteString("</>")
}

func contentKey(b *strings.Builder, ct tcontent) {
	switch {
	case ct.child != nil:
		writeKey(b, ct.child)
	case ct.isSub:
		fmt.Fprintf(b, "%%%d:%d:%t", ct.sub, ct.kind, ct.optional)
	case ct.text != nil:
		b.WriteString(strconv.Quote(*ct.text))
	}
}
