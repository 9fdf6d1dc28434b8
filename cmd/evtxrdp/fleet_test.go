package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
	"github.com/evtxrdp/evtxrdp/report"
)

const cases = "../../testdata/evtx/cases"

// verdict returns the verdict and evidence count of rule in r.
func verdict(r *report.Report, rule string) (string, int) {
	for _, f := range r.Findings {
		if f.RuleID == rule {
			return f.Verdict, f.EvidenceCount
		}
	}
	return "", -1
}

// Two machines given together: one report each, in every format; exit 3
// because one has a detected finding.
func TestAnalyzeTwoComputers(t *testing.T) {
	vm1, vm2 := filepath.Join(cases, "two-computers", "vm1"), filepath.Join(cases, "two-computers", "vm2")
	code, out, errOut := runCmd("analyze", "--format", "jsonl", vm2, vm1)
	if code != exitDetected || errOut != "" {
		t.Fatalf("jsonl: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("jsonl: %d lines, want 2", len(lines))
	}
	want := map[string]string{"vm1.contoso.com": "detected", "vm2.contoso.com": "not_detected"}
	for _, line := range lines {
		var r report.Report
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Machine == nil {
			t.Fatalf("jsonl line without machine: %.200s", line)
		}
		if v, _ := verdict(&r, "rdp-tls-disabled"); v != want[r.Machine.Name] {
			t.Errorf("%s: %s, want %s", r.Machine.Name, v, want[r.Machine.Name])
		}
		delete(want, r.Machine.Name)
	}
	if len(want) != 0 {
		t.Errorf("machines not reported: %v", want)
	}

	// JSON: the summary first, then the reports in the same order.
	code, out, _ = runCmd("analyze", "--format", "json", filepath.Join(cases, "two-computers"))
	var fl report.Fleet
	if err := json.Unmarshal([]byte(out), &fl); err != nil || code != exitDetected {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	if len(fl.Machines) != 2 || len(fl.Reports) != 2 || fl.Machines[0].Machine != "vm1.contoso.com" ||
		strings.Join(fl.Machines[0].Detected, ",") != "rdp-tls-disabled" || len(fl.Machines[1].Detected) != 0 ||
		fl.Reports[1].Machine.Name != "vm2.contoso.com" || fl.Machines[1].NewestEvent <= fl.Machines[0].NewestEvent {
		t.Errorf("json summary %+v", fl.Machines)
	}
	if fl.Reports[0].ReferenceTime == fl.Reports[1].ReferenceTime {
		t.Errorf("one reference time for both machines: %s", fl.Reports[0].ReferenceTime)
	}

	// Text and Markdown: the summary table first.
	for _, f := range []string{"text", "markdown"} {
		code, out, _ = runCmd("analyze", "--format", f, vm1, vm2)
		sc := bufio.NewScanner(strings.NewReader(out))
		var head []string
		for sc.Scan() && len(head) < 6 {
			head = append(head, sc.Text())
		}
		h := strings.ToLower(strings.Join(head, "\n"))
		if code != exitDetected || !strings.Contains(h, "2 machines") || !strings.Contains(h, "vm1.contoso.com") ||
			!strings.Contains(h, "vm2.contoso.com") || !strings.Contains(h, "newest event") {
			t.Errorf("%s: exit %d, head:\n%s", f, code, strings.Join(head, "\n"))
		}
	}

	// vm2 alone: one machine, nothing detected, the report of one machine.
	code, out, _ = runCmd("analyze", "--format", "json", vm2)
	if code != exitOK || strings.Contains(out, `"machine"`) || strings.Contains(out, `"reports"`) {
		t.Errorf("vm2 alone: exit %d\n%.300s", code, out)
	}
}

// The same log twice (a shadow copy; the same file by another path):
// evidence counted once, the copies listed.
func TestAnalyzeCopiesCountOnce(t *testing.T) {
	cur := filepath.Join(cases, "vss", "current")
	for _, args := range [][]string{
		{cur, filepath.Join(cases, "vss", "shadow")},
		{cur, "./" + cur + "/System.evtx"},
		{filepath.Join(cases, "vss")},
	} {
		code, out, errOut := runCmd(append([]string{"analyze", "--format", "json"}, args...)...)
		r, err := report.ReadJSON(strings.NewReader(out))
		if err != nil || code != exitDetected {
			t.Fatalf("%q: exit %d, %v, %s", args, code, err, errOut)
		}
		if v, n := verdict(r, "rdp-tls-disabled"); v != "detected" || n != 2 {
			t.Errorf("%q: %s with %d events, want detected with 2", args, v, n)
		}
		if r.Machine == nil || len(r.Machine.Logs) != 1 || len(r.Machine.Logs[0].Copies) != 2 {
			t.Fatalf("%q: machine %+v", args, r.Machine)
		}
		if c := r.Machine.Logs[0].Copies; c[0].Added != c[0].Records || c[1].Added != 0 {
			t.Errorf("%q: copies %+v", args, c)
		}
		if len(r.Inputs) != 1 {
			t.Errorf("%q: %d inputs", args, len(r.Inputs))
		}
	}
}

// A folder with no logs anywhere below it is an error naming it.
func TestAnalyzeFleetEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd("analyze", dir)
	if code != exitFailure || !strings.Contains(errOut, dir) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// An older copy of a System log, all of whose records lie before the
// analysed period and which names the same computer (no rename): the
// report shows the machine's grouping lines, which say that it is an
// older copy read as a log of its own. The report printed none (there was
// no copy found, no rename), so nothing said why the machine had two
// System logs.
func TestAnalyzeSaysOlderCopyNotCompared(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	evs := evtxtest.Noise(end.Add(-40*24*time.Hour), time.Hour, 40*24)
	for i, ev := range evs {
		ev.System.Computer = "vm1"
		ev.RecordID = uint64(i + 1)
	}
	cur, old := filepath.Join(dir, "current", "System.evtx"), filepath.Join(dir, "old", "System.evtx")
	for p, part := range map[string][]*evtx.Event{cur: evs, old: evs[:24*5]} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := evtxtest.WriteFile(p, part, evtxtest.Options{MaxRecordsPerChunk: 40}); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCmd("analyze", filepath.Join(dir, "current"), filepath.Join(dir, "old"))
	if code != exitOK || !strings.Contains(out, "Machine: vm1") || !strings.Contains(strings.Join(strings.Fields(out), " "), old+": an older copy of "+cur+" (its newest records") {
		t.Errorf("exit %d, report:\n%s\n%s", code, out, errOut)
	}
	_, _, errOut = runCmd("dump", "-f", "none", cur, old)
	if !strings.Contains(errOut, old+": a copy of "+cur) {
		t.Errorf("dump does not name the copy:\n%s", errOut)
	}
}
