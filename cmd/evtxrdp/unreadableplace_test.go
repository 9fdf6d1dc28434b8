package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGroupingNamesUnreadableLogsAsUnreadable: a log beside two
// machines' logs that could not be read (a System.evtx that is a text
// file, an empty file, a text file of no channel's name) is named as
// such in the grouping lines. They said "DIR: 3 logs no rule reads (not
// opened)": a System log, which the rules read, and files whose channel
// no record told, all opened and found unreadable (the inputs say so).
// A log of a channel no rule reads is still "no rule reads", read no
// further than its first record, which names its channel: it said "(not
// opened)", though analyze opens every log to read that record.
func TestGroupingNamesUnreadableLogsAsUnreadable(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../testdata/evtx/Velocidex__evtx__testdata__Security.evtx", filepath.Join(dir, "Security.evtx"))
	copyFile(t, "../../testdata/evtx/williballenthin__python-evtx__tests__data__system.evtx", filepath.Join(dir, "vm2-System.evtx"))
	copyFile(t, "../../testdata/evtx/Mandumpal__DemoApp__Application.evtx", filepath.Join(dir, "Application.evtx"))
	for name, body := range map[string]string{"System.evtx": "not a log\n", "Empty.evtx": "", "Notes.evtx": "hello\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, out, errOut := runCmd("analyze", "-f", "json", dir)
	if strings.Contains(out, "3 logs no rule reads") || !strings.Contains(out, dir+": 3 logs that could not be read (the inputs say why)") ||
		!strings.Contains(out, dir+": 1 log no rule reads (not read beyond the first record, which names the channel)") || strings.Contains(grepLines(out, dir+": "), "not opened") {
		t.Errorf("grouping lines do not say 3 logs could not be read and 1 is of a channel no rule reads:\n%s\n%s", grepLines(out, dir+": "), errOut)
	}
}

// grepLines returns the JSON strings of out that contain s, one a line.
func grepLines(out, s string) string {
	var b strings.Builder
	for _, f := range strings.Split(out, `"`) {
		if strings.Contains(f, s) {
			b.WriteString(f + "\n")
		}
	}
	return b.String()
}
