package main

import (
	"bytes"
	"os"
	"path/filepath"
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
		// The message gives the bound, so the user knows what to type.
		if !strings.Contains(errb.String(), "36500") && !strings.Contains(errb.String(), "negative") {
			t.Errorf("%v: the message does not say the limit: %s", args, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "--look-back", "36500d", set}, &out, &errb); code != exitDetected {
		t.Errorf("--look-back 36500d: exit %d, want %d; stderr %s", code, exitDetected, errb.String())
	}
}

// A full log that has wrapped around holds its newest chunk before its
// oldest: -c N returns the oldest N by record order and -r -c N the newest,
// as wevtutil does, not the first in the file.
func TestQueryWrappedLogOrder(t *testing.T) {
	path := "../../testdata/evtx/scenarios/wrapped-full-log/System.evtx"
	ids := func(args ...string) []string {
		var out, errb bytes.Buffer
		if code := run(append([]string{"query", "-f", "xml", "-q", "*"}, append(args, path)...), &out, &errb); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			_, rest, _ := strings.Cut(l, "<EventRecordID>")
			id, _, _ := strings.Cut(rest, "<")
			got = append(got, id)
		}
		return got
	}
	if got := ids("-r", "-c", "2"); strings.Join(got, " ") != "122 121" {
		t.Errorf("-r -c 2: records %v, want the newest, 122 121", got)
	}
	if got := ids("-c", "2"); strings.Join(got, " ") != "1 2" {
		t.Errorf("-c 2: records %v, want the oldest, 1 2", got)
	}
	all := ids()
	if len(all) != 122 || all[0] != "1" || all[121] != "122" {
		t.Errorf("all: %d records from %s to %s, want 122 in record order", len(all), all[0], all[len(all)-1])
	}
}

// Every problem of a rule file is one line on stderr: errors.Join's
// newlines came out escaped as a literal "\n" on one long line.
func TestRuleFileProblemsOnePerLine(t *testing.T) {
	dir := t.TempDir()
	bad := "id: my-rule\ntitle: t\nwindow: 24h\nqueries:\n  - id: q1\n    channel: System\n    xpath: \"Event[System[EventID=]]\"\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"rules", "analyze"} {
		args := []string{cmd, "--rules", dir}
		if cmd == "analyze" {
			args = append(args, filepath.Join(scenarios, "healthy"))
		}
		var out, e bytes.Buffer
		if code := run(args, &out, &e); code != exitFailure {
			t.Errorf("%s: exit %d", cmd, code)
		}
		lines := strings.Split(strings.TrimSpace(e.String()), "\n")
		if len(lines) < 3 || strings.Contains(e.String(), `\n`) {
			t.Errorf("%s: %d lines:\n%s", cmd, len(lines), e.String())
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "evtxrdp "+cmd+": ") || !strings.Contains(l, "bad.yaml") {
				t.Errorf("%s: line %q", cmd, l)
			}
		}
	}
}
