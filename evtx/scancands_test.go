package evtx

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// TestScanCandsEqualWalk: the candidates scanChunk gives WrittenEnds
// (chunkJob.cands) are those walkChunk finds, in the same order, for
// every chunk of every test log and of a copy of each with bytes flipped
// all over its first chunks, scanned with the window that primes the
// memo, with no window and with a window holding everything: what Next
// would consider yielding does not depend on the window.
func TestScanCandsEqualWalk(t *testing.T) {
	logs := testLogs(t)
	for name, b := range testLogs(t) {
		d := bytes.Clone(b[:min(len(b), 4096+3*65536)])
		for i := 4096; i < len(d); i += 509 {
			if (i-4096)%65536 >= 512 {
				d[i] ^= 0x5a
			}
		}
		logs[name+".damaged"] = d
	}
	chunks, cands := 0, 0
	for name, b := range logs {
		r, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Workers: 1, Name: name})
		if err != nil {
			continue
		}
		s := r.src
		for i := 0; i < s.nslots; i++ {
			if s.isOld(i) {
				continue
			}
			off := s.base + int64(i)*chunkSize
			c := make([]byte, min(int64(chunkSize), s.size-off))
			n, _ := s.ra.ReadAt(c, off)
			c = c[:n]
			var h chunkHeader
			hdr := headerInto(&h, c)
			var walked []writtenCand
			s.walkChunk(i, c, hdr, func(w writtenCand) { walked = append(walked, w) })
			for _, w := range []window{primeWindow, {}, newWindow(time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(60000, 1, 1, 0, 0, 0, 0, time.UTC))} {
				var scanned []writtenCand
				j := chunkJob{index: i, off: off, hdrChunks: s.hdrN, hdrOK: s.hdrOK, dirty: s.dirty, old: false, hdr: hdr,
					cands: func(w writtenCand) { scanned = append(scanned, w) }}
				scanChunk(c, j, w, name)
				if !slices.Equal(scanned, walked) {
					t.Fatalf("%s chunk %d (window %+v): the scan gives the candidates %v, the walk %v", name, i, w, scanned, walked)
				}
			}
			chunks++
			cands += len(walked)
		}
		r.Close()
	}
	t.Logf("%d chunks, %d candidates", chunks, cands)
	if cands < 10000 {
		t.Errorf("%d candidates: the test proves little", cands)
	}
}
