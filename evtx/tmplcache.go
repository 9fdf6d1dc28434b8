package evtx

import (
	"bytes"
	"encoding/binary"
	"math/bits"
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
// per-record charges are those of a compile. The bytes are compared 8 at
// a time under a mask of the fields, and the names through one nameInfo
// per distinct name of the cache: what a chunk's reuses read stays small
// (a chunk of a System log reuses some 30 definitions, each read from
// memory the processor's cache no longer holds). Only definitions that
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
	// mask has, for each 8 bytes of body (the last word the 8 bytes
	// ending at its end, overlapping the one before), 0xff in the bytes
	// reuse compares and 0 in the masked fields.
	mask []uint64
	refs []cachedRef
	t    *template
}

// cachedRef is a name offset of a cached definition, in the order
// compiling met them: field is the definition offset of its 4-byte field
// (nameRef.pos), inlineBit set for an inline name; info is the index of
// the name it resolved to in tmplCache.infos.
type cachedRef struct {
	field, info uint32
}

// nameInfo is a name the cached definitions reference: its text, the size
// of its structure and the structure's bytes after its next-offset field
// (raw), from which it parses. tmplCache.infos holds each once, so that
// the names of the definitions reuse compares are few and stay in the
// processor's cache.
type nameInfo struct {
	name string
	size int
	raw  []byte
}

const inlineBit = 1 << 31

// tmplCache holds compiled templates for one goroutine (it is not safe for
// concurrent use).
type tmplCache struct {
	// m holds the cached definitions by cacheSlot: a list, since reuse
	// compares the GUID and data size with the rest of the bytes.
	m     map[uint64][]*cachedTemplate
	bytes int
	hits  int // templates served (tests check the cache is used)
	// moreNames and moreTmpls are the maps of the goroutine's last chunk
	// decoder, emptied and given to the next (decoder): a chunk's maps
	// grew from empty, a few allocations each, for every chunk.
	moreNames map[uint32]*nameEntry
	moreTmpls map[uint32]*template
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
	// infos holds the names of the cached definitions' references, each
	// once; infoAt finds one by its raw bytes.
	infos  []nameInfo
	infoAt map[string]uint32
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
	if tc.moreNames == nil || len(tc.moreNames) > maxReusedMap || len(tc.moreTmpls) > maxReusedMap {
		tc.moreNames, tc.moreTmpls = make(map[uint32]*nameEntry), make(map[uint32]*template)
	} else {
		clear(tc.moreNames)
		clear(tc.moreTmpls)
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
	*d = chunkDecoder{chunk: chunk, moreNames: tc.moreNames, moreTmpls: tc.moreTmpls, memoCap: defLimit(chunk), cache: tc, tvals: d.tvals[:0]}
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
	return &tmplCache{m: map[uint64][]*cachedTemplate{}}
}

// cacheSlot is the key of tmplCache.m for the definition at off of chunk
// (off <= len(chunk)-templateHeaderSize): its GUID and data size, folded
// into one word.
func cacheSlot(chunk []byte, off int) uint64 {
	le := binary.LittleEndian
	return le.Uint64(chunk[off+4:]) ^ bits.RotateLeft64(le.Uint64(chunk[off+12:]), 21) ^ uint64(le.Uint32(chunk[off+20:]))<<7
}

// lookup returns the template compiling the definition at off of d's chunk
// would give, or nil when the cache holds none that provably is.
func (tc *tmplCache) lookup(d *chunkDecoder, off int) *template {
	if off < 0 || off > len(d.chunk)-templateHeaderSize {
		return nil
	}
	for _, ct := range tc.m[cacheSlot(d.chunk, off)] {
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
	// The bytes between the masked fields, 8 at a time (body holds 20 or
	// more: the GUID and the data size).
	b := c[off+4 : off+4+len(ct.body)]
	if !sameMasked(b, ct.body, ct.mask) {
		return nil
	}
	le := binary.LittleEndian
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
	for _, r := range ct.refs {
		// Inline names where they were inline, and only there.
		p := off + int(r.field&^inlineBit)
		no := le.Uint32(c[p:])
		if (int(no) == p+4) != (r.field&inlineBit != 0) {
			return nil
		}
		// knownName's first case, a name of the memo, inline.
		var e *nameEntry
		if t := d.ntab; t != nil && t[nameSlot(no)].gen == d.ngen && t[nameSlot(no)].off == no {
			e = tc.sameName(t[nameSlot(no)].e, r.info)
		} else {
			e = d.knownName(no, r.info)
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
	if tc.infoAt == nil {
		tc.infoAt = map[string]uint32{}
	}
	ct := &cachedTemplate{chunkLen: len(d.chunk), body: bytes.Clone(d.chunk[off+4 : off+t.size]), t: t}
	keep := bytes.Repeat([]byte{0xff}, n) // body offsets are definition offsets less 4
	for _, r := range refs {
		f, end := uint32(r.pos), r.pos+4
		if r.inline {
			f |= inlineBit
			end += 4
		}
		clear(keep[r.pos-4 : end-4])
		// One nameInfo per name: its raw bytes (the chunk's buffer is
		// reused) count with the definitions'.
		i, ok := tc.infoAt[string(r.raw)]
		if !ok {
			i = uint32(len(tc.infos))
			tc.infos = append(tc.infos, nameInfo{name: r.name, size: r.size, raw: bytes.Clone(r.raw)})
			tc.infoAt[string(r.raw)] = i
			tc.bytes += len(r.raw)
		}
		ct.refs = append(ct.refs, cachedRef{field: f, info: i})
	}
	tc.bytes += n
	ct.mask = maskWords(keep)
	k := cacheSlot(d.chunk, off)
	tc.m[k] = append(tc.m[k], ct)
}

// maskWords returns the words of keep as sameMasked reads them: one per 8
// bytes, and when len(keep) is not a multiple of 8, one more of its last 8
// bytes. len(keep) must be at least 8.
func maskWords(keep []byte) []uint64 {
	le := binary.LittleEndian
	n := len(keep)
	w := make([]uint64, 0, n/8+1)
	for i := 0; i+8 <= n; i += 8 {
		w = append(w, le.Uint64(keep[i:]))
	}
	if n%8 != 0 {
		w = append(w, le.Uint64(keep[n-8:]))
	}
	return w
}

// sameMasked reports whether b and body (of equal length, at least 8)
// are equal in the bytes mask (maskWords) keeps.
func sameMasked(b, body []byte, mask []uint64) bool {
	le := binary.LittleEndian
	n := len(body)
	if len(b) != n || n < 8 || len(mask) != (n+7)/8 {
		return false
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		if (le.Uint64(b[i:i+8])^le.Uint64(body[i:i+8]))&mask[i/8] != 0 {
			return false
		}
	}
	if i < n {
		return (le.Uint64(b[n-8:])^le.Uint64(body[n-8:]))&mask[len(mask)-1] == 0
	}
	return true
}

// knownName returns what lookupName(off) returns when the name structure at
// off holds the name tc.infos[info], else nil. The structure's bytes after
// its next-offset field are compared with those the name was parsed from:
// equal bytes parse to the same name and size, so the entry is made from
// the nameInfo without decoding, and kept in the memo as lookupName would
// keep it.
func (d *chunkDecoder) knownName(off uint32, info uint32) *nameEntry {
	tc := d.cache
	if e, ok := d.memoName(off); ok {
		return tc.sameName(e, info)
	}
	if e, ok := d.ownNames[off]; ok {
		return tc.sameName(e, info)
	}
	r := &tc.infos[info]
	o := int(off)
	if o < 0 || o > len(d.chunk)-r.size || !bytes.Equal(d.chunk[o+4:o+r.size], r.raw) {
		return nil
	}
	e := tc.newName()
	e.name, e.size, e.info = r.name, r.size, info+1
	d.keepName(off, e, e.size)
	return e
}

// sameName returns e when it is the name tc.infos[info] (its text and
// size), else nil. An entry knownName made from that nameInfo is.
func (tc *tmplCache) sameName(e *nameEntry, info uint32) *nameEntry {
	if e.info == info+1 {
		return e
	}
	if r := &tc.infos[info]; e.err != nil || e.name != r.name || e.size != r.size {
		return nil
	}
	return e
}
