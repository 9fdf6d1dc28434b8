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

// query skips records its provider names and event ids rule out without
// decoding them; the output is the same as when every record is decoded.
func TestQueryKeysFilterSameOutput(t *testing.T) {
	path := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	q := "*[System[Provider[@Name='Service Control Manager'] and (EventID=7036 or EventID=7040)]]"
	var a, b, errb bytes.Buffer
	if code := run([]string{"query", "-f", "xml", "-q", q, path}, &a, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := run([]string{"query", "--no-skip", "-f", "xml", "-q", q, path}, &b, &errb); code != exitOK {
		t.Fatalf("--no-skip: exit %d: %s", code, errb.String())
	}
	if n := strings.Count(a.String(), "\n"); n < 20 {
		t.Fatalf("only %d matches: the comparison proves little", n)
	}
	if a.String() != b.String() {
		t.Errorf("filtered and unfiltered query outputs differ")
	}
}

// Durations too long for time.Duration arithmetic are usage errors, not a
// window that silently wraps around (which turned "detected" into "not
// detected" with exit 0).
func TestDurationBounds(t *testing.T) {
	set := "../../testdata/evtx/scenarios/tls-36871-10013"
	for _, args := range [][]string{
		{"analyze", "--look-back", "106751d", set},
		{"analyze", "--window", "300000d", set},
		{"analyze", "--window", "-5h", set},
		{"dump", "--since", "1000000d", set},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (usage)", args, code, exitUsage)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "--look-back", "36500d", set}, &out, &errb); code != exitDetected {
		t.Errorf("--look-back 36500d: exit %d, want %d; stderr %s", code, exitDetected, errb.String())
	}
}
