package main

import (
	"bytes"
	"strings"
	"testing"
)

// --format none decodes everything, writes no events and still reports.
func TestDumpFormatNone(t *testing.T) {
	var out, errb bytes.Buffer
	path := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	if code := run([]string{"dump", "--format", "none", path}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("--format none wrote %d bytes to stdout", out.Len())
	}
	if !strings.Contains(errb.String(), "651 events") {
		t.Errorf("summary does not count the 651 events:\n%s", errb.String())
	}
}

// The Velocidex OOM crasher holds one record, damaged: dump reads it without
// harm, names the problem and its offset, and exits 1 (nothing readable).
func TestDumpCrasher(t *testing.T) {
	var out, errb bytes.Buffer
	path := "../../testdata/evtx/velocidex-evtx-oom-crasher.evtx"
	if code := run([]string{"dump", path}, &out, &errb); code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailure, errb.String())
	}
	for _, want := range []string{"substitution count", "offset 0x", "no readable record"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("wrote %d bytes of events from a file with no intact record", out.Len())
	}
}
