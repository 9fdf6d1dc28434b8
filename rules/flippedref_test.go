package rules

import (
	"os"
	"path/filepath"
	"strings"
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
// after: 00:49, record 50, not exported. With the chunk header's checksum
// wrong as well (the header not believed), the records beside it,
// numbered 24 and 26, vouch for its EventRecordID (evtx's
// neighbouredRecordID): before, the reference time was 00:24 there still;
// now it is 00:49, and the input's problems name the record read as its
// EventRecordID.
func TestReferenceNotFromFlippedNumber(t *testing.T) {
	base := evtxtest.MinuteLogStart
	for _, badHeader := range []bool{false, true} {
		b, err := evtxtest.MinuteLog(50, evtxtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fileOff, _, err := evtxtest.FlipRecordNumber(b, 2, 4) // record 25, chunk 2's fifth
		if err != nil {
			t.Fatal(err)
		}
		if badHeader {
			ch := b[fileOff-(fileOff-4096)%65536:]
			ch[124] ^= 0xff // the header checksum
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		res := analyzePath(t, builtinEngine(t, Options{}), dir)
		ref := res.ReferenceRecord
		if !res.ReferenceTime.Equal(base.Add(49*time.Minute)) || ref == nil || ref.RecordNumber != 50 || ref.EventRecordID != 50 {
			t.Errorf("header checksum wrong %v: reference time %s from %+v, want %s from record 50", badHeader, res.ReferenceTime, ref, base.Add(49*time.Minute))
		}
		if len(res.Inputs) != 1 || res.Inputs[0].Exported {
			t.Errorf("header checksum wrong %v: inputs %+v: want one, not exported", badHeader, res.Inputs)
			continue
		}
		said := false
		for _, e := range res.Inputs[0].Errors {
			said = said || strings.Contains(e.Error(), "record number 1099511627801") && strings.Contains(e.Error(), "read as its EventRecordID 25")
		}
		if !said {
			t.Errorf("header checksum wrong %v: no problem names the record read as its EventRecordID: %v", badHeader, res.Inputs[0].Errors)
		}
	}
}
