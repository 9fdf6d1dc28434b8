package plural

import (
	"math"
	"testing"
)

// TestN: counts read as English ("Outside the window: ... (..., 2
// matchs)" was printed by a report for a query matched twice outside its
// window, and "2 matchs" in a rule's caveat, before the helpers of
// report and rules, which this one replaces).
func TestN(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{N(1, "record"), "1 record"},
		{N(2, "record"), "2 records"},
		{N(0, "record"), "0 records"},
		{N(-1, "byte"), "-1 bytes"},
		{N(int64(1), "byte"), "1 byte"},
		{N(uint64(math.MaxUint64), "byte"), "18446744073709551615 bytes"},
		{N(1, "match"), "1 match"},
		{N(2, "match"), "2 matches"},
		{N(2, "address"), "2 addresses"},
		{N(3, "box"), "3 boxes"},
		{N(3, "older event"), "3 older events"},
		{N(2, "damaged chunk"), "2 damaged chunks"},
		{N(3, "undecodable record"), "3 undecodable records"},
		{N(2, "crash"), "2 crashes"},
		{Word(1, "was", "were"), "was"},
		{Word(2, "was", "were"), "were"},
		{Noun(uint32(1), "chunk"), "chunk"},
		{Noun(uint32(2), "chunk"), "chunks"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
