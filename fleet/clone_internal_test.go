package fleet

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestByPlaceSorts: byPlace, which places records by counting where their
// EventRecordIDs run with few gaps, gives the order a comparison sort
// gives, for runs with gaps, repeats and wide spreads.
func TestByPlaceSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		n      int
		spread uint64
	}{{0, 1}, {1, 1}, {50, 60}, {5000, 5000}, {5000, 30000}, {5000, 1 << 40}, {300, 20}} {
		recs := make([]recHeader, c.n)
		base := rng.Uint64N(1 << 50)
		for i := range recs {
			recs[i] = recHeader{erid: base + rng.Uint64N(c.spread), key: rng.Uint64N(4), alt: rng.Uint64N(3)}
		}
		orig := slices.Clone(recs)
		want := slices.Clone(recs)
		slices.SortFunc(want, func(a, b recHeader) int {
			return cmp.Or(cmp.Compare(a.erid, b.erid), cmp.Compare(a.key, b.key), cmp.Compare(a.alt, b.alt))
		})
		if got := byPlace(recs); !slices.Equal(got, want) {
			t.Errorf("%d records over %d: byPlace differs from a sort", c.n, c.spread)
		}
		if !slices.Equal(recs, orig) {
			t.Errorf("%d records over %d: byPlace changed its argument", c.n, c.spread)
		}
	}
}
