package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestCopiesWithDifferentContentCountOnce: two copies of a System log, one
// with a byte of a 6008's data flipped (its chunk's checksum now wrong),
// read as one (evtx.Merge, as analyze reads copies): Merge yields that
// record from both copies, as dump prints both, and rdp-os-unstable
// counted 4 events where the log holds 3 (a 6008, a Kernel-Power 41, a
// BugCheck 1001), while the grouping line said the copy adds none of its
// records. Windows gives one record of a channel one EventRecordID: the
// two are one record, counted once, from the copy read first, and a
// warning names them. With and without shortcuts alike.
func TestCopiesWithDifferentContentCountOnce(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(scenarioDir, "os-bugcheck", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	var u16 bytes.Buffer
	for _, r := range utf16.Encode([]rune("5:59:13 AM")) {
		u16.Write([]byte{byte(r), byte(r >> 8)})
	}
	at := bytes.Index(b, u16.Bytes())
	if at < 0 {
		t.Fatal("the 6008's data is not in the fixture")
	}
	flipped := append([]byte(nil), b...)
	flipped[at] = '4'
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, data := range [][]byte{b, flipped} {
		if err := os.WriteFile(filepath.Join(dirs[i], "System.evtx"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		alone, err := e.Analyze([]*evtx.Log{findLog(t, dirs[0])})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Analyze([]*evtx.Log{evtx.Merge(findLog(t, dirs[0]), findLog(t, dirs[1]))})
		if err != nil {
			t.Fatal(err)
		}
		want, got := finding(t, alone, "rdp-os-unstable"), finding(t, res, "rdp-os-unstable")
		if got.EvidenceCount != want.EvidenceCount || got.Verdict != want.Verdict {
			t.Errorf("NoShortcuts %v: copies read as one: %s with %d events, one copy: %s with %d", plain, got.Verdict, got.EvidenceCount, want.Verdict, want.EvidenceCount)
		}
		for _, ev := range got.Evidence {
			if ev.File == filepath.Join(dirs[1], "System.evtx") {
				t.Errorf("NoShortcuts %v: evidence from the second copy: %+v", plain, ev)
			}
		}
		warned := strings.Contains(strings.Join(res.Warnings, "\n"), "1 record a query matched is in two of its copies with different content")
		if !warned {
			t.Errorf("NoShortcuts %v: no warning of the copies' different content: %q", plain, res.Warnings)
		}
		if strings.Contains(strings.Join(alone.Warnings, "\n"), "different content") {
			t.Errorf("NoShortcuts %v: one copy warned of copies: %q", plain, alone.Warnings)
		}
	}
}
