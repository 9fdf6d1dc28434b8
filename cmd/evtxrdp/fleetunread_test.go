package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A machine of a several-machine run none of whose logs could be read (an
// empty file given as a PATH of its own, beside a disk's logs) said on
// stderr and under the summary table only "rules: no readable log for the
// rules' channels", never why: the empty file's "not an EVTX file: empty"
// was in its report's inputs alone, while analyze of that file alone says
// it on stderr. Every run now names, on stderr, the file and the problem
// of each log that could not be read.
func TestFleetNamesWhyAMachineWasNotAnalysed(t *testing.T) {
	dir := t.TempDir()
	sys := filepath.Join(dir, "disk", "System.evtx")
	copyFile(t, "../../testdata/evtx/scenarios/healthy/System.evtx", sys)
	empty := filepath.Join(dir, "export.evtx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"text", "json", "jsonl"} {
		code, _, errOut := runCmd("analyze", "-f", f, filepath.Dir(sys), empty)
		if code != exitOK {
			t.Errorf("%s: exit %d", f, code)
		}
		want := "evtxrdp analyze: evtx: " + empty + ": file header: offset 0x0: not an EVTX file: empty\n"
		if !strings.Contains(errOut, want) {
			t.Errorf("%s: stderr lacks %q:\n%s", f, want, errOut)
		}
	}
}
