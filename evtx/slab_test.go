package evtx

import (
	"runtime"
	"testing"
)

// A template of 1,500 elements whose content is an empty optional
// substitution (so decoding drops them), instantiated 2,000 times in one
// 53 KB record, once made the decoder allocate a block of 1,500 elements
// per instance (about 560 MiB). Blocks are now bounded and only taken when
// the previous one is used up.
func TestTemplateInstancesDoNotAmplifyAllocation(t *testing.T) {
	w := newBXW()
	var def int
	off, size := w.record(1, 0, func() {
		w.fragment()
		def = w.templateInline(func() {
			ref := w.open("Event", false, -1)
			w.closeStart()
			w.text("x")
			w.end()
			for i := 0; i < 1500; i++ {
				w.open("X", false, ref)
				w.closeStart()
				w.subst(0, KindString, true)
				w.end()
			}
			w.eof()
		})
		w.values()
		for i := 0; i < 2000; i++ {
			w.templateRef(def)
			w.values()
		}
		w.eof()
	})
	if len(w.b) > chunkSize {
		t.Fatalf("record does not fit a chunk: %d bytes", len(w.b))
	}
	chunk := make([]byte, chunkSize)
	copy(chunk, w.b)
	d := newChunkDecoder(chunk)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := d.decodeRecord(off, size)
	runtime.ReadMemStats(&m1)
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 64<<20 {
		t.Errorf("decoding a %d-byte record allocated %d MiB (err %v)", size, alloc>>20, err)
	}
}
