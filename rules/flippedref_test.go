package rules

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestReferenceNotFromFlippedNumber: the reference time ("now") is the
// last-written record's TimeCreated, and a record whose number has bit 40
// set, its checksums right, is not the last written when its chunk header
// and its own EventRecordID say it is record 25 of 50 (evtx's
// damagedRecordID; evtxtest.MinuteLog and FlipRecordNumber). Before:
// reference time 00:24, record 1099511627801, the log called exported;
// after: 00:49, record 50, not exported.
func TestReferenceNotFromFlippedNumber(t *testing.T) {
	base := evtxtest.MinuteLogStart
	b, err := evtxtest.MinuteLog(50, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := evtxtest.FlipRecordNumber(b, 2, 4); err != nil { // record 25, chunk 2's fifth
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := analyzePath(t, builtinEngine(t, Options{}), dir)
	ref := res.ReferenceRecord
	if !res.ReferenceTime.Equal(base.Add(49*time.Minute)) || ref == nil || ref.RecordNumber != 50 || ref.EventRecordID != 50 {
		t.Errorf("reference time %s from %+v, want %s from record 50", res.ReferenceTime, ref, base.Add(49*time.Minute))
	}
	if len(res.Inputs) != 1 || res.Inputs[0].Exported {
		t.Errorf("inputs %+v: want one, not exported", res.Inputs)
	}
}
