package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeNoLogOfRulesChannelsExit: a folder that holds a readable
// Application log alone gives no log any rule reads; analyze exits 1
// (the command could not run) and says why, as its --help and the
// README's exit codes now say ("none of a channel the rules read");
// they named only "no readable log among the inputs", which a
// readable Application log is not.
func TestAnalyzeNoLogOfRulesChannelsExit(t *testing.T) {
	src, err := os.ReadFile("../../testdata/evtx/fukusuket__evtx-parser__samples__Application.evtx")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Application.evtx"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", dir}, &out, &errb); code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailure, errb.String())
	}
	if !strings.Contains(errb.String(), "no readable log for the rules' channels") {
		t.Errorf("stderr does not say why:\n%s", errb.String())
	}
	var help bytes.Buffer
	run([]string{"analyze", "--help"}, &help, &help)
	if h := strings.Join(strings.Fields(help.String()), " "); !strings.Contains(h, "1 no readable log among the inputs, none of a channel the rules read") {
		t.Errorf("--help's exit codes do not name it:\n%s", help.String())
	}
}
