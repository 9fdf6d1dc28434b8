package main

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file header whose next record id cannot be true (2^40 on a log of
// 651 records, its checksum right) is one problem in dump's summary,
// said "1 problem" (it said "0 problems", and a count of one "1
// problems"), and among analyze's input problems.
func TestDumpAnalyzeImplausibleNextID(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "evtx", "fukusuket__evtx-parser__samples__System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(b[24:], 1<<40)
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	claim := "file header: offset 0x18: corrupt data: the file header (its checksum right) claims next record id 1099511627776, but the newest record the chunks hold is numbered 651"
	_, _, errOut := runCmd("dump", "-f", "none", p)
	if !strings.Contains(errOut, "651 events,") || !strings.Contains(errOut, "; 1 problem\n") || !strings.Contains(errOut, claim) {
		t.Errorf("dump:\n%s", errOut)
	}
	_, out, _ := runCmd("analyze", "-f", "json", p)
	if !strings.Contains(out, claim) {
		t.Errorf("analyze's inputs do not name the claim:\n%s", out)
	}
}
