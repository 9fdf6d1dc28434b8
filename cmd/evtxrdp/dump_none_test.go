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
