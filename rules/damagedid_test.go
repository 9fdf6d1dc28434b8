package rules

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDamagedRecordIDKeepsReferenceTime: one bit flipped in the high byte
// of record 39's record header id (of 123) made it the last-written
// record: "now" moved 6 days back, to its TimeCreated, and the two
// Schannel 36871 events of the last day were "first seen 6 days after the
// window": rdp-tls-disabled not detected on a log that shows it. The
// chunk's intact header counts records 1..123 (evtx reads the record with
// its EventRecordID): the reference time stays the real last record's.
func TestDamagedRecordIDKeepsReferenceTime(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarioDir, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	le, flipped := binary.LittleEndian, false
	for off := 4096 + 512; off+24 <= len(b) && bytes.Equal(b[off:off+4], []byte("**\x00\x00")); off += int(le.Uint32(b[off+4:])) {
		if le.Uint64(b[off+8:]) == 39 {
			b[off+15] ^= 0x20
			flipped = true
			break
		}
	}
	if !flipped {
		t.Fatal("no record 39")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := analyzePath(t, builtinEngine(t, Options{}), dir)
	if want := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC); !res.ReferenceTime.Equal(want) {
		t.Errorf("reference time %v, want %v (record 123)", res.ReferenceTime, want)
	}
	if f := finding(t, res, "rdp-tls-disabled"); f.Verdict != Detected || f.EvidenceCount != 2 {
		t.Errorf("rdp-tls-disabled: %s with %d events, want detected with 2", f.Verdict, f.EvidenceCount)
	}
}
