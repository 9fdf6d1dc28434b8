//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A log not one byte of which could be read (here a FIFO named
// Security.evtx beside a readable System.evtx) is listed in the report's
// inputs as not read, with the channel its file name gives said to come
// from there, in text and Markdown alike. It was listed as "[Security]  0
// records" with "decoded 0 (records from ... to ...)": an empty log, read,
// which is not what was found.
func TestUnreadableLogIsNotListedAsEmpty(t *testing.T) {
	dir := t.TempDir()
	sys, err := os.ReadFile(filepath.Join(scenarios, "tls-36871-10013", "System.evtx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), sys, 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "Security.evtx")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	why := "evtx: not a regular file: " + fifo + " is a named pipe (FIFO) (a stream: give it on standard input, as - < " + fifo + ")"

	code, out, errOut := runCmd("analyze", dir)
	if code != exitDetected {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitDetected, errOut)
	}
	inputs := out[strings.Index(out, "== Inputs =="):]
	inputs = inputs[:strings.Index(inputs, "\n\n")]
	want := "  " + fifo + "  [Security (from the file name)]  not read (unreadable): " + why + "\n"
	if !strings.Contains(inputs+"\n", want) {
		t.Errorf("text inputs lack %q:\n%s", want, inputs)
	}
	for _, wrong := range []string{"0 records", "decoded 0", "problem: unreadable"} {
		if strings.Contains(inputs, wrong) {
			t.Errorf("text inputs say %q of a log not read:\n%s", wrong, inputs)
		}
	}
	// The finding that needs Security says it is unreadable, as before.
	if !strings.Contains(out, "Log Security (evidence): unreadable, "+fifo) {
		t.Errorf("rdp-logon-account does not call Security unreadable:\n%s", out)
	}

	_, md, _ := runCmd("analyze", "-f", "markdown", dir)
	row := "| `" + fifo + "` | `Security` (from the file name) | | | | not read | `unreadable: " + why + "` |"
	if !strings.Contains(md, row) {
		t.Errorf("markdown inputs lack the row\n%s\nin\n%s", row, md[strings.Index(md, "## Inputs"):])
	}
}
