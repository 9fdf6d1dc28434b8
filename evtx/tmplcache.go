package evtx

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"sync"
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
// per-record charges are those of a compile. The bytes are compared by
// one bytes.Equal, after the masked fields of this definition are copied
// into the cached bytes (where nothing else reads them: sameBytes), and
// the names through one nameInfo per distinct name of the cache: what a
// chunk's reuses read stays small (a chunk of a System log reuses some 30
// definitions, each read from memory the processor's cache no longer
// holds). Where the name offsets that held one chunk offset when the
// definition was compiled hold one again, and the definition names no
// name twice otherwise, its distinct names are known beforehand and only
// the first offset of each is looked up (reusePlain; Windows names "Data"
// so, once per chunk, at many offsets of a definition). Only definitions
// that compiled cleanly are kept (no error, no damaged size field).
// TestTemplateCacheEqualsCompile checks every definition of every sample
// both ways; TestDecodeOrderFree and FuzzReader decode with and without
// the cache (and FuzzReader and TestTemplateCachePlainReuse with and
// without reusePlain).

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
	// body holds the definition's bytes from the GUID (offset 4) on; in
	// the masked fields (the name offsets, and the next offset of each
	// inline name) those of the definition sameBytes compared last, which
	// it writes there.
	body []byte
	// fields are the body offsets of the masked fields, 4 bytes each.
	fields []uint32
	refs   []cachedRef
	t      *template
	// firsts are the refs that held a chunk offset no ref before them
	// held, where the definition was compiled; dups the others, each with
	// the field of the first that held its offset. plain says that no
	// two firsts name equal names (text and size) and no dup is inline:
	// where each dup holds its first's offset again, the firsts' entries
	// are then the distinct names, in order, and bound is chargeBound's
	// sum (reusePlain).
	firsts []cachedRef
	dups   []dupRef
	plain  bool
	bound  int
}

// dupRef is a name offset of a cached definition that held the chunk
// offset an earlier one held where the definition was compiled: field is
// the body offset of its 4-byte field, first that of the first's.
type dupRef struct {
	field, first uint32
}

// plainReuseOff turns reusePlain off (tests compare both ways).
var plainReuseOff = false

// cachedRef is a name offset of a cached definition, in the order
// compiling met them: field is the body offset of its 4-byte field
// (nameRef.pos less 4), inline set for an inline name; info is the index
// of the name it resolved to in tmplCache.infos.
type cachedRef struct {
	field, info uint32
	inline      bool
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

// noNames is the name table of a decoder that has none: reuse reads it
// with generation 1, which none of its slots has.
var noNames nameTable

// tmplCache holds compiled templates for one goroutine (it is not safe for
// concurrent use).
type tmplCache struct {
	// m holds the cached definitions by cacheSlot: a list, since reuse
	// compares the GUID and data size with the rest of the bytes.
	m map[uint64][]*cachedTemplate
	// front holds lists of m by key, direct mapped: a chunk looks up
	// some 30 keys, the same from chunk to chunk. A slot holds m's list
	// of its key as it is (add sets it again when it appends to it).
	front [frontSlots]struct {
		key  uint64
		list []*cachedTemplate
	}
	bytes int
	hits  int // templates served (tests check the cache is used)
	plain int // of those, served by reusePlain
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

// newTemplate returns a copy of src, compiled cleanly (add), kept in the
// template slab, with the names names (memo says whether all are in the
// memo) and chargeBound's sum bound, charged to no record yet.
func (tc *tmplCache) newTemplate(src *template, names []*nameEntry, memo bool, bound int) *template {
	t := tc.tslab.slot(64)
	*t = *src
	t.names, t.memo, t.boundCost, t.stamp = names, memo, bound, 0
	return t
}

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
	v := s.slot(least)
	var zero T
	*v = zero
	return v
}

// slot is get but for the zeroing: the value holds what the block held,
// for the caller to set in full.
func (s *slab[T]) slot(least int) *T {
	if s.next == len(s.block) {
		s.block, s.next = make([]T, max(least, 2*len(s.block))), 0
	}
	v := &s.block[s.next]
	s.next++
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

// tmplCaches holds the caches of goroutines that are done reading, for
// the next to take (getTmplCache): a pass over a log's chunks began with
// empty caches and compiled again every template the pass before it had
// compiled (analyze reads a System log in four passes, each with its own
// goroutines), and a cache's front table alone is 32 KiB. A cache holds
// only what the bytes of a chunk prove (lookup compares them), so one that
// served other chunks, of any log, serves these alike.
var tmplCaches sync.Pool

// getTmplCache returns a cache for one goroutine's chunks: one another
// goroutine gave back (putTmplCache), or a new one (nil with the cache
// off).
func getTmplCache() *tmplCache {
	if templateCacheOff {
		return nil
	}
	if tc, ok := tmplCaches.Get().(*tmplCache); ok {
		return tc
	}
	return newTmplCache()
}

// putTmplCache gives back tc (nil: nothing), which its goroutine no longer
// uses, nor anything it returned: decoded events copy what they hold.
func putTmplCache(tc *tmplCache) {
	if tc != nil {
		tmplCaches.Put(tc)
	}
}

// cacheSlot is the key of tmplCache.m for the definition at off of chunk
// (off <= len(chunk)-templateHeaderSize): its GUID and data size, folded
// into one word.
func cacheSlot(chunk []byte, off int) uint64 {
	le := binary.LittleEndian
	return le.Uint64(chunk[off+4:]) ^ bits.RotateLeft64(le.Uint64(chunk[off+12:]), 21) ^ uint64(le.Uint32(chunk[off+20:]))<<7
}

// frontSlots is the size of tmplCache.front.
const (
	frontBits  = 10
	frontSlots = 1 << frontBits
)

func frontSlot(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> (64 - frontBits) }

// lookup returns the template compiling the definition at off of d's chunk
// would give, or nil when the cache holds none that provably is.
func (tc *tmplCache) lookup(d *chunkDecoder, off int) *template {
	if off < 0 || off > len(d.chunk)-templateHeaderSize {
		return nil
	}
	k := cacheSlot(d.chunk, off)
	f := &tc.front[frontSlot(k)]
	if f.key != k || f.list == nil {
		f.key, f.list = k, tc.m[k]
	}
	for _, ct := range f.list {
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
	if len(c) != ct.chunkLen || !ct.sameBytes(c, off) {
		return nil
	}
	if ct.plain && !plainReuseOff && ct.dupsHold(off+8) {
		t := ct.reusePlain(d, off)
		if t != nil {
			d.cache.plain++
		}
		return t
	}
	// Names, as compiling resolves them: the memo of this chunk, the
	// definition's distinct name offsets in order, its cost and the limit.
	// The entries of the memo made from the nameInfo (knownName's first
	// case) are found by memoRefs, whose loop calls nothing; knownName
	// finds the others. (reusePlain is this where the distinct names are
	// known beforehand.)
	src, tc, refs := ct.t, d.cache, ct.refs
	ntab, ngen := d.ntab, d.ngen
	if ntab == nil {
		ntab, ngen = &noNames, 1
	}
	// Name entries live for one chunk, so a mark wrapped around to one
	// given long ago is not met again; 0 is an entry never marked.
	if tc.mark++; tc.mark == 0 {
		tc.mark = 1
	}
	mark, limit := tc.mark, defLimit(c)
	// An entry per name offset goes to ents[k], then the distinct ones to
	// ents[:sum.n], summed. Compiling stops at the first
	// name past the limit and parses none after it: knownName is not
	// called past it either, so that the memo holds what it would hold.
	ents := tc.namesList(len(refs))[:len(refs)]
	sum := namesSum{cost: src.size, memo: true}
	i, k := 0, 0
	for {
		var no uint32
		var ok bool
		if i, k, no, ok = memoRefs(refs, ct.body, off+8, ntab, ngen, ents, i, k); !ok {
			return nil
		} else if i >= len(refs) {
			break
		}
		if sum.add(ents[:k], mark); sum.cost > limit {
			return nil // compiling fails here: let it say so
		}
		e := d.knownName(no, refs[i].info, refs[i].inline)
		if e == nil {
			return nil
		}
		ents[k] = e
		i, k = i+1, k+1
	}
	if sum.add(ents[:k], mark); sum.cost > limit {
		return nil
	}
	names, memo, cost := ents[:sum.n], sum.memo, sum.cost
	return tc.newTemplate(src, names, memo, cost) // cost is chargeBound's sum: the size and the names' sizes
}

// dupsHold reports whether each dup holds the chunk offset its first
// holds, and is not inline (its chunk offset is not at plus its field's
// body offset): sameBytes has left the definition's name offsets in
// body. It changes nothing.
func (ct *cachedTemplate) dupsHold(at int) bool {
	body := ct.body
	for _, p := range ct.dups {
		f, g := int(p.field), int(p.first)
		if f > len(body)-4 || g > len(body)-4 {
			return false
		}
		a, b := (*[4]byte)(body[f:f+4]), (*[4]byte)(body[g:g+4])
		no := uint32(a[0]) | uint32(a[1])<<8 | uint32(a[2])<<16 | uint32(a[3])<<24
		if no != uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24 || int(no) == at+f {
			return false
		}
	}
	return true
}

// reusePlain is reuse for a plain definition whose dups hold their firsts'
// offsets (dupsHold). Each dup then names its first's entry, met before,
// which the general path's marks drop. No two firsts can name one entry:
// an entry that matches two nameInfos has their text and size, which no
// two firsts share. So the firsts' entries are the distinct names, in
// order; their sizes are those of the names where the definition was
// compiled, their sum (bound) passed the limit there, and the chunk has
// the same length. knownName keeps the same names, in the same order, as
// in the general path (which also calls it for a dup whose first's entry
// is not in ntab, and finds that entry): the memo ends the same.
func (ct *cachedTemplate) reusePlain(d *chunkDecoder, off int) *template {
	src, tc, refs := ct.t, d.cache, ct.firsts
	ntab, ngen := d.ntab, d.ngen
	if ntab == nil {
		ntab, ngen = &noNames, 1
	}
	names := tc.namesList(len(refs))[:len(refs)]
	memo := true // the entries of ntab are the memo's
	for i := 0; ; i++ {
		var no uint32
		var ok bool
		if i, _, no, ok = memoRefs(refs, ct.body, off+8, ntab, ngen, names, i, i); !ok {
			return nil
		} else if i >= len(refs) {
			break
		}
		e := d.knownName(no, refs[i].info, refs[i].inline)
		if e == nil {
			return nil
		}
		names[i] = e
		memo = memo && e.memo
	}
	return tc.newTemplate(src, names, memo, ct.bound)
}

// namesSum sums the distinct names of a definition: n of them, the
// definition's size and their sizes (cost), and whether all are in the
// memo.
type namesSum struct {
	n, cost, done int
	memo          bool
}

// add moves the entries of ents[s.done:] that do not have mark yet (and
// gives it them) to ents[s.n:], in order, and sums them.
func (s *namesSum) add(ents []*nameEntry, mark uint32) {
	n, cost, memo := s.n, s.cost, s.memo
	for _, e := range ents[s.done:] {
		if e.mark == mark {
			continue // a name offset met before in this definition
		}
		e.mark = mark
		ents[n] = e
		n++
		memo = memo && e.memo
		cost += e.size
	}
	s.n, s.cost, s.memo, s.done = n, cost, memo, len(ents)
}

// memoRefs goes through refs[i:], the name offsets of a definition whose
// bytes, name offsets included, are body, and whose name offset fields
// lie at chunk offset at-4 plus their body offset, and sets ents[k],
// ents[k+1]... to their entries. It checks that each offset is inline
// where it was inline (the parse then skips the same bytes), and only
// there. It stops at the first whose name is not in ntab (of generation
// ngen) as made from its nameInfo, and returns its index (len(refs) when
// none), the next k and the chunk offset; ok is false for an offset
// inline where it was not, or the reverse, or a field outside body (which
// add keeps none of). It calls nothing, so that the values of its loop
// stay in registers. ents must have room for len(refs)-i more.
func memoRefs(refs []cachedRef, body []byte, at int, ntab *nameTable, ngen uint32, ents []*nameEntry, i, k int) (int, int, uint32, bool) {
	for ; i < len(refs); i++ {
		r := &refs[i]
		f := int(r.field)
		if f > len(body)-4 {
			return i, k, 0, false
		}
		a := (*[4]byte)(body[f : f+4])
		no := uint32(a[0]) | uint32(a[1])<<8 | uint32(a[2])<<16 | uint32(a[3])<<24
		if (int(no) == at+f) != r.inline {
			return i, k, 0, false
		}
		s := &ntab[nameSlot(no)]
		if s.gen != ngen || s.off != no || s.e.info != r.info+1 {
			return i, k, no, true
		}
		ents[k] = s.e
		k++
	}
	return len(refs), k, 0, true
}

// sameBytes reports whether the definition at off of chunk c has ct's
// bytes but in the masked fields. It copies c's masked fields into body,
// where nothing reads them but memoRefs (which takes the name offsets
// from there), and compares the whole: one bytes.Equal rather than a
// compare per field.
func (ct *cachedTemplate) sameBytes(c []byte, off int) bool {
	body := ct.body
	n := len(body)
	if off < 0 || off > len(c)-4-n {
		return false
	}
	b := c[off+4 : off+4+n]
	for _, f := range ct.fields {
		i := int(f)
		if i+4 > n {
			return false // add kept none such
		}
		*(*[4]byte)(body[i : i+4]) = *(*[4]byte)(b[i : i+4])
	}
	return bytes.Equal(b, body)
}

// add keeps t, just compiled cleanly from the definition at off of d's
// chunk with the name offsets refs.
func (tc *tmplCache) add(d *chunkDecoder, off int, t *template, refs []nameRef) {
	n := t.size - 4
	if tc.bytes+n > maxCacheBytes || off+4+n > len(d.chunk) {
		return
	}
	// The masked fields lie in the definition, in order, apart, and an
	// inline name's bytes after its next offset (raw) lie before the next
	// field, unmasked: sameBytes compares them, and knownName then does
	// not.
	at := 4
	for _, r := range refs {
		end := r.pos + 4
		if r.inline {
			end = r.pos + 4 + r.size
			if r.size < 8 || len(r.raw) != r.size-4 || end > t.size || !bytes.Equal(d.chunk[off+r.pos+8:off+end], r.raw) {
				return
			}
		}
		if r.pos < at || end > t.size {
			return
		}
		at = end
	}
	if tc.infoAt == nil {
		tc.infoAt = map[string]uint32{}
	}
	ct := &cachedTemplate{chunkLen: len(d.chunk), body: bytes.Clone(d.chunk[off+4 : off+t.size]), t: t,
		plain: true, bound: t.size + t.overclaim}
	first := map[uint32]uint32{} // chunk offset -> the body offset of the first field holding it
	type class struct {
		name string
		size int
	}
	classes := map[class]bool{}
	for _, r := range refs {
		f := uint32(r.pos - 4) // body offsets are definition offsets less 4
		no := binary.LittleEndian.Uint32(ct.body[f:])
		g, dup := first[no]
		if !dup {
			first[no] = f
		}
		// One nameInfo per name: its raw bytes (the chunk's buffer is
		// reused) count with the definitions'.
		i, ok := tc.infoAt[string(r.raw)]
		if !ok {
			i = uint32(len(tc.infos))
			tc.infos = append(tc.infos, nameInfo{name: r.name, size: r.size, raw: bytes.Clone(r.raw)})
			tc.infoAt[string(r.raw)] = i
			tc.bytes += len(r.raw)
		}
		ct.refs = append(ct.refs, cachedRef{field: f, info: i, inline: r.inline})
		if dup {
			ct.dups = append(ct.dups, dupRef{field: f, first: g})
			ct.plain = ct.plain && !r.inline
		} else {
			ct.firsts = append(ct.firsts, cachedRef{field: f, info: i, inline: r.inline})
			k := class{r.name, r.size}
			ct.plain = ct.plain && !classes[k]
			classes[k] = true
			ct.bound += r.size
		}
		ct.fields = append(ct.fields, f)
		if r.inline {
			ct.fields = append(ct.fields, f+4) // the inline name's next offset
		}
	}
	// Its time and summary shapes read only its nodes, which every copy
	// reuse makes shares (newTemplate): made here once, a copy finds them.
	// Left to the first copy that asks, each copy would make them again,
	// in every chunk (50,318 times in the TimeCreated read of bench/run's
	// volume, whose first chunk FirstChannel decodes, asking neither).
	t.shape()
	t.summaryShape()
	tc.bytes += n
	k := cacheSlot(d.chunk, off)
	tc.m[k] = append(tc.m[k], ct)
	if f := &tc.front[frontSlot(k)]; f.key == k {
		f.list = tc.m[k]
	}
}

// knownName returns what lookupName(off) returns when the name structure at
// off holds the name tc.infos[info], else nil. The structure's bytes after
// its next-offset field are compared with those the name was parsed from:
// equal bytes parse to the same name and size, so the entry is made from
// the nameInfo without decoding, and kept in the memo as lookupName would
// keep it. inDef says that the structure is the inline name of a
// definition reuse has found equal to the cached one (sameBytes), with
// that name offset inline (memoRefs): the cached bytes hold the name's
// bytes there (add), so they are not compared again.
func (d *chunkDecoder) knownName(off uint32, info uint32, inDef bool) *nameEntry {
	tc := d.cache
	if e, ok := d.memoName(off); ok {
		return tc.sameName(e, info)
	}
	if d.ownNames != nil {
		if e, ok := d.ownNames[off]; ok {
			return tc.sameName(e, info)
		}
	}
	r := &tc.infos[info]
	o := int(off)
	if o < 0 || o > len(d.chunk)-r.size || !inDef && !bytes.Equal(d.chunk[o+4:o+r.size], r.raw) {
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
