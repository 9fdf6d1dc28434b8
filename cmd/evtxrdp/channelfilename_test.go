package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// --channel typed as the log's file name spells the channel ("%4" for
// "/", as Windows names Microsoft-Windows-...%4Operational.evtx) selects
// no log, as wevtutil's would; the error says which name to give. It
// named the channels found and no more, and the two names differ in a
// way that is easy to miss.
func TestChannelAsFileNameSaysTheChannel(t *testing.T) {
	set := filepath.Join(scenarios, "listener-started-after-boot")
	const rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager"
	code, out, errOut := runCmd("query", "--channel", rcm+"%4Operational", set)
	want := `; "%4" in a log's file name stands for "/" in its channel: --channel "` + rcm + `/Operational"`
	if code != exitFailure || out != "" || !strings.Contains(errOut, "no log of channel") || !strings.HasSuffix(errOut, want+"\n") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and stderr ending %q", code, out, errOut, want)
	}
	// The name it gives selects the log.
	code, out, errOut = runCmd("query", "--channel", rcm+"/Operational", "-c", "1", set)
	if code != exitOK || !strings.Contains(out, "Log Name: "+rcm+"/Operational") {
		t.Errorf("--channel %s/Operational: exit %d, stderr %q, stdout %q", rcm, code, errOut, out)
	}
	// A channel misspelt otherwise gets no such line.
	_, _, errOut = runCmd("query", "--channel", "Sytem", set)
	if strings.Contains(errOut, "%4") {
		t.Errorf("--channel Sytem: stderr %q speaks of %%4", errOut)
	}
}
