package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/internal/plural"
)

// This file decodes the BinXML body of EVTX records (MS-EVEN6 §2.2.12,
// libyal's "Windows XML Event Log (EVTX)" notes). It is written for hostile
// input:
//
//   - every count, size and offset read from the chunk is checked against the
//     bytes that remain before it is used; nothing is allocated beyond what
//     the checked bytes can hold;
//   - element nesting, template/BinXML nesting and the number of nodes a
//     record may produce are capped (maxDepth, maxNesting, the work budget);
//   - a template definition cannot reference another template, so template
//     references cannot form cycles;
//   - the name and template definitions one record references are bounded
//     in total (defBudget, about twice the chunk), counted per record
//     whatever has been parsed before.
//
// Decoding is a pure function of the record and its chunk: names and
// templates are parsed once per chunk offset and kept in a memo (failures
// too, which depend only on the bytes at that offset), but whether a record
// decodes, and to what, never depends on what the memo holds, so records
// decode alike in any order, alone or with others (TestDecodeOrderFree).
// The memo holds at most about twice the chunk's bytes; definitions beyond
// that are parsed for the record that needs them and dropped after it.
//
// Positions are chunk offsets throughout, because names and templates are
// referenced by their offset inside the 64 KiB chunk.

// BinXML tokens.
const (
	tokEOF            = 0x00
	tokOpenStart      = 0x01
	tokCloseStart     = 0x02
	tokCloseEmpty     = 0x03
	tokEndElement     = 0x04
	tokValue          = 0x05
	tokAttribute      = 0x06
	tokCDATA          = 0x07
	tokCharRef        = 0x08
	tokEntityRef      = 0x09
	tokPITarget       = 0x0a
	tokPIData         = 0x0b
	tokTemplate       = 0x0c
	tokNormalSubst    = 0x0d
	tokOptionalSubst  = 0x0e
	tokFragmentHeader = 0x0f
	tokMoreFlag       = 0x40
)

// Limits that keep decoding bounded on hostile input.
const (
	maxDepth   = 64 // element nesting
	maxNesting = 8  // template instance / embedded BinXML nesting
	// binxmlRecordHeader is magic, size, record id and FILETIME.
	binxmlRecordHeader = 24
	// templateHeaderSize is next offset, GUID and data size.
	templateHeaderSize = 24
)

// chunkDecoder decodes the records of one chunk. It keeps names and
// compiled templates by chunk offset (a memo that never changes a result).
// It is not safe for concurrent use.
type chunkDecoder struct {
	chunk []byte
	// The memo holds names in ntab (when set) and moreNames, templates in
	// recent and moreTmpls (see those; memoNames and memoTemplates, in
	// tests, list them).
	moreNames map[uint32]*nameEntry
	moreTmpls map[uint32]*template
	// memoBytes counts the definition bytes held in the memo; past
	// memoCap new definitions go to the record's own maps below.
	memoBytes, memoCap int
	// recent holds templates of the memo by offset, direct mapped, and
	// moreTmpls those whose slot another offset took first: a template
	// enters its slot when the slot is empty, else moreTmpls, and a slot
	// once taken keeps its template for the chunk. So an empty slot tells
	// that the memo holds none of its offsets, and most records, which use
	// a handful of templates, find theirs without a map lookup.
	recent [recentSlots]struct {
		at uint64 // 1 + the chunk offset; 0: empty
		t  *template
	}
	// ntab, when set, holds names of the memo by offset, direct mapped,
	// valid where their gen is ngen (tmplCache keeps the table across the
	// chunks of its goroutine), and moreNames those whose slot another
	// offset took first: a name enters its slot when the slot is free in
	// this generation, else moreNames, and a slot once taken keeps its
	// name for the chunk. So a free slot tells that the memo holds none of
	// its offsets, and a name of the memo is found without a map lookup
	// unless its slot went to another (memoName). Without ntab, moreNames
	// holds them all.
	ntab *nameTable
	ngen uint32

	// per record (beginRecord resets them)
	gen    uint64    // record generation: stamps what it has been charged for
	slab   []Element // elements are allocated in small blocks per record
	budget int       // work budget: nodes built, values rendered
	// defBudget bounds the bytes of the distinct name and template
	// definitions the record references (a template counts with the names
	// it uses): in a valid chunk they do not overlap, so their total is
	// below the chunk size; references to many overlapping offsets
	// (hostile) stop here instead of parsing the same bytes over and over.
	defBudget int
	recPos    int // record header offset, for error messages
	// bound makes chargeTemplate charge by chargeBound (readTime);
	// overBound says the bound ran out.
	bound, overBound bool
	ownNames         map[uint32]*nameEntry
	ownTmpls         map[uint32]*template
	tvals            []rawValue // readTime's values (timecreated.go), reused
	walk             valueWalk  // plannedTime's walk of the values (timecreated.go)
	compiling        *template  // the template being compiled, if any
	compileSet       map[uint32]bool
	compileOff       int       // its chunk offset
	compileRef       []nameRef // its name offsets, as met (tmplcache.go)
	// cache, when set, holds templates compiled from earlier chunks read by
	// the same goroutine (tmplcache.go).
	cache *tmplCache
	// partial is the first problem of a template instance of the record
	// that could not be resolved (nil if none); unresolved collects the
	// values of such instances, for Event.Unresolved.
	partial    error
	unresolved []Value
	damaged    error // the first damaged definition the record used in full

	// summarizeLean's reused state (summary.go): values, their instance
	// context, and the strings decoded for the chunk's records, by their
	// UTF-16 bytes.
	svals   []rawValue
	sic     instCtx
	sumText map[string]string

	// leanRead is set while scanChunk reads a TimeCreated without
	// recovering from a panic of the read (readTimeLean).
	leanRead bool
	// anySignature lets decodeRecord decode a record whose signature is
	// damaged, for a salvage that vouches for its extent (salvageSpan).
	anySignature bool
}

type nameEntry struct {
	name  string
	size  int // bytes of the name structure
	err   error
	memo  bool   // held in the chunk's memo
	stamp uint64 // generation of the last record charged for it
	mark  uint32 // tmplCache.mark when reuse last met it
	// info is 1 + the index of the tmplCache.infos entry knownName made
	// this entry from (so it holds that name and size, without error),
	// 0 when it did not.
	info uint32
}

// template is a compiled template definition.
type template struct {
	nodes []*tnode
	elems int // element nodes, to allocate an instance's elements at once
	size  int // bytes of the definition, header included
	err   error
	// names are the distinct name structures the definition references,
	// charged with it to each record that uses it; cost is size plus
	// their sizes.
	names []*nameEntry
	cost  int
	memo  bool   // every name is in the memo (so it may be kept there)
	stamp uint64 // generation of the last record charged for it
	// maxIndex is the highest substitution index the definition uses, or -1.
	maxIndex int
	// damaged says that the definition's data size field disagrees with
	// its tokens, which were read up to their EOF token instead (size is
	// then the extent of the tokens); records using it are flagged.
	damaged   error
	overclaim int // bytes the damaged size field claims beyond the tokens

	tshape *timeShape // where TimeCreated sits (timecreated.go), once known
	eof    bool       // the tokens end with an EOF token
	// boundCost is size, overclaim and every name's size (0: not yet
	// summed), what chargeBound takes.
	boundCost int

	sshape *sumShape // what a Summary reads (summary.go), once known
}

// Node kinds of a compiled BinXML tree.
const (
	nElement  = iota
	nText     // literal text (value text, CDATA, char/entity ref)
	nSubst    // substitution slot
	nInstance // template instance with its values
	nPI       // processing instruction (kept as text-less marker)
	// nUnresolved is a template instance whose definition cannot be used
	// (overwritten, damaged, or not fitting the instance's values): its
	// values are kept without names (see unresolvedElement).
	nUnresolved
)

// tnode is a node of a compiled BinXML fragment or template.
type tnode struct {
	kind     uint8
	optional bool   // nSubst: optional substitution
	vtype    Kind   // nSubst: declared type
	index    uint16 // nSubst: substitution index
	name     string // nElement: element name; nText: text
	attrs    []tattr
	children []*tnode // nElement: content in document order

	tmpl   *template  // nInstance
	vals   []rawValue // nInstance, nUnresolved
	tmplID uint32     // nUnresolved: the template id the instance names
}

type tattr struct {
	name  string
	parts []*tnode // nText / nSubst pieces
}

// rawValue is one substitution value as stored: its type and bytes.
type rawValue struct {
	kind Kind
	pos  int // chunk offset of the value bytes
	size int
}

func newChunkDecoder(chunk []byte) *chunkDecoder {
	return decoderWith(chunk, make(map[uint32]*nameEntry), make(map[uint32]*template))
}

// decoderWith returns a decoder of chunk whose memo starts in the empty
// maps names and templates (moreNames and moreTmpls).
func decoderWith(chunk []byte, names map[uint32]*nameEntry, templates map[uint32]*template) *chunkDecoder {
	return &chunkDecoder{chunk: chunk, moreNames: names, moreTmpls: templates, memoCap: defLimit(chunk)}
}

// defLimit is the bound on the definition bytes one record may reference
// in chunk c (and on the bytes the memo keeps).
func defLimit(c []byte) int { return 2*len(c) + 4096 }

// memoFailure is what a memoised failure counts against memoCap.
const memoFailure = 64

// beginRecord starts the per-record state for the record at off of size
// bytes: budgets, the generation that stamps charged definitions, and the
// record's own definitions beyond the memo.
func (d *chunkDecoder) beginRecord(off, size int) {
	d.gen++
	d.budget = 8*size + 1024
	if workCap > 0 {
		d.budget = min(d.budget, workCap)
	}
	d.defBudget = defLimit(d.chunk)
	d.recPos = off
	d.slab = nil // a record's elements never share a block with another's
	if d.ownNames != nil {
		clear(d.ownNames)
	}
	if d.ownTmpls != nil {
		clear(d.ownTmpls)
	}
}

// workCap, when positive, caps every record's work budget (tests set it
// to make the budget run out at a chosen charge; 0, its value outside
// tests, caps nothing).
var workCap = 0

// chargeDef takes n bytes from the record's definition budget.
func (d *chunkDecoder) chargeDef(pos, n int) error {
	d.defBudget -= n
	if d.defBudget < 0 {
		return limitf(pos, "record at %#x references more than %d bytes of name and template definitions", d.recPos, defLimit(d.chunk))
	}
	return nil
}

// chargeName charges the record for name e once.
func (d *chunkDecoder) chargeName(pos int, e *nameEntry) error {
	if e.stamp == d.gen {
		return nil
	}
	e.stamp = d.gen
	return d.chargeDef(pos, e.size)
}

// chargeTemplate charges the record for template t and its names once.
func (d *chunkDecoder) chargeTemplate(pos int, t *template) error {
	if d.bound {
		return d.chargeBound(t)
	}
	if t.stamp == d.gen {
		return nil
	}
	t.stamp = d.gen
	if err := d.chargeDef(pos, t.size+t.overclaim); err != nil {
		return err
	}
	for _, e := range t.names {
		if err := d.chargeName(pos, e); err != nil {
			return err
		}
	}
	return nil
}

// chargeBound takes from the record's budget every byte template t
// charges, its names as if none had been charged before (readTime's
// bound): the budget left is then at most what exact charges leave. When
// it runs out, overBound is set and an error returned.
func (d *chunkDecoder) chargeBound(t *template) error {
	if t.boundCost == 0 {
		n := t.size + t.overclaim
		for _, e := range t.names {
			n += e.size
		}
		t.boundCost = n
	}
	if d.defBudget -= t.boundCost + boundExtra; d.defBudget < 0 {
		d.overBound = true
		return errOverBound
	}
	return nil
}

var errOverBound = errors.New("evtx: definition bytes over readTime's bound")

// boundExtra is added to every bound charge (tests set it to make every
// bound run out, so that readTime takes its exact path).
var boundExtra = 0

// corruptf returns an error wrapping ErrCorrupt that names the chunk offset.
func corruptf(pos int, format string, args ...any) error {
	return fmt.Errorf("%w: chunk offset %#x: %s", ErrCorrupt, pos, fmt.Sprintf(format, args...))
}

// limitf returns an error wrapping ErrLimit that names the chunk offset.
func limitf(pos int, format string, args ...any) error {
	return fmt.Errorf("%w: chunk offset %#x: %s", ErrLimit, pos, fmt.Sprintf(format, args...))
}

// decodeRecord decodes the record whose header is at off (size bytes long,
// size copy included).
func (d *chunkDecoder) decodeRecord(off, size int) (ev *Event, err error) {
	defer func() {
		if r := recover(); r != nil {
			ev = nil
			err = corruptf(off, "decoder panic: %v", r)
		}
	}()
	if off < 0 || size < binxmlRecordHeader+4 || off > len(d.chunk) || size > len(d.chunk)-off {
		return nil, corruptf(off, "record size %d out of range", size)
	}
	b := d.chunk[off : off+size]
	if (b[0] != '*' || b[1] != '*' || b[2] != 0 || b[3] != 0) && !d.anySignature {
		return nil, corruptf(off, "bad record magic %q", b[:4])
	}
	ev = &Event{
		RecordID: binary.LittleEndian.Uint64(b[8:]),
		Written:  FiletimeToTime(binary.LittleEndian.Uint64(b[16:])),
	}
	d.beginRecord(off, size)
	d.partial, d.unresolved, d.damaged = nil, nil, nil
	c := &cursor{b: d.chunk, pos: off + binxmlRecordHeader, end: off + size - 4}
	nodes, err := d.parseFragment(c, false, 0)
	if err != nil {
		return nil, err
	}
	roots, err := d.instantiate(nodes, nil, 0, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range roots {
		if r != nil {
			ev.Root = r
			break
		}
	}
	if ev.Root == nil {
		return nil, corruptf(off, "record %d has no root element", ev.RecordID)
	}
	if d.partial == nil && d.damaged != nil {
		ev.Partial = "template definition damaged, decoded from its tokens: " + strings.ReplaceAll(d.damaged.Error(), "evtx: ", "")
	}
	if d.partial != nil {
		ev.Partial = partialReason(d.partial)
		ev.Unresolved = d.unresolved
		if ev.Root.Name == UnresolvedElement {
			// The record's own template is the one not resolved: keep the
			// event shape (one <Event> per record).
			ev.Root = &Element{Name: "Event", Attrs: []Attr{{Name: "xmlns", Value: StringValue(eventNS)}}, Children: []*Element{ev.Root}}
		}
	}
	fillEvent(ev)
	return ev, nil
}

// cursor reads from b[pos:end].
type cursor struct {
	b   []byte
	pos int
	end int
}

func (c *cursor) left() int { return c.end - c.pos }

// countedText reads a u16 count of UTF-16 code units, then the units, as a
// text node.
func (c *cursor) countedText(what string) (*tnode, error) {
	n, err := c.u16(what + " length")
	if err != nil {
		return nil, err
	}
	s, err := c.utf16(int(n), what)
	if err != nil {
		return nil, err
	}
	return &tnode{kind: nText, name: s}, nil
}

func (c *cursor) need(n int, what string) error {
	if n < 0 || c.end-c.pos < n {
		return corruptf(c.pos, "%s: need %s, %d left", what, plural.N(n, "byte"), c.end-c.pos)
	}
	return nil
}

func (c *cursor) peek() (byte, error) {
	if c.pos >= c.end {
		return 0, corruptf(c.pos, "unexpected end of BinXML")
	}
	return c.b[c.pos], nil
}

func (c *cursor) u8(what string) (byte, error) {
	if err := c.need(1, what); err != nil {
		return 0, err
	}
	v := c.b[c.pos]
	c.pos++
	return v, nil
}

func (c *cursor) u16(what string) (uint16, error) {
	if err := c.need(2, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(c.b[c.pos:])
	c.pos += 2
	return v, nil
}

func (c *cursor) u32(what string) (uint32, error) {
	if err := c.need(4, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(c.b[c.pos:])
	c.pos += 4
	return v, nil
}

// utf16 reads n UTF-16 code units.
func (c *cursor) utf16(n int, what string) (string, error) {
	if err := c.need(2*n, what); err != nil {
		return "", err
	}
	s := decodeUTF16(c.b[c.pos : c.pos+2*n])
	c.pos += 2 * n
	return s, nil
}

// decodeUTF16 converts UTF-16LE bytes (an odd last byte is ignored) to UTF-8.
// Unpaired surrogates become U+FFFD.
func decodeUTF16(b []byte) string {
	n := len(b) / 2
	ascii := true
	for i := 0; i < n; i++ {
		if b[2*i+1] != 0 || b[2*i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		var sb strings.Builder
		sb.Grow(n)
		for i := 0; i < n; i++ {
			sb.WriteByte(b[2*i])
		}
		return sb.String()
	}
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// name returns the name referenced at chunk offset off. When off is the
// cursor position the name structure is inline and the cursor skips it.
// The record is charged for the name once; while a template is being
// compiled, the template is (its names are charged with it).
func (d *chunkDecoder) name(c *cursor, off uint32) (string, error) {
	inline := int(off) == c.pos
	e := d.lookupName(off)
	if e.err != nil {
		return "", e.err
	}
	if t := d.compiling; t != nil {
		d.compileRef = append(d.compileRef, nameRef{pos: c.pos - 4 - d.compileOff, inline: inline, name: e.name, size: e.size,
			raw: d.chunk[int(off)+4 : int(off)+e.size]})
		if !d.compileSet[off] {
			d.compileSet[off] = true
			t.names = append(t.names, e)
			t.memo = t.memo && e.memo
			if t.cost += e.size; t.cost > defLimit(d.chunk) {
				return "", limitf(c.pos, "template references more than %d bytes of names", defLimit(d.chunk))
			}
		}
	} else if err := d.chargeName(c.pos, e); err != nil {
		return "", err
	}
	if inline {
		if err := c.need(e.size, "inline name"); err != nil {
			return "", err
		}
		c.pos += e.size
	}
	return e.name, nil
}

// lookupName returns the name structure at chunk offset off from the memo
// or the record's own names, parsing it on first use.
func (d *chunkDecoder) lookupName(off uint32) *nameEntry {
	if e, ok := d.memoName(off); ok {
		return e
	}
	if e, ok := d.ownNames[off]; ok {
		return e
	}
	e := parseName(d.chunk, int(off))
	n := e.size
	if e.err != nil {
		n = memoFailure
	}
	d.keepName(off, e, n)
	return e
}

// nameTable is chunkDecoder.ntab.
type nameTable [nameSlots]struct {
	gen, off uint32
	e        *nameEntry
}

// nameSlots is the size of a nameTable: the chunks of a System log name
// some 30 to 50 names each, which 1,024 slots hold with few collisions.
const (
	nameBits  = 10
	nameSlots = 1 << nameBits
)

func nameSlot(off uint32) uint32 { return (off * 0x9e3779b1) >> (32 - nameBits) }

// memoName returns the memo's entry for the name at off, as a lookup of
// names does.
func (d *chunkDecoder) memoName(off uint32) (*nameEntry, bool) {
	if d.ntab != nil {
		s := &d.ntab[nameSlot(off)]
		if s.gen != d.ngen {
			return nil, false // a free slot: the memo holds none of its offsets
		}
		if s.off == off {
			return s.e, true
		}
		if len(d.moreNames) == 0 {
			return nil, false
		}
	}
	e, ok := d.moreNames[off]
	return e, ok
}

// keepName keeps name entry e, parsed at off, in the chunk's memo when its
// n bytes fit under memoCap, else among the record's own names.
func (d *chunkDecoder) keepName(off uint32, e *nameEntry, n int) {
	if d.memoBytes+n <= d.memoCap {
		d.memoBytes += n
		e.memo = true
		if d.ntab != nil {
			if s := &d.ntab[nameSlot(off)]; s.gen != d.ngen {
				s.gen, s.off, s.e = d.ngen, off, e
				return
			}
		}
		d.moreNames[off] = e
		return
	}
	if d.ownNames == nil {
		d.ownNames = make(map[uint32]*nameEntry)
	}
	d.ownNames[off] = e
}

// parseName parses the name structure at chunk offset off of chunk: u32
// next offset, u16 hash, u16 character count, UTF-16 characters, u16 NUL.
func parseName(chunk []byte, off int) *nameEntry {
	if off < 0 || off > len(chunk)-8 {
		return &nameEntry{err: corruptf(off, "name offset outside chunk")}
	}
	n := int(binary.LittleEndian.Uint16(chunk[off+6:]))
	size := 8 + 2*n + 2
	if size > len(chunk)-off {
		return &nameEntry{err: corruptf(off, "name of %s runs past the chunk", plural.N(n, "character"))}
	}
	str := decodeUTF16(chunk[off+8 : off+8+2*n])
	if err := checkName(chunk, off, n, str); err != nil {
		return &nameEntry{err: err}
	}
	return &nameEntry{name: str, size: size}
}

// spend takes n units from the record's work budget.
func (d *chunkDecoder) spend(pos, n int) error {
	d.budget -= n
	if d.budget < 0 {
		return limitf(pos, "record at %#x exceeds the decoding work budget", d.recPos)
	}
	return nil
}

// parseFragment parses BinXML until EOF or the end of the cursor. inTemplate
// means element starts carry a dependency identifier (template definitions).
func (d *chunkDecoder) parseFragment(c *cursor, inTemplate bool, nest int) ([]*tnode, error) {
	var nodes []*tnode
	for c.pos < c.end {
		tok := c.b[c.pos]
		switch tok &^ tokMoreFlag {
		case tokEOF:
			c.pos++
			return nodes, nil
		case tokFragmentHeader:
			if err := c.need(4, "fragment header"); err != nil {
				return nil, err
			}
			c.pos += 4
		case tokOpenStart:
			n, err := d.parseElement(c, inTemplate, nest, 1)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		case tokTemplate:
			if inTemplate {
				return nil, corruptf(c.pos, "template instance inside a template definition")
			}
			n, err := d.parseInstance(c, nest)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		default:
			n, err := d.parsePiece(c, inTemplate)
			if err != nil {
				return nil, err
			}
			if n != nil {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, nil
}

// parsePiece parses a content token that is not an element: value text,
// CDATA, character or entity reference, substitution, PI target/data.
// It returns nil for tokens that produce no node.
func (d *chunkDecoder) parsePiece(c *cursor, inTemplate bool) (*tnode, error) {
	start := c.pos
	tok, err := c.u8("token")
	if err != nil {
		return nil, err
	}
	if err := d.spend(start, 1); err != nil {
		return nil, err
	}
	switch tok &^ tokMoreFlag {
	case tokValue:
		t, err := c.u8("value type")
		if err != nil {
			return nil, err
		}
		if t != byte(KindString) && t != byte(KindAnsiString) {
			return nil, corruptf(start, "value text of type %#x", t)
		}
		return c.countedText("value text")
	case tokCDATA:
		return c.countedText("CDATA")
	case tokCharRef:
		v, err := c.u16("character reference")
		if err != nil {
			return nil, err
		}
		return &tnode{kind: nText, name: string(rune(v))}, nil
	case tokEntityRef:
		off, err := c.u32("entity name offset")
		if err != nil {
			return nil, err
		}
		name, err := d.name(c, off)
		if err != nil {
			return nil, err
		}
		return &tnode{kind: nText, name: entityText(name)}, nil
	case tokNormalSubst, tokOptionalSubst:
		idx, err := c.u16("substitution index")
		if err != nil {
			return nil, err
		}
		t, err := c.u8("substitution type")
		if err != nil {
			return nil, err
		}
		return &tnode{kind: nSubst, index: idx, vtype: Kind(t), optional: tok == tokOptionalSubst}, nil
	case tokPITarget:
		off, err := c.u32("PI target offset")
		if err != nil {
			return nil, err
		}
		if _, err := d.name(c, off); err != nil {
			return nil, err
		}
		return &tnode{kind: nPI}, nil
	case tokPIData:
		n, err := c.u16("PI data length")
		if err != nil {
			return nil, err
		}
		if _, err := c.utf16(int(n), "PI data"); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return nil, corruptf(start, "unexpected BinXML token %#02x", tok)
}

// entityText resolves the predefined XML entities; others are kept as a
// reference.
func entityText(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	return "&" + name + ";"
}

func isValuePiece(tok byte) bool {
	switch tok &^ tokMoreFlag {
	case tokValue, tokCDATA, tokCharRef, tokEntityRef, tokNormalSubst, tokOptionalSubst:
		return true
	}
	return false
}

// parseElement parses an element from its open start token to its end.
func (d *chunkDecoder) parseElement(c *cursor, inTemplate bool, nest, depth int) (*tnode, error) {
	start := c.pos
	if depth > maxDepth {
		return nil, limitf(start, "elements nested deeper than %d", maxDepth)
	}
	if err := d.spend(start, 1); err != nil {
		return nil, err
	}
	tok, err := c.u8("element token")
	if err != nil {
		return nil, err
	}
	if inTemplate {
		if _, err := c.u16("dependency identifier"); err != nil {
			return nil, err
		}
	}
	if _, err := c.u32("element size"); err != nil {
		return nil, err
	}
	off, err := c.u32("element name offset")
	if err != nil {
		return nil, err
	}
	name, err := d.name(c, off)
	if err != nil {
		return nil, err
	}
	if tok&tokMoreFlag != 0 {
		// The attribute list size (after an inline name): the attributes
		// are parsed token by token.
		if _, err := c.u32("attribute list size"); err != nil {
			return nil, err
		}
	}
	el := &tnode{kind: nElement, name: name}
	// Attributes.
	for {
		t, err := c.peek()
		if err != nil {
			return nil, err
		}
		if t&^tokMoreFlag != tokAttribute {
			break
		}
		apos := c.pos
		c.pos++
		if err := d.spend(apos, 1); err != nil {
			return nil, err
		}
		aoff, err := c.u32("attribute name offset")
		if err != nil {
			return nil, err
		}
		aname, err := d.name(c, aoff)
		if err != nil {
			return nil, err
		}
		a := tattr{name: aname}
		for {
			t, err := c.peek()
			if err != nil {
				return nil, err
			}
			if !isValuePiece(t) {
				break
			}
			p, err := d.parsePiece(c, inTemplate)
			if err != nil {
				return nil, err
			}
			a.parts = append(a.parts, p)
		}
		el.attrs = append(el.attrs, a)
	}
	t, err := c.u8("close element token")
	if err != nil {
		return nil, err
	}
	switch t {
	case tokCloseEmpty:
		return el, nil
	case tokCloseStart:
	default:
		return nil, corruptf(c.pos-1, "unexpected token %#02x after attributes of <%s>", t, name)
	}
	// Content.
	for {
		t, err := c.peek()
		if err != nil {
			return nil, err
		}
		switch t &^ tokMoreFlag {
		case tokEndElement:
			c.pos++
			return el, nil
		case tokOpenStart:
			ch, err := d.parseElement(c, inTemplate, nest, depth+1)
			if err != nil {
				return nil, err
			}
			el.children = append(el.children, ch)
		case tokTemplate:
			if inTemplate {
				return nil, corruptf(c.pos, "template instance inside a template definition")
			}
			n, err := d.parseInstance(c, nest)
			if err != nil {
				return nil, err
			}
			el.children = append(el.children, n)
		case tokEOF, tokFragmentHeader, tokCloseStart, tokCloseEmpty, tokAttribute:
			return nil, corruptf(c.pos, "unexpected token %#02x in content of <%s>", t, name)
		default:
			p, err := d.parsePiece(c, inTemplate)
			if err != nil {
				return nil, err
			}
			if p != nil {
				el.children = append(el.children, p)
			}
		}
	}
}

// parseInstance parses a template instance: token, one unknown byte, u32
// template id, u32 definition offset, the definition itself when it is
// inline, then the substitution value descriptors and values.
func (d *chunkDecoder) parseInstance(c *cursor, nest int) (*tnode, error) {
	start := c.pos
	if nest+1 > maxNesting {
		return nil, limitf(start, "templates nested deeper than %d", maxNesting)
	}
	if err := c.need(10, "template instance"); err != nil {
		return nil, err
	}
	c.pos += 2 // token, unknown
	id, _ := c.u32("template id")
	defOff, _ := c.u32("template offset")
	tmpl := d.template(int(defOff))
	bad := tmpl.err
	if bad == nil {
		if err := d.chargeTemplate(start, tmpl); err != nil {
			return nil, err
		}
	}
	if int(defOff) == c.pos {
		size := tmpl.size
		if bad != nil {
			// A damaged inline definition: skip it by its size field, if
			// that stays inside the record, to reach the values.
			size = -1
			if c.left() >= templateHeaderSize {
				size = templateHeaderSize + int(binary.LittleEndian.Uint32(c.b[c.pos+20:]))
			}
		}
		if err := c.need(size, "inline template definition"); err != nil {
			if bad != nil {
				return nil, bad
			}
			return nil, err
		}
		c.pos += size
	}
	count, err := c.u32("substitution count")
	if err != nil {
		return nil, err
	}
	if int64(count) > int64(c.left()/4) {
		return nil, corruptf(c.pos-4, "substitution count %d exceeds the %s left", count, plural.N(c.left(), "byte"))
	}
	if err := d.spend(start, int(count)); err != nil {
		return nil, err
	}
	vals := make([]rawValue, count)
	desc := c.pos
	c.pos += 4 * int(count)
	for i := range vals {
		size := int(binary.LittleEndian.Uint16(c.b[desc+4*i:]))
		kind := Kind(c.b[desc+4*i+2])
		if size > c.left() {
			return nil, corruptf(c.pos, "substitution value %d: need %s, %d left", i, plural.N(size, "byte"), c.left())
		}
		vals[i] = rawValue{kind: kind, pos: c.pos, size: size}
		c.pos += size
	}
	if bad == nil {
		bad = templateMismatch(d.chunk, id, int(defOff), tmpl, len(vals))
	}
	if bad == nil && tmpl.damaged != nil && d.damaged == nil {
		d.damaged = tmpl.damaged
	}
	if bad != nil {
		if len(vals) == 0 {
			return nil, bad // nothing to keep
		}
		if d.partial == nil {
			d.partial = bad
		}
		return &tnode{kind: nUnresolved, vals: vals, tmplID: id}, nil
	}
	return &tnode{kind: nInstance, tmpl: tmpl, vals: vals}, nil
}

// recentSlots is the size of chunkDecoder.recent: the chunks of a System
// log use some 30 templates each, which 128 slots hold with a few in
// moreTmpls.
const (
	recentBits  = 7
	recentSlots = 1 << recentBits
)

// template returns the compiled template defined at chunk offset off from
// the memo or the record's own templates, compiling it on first use. The
// result depends only on the chunk's bytes.
func (d *chunkDecoder) template(off int) *template {
	if r := &d.recent[(uint32(off)*0x9e3779b1)>>(32-recentBits)]; r.at == uint64(uint32(off))+1 {
		return r.t
	}
	return d.templateSlow(off)
}

// templateSlow is template but for a template of its recent slot.
func (d *chunkDecoder) templateSlow(off int) *template {
	r := &d.recent[(uint32(off)*0x9e3779b1)>>(32-recentBits)]
	if r.t != nil && len(d.moreTmpls) > 0 {
		// Another offset's slot: the memo holds this one in moreTmpls,
		// if at all. (An empty slot tells that it holds none of its
		// offsets.)
		if t, ok := d.moreTmpls[uint32(off)]; ok {
			return t
		}
	}
	if d.ownTmpls != nil {
		if t, ok := d.ownTmpls[uint32(off)]; ok {
			return t
		}
	}
	var t *template
	if d.cache != nil {
		t = d.cache.lookup(d, off)
	}
	if t == nil {
		var refs []nameRef
		t, refs = d.compileTemplate(off)
		if refs != nil && d.cache != nil {
			d.cache.add(d, off, t, refs)
		}
	}
	n := t.size + t.overclaim
	if t.err != nil {
		n = memoFailure
	}
	if (t.err != nil || t.memo) && d.memoBytes+n <= d.memoCap {
		d.memoBytes += n
		if r.t == nil {
			r.at, r.t = uint64(uint32(off))+1, t
		} else {
			d.moreTmpls[uint32(off)] = t
		}
	} else {
		if d.ownTmpls == nil {
			d.ownTmpls = make(map[uint32]*template)
		}
		d.ownTmpls[uint32(off)] = t
	}
	return t
}

// compileTemplate compiles the definition at off. refs, the name offsets
// the definition holds, are returned (non-nil) only for a definition that
// compiled cleanly up to its EOF token, which the cache may keep.
func (d *chunkDecoder) compileTemplate(off int) (t *template, refs []nameRef) {
	if off < 0 || off > len(d.chunk)-templateHeaderSize {
		return &template{err: corruptf(off, "template definition offset outside chunk")}, nil
	}
	size := int(binary.LittleEndian.Uint32(d.chunk[off+20:]))
	t, err := d.compileTokens(off, size)
	if err == nil && t.size == templateHeaderSize+size {
		if t.eof {
			refs = d.compileRef
			if refs == nil {
				refs = []nameRef{}
			}
		}
		d.compileRef = nil
		return t, refs
	}
	d.compileRef = nil
	// The data size field disagrees with the tokens (runs past the chunk,
	// cuts them short, or leaves bytes after their EOF token): a damaged
	// definition whose tokens may still be whole. Read them up to their
	// EOF token within the chunk; if they end there cleanly, the records
	// that use the definition decode, flagged.
	if rest := len(d.chunk) - off - templateHeaderSize; rest > 0 {
		if t2, err2 := d.compileTokens(off, -1); err2 == nil {
			t2.damaged = corruptf(off+20, "template definition's data size field says %s, its tokens end after %d", plural.N(size, "byte"), t2.size-templateHeaderSize)
			// Records are charged what the definition claims (within
			// the chunk), as for an intact one: the definition budget
			// bounds what overlapping claims cost.
			t2.overclaim = max(0, templateHeaderSize+min(size, rest)-t2.size)
			t2.cost += t2.overclaim
			return t2, nil
		}
	}
	if err != nil {
		return &template{err: err}, nil
	}
	return t, nil
}

// compileTokens compiles the template definition at off whose data is size
// bytes (-1: up to its EOF token, within the chunk). The template's size
// is the header plus the bytes its tokens take up to and including their
// EOF token (or size, when they run to the end without one).
func (d *chunkDecoder) compileTokens(off, size int) (*template, error) {
	limit := size
	if size < 0 {
		limit = len(d.chunk) - off - templateHeaderSize
	}
	if limit > len(d.chunk)-off-templateHeaderSize {
		return nil, corruptf(off, "template definition of %s runs past the chunk", plural.N(size, "byte"))
	}
	t := &template{size: templateHeaderSize + limit, cost: templateHeaderSize + limit, memo: true}
	if t.cost > defLimit(d.chunk) {
		return nil, limitf(off, "template definition of %d bytes exceeds %d", limit, defLimit(d.chunk))
	}
	c := &cursor{b: d.chunk, pos: off + templateHeaderSize, end: off + templateHeaderSize + limit}
	// Compiling is linear in the definition's bytes; it must not be charged
	// to (or fail on) the budget of the record that happens to use it first.
	saved := d.budget
	d.budget = 4*limit + 4096
	d.compiling, d.compileSet, d.compileOff, d.compileRef = t, make(map[uint32]bool), off, nil
	nodes, err := d.parseFragment(c, true, 0)
	d.budget = saved
	d.compiling, d.compileSet = nil, nil
	if err != nil {
		return nil, fmt.Errorf("template at %#x: %w", off, err)
	}
	// parseFragment returns before the end only after an EOF token.
	atEOF := c.pos < c.end || c.pos > off+templateHeaderSize && d.chunk[c.pos-1] == tokEOF
	if size < 0 && !atEOF {
		return nil, corruptf(off, "template definition has no EOF token before the end of the chunk")
	}
	if atEOF {
		t.size = c.pos - off
		t.cost = t.size
		t.eof = true
	}
	t.nodes, t.elems, t.maxIndex = nodes, countElements(nodes), maxSubstIndex(nodes)
	return t, nil
}

func countElements(nodes []*tnode) int {
	n := 0
	for _, t := range nodes {
		if t.kind == nElement {
			n += 1 + countElements(t.children)
		}
	}
	return n
}

// instCtx holds the substitution values of one template instance. Values
// are decoded at each use (nearly always once); every use is charged to
// the work budget by size.
type instCtx struct {
	vals []rawValue
}

func newInstCtx(vals []rawValue) *instCtx { return &instCtx{vals: vals} }

// instantiate builds the elements of a compiled fragment. Top-level text is
// dropped (an event is a single element tree).
func (d *chunkDecoder) instantiate(nodes []*tnode, ic *instCtx, nest, depth int) ([]*Element, error) {
	var out []*Element
	for _, n := range nodes {
		switch n.kind {
		case nElement:
			var err error
			out, err = d.buildAll(n, ic, nest, depth+1, out)
			if err != nil {
				return nil, err
			}
		case nInstance:
			// Allocate the instance's elements in one block, but only
			// into an empty slab and at most maxSlab at a time: a template
			// whose elements are mostly dropped (empty optional content),
			// instantiated over and over, must not allocate a block per
			// instance that it never fills.
			if len(d.slab) == 0 {
				d.slab = make([]Element, min(n.tmpl.elems, d.budget, maxSlab))
			}
			els, err := d.instantiate(n.tmpl.nodes, newInstCtx(n.vals), nest+1, depth)
			if err != nil {
				return nil, err
			}
			out = append(out, els...)
		case nUnresolved:
			el, err := d.unresolvedElement(n, nest+1, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, el)
		case nSubst:
			if ic == nil || int(n.index) >= len(ic.vals) {
				continue
			}
			if rv := ic.vals[n.index]; rv.kind == KindBinXML {
				els, err := d.embedded(rv, nest, depth)
				if err != nil {
					return nil, err
				}
				out = append(out, els...)
			}
		}
	}
	return out, nil
}

// embedded decodes a BinXML substitution value into its elements.
func (d *chunkDecoder) embedded(rv rawValue, nest, depth int) ([]*Element, error) {
	if nest+1 > maxNesting {
		return nil, limitf(rv.pos, "BinXML values nested deeper than %d", maxNesting)
	}
	if err := d.spend(rv.pos, 1+rv.size/4); err != nil {
		return nil, err
	}
	c := &cursor{b: d.chunk, pos: rv.pos, end: rv.pos + rv.size}
	nodes, err := d.parseFragment(c, false, nest+1)
	if err != nil {
		return nil, err
	}
	return d.instantiate(nodes, nil, nest+1, depth)
}

// value returns substitution i of ic decoded, and whether it is present:
// its index is in range and its type is not NULL. A zero-length value of
// another type (an empty string) is present (MS-EVEN6 §3.1.4.7.2 omits an
// element or attribute only for a NULL value; libfwevt agrees).
func (d *chunkDecoder) value(ic *instCtx, i uint16, nest int) (Value, bool, error) {
	if ic == nil || int(i) >= len(ic.vals) {
		return Value{}, false, nil
	}
	rv := ic.vals[i]
	if rv.kind == KindNull {
		return Value{}, false, nil
	}
	// Every use is charged by size: a value referenced many times is
	// rendered (copied) as many times.
	if err := d.spend(rv.pos, 1+rv.size/16); err != nil {
		return Value{}, false, err
	}
	if rv.kind == KindBinXML {
		els, err := d.embedded(rv, nest, 0)
		if err != nil {
			return Value{}, false, err
		}
		v := Value{Kind: KindBinXML}
		if len(els) > 0 {
			v.Elem = els[0]
		}
		return v, true, nil
	}
	v, err := decodeValue(rv.kind, d.chunk[rv.pos:rv.pos+rv.size], rv.pos)
	if err != nil {
		return Value{}, false, err
	}
	if err := d.spend(rv.pos, len(v.Array)); err != nil {
		return Value{}, false, err
	}
	return v, true, nil
}

// pieces joins the text and substitution pieces of an attribute value or of
// element content. One piece keeps its type; several become a string.
type pieces struct {
	n   int
	v   Value
	buf []byte
}

func (p *pieces) add(v Value) {
	switch p.n {
	case 0:
		p.v = v
	case 1:
		p.buf = p.v.AppendText(p.buf[:0])
		p.buf = v.AppendText(p.buf)
	default:
		p.buf = v.AppendText(p.buf)
	}
	p.n++
}

func (p *pieces) value() Value {
	if p.n > 1 {
		return Value{Kind: KindString, Str: string(p.buf)}
	}
	return p.v
}

// buildAll instantiates one element of a compiled tree the way Windows
// renders substitutions that are the whole content of an element: an array
// value repeats the element once per item (none for an empty array), and an
// optional substitution whose value is NULL drops the element (MS-EVEN6
// §3.1.4.7.2 "Optional Substitutions"; libfwevt's
// libfwevt_xml_document_substitute_template_value does the same: this is how
// classic events without data lose <Binary/>). An empty string is not NULL:
// the element stays, as <Data/> (TestEmptyIsNotNull).
func (d *chunkDecoder) buildAll(n *tnode, ic *instCtx, nest, depth int, out []*Element) ([]*Element, error) {
	if len(n.children) == 1 && n.children[0].kind == nSubst && ic != nil {
		s := n.children[0]
		if int(s.index) >= len(ic.vals) || ic.vals[s.index].kind != KindBinXML {
			v, ok, err := d.value(ic, s.index, nest)
			if err != nil {
				return nil, err
			}
			if !ok && s.optional {
				return out, nil
			}
			if ok && v.Kind.IsArray() {
				for _, item := range v.Array {
					el, err := d.build(n, ic, nest, depth, false)
					if err != nil {
						return nil, err
					}
					el.Value = item
					out = append(out, el)
				}
				return out, nil
			}
		}
	}
	el, err := d.build(n, ic, nest, depth, true)
	if err != nil {
		return nil, err
	}
	return append(out, el), nil
}

// newElement returns a zero Element from the record's current block.
// maxSlab bounds the elements allocated in one block.
const maxSlab = 256

func (d *chunkDecoder) newElement() *Element {
	if len(d.slab) == 0 {
		d.slab = make([]Element, 8)
	}
	el := &d.slab[0]
	d.slab = d.slab[1:]
	return el
}

// build instantiates one element of a compiled tree; without content only
// its name and attributes.
func (d *chunkDecoder) build(n *tnode, ic *instCtx, nest, depth int, content bool) (*Element, error) {
	if depth > maxDepth {
		return nil, limitf(d.recPos, "elements nested deeper than %d", maxDepth)
	}
	if err := d.spend(d.recPos, 1+len(n.attrs)); err != nil {
		return nil, err
	}
	el := d.newElement()
	el.Name = n.name
	if len(n.attrs) > 0 {
		el.Attrs = make([]Attr, 0, len(n.attrs))
	}
	for _, a := range n.attrs {
		var p pieces
		omit := false
		for _, part := range a.parts {
			switch part.kind {
			case nText:
				if err := d.spend(d.recPos, 1+len(part.name)/16); err != nil {
					return nil, err
				}
				p.add(Value{Kind: KindString, Str: part.name})
			case nSubst:
				v, ok, err := d.value(ic, part.index, nest)
				if err != nil {
					return nil, err
				}
				if !ok {
					if part.optional {
						omit = true
					}
					continue
				}
				p.add(v)
			}
		}
		if omit && p.n == 0 {
			continue
		}
		el.Attrs = append(el.Attrs, Attr{Name: a.name, Value: p.value()})
	}
	if !content {
		return el, nil
	}
	if len(n.children) > 0 {
		el.Children = make([]*Element, 0, len(n.children))
	}
	var p pieces
	for _, ch := range n.children {
		switch ch.kind {
		case nElement:
			var err error
			el.Children, err = d.buildAll(ch, ic, nest, depth+1, el.Children)
			if err != nil {
				return nil, err
			}
		case nInstance:
			els, err := d.instantiate(ch.tmpl.nodes, newInstCtx(ch.vals), nest+1, depth)
			if err != nil {
				return nil, err
			}
			el.Children = append(el.Children, els...)
		case nUnresolved:
			u, err := d.unresolvedElement(ch, nest+1, depth+1)
			if err != nil {
				return nil, err
			}
			el.Children = append(el.Children, u)
		case nText:
			if err := d.spend(d.recPos, 1+len(ch.name)/16); err != nil {
				return nil, err
			}
			p.add(Value{Kind: KindString, Str: ch.name})
		case nSubst:
			if ic != nil && int(ch.index) < len(ic.vals) && ic.vals[ch.index].kind == KindBinXML {
				els, err := d.embedded(ic.vals[ch.index], nest, depth)
				if err != nil {
					return nil, err
				}
				el.Children = append(el.Children, els...)
				continue
			}
			v, ok, err := d.value(ic, ch.index, nest)
			if err != nil {
				return nil, err
			}
			if ok {
				p.add(v)
			}
		}
	}
	el.Value = p.value()
	return el, nil
}
