//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// pipeWriter fails like standard output whose reader went away (`| head`).
type pipeWriter struct{}

func (pipeWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// A reader that goes away ends every command quietly with 128+SIGPIPE,
// as the signal does; it was exit 1 with "write /dev/stdout: broken pipe"
// on stderr, or 141, whichever came first.
func TestBrokenPipe(t *testing.T) {
	vol := filepath.Join(scenarios, "volume")
	for _, args := range [][]string{
		{"dump", dumpSample},
		{"dump", "-f", "text", dumpSample},
		{"query", "-f", "xml", dumpSample},
		{"query", "-r", "-f", "text", dumpSample},
		{"analyze", vol},
		{"analyze", "-f", "json", vol},
		{"analyze", "-f", "jsonl", vol},
		{"analyze", "-f", "markdown", vol, filepath.Join(scenarios, "tls-36871-10013")},
		{"rules"},
	} {
		var e bytes.Buffer
		code := run(args, pipeWriter{}, &e)
		if code != 141 || bytes.Contains(e.Bytes(), []byte("broken pipe")) {
			t.Errorf("%q: exit %d, stderr %q", args, code, e.String())
		}
	}
}
