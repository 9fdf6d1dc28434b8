package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dump and query of a machine's logs folder read its .evtx files alone,
// as analyze does, and name, as analyze names them (fleet.SkippedBelow),
// what it holds besides them: a subfolder of logs (Archive/Security.evtx)
// and an archive (logs.zip). Before, analyze named both and dump and
// query said nothing: "query DIR" over a folder whose Security log was in
// Archive/ printed no Security event and no word why. A folder without
// logs below is not named, nor is anything for a log file given by name,
// and the exit code is that of the logs read.
func TestDumpQueryNameWhatALogsFolderHoldsBelow(t *testing.T) {
	dir := t.TempDir()
	src := "../../testdata/evtx/fukusuket__evtx-parser__samples__System.evtx"
	copyFile(t, src, filepath.Join(dir, "System.evtx"))
	copyFile(t, src, filepath.Join(dir, "Archive", "Security.evtx"))
	if err := os.MkdirAll(filepath.Join(dir, "empty", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, "logs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("Logs/System.evtx")
	data, _ := os.ReadFile(src)
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	named := []string{
		"fleet: " + filepath.Join(dir, "Archive") + ": a folder below the logs folder " + dir + ", not read with it (a folder holding .evtx files is read alone; give " + filepath.Join(dir, "Archive") + " as a PATH of its own)\n",
		"fleet: " + filepath.Join(dir, "logs.zip") + ": an archive beside the logs of " + dir + ", not read with them (give it as a PATH of its own)\n",
	}
	for _, c := range []struct {
		cmd  string
		args []string
	}{
		{"analyze", []string{"-f", "json"}},
		{"dump", []string{"-f", "none"}},
		{"query", []string{"-f", "xml", "-q", "*[System[EventID=6005]]"}},
	} {
		args := append(append([]string{c.cmd}, c.args...), dir)
		code, _, errOut := runCmd(args...)
		if code == exitFailure || code == exitUsage {
			t.Errorf("%q: exit %d\n%s", args, code, errOut)
		}
		for _, w := range named {
			if !strings.Contains(errOut, "evtxrdp "+c.cmd+": "+w) {
				t.Errorf("%q: stderr lacks %q:\n%s", args, "evtxrdp "+c.cmd+": "+w, errOut)
			}
		}
		if strings.Contains(errOut, "empty") {
			t.Errorf("%q: a folder without logs named:\n%s", args, errOut)
		}
		// The log given by name: nothing below it to name.
		args = append(append([]string{c.cmd}, c.args...), filepath.Join(dir, "System.evtx"))
		if _, _, errOut := runCmd(args...); strings.Contains(errOut, "not read with") {
			t.Errorf("%q: names what lies beside a log given by name:\n%s", args, errOut)
		}
	}
}
