//go:build unix

package evtx

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FIFOs, sockets and devices named like logs are refused at once, by
// name, whether given as the path or found in a directory; nothing blocks
// waiting for a writer.
func TestNotRegularRefusedWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "System.evtx")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err) // not every file system has FIFOs
	}
	sock := filepath.Join(dir, "Security.evtx")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	os.Symlink("/dev/zero", filepath.Join(dir, "Application.evtx"))

	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range []struct{ path, kind string }{
			{fifo, "a named pipe (FIFO)"},
			{sock, "a socket"},
			{"/dev/zero", "a character device"},
		} {
			if _, err := Find(c.path); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path+" is "+c.kind) {
				t.Errorf("Find(%s) = %v, want ErrNotRegular naming it %s", c.path, err, c.kind)
			}
			if _, err := Open(c.path); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.path) {
				t.Errorf("Open(%s) = %v, want ErrNotRegular naming it", c.path, err)
			}
		}
		logs, err := Find(dir)
		if err != nil {
			t.Errorf("Find(dir): %v", err)
			return
		}
		if len(logs) != 3 {
			t.Errorf("Find(dir) = %v, want the 3 entries named like logs", paths(logs))
		}
		for _, l := range logs {
			if _, err := l.Open(Options{}); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), l.Path) {
				t.Errorf("%s: Open = %v, want ErrNotRegular naming it", l.Path, err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("blocked on a FIFO")
	}
}
