package evtx

import (
	"bytes"
	"encoding/binary"
)

// This file keeps compiled template definitions across the chunks one
// decoding goroutine reads, so that a definition Windows repeats in every
// chunk (it writes each template again in each chunk that uses it) is
// compiled once per goroutine rather than once per chunk.
//
// The cache never changes an answer: a definition is taken from it only
// when compiling it in this chunk would give the same template. Compiling
// reads the definition's bytes (header from the GUID on, and data) and, for
// each name it references, the name structure at that chunk offset; the
// length of the chunk bounds it. A cached definition is reused when
//   - the chunk has the same length,
//   - its bytes equal the cached ones except where compiling reads a
//     position: the 4-byte name offsets, and the first 4 bytes (the hash
//     chain's next offset, which nothing reads) of each inline name,
//   - each name offset is inline where it was inline (the parse then skips
//     the same bytes) and, where it was not, names a structure that parses
//     to the same name and size in this chunk.
// The template is then rebuilt with this chunk's name entries, in the
// order compiling would add them, so that the names' memo and the
// per-record charges are those of a compile. Only definitions that
// compiled cleanly are kept (no error, no damaged size field).
// TestTemplateCacheEqualsCompile checks every definition of every sample
// both ways; TestDecodeOrderFree and FuzzReader decode with and without
// the cache.

// templateCacheOff turns the cache off (tests compare both ways).
var templateCacheOff = false

// maxCacheBytes bounds the definition bytes one cache holds: far more
// than the distinct templates of real logs (a few hundred KiB).
const maxCacheBytes = 4 << 20

// nameRef is a name offset a template definition holds, as compiling met
// it: pos is the offset of its 4-byte field from the definition's start.
type nameRef struct {
	pos    int
	inline bool
	name   string // the name it resolved to, and its structure's size
	size   int
	raw    []byte // the structure's bytes after its next-offset field
}

type cachedTemplate struct {
	chunkLen int
	body     []byte // the definition's bytes from the GUID (offset 4) on
	// same lists the spans of body compared, [from, to) pairs between the
	// masked fields; fields the definition offsets of the name offsets
	// (refs[i].pos), inlineBit set for an inline name.
	same   []int32
	fields []uint32
	refs   []nameRef
	t      *template
}

const inlineBit = 1 << 31

type tmplKey struct {
	guid [16]byte
	size uint32
}

// tmplCache holds compiled templates for one goroutine (it is not safe for
// concurrent use).
type tmplCache struct {
	m     map[tmplKey][]*cachedTemplate
	bytes int
	hits  int // templates served (tests check the cache is used)
	// names and templates are the maps of the goroutine's last chunk
	// decoder, emptied and given to the next (decoder): a chunk's maps
	// grew from empty, a few allocations each, for every chunk.
	names     map[uint32]*nameEntry
	templates map[uint32]*template
	// tslab and nbuf hold the templates reuse makes for the current chunk
	// and their names lists: nothing refers to those after the chunk (the
	// decoder's maps, emptied by decoder, hold them), so each chunk takes
	// them from the start again instead of allocating ~120 bytes and a
	// names slice per template per chunk.
	tslab slab[template]
	// nslab holds the name entries knownName makes for the current chunk,
	// as tslab the templates: they live in the chunk's memo and in the
	// names lists of its templates (a template compiled in the chunk and
	// kept in the cache too, of which reuse reads only the list's length),
	// so each chunk takes them from the start again instead of allocating
	// one per reused name per chunk (9 MiB over bench/run's volume).
	nslab slab[nameEntry]
	// interned holds the names of the cached definitions' references,
	// one string each.
	interned map[string]string
	// mark tells the name entries (nameEntry.mark) reuse met in the
	// definition at hand: it counts reuse's calls.
	mark uint32
	nbuf []*nameEntry
	// last is the decoder decoder returned last: the next one takes over
	// its scratch slices (readTime's values), which grew from empty in
	// every chunk.
	last *chunkDecoder
	// ntab and ngen are the decoders' name table and the generation of
	// the current chunk (chunkDecoder.ntab).
	ntab *nameTable
	ngen uint32
}

// newTemplate returns a zeroed template of the template slab.
func (tc *tmplCache) newTemplate() *template { return tc.tslab.get(64) }

// newName returns a zeroed name entry of the name slab.
func (tc *tmplCache) newName() *nameEntry { return tc.nslab.get(256) }

// slab hands out zeroed values of T from blocks, taken from the start of
// the current block again after reset: for values that live as long as
// one chunk's scan.
type slab[T any] struct {
	block []T
	next  int
}

// get returns a zeroed value of the block, starting a new block (of at
// least least values, twice the last) when the block is used up. Values
// given out earlier keep the old block alive.
func (s *slab[T]) get(least int) *T {
	if s.next == len(s.block) {
		s.block, s.next = make([]T, max(least, 2*len(s.block))), 0
	}
	v := &s.block[s.next]
	s.next++
	var zero T
	*v = zero
	return v
}

// reset takes values from the start of the current block again: none
// given out before may be used after.
func (s *slab[T]) reset() { s.next = 0 }

// namesList returns an empty names list of capacity n, for a template of
// the slab.
func (tc *tmplCache) namesList(n int) []*nameEntry {
	if len(tc.nbuf)+n > cap(tc.nbuf) {
		tc.nbuf = make([]*nameEntry, 0, max(1024, 2*cap(tc.nbuf), n))
	}
	k := len(tc.nbuf)
	tc.nbuf = tc.nbuf[:k+n]
	return tc.nbuf[k : k : k+n]
}

// maxReusedMap is the most entries a chunk decoder's map may have held to
// be reused: real chunks name a few hundred names and templates.
const maxReusedMap = 1024

// decoder returns a chunk decoder of chunk, as newChunkDecoder does, with
// the maps of the one the previous call returned, emptied: that decoder
// must no longer be used (scanChunk's decoder lives while it scans its
// chunk); it is the same struct, reset. tc may be nil.
func (tc *tmplCache) decoder(chunk []byte) *chunkDecoder {
	if tc == nil {
		return newChunkDecoder(chunk)
	}
	// Emptying a map costs its capacity, which a chunk of many names (a
	// hostile one) left large: such maps are dropped, not reused.
	if tc.names == nil || len(tc.names) > maxReusedMap || len(tc.templates) > maxReusedMap {
		tc.names, tc.templates = make(map[uint32]*nameEntry), make(map[uint32]*template)
	} else {
		clear(tc.names)
		clear(tc.templates)
	}
	tc.tslab.reset()
	tc.nslab.reset()
	clear(tc.nbuf)
	tc.nbuf = tc.nbuf[:0]
	// The previous decoder is no longer used: its struct (some 2 KiB) is
	// taken over, zeroed but for readTime's scratch values, rather than
	// one allocated per chunk.
	d := tc.last
	if d == nil {
		d = new(chunkDecoder)
	}
	*d = chunkDecoder{chunk: chunk, names: tc.names, templates: tc.templates, memoCap: defLimit(chunk), cache: tc, tvals: d.tvals[:0]}
	tc.last = d
	if tc.ntab == nil {
		tc.ntab = new(nameTable)
	}
	if tc.ngen++; tc.ngen == 0 {
		*tc.ntab, tc.ngen = nameTable{}, 1 // generations wrapped
	}
	d.ntab, d.ngen = tc.ntab, tc.ngen
	return d
}

func newTmplCache() *tmplCache {
	if templateCacheOff {
		return nil
	}
	return &tmplCache{m: map[tmplKey][]*cachedTemplate{}}
}

func cacheKey(chunk []byte, off int) tmplKey {
	var k tmplKey
	copy(k.guid[:], chunk[off+4:off+20])
	k.size = binary.LittleEndian.Uint32(chunk[off+20:])
	return k
}

// lookup returns the template compiling the definition at off of d's chunk
// would give, or nil when the cache holds none that provably is.
func (tc *tmplCache) lookup(d *chunkDecoder, off int) *template {
	if off < 0 || off > len(d.chunk)-templateHeaderSize {
		return nil
	}
	k := cacheKey(d.chunk, off)
	for _, ct := range tc.m[k] {
		if t := ct.reuse(d, off); t != nil {
			tc.hits++
			return t
		}
	}
	return nil
}

// reuse returns ct's template for the definition at off of d's chunk when
// it is the one compiling would give (see the file comment), else nil.
func (ct *cachedTemplate) reuse(d *chunkDecoder, off int) *template {
	c := d.chunk
	if len(c) != ct.chunkLen || off+4+len(ct.body) > len(c) {
		return nil
	}
	// The bytes between the masked fields.
	b := c[off+4 : off+4+len(ct.body)]
	for i := 0; i+1 < len(ct.same); i += 2 {
		from, to := ct.same[i], ct.same[i+1]
		if !bytes.Equal(b[from:to], ct.body[from:to]) {
			return nil
		}
	}
	// Inline names where they were inline, and only there.
	le := binary.LittleEndian
	for _, f := range ct.fields {
		p := off + int(f&^inlineBit)
		if (int(le.Uint32(c[p:])) == p+4) != (f&inlineBit != 0) {
			return nil
		}
	}
	// Names, as compiling resolves them: the memo of this chunk, the
	// definition's distinct name offsets in order, its cost and the limit.
	src := ct.t
	tc := d.cache
	t := tc.newTemplate()
	*t = template{nodes: src.nodes, elems: src.elems, size: src.size, maxIndex: src.maxIndex,
		cost: src.size, memo: true, tshape: src.tshape, eof: src.eof,
		names: tc.namesList(len(src.names))}
	t.sshape = src.sshape
	// Name entries live for one chunk, so a mark wrapped around to one
	// given long ago is not met again; 0 is an entry never marked.
	if tc.mark++; tc.mark == 0 {
		tc.mark = 1
	}
	for i, f := range ct.fields {
		no, r := le.Uint32(c[off+int(f&^inlineBit):]), &ct.refs[i]
		// knownName's first case, a name of the memo, inline.
		var e *nameEntry
		if t := d.ntab; t != nil && t[nameSlot(no)].gen == d.ngen && t[nameSlot(no)].off == no {
			e = sameName(t[nameSlot(no)].e, r)
		} else {
			e = d.knownName(no, r)
		}
		if e == nil {
			return nil
		}
		if e.mark == tc.mark {
			continue // a name offset met before in this definition
		}
		e.mark = tc.mark
		t.names = append(t.names, e)
		t.memo = t.memo && e.memo
		if t.cost += e.size; t.cost > defLimit(c) {
			return nil // compiling fails here: let it say so
		}
	}
	t.cost = src.cost
	return t
}

// add keeps t, just compiled cleanly from the definition at off of d's
// chunk with the name offsets refs.
func (tc *tmplCache) add(d *chunkDecoder, off int, t *template, refs []nameRef) {
	n := t.size - 4
	if tc.bytes+n > maxCacheBytes || off+4+n > len(d.chunk) {
		return
	}
	// The masked fields lie in the definition, in order, apart.
	at := 4
	for _, r := range refs {
		end := r.pos + 4
		if r.inline {
			end += 4
		}
		if r.pos < at || end > t.size {
			return
		}
		at = end
	}
	if tc.interned == nil {
		tc.interned = map[string]string{}
	}
	for i := range refs {
		refs[i].raw = bytes.Clone(refs[i].raw) // the chunk's buffer is reused
		// One string per name: knownName compares its entries' names
		// with refs', most of them then the same string.
		if s, ok := tc.interned[refs[i].name]; ok {
			refs[i].name = s
		} else {
			tc.interned[refs[i].name] = refs[i].name
		}
	}
	tc.bytes += n
	ct := &cachedTemplate{chunkLen: len(d.chunk), body: bytes.Clone(d.chunk[off+4 : off+t.size]), refs: refs, t: t}
	at = 0 // body offsets are definition offsets less 4
	for _, r := range refs {
		f := uint32(r.pos)
		end := r.pos + 4
		if r.inline {
			f |= inlineBit
			end += 4
		}
		if at < r.pos-4 {
			ct.same = append(ct.same, int32(at), int32(r.pos-4))
		}
		ct.fields = append(ct.fields, f)
		at = end - 4
	}
	if at < n {
		ct.same = append(ct.same, int32(at), int32(n))
	}
	k := cacheKey(d.chunk, off)
	tc.m[k] = append(tc.m[k], ct)
}

// knownName returns what lookupName(off) returns when the name structure at
// off holds r's name, else nil. The structure's bytes after its
// next-offset field are compared with those r was parsed from: equal bytes
// parse to the same name and size, so the entry is made from r without
// decoding, and kept in the memo as lookupName would keep it.
func (d *chunkDecoder) knownName(off uint32, r *nameRef) *nameEntry {
	if e, ok := d.memoName(off); ok {
		return sameName(e, r)
	}
	if e, ok := d.ownNames[off]; ok {
		return sameName(e, r)
	}
	o := int(off)
	if o < 0 || o > len(d.chunk)-r.size || !bytes.Equal(d.chunk[o+4:o+r.size], r.raw) {
		return nil
	}
	e := d.cache.newName()
	e.name, e.size = r.name, r.size
	d.keepName(off, e, e.size)
	return e
}

func sameName(e *nameEntry, r *nameRef) *nameEntry {
	if e.err != nil || e.name != r.name || e.size != r.size {
		return nil
	}
	return e
}
