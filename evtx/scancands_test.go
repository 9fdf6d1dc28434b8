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
	checkScanCands(t, nil)
}

// TestScanCandsAfterGuardedRescan: where a TimeCreated read panics under
// the chunk's recovery (readTimeHook, at some records of every chunk), so
// that the chunk is scanned again with each read recovering on its own,
// the scan still gives walkChunk's candidates once each, and the record
// memo's cursor holds what a scan without the chunk's recovery reads, no
// entry of the first scan twice.
func TestScanCandsAfterGuardedRescan(t *testing.T) {
	defer func() { readTimeHook = nil }()
	panics := 0
	readTimeHook = func(d *chunkDecoder, off int) {
		if d.leanRead && (off%7 == 3 || off%5 == 1) {
			panics++
			panic("read panics")
		}
	}
	checkScanCands(t, func(name string, i int, c []byte, j chunkJob, w window) {
		scan := func(guardOff bool) []memoTime {
			rc := newRecCursor(nil, true)
			defer rc.release()
			j.recs, j.cands = rc, nil
			defer func(old bool) { chunkGuardOff = old }(chunkGuardOff)
			chunkGuardOff = guardOff
			scanChunk(c, j, w, name)
			return slices.Clone(*rc.times)
		}
		if got, want := scan(false), scan(true); !slices.Equal(got, want) {
			t.Fatalf("%s chunk %d: after a scan started over, the record memo's cursor holds %d entries, %d without the chunk's recovery", name, i, len(got), len(want))
		}
	})
	t.Logf("%d reads panicked under the chunk's recovery", panics)
	if panics < 100 {
		t.Errorf("%d reads panicked: the test proves little", panics)
	}
}

// checkScanCands is TestScanCandsEqualWalk; more, if not nil, is called
// for each chunk and window as well.
func checkScanCands(t *testing.T, more func(name string, i int, c []byte, j chunkJob, w window)) {
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
				if more != nil {
					more(name, i, c, j, w)
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
