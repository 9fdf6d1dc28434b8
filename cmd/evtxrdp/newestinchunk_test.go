package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestAnalyzeNewestZeroedInChunk: of a System log whose newest chunk's
// last records (48 to 50) are zero while that chunk's header counts them,
// the reference line said "(the last-written record, EventRecordID 47
// ...)" with no warning, and the inputs "last written: EventRecordID 47",
// though records 48 to 50 were written after it. Both now say record 47 is
// the newest the file holds, the records after it lost, dump names the
// run, and the JSON input says newest_lost. The intact log's do not.
func TestAnalyzeNewestZeroedInChunk(t *testing.T) {
	b := fiftyRecordLog(t, evtxtest.Options{})
	rd, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var at48 int64 = -1
	for {
		ev, err := rd.Next()
		if err != nil {
			break
		}
		if ev.RecordID == 48 {
			at48 = ev.Source.Offset
		}
	}
	if at48 < 4096+4*65536 {
		t.Fatalf("record 48 at %d", at48)
	}
	intact, lost := writeLost(t, b, int(at48), 4096+5*65536)

	_, out, _ := runCmd("analyze", "--timeline", "0", lost)
	for _, want := range []string{
		"(EventRecordID 47 in " + lost + ", the newest record the file holds; the records written after it are lost, so it is not the last-written record)",
		"newest held: EventRecordID 47 at 2024-05-01T00:46:00.0000000Z (the records written after it are lost)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze of the log whose records 48..50 are zeroed: no %q in\n%s", want, out)
		}
	}
	if _, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", lost); !strings.Contains(out, `"reference_newest_lost": true`) || !strings.Contains(out, `"newest_lost": true`) {
		t.Errorf("analyze -f json of the log whose records 48..50 are zeroed: no reference_newest_lost or newest_lost")
	}
	if _, _, errOut := runCmd("dump", "-f", "none", lost); !strings.Contains(errOut, "lost: records 48 to 50 (3) are not in the file") {
		t.Errorf("dump: stderr lacks the lost run 48..50:\n%s", errOut)
	}
	_, out, _ = runCmd("analyze", "--timeline", "0", intact)
	if !strings.Contains(out, "last written: EventRecordID 50 at") || strings.Contains(out, "newest held") {
		t.Errorf("analyze of the intact log:\n%s", out)
	}
	if _, out, _ := runCmd("analyze", "-f", "json", "--timeline", "0", intact); strings.Contains(out, "newest_lost") {
		t.Errorf("analyze -f json of the intact log says newest_lost")
	}
}
