package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// scanText renders what scanning a chunk gave: events, counts, problems.
func scanText(res *chunkResult) string {
	var b strings.Builder
	for _, ev := range res.events {
		fmt.Fprintf(&b, "%d %q %s\n", ev.RecordID, ev.Partial, ev.AppendXML(nil))
	}
	fmt.Fprintf(&b, "%+v %v %v", res.st, res.errs, res.slack)
	return b.String()
}

// TestTemplateCacheMutatedDefinitions: a definition changed where the
// cache's conditions look (its name offsets redirected to other names, to
// its own inline position or into its body; a byte of it, of a name it
// references or of an inline name's unread next offset flipped; two name
// offsets swapped; the chunk cut short) decodes, reads cheaply and scans
// with a cache filled from the unchanged chunk exactly as without one.
// Every change is tried on up to 6 definitions of the first two chunks of
// every sample; the cache must serve some of them (the unread bytes), and
// refuse others.
func TestTemplateCacheMutatedDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	logs := testLogs(t)
	tried, served := 0, 0
	servedBy := map[string]int{}
	kinds := []string{"other name", "own inline position", "into the body", "body byte", "name byte", "inline next offset", "swap", "cut chunk", "inline name moved"}
	for li, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && li%5 != 0 {
			continue
		}
		b := logs[name]
		for ci := 0; ci < 2 && fileHeaderBlock+ci*chunkSize < len(b); ci++ {
			c := chunkAt(b, ci)
			base := newChunkDecoder(c)
			decodeChunk(base, c)
			var names []uint32
			for off, e := range base.memoNames() {
				if e.err == nil {
					names = append(names, off)
				}
			}
			slices.Sort(names)
			var defs []int
			for off, tm := range base.memoTemplates() {
				if tm.err == nil {
					defs = append(defs, int(off))
				}
			}
			slices.Sort(defs)
			if len(defs) > 6 {
				rng.Shuffle(len(defs), func(i, j int) { defs[i], defs[j] = defs[j], defs[i] })
				defs = defs[:6]
			}
			cache := newTmplCache()
			fill := newChunkDecoder(c)
			fill.cache = cache
			decodeChunk(fill, c)
			spans := recordSpans(c)
			var since time.Time
			if len(spans) > 0 {
				if rt, ok := newChunkDecoder(c).readTime(spans[len(spans)/2][0], spans[len(spans)/2][1]); ok {
					since = rt.time()
				}
			}
			w := window{since: since, active: !since.IsZero(), filter: func(s Summary) bool { return s.EventID%2 == 0 }}
			for _, off := range defs {
				_, refs := newChunkDecoder(c).compileTemplate(off)
				if refs == nil {
					continue
				}
				le := binary.LittleEndian
				size := int(le.Uint32(c[off+20:])) + templateHeaderSize
				for _, kind := range kinds {
					c2 := bytes.Clone(c)
					var r nameRef
					if len(refs) > 0 {
						r = refs[rng.IntN(len(refs))]
					}
					field := off + r.pos
					switch kind {
					case "other name":
						if len(refs) == 0 || len(names) == 0 {
							continue
						}
						le.PutUint32(c2[field:], names[rng.IntN(len(names))])
					case "own inline position":
						if len(refs) == 0 || r.inline {
							continue
						}
						le.PutUint32(c2[field:], uint32(field+4))
					case "into the body":
						if len(refs) == 0 {
							continue
						}
						le.PutUint32(c2[field:], uint32(off+templateHeaderSize+rng.IntN(size-templateHeaderSize)))
					case "body byte":
						c2[off+4+rng.IntN(size-4)] ^= byte(1 + rng.IntN(255))
					case "name byte":
						if len(refs) == 0 {
							continue
						}
						no := int(le.Uint32(c[field:]))
						if no+r.size > len(c) {
							continue
						}
						c2[no+4+rng.IntN(r.size-4)] ^= byte(1 + rng.IntN(255))
					case "inline next offset":
						if len(refs) == 0 || !r.inline {
							continue
						}
						c2[field+4+rng.IntN(4)] ^= byte(1 + rng.IntN(255))
					case "swap":
						if len(refs) < 2 {
							continue
						}
						r2 := refs[rng.IntN(len(refs))]
						f2 := off + r2.pos
						a, z := le.Uint32(c[field:]), le.Uint32(c[f2:])
						le.PutUint32(c2[field:], z)
						le.PutUint32(c2[f2:], a)
					case "inline name moved":
						// An inline name's offset names a copy of it in
						// the chunk's free space: the name is the same,
						// but compiling no longer skips it.
						var inl []nameRef
						for _, x := range refs {
							if x.inline {
								inl = append(inl, x)
							}
						}
						if len(inl) == 0 {
							continue
						}
						r = inl[rng.IntN(len(inl))]
						field = off + r.pos
						to := (lastNonZero(c) + 8) &^ 7
						if to+r.size > len(c2) {
							continue
						}
						copy(c2[to:], c[field+4:field+4+r.size])
						le.PutUint32(c2[field:], uint32(to))
					case "cut chunk":
						if off+size+512 > len(c2) {
							continue
						}
						c2 = c2[:off+size+rng.IntN(len(c2)-off-size)]
					}
					tried++
					// The definition itself: from the cache or compiled,
					// the template compiling it in c2 gives.
					dt := newChunkDecoder(c2)
					dt.cache = cache
					h := cache.hits
					tm := dt.template(off)
					fresh, _ := newChunkDecoder(c2).compileTemplate(off)
					if why := sameTemplate(tm, fresh); why != "" {
						t.Fatalf("%s chunk %d, definition at %#x, %s: the cache gave another template: %s", name, ci, off, kind, why)
					}
					if cache.hits > h {
						served++
						servedBy[kind]++
					}
					if tried%3 != 0 {
						continue // the whole chunk, for a third of the changes
					}
					d := newChunkDecoder(c2)
					d.cache = cache
					got := decodeChunk(d, c2)
					want := decodeChunk(newChunkDecoder(c2), c2)
					if !slices.Equal(got, want) {
						t.Fatalf("%s chunk %d, definition at %#x, %s: records decode differently with the cache\n%s", name, ci, off, kind, firstDiffText(got, want))
					}
					plain := newChunkDecoder(c2)
					for _, sp := range recordSpans(c2) {
						plain.readTime(sp[0], sp[1])
					}
					d2 := newChunkDecoder(c2)
					d2.cache = cache
					for _, sp := range recordSpans(c2) {
						g, gok := d2.readTime(sp[0], sp[1])
						f, fok := newChunkDecoder(c2).readTime(sp[0], sp[1])
						if viewOf(g) != viewOf(f) || gok != fok {
							t.Fatalf("%s chunk %d, definition at %#x, %s: record at %#x reads its time as %v %v with the cache, %v %v without", name, ci, off, kind, sp[0], g, gok, f, fok)
						}
					}
					if d2.memoBytes != plain.memoBytes || len(d2.memoNames()) != len(plain.memoNames()) || len(d2.memoTemplates()) != len(plain.memoTemplates()) {
						t.Fatalf("%s chunk %d, definition at %#x, %s: memo %d bytes, %d names, %d templates with the cache; %d, %d, %d without", name, ci, off, kind,
							d2.memoBytes, len(d2.memoNames()), len(d2.memoTemplates()), plain.memoBytes, len(plain.memoNames()), len(plain.memoTemplates()))
					}
					j := chunkJob{index: ci, off: int64(fileHeaderBlock + ci*chunkSize), hdrChunks: 99}
					jc := j
					jc.cache = cache
					for _, win := range []window{w} {
						if g, f := scanText(scanChunk(c2, jc, win, "x")), scanText(scanChunk(c2, j, win, "x")); g != f {
							t.Fatalf("%s chunk %d, definition at %#x, %s: the chunk scans differently with the cache (window %v)\n%s", name, ci, off, kind, win.active,
								firstDiffText(strings.Split(g, "\n"), strings.Split(f, "\n")))
						}
					}
				}
			}
		}
	}
	t.Logf("%d changed definitions, %d served by the cache %v", tried, served, servedBy)
	if tried < 200 || servedBy["inline next offset"] == 0 || servedBy["body byte"] > tried/10 || servedBy["inline name moved"] > 0 {
		t.Errorf("%d changes tried, the cache served %d: the test proves little", tried, served)
	}
}

func firstDiffText(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d:\n got %.400s\nwant %.400s", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(a), len(b))
}

// TestTemplateCacheEveryByte: each byte of a cached definition (from its
// GUID on, the bytes reuse compares 8 at a time and the masked name
// offsets alike) flipped in turn gives the template compiling the changed
// chunk gives, and a flip of a compared byte (not a name offset, nor an
// inline name's next offset) is never served from the cache. Up to 3
// definitions of the first chunk of every sample, among them ones whose
// length from the GUID on is not a multiple of 8 (the last word overlaps
// the one before).
func TestTemplateCacheEveryByte(t *testing.T) {
	logs := testLogs(t)
	flips, served, tails := 0, 0, 0
	for li, name := range slices.Sorted(maps.Keys(logs)) {
		if raceEnabled && li%5 != 0 {
			continue
		}
		c := chunkAt(logs[name], 0)
		cache := newTmplCache()
		if cache == nil {
			t.Fatal("template cache off")
		}
		fill := newChunkDecoder(c)
		fill.cache = cache
		decodeChunk(fill, c)
		// Full: the changed definitions compiled below are not added, so
		// each flip meets the cache as the unchanged chunk left it.
		cache.bytes = maxCacheBytes
		var defs []int
		fillMemo := fill.memoTemplates()
		for off, tm := range fillMemo {
			if tm.err == nil && tm.damaged == nil {
				defs = append(defs, int(off))
			}
		}
		slices.Sort(defs)
		// Those whose length is not a multiple of 8 first.
		slices.SortStableFunc(defs, func(a, b int) int {
			return cmpBool(fillMemo[uint32(a)].size%8 == 4, fillMemo[uint32(b)].size%8 == 4)
		})
		c2 := bytes.Clone(c)
		for _, off := range defs[:min(3, len(defs))] {
			_, refs := newChunkDecoder(c).compileTemplate(off)
			if refs == nil {
				continue
			}
			size := fillMemo[uint32(off)].size
			if (size-4)%8 != 0 {
				tails++
			}
			masked := make([]bool, size)
			for _, r := range refs {
				n := 4
				if r.inline {
					n = 8
				}
				for i := range n {
					masked[r.pos+i] = true
				}
			}
			for p := 4; p < size; p++ {
				for _, x := range []byte{0x01 << (p % 8)} {
					c2[off+p] ^= x
					d := newChunkDecoder(c2)
					d.cache = cache
					h := cache.hits
					got := d.template(off)
					fresh, _ := newChunkDecoder(c2).compileTemplate(off)
					if why := sameTemplate(got, fresh); why != "" {
						t.Fatalf("%s definition at %#x, byte %d ^ %#x: the cache gave another template: %s", name, off, p, x, why)
					}
					c2[off+p] ^= x
					flips++
					if cache.hits > h {
						served++
						if !masked[p] {
							t.Fatalf("%s definition at %#x, byte %d ^ %#x: a compared byte changed, yet the cache served it", name, off, p, x)
						}
					}
				}
			}
		}
	}
	t.Logf("%d flips, %d served by the cache, %d definitions with a partial last word", flips, served, tails)
	if flips < 5000 || tails == 0 {
		t.Errorf("%d flips, %d definitions with a partial last word: the test proves little", flips, tails)
	}
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
