package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// query and analyze take "now" from different logs, as their --help and
// the README say: query from every log given, analyze from the logs its
// rules read (System among them). An Application log, which no rule
// reads, written a day after the System log's last record: query's
// timediff counts from the Application log's last record (so a 2-hour
// timediff selects no System record), analyze's windows end at System's
// last record and the report names the Application log as not read.
func TestNowFromLogsReadDiffers(t *testing.T) {
	end := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := evtxtest.WriteFile(filepath.Join(dir, "System.evtx"), evtxtest.Noise(end.Add(-48*time.Hour), time.Hour, 49), evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}
	app := evtxtest.Noise(end.Add(-24*time.Hour), time.Hour, 49) // to end + 24h
	for _, ev := range app {
		ev.System.Channel = "Application"
	}
	if err := evtxtest.WriteFile(filepath.Join(dir, "Application.evtx"), app, evtxtest.Options{}); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runCmd("query", "-q", "*[System[TimeCreated[timediff(@SystemTime) <= 7200000]]]", dir)
	if code != exitOK || !strings.Contains(stderr, "reference time: 2024-05-02T12:00:00.0000000Z (the last-written record, EventRecordID 49 in "+filepath.Join(dir, "Application.evtx")+")") {
		t.Errorf("query: exit %d, stderr %q; want the reference time of Application's last record", code, stderr)
	}
	if n, sys := strings.Count(out, "Event["), strings.Count(out, "Log Name: System"); n != 3 || sys != 0 {
		t.Errorf("query printed %d events, %d of System; want the 3 Application events of the last 2 hours", n, sys)
	}

	_, out, stderr = runCmd("analyze", "--format", "json", dir)
	var r struct {
		ReferenceTime string `json:"reference_time"`
		ReferenceLog  string `json:"reference_log"`
		Inputs        []struct {
			Path string `json:"path"`
			Used bool   `json:"used"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("analyze: %v\n%s", err, stderr)
	}
	if r.ReferenceTime != "2024-05-01T12:00:00.0000000Z" || r.ReferenceLog != filepath.Join(dir, "System.evtx") {
		t.Errorf("analyze: reference time %s from %s; want System's last record, 2024-05-01T12:00:00", r.ReferenceTime, r.ReferenceLog)
	}
	for _, in := range r.Inputs {
		if filepath.Base(in.Path) == "Application.evtx" && in.Used {
			t.Errorf("analyze read the Application log, which no rule reads")
		}
	}
	// Both --help texts say so.
	for cmd, want := range map[string]string{
		"analyze": "A log no rule reads (Application, say) gives no reference time, however late its last record",
		"query":   "'evtxrdp analyze' takes \"now\" only from the logs its rules read",
	} {
		_, o, e := runCmd(cmd, "--help")
		if !strings.Contains(strings.Join(strings.Fields(o+e), " "), want) {
			t.Errorf("%s --help does not say %q", cmd, want)
		}
	}
}
