package evtx_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestHeldInFull: of omerbenamram's system.evtx with the second half of
// chunk 1 overwritten by chunk 3's, the reader yields 65 records twice, in
// part (chunk 1 lacks their templates) and in full; HeldInFull says so of
// each copy in part once the read ended (as many as Stats.PartialHeld),
// never before it, and never of a record decoded in full; the undamaged
// log has none.
func TestHeldInFull(t *testing.T) {
	b, err := os.ReadFile("../testdata/evtx/omerbenamram__evtx__samples__system.evtx")
	if err != nil {
		t.Fatal(err)
	}
	for _, damage := range []bool{false, true} {
		c := bytes.Clone(b)
		if damage {
			evtxtest.OverwriteChunkHalf(c, 1, 3)
		}
		rd, err := evtx.NewReaderOptions(bytes.NewReader(c), int64(len(c)), evtx.Options{Name: "System.evtx"})
		if err != nil {
			t.Fatal(err)
		}
		var partial, full []*evtx.Event
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Partial != "" {
				if rd.HeldInFull(ev) {
					t.Errorf("damage %v: HeldInFull before the end of the read", damage)
				}
				partial = append(partial, ev)
			} else if len(full) < 100 {
				full = append(full, ev)
			}
		}
		held := 0
		for _, ev := range partial {
			if rd.HeldInFull(ev) {
				held++
			}
		}
		for _, ev := range full {
			if rd.HeldInFull(ev) {
				t.Fatalf("damage %v: HeldInFull of a record decoded in full", damage)
			}
		}
		want := 0
		if damage {
			want = 65
		}
		if st := rd.Stats(); held != want || st.PartialHeld != want {
			t.Errorf("damage %v: %d of %d records in part held in full, PartialHeld %d, want %d", damage, held, len(partial), st.PartialHeld, want)
		}
	}
}
