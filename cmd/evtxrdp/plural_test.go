package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestCountsReadRight: each message of the command that prints a count
// with a noun says it in the singular for 1 and the plural for 2 ("1 of 1
// machines analysed", "1 of 1 records renumbered" and "the other 1 is in
// the file, as old records" were printed).
func TestCountsReadRight(t *testing.T) {
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	below := func(n int) string {
		dir := t.TempDir()
		for i := range n {
			copyFile(t, src, filepath.Join(dir, "vm"+string(rune('1'+i)), "System.evtx"))
		}
		return findErrText(dir, os.ErrNotExist)
	}
	for _, c := range []struct {
		what      string
		text      func(n int) string
		one, many string
	}{
		{"analyze's progress", func(n int) string { return progressText(1, n) },
			"1 of 1 machine analysed", "1 of 2 machines analysed"},
		{"an exported log", func(n int) string { return exportedText(evtx.Stats{Renumbered: n, IDsRead: n}) },
			": 1 of 1 record renumbered,", ": 2 of 2 records renumbered,"},
		{"lost records held as old records", func(n int) string {
			return lostText(evtx.LostSpan{AfterID: 10, BeforeID: 10 + 3 + uint64(n) + 1, Slack: uint64(n)}, false)
		}, "; the other 1 is in the file, as an old record (", "; the other 2 are in the file, as old records ("},
		{"places below a folder", below,
			"; 1 place below it holds logs, not read:", "; 2 places below it hold logs, not read:"},
	} {
		if got := c.text(1); !strings.Contains(got, c.one) {
			t.Errorf("%s of 1: %q, want %q in it", c.what, got, c.one)
		}
		if got := c.text(2); !strings.Contains(got, c.many) {
			t.Errorf("%s of 2: %q, want %q in it", c.what, got, c.many)
		}
	}
}
