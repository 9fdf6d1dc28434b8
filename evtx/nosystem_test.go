package evtx

import (
	"testing"
	"time"
)

// TestCheapTimeNestedSystem: a BinXML value among Event's children whose
// template instance yields an element named System gives the decoded event
// a second System, so its TimeCreated is not plain and readTime must not
// read one (the reader's window would skip a record the plain path
// yields). With the nested element named otherwise, the same record reads
// its time cheaply, so the test is not passed by declining everything.
func TestCheapTimeNestedSystem(t *testing.T) {
	outer := TimeToFiletime(time.Date(2024, 5, 1, 11, 50, 0, 0, time.UTC))
	inner := TimeToFiletime(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	build := func(nested string) ([]byte, int, int) {
		w := newBXW()
		off, size := w.record(7, outer, func() {
			w.fragment()
			w.templateInline(func() {
				w.systemTime()
				w.closeEmpty()
				w.end()
				w.subst(1, KindBinXML, false)
				w.end()
				w.eof()
			})
			// Values in place (the nested definition's names are inline
			// at their chunk offsets): count, descriptors, bytes.
			descAt, start := w.timeAndBinXML(outer)
			w.fragment()
			w.templateInline(func() {
				w.fragment()
				w.open(nested, false, -1)
				w.closeStart()
				w.open("TimeCreated", true, -1)
				w.attr("SystemTime", false)
				w.subst(0, KindFileTime, false)
				w.closeEmpty()
				w.end()
				w.eof()
			})
			w.u32(1)
			w.u16(8)
			w.u8(byte(KindFileTime))
			w.u8(0)
			w.u64(inner)
			w.eof()
			n := w.pos() - start
			w.b[descAt] = byte(n)
			w.b[descAt+1] = byte(n >> 8)
			w.eof()
		})
		return w.b, off, size
	}
	for _, nested := range []string{"System", "Data"} {
		c, off, size := build(nested)
		ev, err := newChunkDecoder(c).decodeRecord(off, size)
		if err != nil {
			t.Fatalf("nested %s: %v", nested, err)
		}
		systems := 0
		for _, ch := range ev.Root.Children {
			if ch.Name == "System" {
				systems++
			}
		}
		if want := map[string]int{"System": 2, "Data": 1}[nested]; systems != want {
			t.Fatalf("nested %s: the decoded event has %d System elements, want %d: %s", nested, systems, want, ev.XML())
		}
		_, plain := plainTimeCreated(ev.Root)
		rt, ok := newChunkDecoder(c).readTime(off, size)
		if ok != plain || ok && rt.time() != FiletimeToTime(outer) {
			t.Errorf("nested %s: readTime %v %v, decoded TimeCreated plain %v (%s)", nested, rt, ok, plain, ev.XML())
		}
		checkCheapTime(t, "nested "+nested, c, off, size)
	}
}
