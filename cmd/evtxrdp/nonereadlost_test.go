package main

import (
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// A log whose file header is intact (next record id 51, 5 chunks in use)
// and none of whose chunks can be read (all zeroed) lost every record the
// header counts. dump, query and analyze said only that each chunk is all
// zero, never which records, nor how many, were not read: lostRuns gave no
// run when no chunk held a readable record. They name records 1 to 50
// now, as at most 50 (the header says they were written, not how many of
// them the file held), in analyze's text and JSON too, alone (no
// reference time) and beside a readable log (a reference time). A header
// whose next record id is past what its 5 chunks could hold names the
// records from the lowest they could hold.
func TestNoneReadNamesHeaderRecords(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	_, lost := writeLost(t, b, 4096, len(b))
	want := "records 1 to 50 (at most 50) are not read: no chunk of the file holds a readable record, and its file header's next record id is 51"
	if _, _, errOut := runCmd("dump", "-f", "none", lost); !strings.Contains(errOut, "lost: "+want) {
		t.Errorf("dump: stderr lacks %q:\n%s", "lost: "+want, errOut)
	}
	if _, _, errOut := runCmd("query", "--channel", "System", lost); !strings.Contains(errOut, "evtxrdp query: "+lost+": "+want) {
		t.Errorf("query: stderr lacks %q:\n%s", want, errOut)
	}
	wantRun := "records 1 to 50 (at most 50) not read: no chunk holds a readable record, and the file header counts records up to 50 (next record id 51)"
	other := filepath.Join(filepath.Dir(lost), "Security.evtx")
	copyFile(t, "../../testdata/evtx/Velocidex__evtx__testdata__Security.evtx", other)
	for _, paths := range [][]string{{lost}, {lost, other}} {
		_, out, errOut := runCmd(append([]string{"analyze"}, paths...)...)
		if !strings.Contains(strings.Join(strings.Fields(out), " "), wantRun) {
			t.Errorf("analyze %q: the text lacks %q:\n%s\n%s", paths, wantRun, out, errOut)
		}
		_, out, _ = runCmd(append([]string{"analyze", "-f", "json"}, paths...)...)
		var r struct {
			Inputs []struct {
				Path        string   `json:"path"`
				LostRecords uint64   `json:"lost_records"`
				Lost        []string `json:"lost"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, in := range r.Inputs {
			if in.Path == lost {
				found = true
				if in.LostRecords != 50 || len(in.Lost) != 1 || !strings.HasPrefix(in.Lost[0], wantRun) {
					t.Errorf("analyze -f json %q: lost_records %d, lost %q; want 50, %q", paths, in.LostRecords, in.Lost, wantRun)
				}
			}
		}
		if !found {
			t.Errorf("analyze -f json %q: no input %s:\n%s", paths, lost, out)
		}
	}

	// Next record id 10,000,001: 5 chunks of 65,024 bytes hold at most
	// 11,611 records of 28 bytes; those below cannot be in the file.
	binary.LittleEndian.PutUint64(b[24:], 10_000_001)
	binary.LittleEndian.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	_, wrapped := writeLost(t, b, 4096, len(b))
	want = "records 9988390 to 10000000 (at most 11611) are not read"
	if _, _, errOut := runCmd("dump", "-f", "none", wrapped); !strings.Contains(errOut, "lost: "+want) {
		t.Errorf("dump of the wrapped header: stderr lacks %q:\n%s", want, errOut)
	}
	// An intact log names none.
	intact := filepath.Join(t.TempDir(), "System.evtx")
	writeLog(t, intact, fiftyRecordLog(t, evtxtest.Options{}))
	if _, _, errOut := runCmd("dump", "-f", "none", intact); strings.Contains(errOut, "lost:") {
		t.Errorf("dump of the intact log: %s", errOut)
	}
}
