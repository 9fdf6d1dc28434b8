package evtx

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopKEqualsSort: topK keeps exactly the k first candidates, in the
// order of before, of those added, in either order, with many candidates
// of one record number (copies of a chunk), k from 1 to beyond their
// count, and candidates added in file order, reversed, shuffled, or by
// rising or falling record number.
func TestTopKEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 3000 {
		n := rng.IntN(400)
		ids := 1 + rng.IntN(1+rng.IntN(300)) // few distinct numbers: many ties
		cs := make([]writtenCand, n)
		for i := range cs {
			cs[i] = writtenCand{id: uint64(rng.IntN(ids)), slot: i / 40, off: 512 + 8*(i%40)}
		}
		switch trial % 5 {
		case 1:
			slices.Reverse(cs)
		case 2:
			rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		case 3, 4:
			// Record numbers rising (a log read in file order), or falling.
			slices.SortStableFunc(cs, func(a, b writtenCand) int { return cmp.Compare(a.id, b.id) })
			if trial%5 == 4 {
				slices.Reverse(cs)
			}
		}
		k := 1 + rng.IntN(100)
		for _, desc := range []bool{false, true} {
			tk := topK{k: k, desc: desc}
			for _, c := range cs {
				if tk.skips(&c) {
					// add must keep nothing new.
					before := tk.first()
					tk.add(c)
					if !slices.Equal(before, tk.first()) {
						t.Fatalf("trial %d: skips(%v) but add changed the kept %v to %v", trial, c, before, tk.first())
					}
					continue
				}
				tk.add(c)
			}
			if tk.n > k || len(tk.cs) > k {
				t.Fatalf("topK holds %d candidates, k %d", len(tk.cs), k)
			}
			got := tk.first()
			want := firstCands(slices.Clone(cs), k, desc)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d (k %d, desc %v, %d candidates): topK %v, sorted %v", trial, k, desc, n, got, want)
			}
		}
	}
}
