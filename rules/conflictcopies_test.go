package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestCopiesWithDifferentContentCountOnce: two copies of a System log, one
// with a byte of a 6008's data flipped (its chunk's checksum now wrong),
// read as one (evtx.Merge, as analyze reads copies), in either order.
// Merge yielded that record from both copies, and rdp-os-unstable counted
// 4 events where the log holds 3 (a 6008, a Kernel-Power 41, a BugCheck
// 1001); then the scan counted it once, from the copy read first, which
// with the damaged copy first was the damaged 6008. Merge now decides:
// the copy whose chunk checksums verify, whichever is read first, and the
// scan reads what Merge yields (as dump and query print it), with a
// warning naming both copies. With and without shortcuts alike.
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
	// The changed copy with its chunk's checksums made right: both
	// verify, nothing tells the copies apart, and Merge yields the 6008
	// from both, marking the second (evtx.Event.ConflictOf): the scan
	// counts it once, from the copy read first, whichever that is.
	vouched := bytes.Clone(flipped)
	ch := 4096 + (at-4096)/65536*65536
	evtxtest.SetChunkChecksums(vouched[ch : ch+65536])
	dirs = append(dirs, t.TempDir())
	if err := os.WriteFile(filepath.Join(dirs[2], "System.evtx"), vouched, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		for _, order := range [][2]int{{0, 2}, {2, 0}} {
			one, err := e.Analyze([]*evtx.Log{findLog(t, dirs[order[0]])})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Analyze([]*evtx.Log{evtx.Merge(findLog(t, dirs[order[0]]), findLog(t, dirs[order[1]]))})
			if err != nil {
				t.Fatal(err)
			}
			want, got := finding(t, one, "rdp-os-unstable"), finding(t, res, "rdp-os-unstable")
			var gd, wd []string
			for _, ev := range got.Evidence {
				gd = append(gd, fmt.Sprint(ev.EventRecordID, ev.Data))
			}
			for _, ev := range want.Evidence {
				wd = append(wd, fmt.Sprint(ev.EventRecordID, ev.Data))
			}
			slices.Sort(gd)
			slices.Sort(wd)
			if got.EvidenceCount != want.EvidenceCount || !slices.Equal(gd, wd) {
				t.Errorf("NoShortcuts %v, both copies' checksums right, %s first: %d events %q; the first copy alone: %d, %q", plain, dirs[order[0]], got.EvidenceCount, gd, want.EvidenceCount, wd)
			}
			if w := "both are yielded, since the chunk checksums of both copies verify"; !strings.Contains(strings.Join(res.Warnings, "\n"), w) {
				t.Errorf("NoShortcuts %v, both copies' checksums right: no warning saying %q: %q", plain, w, res.Warnings)
			}
		}
	}
	for _, plain := range []bool{false, true} {
		e := builtinEngine(t, Options{NoShortcuts: plain})
		alone, err := e.Analyze([]*evtx.Log{findLog(t, dirs[0])})
		if err != nil {
			t.Fatal(err)
		}
		for _, order := range [][2]int{{0, 1}, {1, 0}} {
			res, err := e.Analyze([]*evtx.Log{evtx.Merge(findLog(t, dirs[order[0]]), findLog(t, dirs[order[1]]))})
			if err != nil {
				t.Fatal(err)
			}
			want, got := finding(t, alone, "rdp-os-unstable"), finding(t, res, "rdp-os-unstable")
			if got.EvidenceCount != want.EvidenceCount || got.Verdict != want.Verdict {
				t.Errorf("NoShortcuts %v, damaged copy %d of 2: copies read as one: %s with %d events, one copy: %s with %d", plain, order[1]+1, got.Verdict, got.EvidenceCount, want.Verdict, want.EvidenceCount)
			}
			var gd, wd []string
			// The records the copies hold alike may be read from either;
			// the 6008 is the intact copy's.
			for _, ev := range got.Evidence {
				gd = append(gd, fmt.Sprint(ev.EventRecordID, ev.Data))
			}
			for _, ev := range want.Evidence {
				wd = append(wd, fmt.Sprint(ev.EventRecordID, ev.Data))
			}
			slices.Sort(gd)
			slices.Sort(wd)
			if !slices.Equal(gd, wd) {
				t.Errorf("NoShortcuts %v, damaged copy %d of 2: evidence %q; the intact copy's: %q", plain, order[1]+1, gd, wd)
			}
			w := "System.evtx: 1 record is in two of its copies that differ (in content, the same channel, EventRecordID and TimeCreated, or in one of those, the same record number, header time and size, or in TimeCreated alone, the same content otherwise: one copy is damaged); each is counted once, from the copy whose chunk checksums verify, else from the copy read first (evtxrdp dump and query print the copy counted, or both when the checksums do not tell them apart): evtx: " +
				filepath.Join(dirs[1], "System.evtx")
			if warned := strings.Contains(strings.Join(res.Warnings, "\n"), w); !warned {
				t.Errorf("NoShortcuts %v, damaged copy %d of 2: no warning %q of the copies' different content: %q", plain, order[1]+1, w, res.Warnings)
			}
		}
		if strings.Contains(strings.Join(alone.Warnings, "\n"), "different content") {
			t.Errorf("NoShortcuts %v: one copy warned of copies: %q", plain, alone.Warnings)
		}
	}
}
