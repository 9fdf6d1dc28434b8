//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FIFOs, sockets, devices and empty, zero-filled or foreign files: a clear
// error naming the path, at once, from every command.
func TestOddInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "System.evtx")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.evtx")
	os.WriteFile(empty, nil, 0o644)
	zero := filepath.Join(dir, "zero.evtx")
	os.WriteFile(zero, make([]byte, 70000), 0o644)
	cases := []struct{ path, says string }{
		{fifo, fifo + " is a named pipe (FIFO) (a stream: give it on standard input, as - < " + fifo + ")"},
		{"/dev/zero", "/dev/zero is a character device"},
		{empty, empty + ": file header: offset 0x0: not an EVTX file: empty"},
		{zero, zero + ": file header: offset 0x0: not an EVTX file: all zero (70000 bytes)"},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range cases {
			for _, cmd := range []string{"analyze", "query", "dump"} {
				code, out, errOut := runCmd(cmd, c.path)
				if code != exitFailure || !strings.Contains(errOut, c.says) {
					t.Errorf("%s %s: exit %d, stderr %q; want exit 1 and %q", cmd, c.path, code, errOut, c.says)
				}
				if cmd != "analyze" && out != "" {
					t.Errorf("%s %s: stdout %q", cmd, c.path, out)
				}
			}
		}
		// In a directory: the FIFO is listed as unreadable, and analyze
		// never calls it read.
		code, out, _ := runCmd("analyze", dir)
		if code != exitFailure && code != exitOK {
			t.Errorf("analyze dir: exit %d", code)
		}
		if !strings.Contains(out, "named pipe") {
			t.Errorf("analyze dir does not report the FIFO:\n%s", out)
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("blocked")
	}
}
