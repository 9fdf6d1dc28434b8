package evtx_test

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestSummaryDamaged: the Summary a Filter is given says Damaged for the
// records of a chunk whose records checksum fails, and for no record of
// a chunk whose checksums verify (fleet keeps the Computer values only
// damaged records give out of its hosts: TestDamagedChunkNamesNoMachine).
// 120 records, 40 a chunk; chunk 1's stored records checksum changed.
func TestSummaryDamaged(t *testing.T) {
	b, err := evtxtest.Bytes(evtxtest.Noise(craftT0, time.Minute, 120), evtxtest.Options{MaxRecordsPerChunk: 40})
	if err != nil {
		t.Fatal(err)
	}
	b[4096+65536+52] ^= 1
	for _, workers := range []int{1, 2} {
		var mu sync.Mutex
		damaged := map[uint64]bool{}
		o := evtx.Options{Workers: workers, Filter: func(s evtx.Summary) bool {
			mu.Lock()
			defer mu.Unlock()
			damaged[s.RecordID] = s.Damaged
			return false
		}}
		r, err := evtx.NewReaderOptions(bytes.NewReader(b), int64(len(b)), o)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if i > 1000 {
				t.Fatalf("workers %d: Next does not end: %v", workers, err)
			}
		}
		if len(damaged) != 120 {
			t.Fatalf("workers %d: the Filter saw %d records, want 120", workers, len(damaged))
		}
		for id := uint64(1); id <= 120; id++ {
			if want := id > 40 && id <= 80; damaged[id] != want {
				t.Errorf("workers %d: record %d: Damaged %v, want %v", workers, id, damaged[id], want)
			}
		}
	}
}
