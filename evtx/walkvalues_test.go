package evtx

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// walkValuesPlain walks the value descriptors desc (at most maxWalk) of
// values starting at pos one at a time, as leanInstance does: the position
// after them and ok (every value ends by end), every value's position, and
// the indices of the BinXML values.
func walkValuesPlain(desc []byte, pos, end int) (after int, at, bins []int, ok bool) {
	n := min(len(desc)/4, maxWalk)
	for i := range n {
		size, kind := int(binary.LittleEndian.Uint16(desc[4*i:])), Kind(desc[4*i+2])
		if size > end-pos {
			return pos, at, bins, false
		}
		if kind == KindBinXML {
			bins = append(bins, i)
		}
		at = append(at, pos)
		pos += size
	}
	return pos, at, bins, true
}

// checkWalk compares valueWalk.walk and skipValues with the plain loops on
// desc, pos and end.
func checkWalk(t *testing.T, desc []byte, pos, end int) {
	t.Helper()
	checkWalkAfter(t, new(valueWalk), desc, pos, end)
}

// checkWalkAfter is checkWalk with w, which may have walked others before.
func checkWalkAfter(t *testing.T, w *valueWalk, desc []byte, pos, end int) {
	t.Helper()
	after, nbin, ok := w.walk(desc, pos, end)
	pAfter, pAt, pBins, pOK := walkValuesPlain(desc, pos, end)
	if ok != pOK {
		t.Fatalf("desc % x pos %d end %d: walk ok %v, plain %v", desc, pos, end, ok, pOK)
	}
	if ok {
		if after != pAfter || nbin != len(pBins) {
			t.Fatalf("desc % x pos %d end %d: walk after %d, %d BinXML; plain %d, %d", desc, pos, end, after, nbin, pAfter, len(pBins))
		}
		for j := range min(nbin, maxBins) {
			if i := pBins[j]; int(w.bix[j]) != i || int(w.bpos[j]) != pAt[i] {
				t.Fatalf("desc % x pos %d: BinXML value %d kept as %d at %d, plain %d at %d", desc, pos, j, w.bix[j], w.bpos[j], i, pAt[i])
			}
		}
		for i, p := range pAt {
			if got := w.pos(desc, pos, i); got != p {
				t.Fatalf("desc % x pos %d: value %d at %d, plain %d", desc, pos, i, got, p)
			}
		}
	}
	size, bin := skipValues(desc)
	pSize, pBin := skipValuesPlain(desc)
	if size != pSize || bin != pBin {
		t.Fatalf("desc % x: skipValues %d %v, plain %d %v", desc, size, bin, pSize, pBin)
	}
}

// TestWalkValuesEqualsPlain: walking the value descriptors two at a time
// (valueWalk.walk, the values' fit, the position after them, every
// value's position and the BinXML ones; skipValues, their sizes' sum and
// whether one is BinXML) gives what walking them one at a time gives, for
// random descriptors: every count up to past maxWalk, sizes up to 0xffff
// whose sums end before, at and past the end, a BinXML kind at every
// index, kinds that only differ from BinXML by the array flag or sit in
// the unused byte, and sums up to where skipValues's lanes would overflow.
func TestWalkValuesEqualsPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	kinds := []Kind{KindNull, KindString, KindUint64, KindFileTime, KindBinXML, KindBinXML | 0x80, KindSysTime}
	randDesc := func(n int, maxSize int) []byte {
		desc := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint16(desc[4*i:], uint16(rng.IntN(maxSize+1)))
			desc[4*i+2] = byte(kinds[rng.IntN(len(kinds))])
			if rng.IntN(8) == 0 {
				desc[4*i+3] = byte(KindBinXML) // the unused byte
			}
		}
		return desc
	}
	sum := func(desc []byte) int {
		s, _ := skipValuesPlain(desc[:4*min(len(desc)/4, maxWalk)])
		return s
	}
	runs := 0
	for n := 0; n <= maxWalk+3; n++ {
		for _, maxSize := range []int{0, 3, 200, 0xffff} {
			for range 40 {
				desc := randDesc(n, maxSize)
				pos := rng.IntN(1 << 16)
				s := sum(desc)
				for _, end := range []int{pos + s - 1, pos + s, pos + s + 1, pos + rng.IntN(s+1), pos, pos + 1<<20} {
					checkWalk(t, desc, pos, end)
					runs++
				}
				// Trailing bytes that hold no whole descriptor.
				checkWalk(t, append(desc, 0xff, 0xff, byte(KindBinXML)), pos, pos+s+1)
			}
		}
		// A BinXML kind at every index, alone and beside another.
		for i := range n {
			desc := randDesc(n, 100)
			for j := range n {
				desc[4*j+2] = byte(KindString)
			}
			desc[4*i+2] = byte(KindBinXML)
			pos := rng.IntN(1000)
			checkWalk(t, desc, pos, pos+sum(desc))
			if i+1 < n {
				desc[4*i+6] = byte(KindBinXML)
				checkWalk(t, desc, pos, pos+sum(desc))
			}
			runs += 2
		}
	}
	// Every descriptor BinXML: more than maxBins.
	desc := randDesc(maxWalk, 10)
	for j := range maxWalk {
		desc[4*j+2] = byte(KindBinXML)
	}
	checkWalk(t, desc, 0, 1<<20)
	// skipValues's lanes up to their limit (every size 0xffff), and past
	// it, where it sums one at a time.
	for _, words := range []int{maxLaneWords - 1, maxLaneWords, maxLaneWords + 1} {
		for _, odd := range []int{0, 4} {
			desc := make([]byte, 8*words+odd)
			for i := 0; i+4 <= len(desc); i += 4 {
				desc[i], desc[i+1] = 0xff, 0xff
			}
			desc[len(desc)-2] = byte(KindBinXML)
			size, bin := skipValues(desc)
			pSize, pBin := skipValuesPlain(desc)
			if size != pSize || bin != pBin || size != 0xffff*(len(desc)/4) {
				t.Fatalf("%d words (odd %d): skipValues %d %v, plain %d %v", words, odd, size, bin, pSize, pBin)
			}
		}
	}
	t.Logf("%d walks compared", runs)
}

// TestWalkValuesAfterOthers: a walk that takes the descriptors it shares
// with the walk before from it (valueWalk.shared) reads what walking them
// all reads (walkCacheOff) and what the plain loop reads: one valueWalk
// walks descriptors that repeat the ones before, change one of them
// (size, kind or the unused byte, at every index), add or drop some at
// the end, or have nothing in common with them.
func TestWalkValuesAfterOthers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	kinds := []Kind{KindNull, KindString, KindUint64, KindFileTime, KindBinXML, KindSysTime}
	randDesc := func(n int) []byte {
		desc := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint16(desc[4*i:], uint16(rng.IntN(300)))
			desc[4*i+2] = byte(kinds[rng.IntN(len(kinds))])
		}
		return desc
	}
	var w valueWalk
	desc := randDesc(20)
	walks := 0
	for range 20000 {
		switch rng.IntN(6) {
		case 0: // the same again
		case 1: // one byte changed
			if len(desc) > 0 {
				desc = bytes.Clone(desc)
				desc[rng.IntN(len(desc))] ^= byte(1 + rng.IntN(255))
			}
		case 2: // one descriptor's kind made BinXML or not
			if len(desc) > 0 {
				desc = bytes.Clone(desc)
				i := rng.IntN(len(desc) / 4)
				desc[4*i+2] ^= byte(KindBinXML)
			}
		case 3: // longer
			desc = append(bytes.Clone(desc), randDesc(1+rng.IntN(5))...)
		case 4: // shorter
			desc = desc[:4*rng.IntN(len(desc)/4+1)]
		default:
			desc = randDesc(rng.IntN(maxWalk + 4))
		}
		pos := rng.IntN(1000)
		s, _ := skipValuesPlain(desc[:4*min(len(desc)/4, maxWalk)])
		for _, end := range []int{pos + s, pos + s - 1} {
			after, nbin, ok := w.walk(desc, pos, end)
			walkCacheOff = true
			var cold valueWalk
			cAfter, cNbin, cOK := cold.walk(desc, pos, end)
			walkCacheOff = false
			kept := min(nbin, maxBins)
			if after != cAfter || nbin != cNbin || ok != cOK || ok && (!slices.Equal(w.bix[:kept], cold.bix[:kept]) || !slices.Equal(w.bpos[:kept], cold.bpos[:kept])) {
				t.Fatalf("desc % x pos %d end %d: after others %d %d %v %v %v, alone %d %d %v %v %v",
					desc, pos, end, after, nbin, ok, w.bix[:kept], w.bpos[:kept], cAfter, cNbin, cOK, cold.bix[:kept], cold.bpos[:kept])
			}
			if ok {
				for i := range min(len(desc)/4, maxWalk) {
					if got, want := w.pos(desc, pos, i), cold.pos(desc, pos, i); got != want {
						t.Fatalf("desc % x pos %d: value %d at %d after others, %d alone", desc, pos, i, got, want)
					}
				}
			}
			checkWalk(t, desc, pos, end)
			walks++
			// And once more after it: all shared.
			checkWalkAfter(t, &w, desc, pos, end)
		}
	}
	t.Logf("%d walks compared", walks)
}

// FuzzWalkValues: valueWalk.walk and skipValues give what the plain loops
// give on any descriptors, from any position to any end (pos plus
// 16×extra, before pos too), walked alone and after other descriptors.
func FuzzWalkValues(f *testing.F) {
	f.Add([]byte{8, 0, byte(KindFileTime), 0, 4, 0, byte(KindBinXML), 0, 0, 0, 0, 0}, []byte{8, 0, byte(KindFileTime), 0, 5, 0, byte(KindBinXML), 0}, uint16(100), int16(12))
	f.Add([]byte{0xff, 0xff, byte(KindBinXML), byte(KindBinXML), 1, 0, byte(KindBinXML), 0}, []byte{}, uint16(0), int16(0x7fff))
	f.Add([]byte{}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, uint16(9), int16(-1))
	f.Fuzz(func(t *testing.T, desc, before []byte, pos uint16, extra int16) {
		checkWalk(t, desc, int(pos), int(pos)+16*int(extra))
		var w valueWalk
		w.walk(before, 0, 1<<30)
		checkWalkAfter(t, &w, desc, int(pos), int(pos)+16*int(extra))
		checkWalkAfter(t, &w, desc, int(pos), int(pos)+16*int(extra))
	})
}

// TestRecordMagicWord: recordAt compares a record's signature as one
// little-endian word.
func TestRecordMagicWord(t *testing.T) {
	if got := binary.LittleEndian.Uint32(recordMagic); got != recordMagicWord {
		t.Fatalf("recordMagic reads as %#x, recordMagicWord is %#x", got, recordMagicWord)
	}
}
