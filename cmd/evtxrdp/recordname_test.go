package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestDumpNamesRecordWithoutEventRecordID: dump's summary names a
// last-written record whose EventRecordID was not read (here a Real64,
// not an integer) by its record number, said so, as analyze and query
// name it; it printed "EventRecordID 5", the record number in the id's
// place. With a window and without.
func TestDumpNamesRecordWithoutEventRecordID(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var evs []*evtx.Event
	for i := 0; i < 5; i++ {
		evs = append(evs, evtxtest.SCM7036(t0.Add(time.Duration(i-5)*time.Hour), "Remote Desktop Services", "running", "TermService"))
	}
	b, err := evtxtest.Bytes(evs, evtxtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := b[4096 : 4096+65536]
	last := int(binary.LittleEndian.Uint32(ch[44:]))
	free := int(binary.LittleEndian.Uint32(ch[48:]))
	desc := []byte{8, 0, 0x0a, 0} // 8 bytes of UInt64: only EventRecordID's
	if bytes.Count(ch[last:free], desc) != 1 {
		t.Fatal("no single UInt64 value in the last record")
	}
	ch[last+bytes.Index(ch[last:free], desc)+2] = 0x0c // Real64
	binary.LittleEndian.PutUint32(ch[52:], crc32.ChecksumIEEE(ch[512:free]))
	h := crc32.NewIEEE()
	h.Write(ch[:120])
	h.Write(ch[128:512])
	binary.LittleEndian.PutUint32(ch[124:], h.Sum32())
	p := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-f", "xml"}, {"-f", "xml", "--since", "2024-05-01T10:30:00Z"}} {
		code, _, errOut := runDumpArgs(t, append(args, p)...)
		if code != exitOK {
			t.Fatalf("dump %v: exit %d: %s", args, code, errOut)
		}
		if want := "last written record: record 5 (no EventRecordID read) at 2024-05-01T11:00:00"; !strings.Contains(errOut, want) {
			t.Errorf("dump %v: the summary does not say %q:\n%s", args, want, errOut)
		}
		if strings.Contains(errOut, "exported log") {
			t.Errorf("dump %v: an export:\n%s", args, errOut)
		}
	}
}
