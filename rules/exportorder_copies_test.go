package rules_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// Two copies of one export saved newest first, read as one log (fleet.
// Copies): "now" is still the record with the highest EventRecordID, as
// for the export read alone (TestReferenceTimeExportNotInWriteOrder).
func TestReferenceTimeExportNotInWriteOrderCopies(t *testing.T) {
	newest := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := exportOrderLogs(newest, func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = n - 1 - i
		}
		return out
	})
	dir := t.TempDir()
	var paths []string
	for _, sub := range []string{"a", "b"} {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(filepath.Join(p, "System.evtx"), evs, evtxtest.Options{MaxRecordsPerChunk: 3}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	for plain, eng := range copiesEngines(t) {
		res := analyzeMerged(t, eng, paths...)
		if !res.ReferenceTime.Equal(newest) || res.ReferenceRecord == nil || res.ReferenceRecord.EventRecordID != 549 {
			t.Errorf("plain %v: reference time %v from %+v, want %v (EventRecordID 549)", plain, res.ReferenceTime, res.ReferenceRecord, newest)
		}
		if len(res.ClockJumps) != 0 {
			t.Errorf("plain %v: %d clock jumps, want none", plain, len(res.ClockJumps))
		}
	}
}
