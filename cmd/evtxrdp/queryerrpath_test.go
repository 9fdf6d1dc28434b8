package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// query of a log that cannot be read named it twice ("evtxrdp query:
// x.evtx: evtx: x.evtx: file header: ..."), where dump and analyze name
// it once: the reader's error already names the file and offset.
func TestQueryNamesAnUnreadableLogOnce(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.evtx")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd("query", "-q", "*", bad)
	want := "evtxrdp query: evtx: " + bad + ": file header: offset 0x0: not an EVTX file: no file header or chunk signature (starts with 68 65 6c 6c 6f)\n"
	if code != exitFailure || !strings.Contains(errOut, want) || strings.Count(errOut, bad) != 1 {
		t.Errorf("exit %d, stderr %q, want %q", code, errOut, want)
	}
}
