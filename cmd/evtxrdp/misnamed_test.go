package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Logs whose records are not of the channel their file name says: a
// support engineer's Security.evtx that holds the System log, a
// System.evtx that holds Application records. The channel a log is read
// as comes from its records; the file name only when no record tells.
// analyze read Security.evtx as Security: the System rules said "System:
// no log of this channel among the inputs", the Security rules "Security
// read and covers it", and the run ended with exit 0 over a System log
// holding two Schannel 36871 (rdp-tls-disabled).
func TestMisnamedLogs(t *testing.T) {
	tls := filepath.Join(scenarios, "tls-36871-10013", "System.evtx")
	app := "../../testdata/evtx/fukusuket__evtx-parser__samples__Application.evtx"
	dir := t.TempDir()
	copyFile(t, tls, filepath.Join(dir, "Security.evtx"))
	copyFile(t, app, filepath.Join(dir, "System.evtx"))

	code, out, errOut := runCmd("analyze", dir)
	if code != exitDetected || !strings.Contains(out, "DETECTED      2  rdp-tls-disabled") {
		t.Errorf("analyze: exit %d, want %d with rdp-tls-disabled detected:\n%s%s", code, exitDetected, out, errOut)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"Security.evtx: its records are of the System channel, not of Security as its file name says; it is read as System",
		"System.evtx: its records are of the Application channel, not of System as its file name says; it is read as Application",
		"Security.evtx  [System (from the events; the file name says Security)]",
		"System.evtx  [Application (from the events; the file name says System)]  not read (no rule reads its channel)",
	} {
		if !strings.Contains(out, want) && !strings.Contains(flat, want) {
			t.Errorf("analyze's report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Log Security (evidence): read") {
		t.Errorf("the System log saved as Security.evtx is reported as the Security log read:\n%s", out)
	}

	_, js, _ := runCmd("analyze", "--format", "json", dir)
	var rep struct {
		Warnings []string
		Inputs   []struct {
			Path              string
			Channel           string
			ChannelFromEvents bool   `json:"channel_from_events"`
			FileChannel       string `json:"file_channel"`
			Used              bool
		}
	}
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 2 || len(rep.Inputs) != 2 {
		t.Fatalf("json: warnings %q, inputs %+v", rep.Warnings, rep.Inputs)
	}
	for _, in := range rep.Inputs {
		want := map[string]string{"Security.evtx": "System", "System.evtx": "Application"}[filepath.Base(in.Path)]
		if in.Channel != want || !in.ChannelFromEvents || in.FileChannel != strings.TrimSuffix(filepath.Base(in.Path), ".evtx") || in.Used != (want == "System") {
			t.Errorf("json input %+v, want channel %s from the events", in, want)
		}
	}
	_, md, _ := runCmd("analyze", "--format", "markdown", dir)
	if !strings.Contains(md, "`System` (from the events; the file name says `Security`)") {
		t.Errorf("markdown inputs do not say Security.evtx holds System records:\n%s", md)
	}

	// query: --channel selects by the records' channel, and stderr names
	// the logs whose name says another.
	code, out, errOut = runCmd("query", dir, "--channel", "System", "-f", "text", "-q", "*[System[Provider[@Name='Schannel'] and EventID=36871]]")
	if code != exitOK || strings.Count(out, "Event[") != 2 || !strings.Contains(errOut, "Security.evtx: its records are of the System channel, not of Security as its file name says") {
		t.Errorf("query --channel System: exit %d, %d events, stderr:\n%s", code, strings.Count(out, "Event["), errOut)
	}
	code, _, errOut = runCmd("query", dir, "--channel", "Security", "-q", "*")
	if code != exitFailure || !strings.Contains(errOut, `no log of channel "Security" among the 2 logs given (their channels: Application, System)`) {
		t.Errorf("query --channel Security over no Security records: exit %d, stderr:\n%s", code, errOut)
	}
	// dump names them too.
	code, _, errOut = runCmd("dump", "-f", "none", dir)
	if code != exitOK || !strings.Contains(errOut, "evtxrdp dump: "+filepath.Join(dir, "Security.evtx")+": its records are of the System channel, not of Security as its file name says") ||
		!strings.Contains(errOut, "System.evtx: its records are of the Application channel") {
		t.Errorf("dump: exit %d, stderr:\n%s", code, errOut)
	}
}
