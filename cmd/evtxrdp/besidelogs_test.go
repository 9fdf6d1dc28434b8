package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A logs folder holding System.evtx and a copy renamed System.evtx.bak
// (as support engineers keep a copy before touching a log) was read
// without the copy and with no word of it: analyze, dump and query now
// name a file beside the logs that starts with a log's file header
// (ElfFile) and is not read, while a notes file is not named.
func TestLogNamedOtherwiseBesideLogsNamed(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "System.evtx"), src, 0o644)
	bak := filepath.Join(dir, "System.evtx.bak")
	os.WriteFile(bak, src, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ElfFil not a log\n"), 0o644)
	want := bak + ": a log (it starts with an EVTX file header) beside the logs of " + dir + " whose name does not end in .evtx, not read with them (give it as a PATH of its own)"
	for _, args := range [][]string{{"analyze", dir}, {"dump", "-f", "none", dir}, {"query", "-c", "1", dir}} {
		code, _, errOut := runCmd(args...)
		if code == exitFailure || code == exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "notes.txt") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q and no notes.txt", args, code, errOut, want)
		}
	}
	// Given as a PATH of its own, it is read.
	if code, out, errOut := runCmd("query", "-c", "1", bak); code != 0 || !strings.Contains(out, "Event[0]") {
		t.Errorf("query %s: exit %d, stdout %q, stderr %q", bak, code, out, errOut)
	}
}
