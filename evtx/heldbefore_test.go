package evtx

import (
	"maps"
	"testing"
)

// TestHeldBefore: a part's copies of a key count as held before up to the
// most copies one earlier part held (a merged log counts a span or an old
// record as often as the one part holding it most often), and before then
// keeps the most copies of each key any part held.
func TestHeldBefore(t *testing.T) {
	before := map[string]int{}
	parts := []struct {
		keys []string
		drop map[string]int
	}{
		{[]string{"a", "a", "b"}, map[string]int{}},
		{[]string{"a", "b", "b", "b", "c"}, map[string]int{"a": 1, "b": 1}},
		{[]string{"a", "a", "a", "b", "b"}, map[string]int{"a": 2, "b": 2}},
		{nil, map[string]int{}},
	}
	for i, p := range parts {
		got := map[string]int{}
		heldBefore(p.keys, before, func(k string, n int) { got[k] += n })
		if !maps.Equal(got, p.drop) {
			t.Errorf("part %d: held before %v, want %v", i, got, p.drop)
		}
	}
	if want := map[string]int{"a": 3, "b": 3, "c": 1}; !maps.Equal(before, want) {
		t.Errorf("before %v, want %v", before, want)
	}
}
