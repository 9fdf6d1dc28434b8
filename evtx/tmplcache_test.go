package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// sameTemplate says how got (from the cache) differs from want (compiled
// in the chunk), "" when it is the template compiling gives.
func sameTemplate(got, want *template) string {
	if (got.err == nil) != (want.err == nil) {
		return fmt.Sprintf("error %v, compiled %v", got.err, want.err)
	}
	if want.err != nil {
		return ""
	}
	if !reflect.DeepEqual(got.nodes, want.nodes) {
		return "nodes differ"
	}
	if got.size != want.size || got.elems != want.elems || got.maxIndex != want.maxIndex || got.cost != want.cost ||
		got.memo != want.memo || got.eof != want.eof || got.overclaim != want.overclaim || (got.damaged == nil) != (want.damaged == nil) {
		return fmt.Sprintf("fields %d/%d/%d/%d/%v/%v, compiled %d/%d/%d/%d/%v/%v",
			got.size, got.elems, got.maxIndex, got.cost, got.memo, got.eof, want.size, want.elems, want.maxIndex, want.cost, want.memo, want.eof)
	}
	if len(got.names) != len(want.names) {
		return fmt.Sprintf("%d names, compiled %d", len(got.names), len(want.names))
	}
	bound := want.size + want.overclaim
	for i := range got.names {
		g, w := got.names[i], want.names[i]
		if g.name != w.name || g.size != w.size || g.memo != w.memo || (g.err == nil) != (w.err == nil) {
			return fmt.Sprintf("name %d %q/%d/%v, compiled %q/%d/%v", i, g.name, g.size, g.memo, w.name, w.size, w.memo)
		}
		bound += w.size
	}
	// chargeBound's sum, where got has it already (reuse sums it).
	if got.boundCost != 0 && got.boundCost != bound {
		return fmt.Sprintf("bound cost %d, compiled %d", got.boundCost, bound)
	}
	return ""
}

// tmplKey names a definition by its GUID and data size (cacheKey).
type tmplKey struct {
	guid [16]byte
	size uint32
}

func cacheKey(chunk []byte, off int) tmplKey {
	var k tmplKey
	copy(k.guid[:], chunk[off+4:off+20])
	k.size = binary.LittleEndian.Uint32(chunk[off+20:])
	return k
}

// decodeChunk decodes every record of chunk c with d and returns the
// outcomes, in order.
func decodeChunk(d *chunkDecoder, c []byte) []string {
	var out []string
	for _, sp := range recordSpans(c) {
		out = append(out, outcome(d.decodeRecord(sp[0], sp[1])))
	}
	return out
}

// TestTemplateCacheEqualsCompile: every template definition of every
// sample (and of a damaged copy of each) that the cache hands out is the
// template compiling it in its chunk gives, the records decode the same
// with the cache as without, and the cache is used (hits in chunks where
// the definition sits at another offset too).
func TestTemplateCacheEqualsCompile(t *testing.T) {
	hits, moved, checked := 0, 0, 0
	logs := testLogs(t)
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue // a fifth of the logs under the race detector
		}
		b := logs[name]
		for _, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			cache := newTmplCache()
			firstOff := map[tmplKey]int{}
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(v.b); ci++ {
				c := chunkAt(v.b, ci)
				d := newChunkDecoder(c)
				d.cache = cache
				before := cache.hits
				got := decodeChunk(d, c)
				want := decodeChunk(newChunkDecoder(c), c)
				if !slicesEqual(got, want) {
					t.Fatalf("%s chunk %d: records decode differently with the template cache", v.name, ci)
				}
				hits += cache.hits - before
				memo := d.memoTemplates()
				offs := make([]int, 0, len(memo))
				for off := range memo {
					offs = append(offs, int(off))
				}
				sort.Ints(offs)
				for _, off := range offs {
					fresh, _ := newChunkDecoder(c).compileTemplate(off)
					if why := sameTemplate(memo[uint32(off)], fresh); why != "" {
						t.Fatalf("%s chunk %d template at %#x: %s", v.name, ci, off, why)
					}
					checked++
					if off <= len(c)-templateHeaderSize && fresh.err == nil {
						k := cacheKey(c, off)
						if o, ok := firstOff[k]; !ok {
							firstOff[k] = off
						} else if o != off {
							moved++
						}
					}
				}
			}
		}
	}
	t.Logf("%d templates checked, %d taken from the cache, %d at another offset than first seen", checked, hits, moved)
	if hits < checked/4 || moved == 0 {
		t.Errorf("the cache served %d of %d templates (%d moved): the test proves little", hits, checked, moved)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTemplateCacheRefusesChanges: a definition with the same GUID and
// size as a cached one but one change that compiling sees (a letter of a
// name inline in it, of a name outside it, a substitution index) is not
// taken from the cache: it is compiled in its own chunk.
func TestTemplateCacheRefusesChanges(t *testing.T) {
	b := testLogs(t)["fukusuket__evtx-parser__samples__System.evtx"]
	if b == nil {
		t.Fatal("sample missing")
	}
	c := bytes.Clone(chunkAt(b, 0))
	d := newChunkDecoder(c)
	d.cache = newTmplCache()
	decodeChunk(d, c) // fills the cache
	offs := make([]int, 0)
	for off := range d.memoTemplates() {
		offs = append(offs, int(off))
	}
	sort.Ints(offs)
	// changeName changes the first letter of a name the definition at off
	// references inline (or not), in c2.
	changeName := func(c2 []byte, off int, inline bool) bool {
		_, refs := newChunkDecoder(c).compileTemplate(off)
		for _, r := range refs {
			if r.inline != inline {
				continue
			}
			no := int(binary.LittleEndian.Uint32(c[off+r.pos:]))
			n := int(binary.LittleEndian.Uint16(c[no+6:]))
			ch := c2[no+8]
			if n == 0 || !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
				continue
			}
			c2[no+8] ^= 0x20
			binary.LittleEndian.PutUint16(c2[no+4:], nameHash(c2[no+8:no+8+2*n]))
			return true
		}
		return false
	}
	// changeSubst raises the index of a substitution token of the
	// definition at off, in c2, where compiling then still succeeds.
	changeSubst := func(c2 []byte, off int) bool {
		size := int(binary.LittleEndian.Uint32(c[off+20:]))
		for p := off + templateHeaderSize; p+4 <= off+templateHeaderSize+size; p++ {
			if (c[p] == tokNormalSubst || c[p] == tokOptionalSubst) && binary.LittleEndian.Uint16(c[p+1:]) < 40 {
				binary.LittleEndian.PutUint16(c2[p+1:], binary.LittleEndian.Uint16(c[p+1:])+1)
				if t, _ := newChunkDecoder(c2).compileTemplate(off); t.err == nil {
					return true
				}
				copy(c2[p+1:p+3], c[p+1:p+3])
			}
		}
		return false
	}
	for _, change := range []string{"inline name", "name outside", "substitution index"} {
		done := false
		for _, off := range offs {
			c2 := bytes.Clone(c)
			switch change {
			case "inline name":
				done = changeName(c2, off, true)
			case "name outside":
				done = changeName(c2, off, false)
			default:
				done = changeSubst(c2, off)
			}
			if !done {
				continue
			}
			orig, _ := newChunkDecoder(c).compileTemplate(off)
			fresh, _ := newChunkDecoder(c2).compileTemplate(off)
			if sameTemplate(fresh, orig) == "" {
				t.Fatalf("%s: the change is not seen by compiling: the test proves nothing", change)
			}
			got := d.withChunk(c2).template(off)
			if why := sameTemplate(got, fresh); why != "" {
				t.Fatalf("%s changed: the cache gave another chunk's template: %s", change, why)
			}
			break
		}
		if !done {
			t.Fatalf("no template to make the change %q in", change)
		}
	}
}

// TestTemplateCacheRepeatedNames: a definition that names one name
// structure at several of its name offsets (Windows names "Data" so) is
// reused through the first of them only (reusePlain, while the others
// hold the same chunk offset as the first: dupsHold). Where a chunk holds
// them apart (a repeated offset, or the first, moved to a copy of the
// name in the chunk's free space, or a repeated offset to another name),
// where a definition cached with them apart (at the name and its copy) is
// reused in a chunk that holds them at one offset, and where an offset is
// made the repeat of an earlier one of another name, the cache gives the
// template compiling gives (names, memo, cost, chargeBound's sum) through
// decoders with and without the name table, the records decode as
// without the cache, and the cache serves all but the changed names.
// Every definition of the first chunk of every sample with a repeated
// name offset.
func TestTemplateCacheRepeatedNames(t *testing.T) {
	logs := testLogs(t)
	le := binary.LittleEndian
	kinds := []string{"repeat to a copy", "first to a copy", "cached apart, repeated here", "repeat to another name", "made a repeat of another name"}
	tried, served := map[string]int{}, map[string]int{}
	// check compares what the decoders of chunk c2 with the cache tc give
	// for the definition at off with what compiling gives.
	check := func(name string, off int, kind string, tc *tmplCache, c2 []byte) {
		t.Helper()
		tried[kind]++
		fresh, _ := newChunkDecoder(c2).compileTemplate(off)
		if fresh.err != nil {
			t.Fatalf("%s definition at %#x, %s: the change does not compile: %v", name, off, kind, fresh.err)
		}
		dt := newChunkDecoder(c2)
		dt.cache = tc
		h := tc.hits
		if why := sameTemplate(dt.template(off), fresh); why != "" {
			t.Fatalf("%s definition at %#x, %s: the cache gave another template (no name table): %s", name, off, kind, why)
		}
		if tc.hits > h {
			served[kind]++
		}
		d2 := tc.decoder(c2)
		if got, want := decodeChunk(d2, c2), decodeChunk(newChunkDecoder(c2), c2); !slices.Equal(got, want) {
			t.Fatalf("%s definition at %#x, %s: records decode differently with the cache\n%s", name, off, kind, firstDiffText(got, want))
		}
		if why := sameTemplate(d2.template(off), fresh); why != "" {
			t.Fatalf("%s definition at %#x, %s: the cache gave another template (name table): %s", name, off, kind, why)
		}
	}
	// filled returns a template cache filled from chunk c, full, so that
	// the changed definitions compiled later are not added: each change
	// meets the cache as c left it.
	filled := func(c []byte) (*tmplCache, *chunkDecoder) {
		tc := newTmplCache()
		if tc == nil {
			t.Fatal("template cache off")
		}
		d := tc.decoder(c)
		decodeChunk(d, c)
		tc.bytes = maxCacheBytes
		return tc, d
	}
	for li, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && li%5 != 0 {
			continue
		}
		c := chunkAt(logs[name], 0)
		tc, fill := filled(c)
		var names []uint32
		for off, e := range fill.memoNames() {
			if e.err == nil {
				names = append(names, off)
			}
		}
		slices.Sort(names)
		var defs []int
		for off, tm := range fill.memoTemplates() {
			if tm.err == nil && tm.damaged == nil {
				defs = append(defs, int(off))
			}
		}
		slices.Sort(defs)
		to := (lastNonZero(c) + 8) &^ 7 // where a copy of a name goes
		for _, off := range defs {
			_, refs := newChunkDecoder(c).compileTemplate(off)
			noOf := func(i int) uint32 { return le.Uint32(c[off+refs[i].pos:]) }
			// The first two name offsets holding one chunk offset, the
			// second not inline.
			var first, repeat int
			for i := range refs {
				for j := i + 1; j < len(refs) && repeat == 0; j++ {
					if noOf(j) == noOf(i) && !refs[j].inline {
						first, repeat = i, j
					}
				}
			}
			if repeat == 0 {
				continue
			}
			no, size := noOf(first), refs[first].size
			other := uint32(0)
			for _, x := range names {
				if x != no {
					other = x
					break
				}
			}
			for _, kind := range kinds {
				c2 := bytes.Clone(c)
				switch kind {
				case "repeat to a copy", "first to a copy", "cached apart, repeated here":
					i := repeat
					if kind != "repeat to a copy" {
						if refs[first].inline {
							continue
						}
						i = first
					}
					if to+size > len(c2) {
						continue
					}
					copy(c2[to:], c[no:int(no)+size])
					le.PutUint32(c2[off+refs[i].pos:], uint32(to))
				case "repeat to another name":
					if other == 0 {
						continue
					}
					le.PutUint32(c2[off+refs[repeat].pos:], other)
				case "made a repeat of another name":
					// The first offset after first that holds another
					// name than first's, made to hold first's.
					j := -1
					for k := first + 1; k < len(refs) && j < 0; k++ {
						if !refs[k].inline && noOf(k) != no && refs[k].raw != nil && string(refs[k].raw) != string(refs[first].raw) {
							j = k
						}
					}
					if j < 0 {
						continue
					}
					le.PutUint32(c2[off+refs[j].pos:], no)
				}
				if kind == "cached apart, repeated here" {
					// Cached from c2, where first and repeat are apart,
					// and reused in c, where they are one offset.
					tc2, _ := filled(c2)
					check(name, off, kind, tc2, c)
					continue
				}
				check(name, off, kind, tc, c2)
			}
		}
	}
	t.Logf("changes tried %v, served by the cache %v", tried, served)
	for _, kind := range kinds {
		if tried[kind] == 0 {
			t.Errorf("no definition to make the change %q in", kind)
		}
	}
	if served["repeat to a copy"] == 0 || served["first to a copy"] == 0 || served["cached apart, repeated here"] == 0 ||
		served["repeat to another name"] > 0 || served["made a repeat of another name"] > 0 {
		t.Errorf("the cache served %v of %v: the test proves little, or it served a changed name", served, tried)
	}
}

// TestTemplateCachePlainReuse: reusePlain (the path of definitions whose
// distinct names are known beforehand) gives what the general path of
// reuse and compiling give: every chunk of every sample (and of a damaged
// copy of each) decodes alike with the cache, with plainReuseOff, and
// without the cache, through decoders with and without the name table,
// and each template of the memo is the one compiling gives, with the
// general path's names (the same entries, in order). Most templates served
// must be served by reusePlain.
func TestTemplateCachePlainReuse(t *testing.T) {
	defer func() { plainReuseOff = false }()
	logs := testLogs(t)
	hits, plain := 0, 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		for _, b := range [][]byte{logs[name], damaged(logs[name])} {
			on, off := newTmplCache(), newTmplCache()
			if on == nil {
				t.Fatal("template cache off")
			}
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				c := chunkAt(b, ci)
				want := decodeChunk(newChunkDecoder(c), c)
				for _, table := range []bool{true, false} {
					mk := func(tc *tmplCache) *chunkDecoder {
						if table {
							return tc.decoder(c)
						}
						d := newChunkDecoder(c)
						d.cache = tc
						return d
					}
					h, p := on.hits, on.plain
					plainReuseOff = false
					dOn := mk(on)
					gotOn := decodeChunk(dOn, c)
					hits, plain = hits+on.hits-h, plain+on.plain-p
					plainReuseOff = true
					dOff := mk(off)
					gotOff := decodeChunk(dOff, c)
					plainReuseOff = false
					if !slices.Equal(gotOn, want) || !slices.Equal(gotOff, want) {
						t.Fatalf("%s chunk %d (name table %v): records decode differently with reusePlain, without it, without the cache\n%s\n%s",
							name, ci, table, firstDiffText(gotOn, want), firstDiffText(gotOff, want))
					}
					mOn, mOff := dOn.memoTemplates(), dOff.memoTemplates()
					if len(mOn) != len(mOff) {
						t.Fatalf("%s chunk %d: %d templates in the memo with reusePlain, %d without", name, ci, len(mOn), len(mOff))
					}
					for toff, tm := range mOn {
						fresh, _ := newChunkDecoder(c).compileTemplate(int(toff))
						if why := sameTemplate(tm, fresh); why != "" {
							t.Fatalf("%s chunk %d template at %#x: %s", name, ci, toff, why)
						}
						if why := sameTemplate(tm, mOff[toff]); why != "" {
							t.Fatalf("%s chunk %d template at %#x: with reusePlain, not as without: %s", name, ci, toff, why)
						}
					}
				}
			}
		}
	}
	t.Logf("%d templates served, %d by reusePlain", hits, plain)
	if plain == 0 || plain < hits*3/4 {
		t.Errorf("reusePlain served %d of %d templates: the test proves little", plain, hits)
	}
}

// TestTemplateCacheFrontHoldsMap: after every chunk of every sample (and
// of a damaged copy of each) is decoded through one template cache, each
// slot of its front holds the list its map holds for the slot's key, as
// it is (a stale list would only miss definitions: reuse checks every one
// it is given), and the front was used.
func TestTemplateCacheFrontHoldsMap(t *testing.T) {
	logs := testLogs(t)
	slots := 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		tc := newTmplCache()
		if tc == nil {
			t.Fatal("template cache off")
		}
		for _, b := range [][]byte{logs[name], damaged(logs[name])} {
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				c := chunkAt(b, ci)
				decodeChunk(tc.decoder(c), c)
			}
		}
		for si, f := range tc.front {
			if f.list == nil {
				continue
			}
			slots++
			if m := tc.m[f.key]; frontSlot(f.key) != uint64(si) || len(m) != len(f.list) || &m[0] != &f.list[0] {
				t.Fatalf("%s: front slot %d holds %d definitions of key %#x, the map %d", name, si, len(f.list), f.key, len(m))
			}
		}
	}
	if slots == 0 {
		t.Fatal("no front slot used: the test proves nothing")
	}
}

// withChunk returns a new decoder of chunk c sharing d's template cache.
func (d *chunkDecoder) withChunk(c []byte) *chunkDecoder {
	n := newChunkDecoder(c)
	n.cache = d.cache
	return n
}

// TestReaderTemplateCacheOff: reading with and without the cache gives the
// same events, counts and problems, with 1 and 3 workers.
func TestReaderTemplateCacheOff(t *testing.T) {
	defer func() { templateCacheOff = false }()
	logs := testLogs(t)
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue // a fifth of the logs under the race detector
		}
		b := logs[name]
		for _, v := range [][]byte{b, damaged(b)} {
			var want string
			for _, off := range []bool{true, false} {
				templateCacheOff = off
				for _, w := range []int{1, 3} {
					res := readBytes(t, v, Options{Workers: w})
					var all strings.Builder
					for _, ev := range res.events {
						fmt.Fprintf(&all, "%d %s %q %s\n", ev.RecordID, ev.Partial, ev.Recovered, ev.AppendXML(nil))
					}
					fmt.Fprintf(&all, "%+v %v", res.stats, res.errs)
					if want == "" {
						want = all.String()
					} else if all.String() != want {
						t.Fatalf("%s: cache off=%v, %d workers: read differs", name, off, w)
					}
				}
			}
		}
	}
}

// TestNameSlabEntryFresh: a name entry the slab hands out again at the
// next chunk holds nothing the previous chunk left in it. Its charge
// stamp is a record generation, counted from 0 again in each chunk, so a
// stale one would excuse a record of the new chunk from charging the name
// (and a stale memo flag or mark would change the template's names).
func TestNameSlabEntryFresh(t *testing.T) {
	tc := newTmplCache()
	if tc == nil {
		t.Fatal("template cache off")
	}
	chunk := make([]byte, chunkSize)
	tc.decoder(chunk)
	e := tc.newName()
	*e = nameEntry{name: "Old", size: 14, memo: true, stamp: 3, mark: 7, info: 2}
	tc.decoder(chunk)
	e2 := tc.newName()
	if e2 != e {
		t.Fatalf("the slab did not start again at the next chunk")
	}
	if *e2 != (nameEntry{}) {
		t.Errorf("entry of the next chunk: %+v, want a zero entry", *e2)
	}
}

// TestMemoSlotsCoverMemo: after every kind of read of every chunk of
// every sample (and of a damaged copy of each) through the decoders one
// template cache hands out, each name of the chunk's memo sits in its
// slot of the name table (in the chunk's generation) or in moreNames with
// its slot taken by another offset, never both, and memoName finds it;
// each template of the memo sits in its recent slot or in moreTmpls with
// its slot taken by another offset, never both, and template finds it.
// memoName and template take a free slot to mean that the memo holds none
// of its offsets and skip the map; a memo entry behind a free slot would
// be parsed or compiled again, a second entry for one offset. Some entries
// must sit in the maps, or the test proves little of them.
func TestMemoSlotsCoverMemo(t *testing.T) {
	logs := testLogs(t)
	names, tmpls, moreNames, moreTmpls := 0, 0, 0, 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		for _, b := range [][]byte{logs[name], damaged(logs[name])} {
			tc := newTmplCache()
			if tc == nil {
				t.Fatal("template cache off")
			}
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
				c := chunkAt(b, ci)
				d := tc.decoder(c)
				for k, sp := range recordSpans(c) {
					switch k % 3 {
					case 0:
						d.readTime(sp[0], sp[1])
					case 1:
						d.summarize(sp[0], sp[1])
					}
					decodeSafely(d, sp[0], sp[1])
				}
				for off, e := range d.moreNames {
					if s := d.ntab[nameSlot(off)]; s.gen != d.ngen || s.off == off {
						t.Fatalf("%s chunk %d: the memo's name at %#x is in moreNames, its slot (generation %d of %d, offset %#x) is not another's", name, ci, off, s.gen, d.ngen, s.off)
					}
					if got, ok := d.memoName(off); !ok || got != e {
						t.Fatalf("%s chunk %d: memoName does not find the memo's name at %#x", name, ci, off)
					}
					moreNames++
				}
				for off, e := range d.memoNames() {
					if got, ok := d.memoName(off); !ok || got != e {
						t.Fatalf("%s chunk %d: memoName does not find the memo's name at %#x", name, ci, off)
					}
					names++
				}
				for off, tm := range d.moreTmpls {
					if r := d.recent[(off*0x9e3779b1)>>(32-recentBits)]; r.t == nil || r.at == uint64(off)+1 {
						t.Fatalf("%s chunk %d: the memo's template at %#x is in moreTmpls, its recent slot is not another's", name, ci, off)
					}
					if d.template(int(off)) != tm {
						t.Fatalf("%s chunk %d: template does not find the memo's template at %#x", name, ci, off)
					}
					moreTmpls++
				}
				for off, tm := range d.memoTemplates() {
					if d.template(int(off)) != tm {
						t.Fatalf("%s chunk %d: template does not find the memo's template at %#x", name, ci, off)
					}
					tmpls++
				}
			}
		}
	}
	t.Logf("%d names (%d in moreNames), %d templates (%d in moreTmpls)", names, moreNames, tmpls, moreTmpls)
	if names == 0 || tmpls == 0 || moreNames == 0 || moreTmpls == 0 {
		t.Fatalf("%d names (%d in moreNames), %d templates (%d in moreTmpls) in the memos: the test proves little", names, moreNames, tmpls, moreTmpls)
	}
}

// memoNames returns the names of the memo by offset: those of ntab's
// slots of this chunk's generation and those of moreNames.
func (d *chunkDecoder) memoNames() map[uint32]*nameEntry {
	m := make(map[uint32]*nameEntry, len(d.moreNames))
	for off, e := range d.moreNames {
		m[off] = e
	}
	if d.ntab != nil {
		for _, s := range d.ntab {
			if s.gen == d.ngen {
				m[s.off] = s.e
			}
		}
	}
	return m
}

// memoTemplates returns the templates of the memo by offset: those of
// recent and those of moreTmpls.
func (d *chunkDecoder) memoTemplates() map[uint32]*template {
	m := make(map[uint32]*template, len(d.moreTmpls))
	for off, t := range d.moreTmpls {
		m[off] = t
	}
	for _, r := range d.recent {
		if r.t != nil {
			m[uint32(r.at-1)] = r.t
		}
	}
	return m
}

// TestTemplateCacheAcrossLogs: a cache given back by the goroutine of one
// pass (putTmplCache) serves the next, of any log. One cache serves every
// chunk of every sample and of a damaged copy of each, in turn, and every
// record decodes as without a cache; the cache serves templates first
// compiled for other logs.
func TestTemplateCacheAcrossLogs(t *testing.T) {
	logs := testLogs(t)
	cache := newTmplCache()
	seen := map[tmplKey]string{} // the log whose chunk a definition was first met in
	across, records := 0, 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		b := logs[name]
		for _, v := range []struct {
			name string
			b    []byte
		}{{name, b}, {name + " (damaged)", damaged(b)}} {
			for ci := 0; fileHeaderBlock+ci*chunkSize < len(v.b); ci++ {
				c := chunkAt(v.b, ci)
				d := newChunkDecoder(c)
				d.cache = cache
				got := decodeChunk(d, c)
				want := decodeChunk(newChunkDecoder(c), c)
				if !slicesEqual(got, want) {
					t.Fatalf("%s chunk %d: records decode differently with a cache that served other logs", v.name, ci)
				}
				records += len(got)
				for off := range d.memoTemplates() {
					if int(off) > len(c)-templateHeaderSize {
						continue
					}
					k := cacheKey(c, int(off))
					if first, ok := seen[k]; !ok {
						seen[k] = name
					} else if first != name {
						across++
					}
				}
			}
		}
	}
	t.Logf("%d records, %d templates met again in another log than first", records, across)
	if across == 0 || cache.hits == 0 {
		t.Errorf("no template was met in two logs (%d hits): the test proves little", cache.hits)
	}
}

// TestTemplateCacheSharesShapes: a template the cache serves has its time
// and summary shapes already, those its own nodes give, even when every
// chunk is only decoded (decoding asks for neither shape), so that no
// chunk makes them again; and each chunk's TimeCreated read after that,
// the shapes taken from the cache, is what it is without the cache.
func TestTemplateCacheSharesShapes(t *testing.T) {
	logs := testLogs(t)
	served := 0
	for i, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && i%5 != 0 {
			continue
		}
		b := logs[name]
		tc := newTmplCache()
		if tc == nil {
			t.Fatal("template cache off")
		}
		for ci := 0; fileHeaderBlock+ci*chunkSize < len(b); ci++ {
			c := chunkAt(b, ci)
			d := tc.decoder(c)
			decodeChunk(d, c)
			for _, tm := range tc.tslab.block[:tc.tslab.next] {
				served++
				if tm.tshape == nil || tm.sshape == nil {
					t.Fatalf("%s chunk %d: a template the cache served has no time shape (%v) or summary shape (%v)", name, ci, tm.tshape != nil, tm.sshape != nil)
				}
				own := &template{nodes: tm.nodes}
				if !reflect.DeepEqual(tm.shape().timePlan(), own.shape().timePlan()) || !reflect.DeepEqual(tm.shape(), own.shape()) || !reflect.DeepEqual(tm.summaryShape(), own.summaryShape()) {
					t.Fatalf("%s chunk %d: a served template's shapes are not those its nodes give", name, ci)
				}
			}
			// Reads through the cache, the shapes taken from it, as reads
			// without it.
			d = tc.decoder(c)
			for _, sp := range recordSpans(c) {
				rt, ok := d.readTime(sp[0], sp[1])
				want, wok := newChunkDecoder(c).readTime(sp[0], sp[1])
				if ok != wok || rt.ft != want.ft || rt.hasID != want.hasID || rt.eventRecordID != want.eventRecordID || (rt.created == nil) != (want.created == nil) {
					t.Fatalf("%s chunk %d record at %#x: TimeCreated read %+v %v through the cache, %+v %v without", name, ci, sp[0], rt, ok, want, wok)
				}
			}
		}
	}
	t.Logf("%d templates served", served)
	if served == 0 {
		t.Error("the cache served no template: the test proves little")
	}
}
