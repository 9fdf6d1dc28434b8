package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeRecordsZeroedInsideAChunk: the two Schannel 36871 events of
// the tls-36871-10013 scenario, records 121 and 122, zeroed inside the
// log's one chunk (a page that never reached the disk), record 123 after
// them intact. Before, rdp-tls-disabled was "not detected" with "System
// read and covers it", the records named only as unreadable bytes, while
// the same records lost between chunks made it not checked. Now the run
// is lost (dump names it with the records either side) and the rule is
// not checked; a copy of the log that holds the two records beside it
// gives them back: detected, and no run lost.
func TestAnalyzeRecordsZeroedInsideAChunk(t *testing.T) {
	b, err := os.ReadFile("../../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	intact := append([]byte(nil), b...)
	clear(b[0xa320:0xa7c8]) // records 121 and 122 (dump: offsets 0xa320, 0xa620; 123 at 0xa7c8)
	dir := t.TempDir()
	zeroed := filepath.Join(dir, "zeroed", "System.evtx")
	copyDir := filepath.Join(dir, "copy")
	for p, data := range map[string][]byte{zeroed: b, filepath.Join(copyDir, "System.evtx"): b, filepath.Join(copyDir, "vss", "System.evtx"): intact} {
		writeLog(t, p, data)
	}
	type report struct {
		Findings []struct {
			RuleID  string `json:"rule_id"`
			Verdict string `json:"verdict"`
		} `json:"findings"`
		Inputs []struct {
			Lost []string `json:"lost"`
		} `json:"inputs"`
	}
	verdict := func(args ...string) (string, report) {
		t.Helper()
		_, out, stderr := runCmd(append([]string{"analyze", "--format", "json"}, args...)...)
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("analyze %v: %v\n%s", args, err, stderr)
		}
		for _, f := range r.Findings {
			if f.RuleID == "rdp-tls-disabled" {
				return f.Verdict, r
			}
		}
		t.Fatalf("analyze %v: no rdp-tls-disabled finding", args)
		return "", r
	}
	if v, _ := verdict(filepath.Dir(zeroed)); v != "not_checked" {
		t.Errorf("records 121, 122 zeroed inside the chunk: rdp-tls-disabled %q, want not_checked", v)
	}
	_, _, stderr := runDumpArgs(t, zeroed)
	if want := "lost: records 121 to 122 (2) are not in the file"; !strings.Contains(stderr, want) {
		t.Errorf("dump does not say %q:\n%s", want, stderr)
	}
	if v, r := verdict(copyDir, filepath.Join(copyDir, "vss")); v != "detected" || len(r.Inputs) == 0 || len(r.Inputs[0].Lost) != 0 {
		t.Errorf("with a copy holding records 121, 122: rdp-tls-disabled %q, inputs %+v; want detected, no run lost", v, r.Inputs)
	}
}
