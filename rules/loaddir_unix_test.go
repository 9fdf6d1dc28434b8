//go:build unix

package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadDirRefusesNonRegular: a named pipe (or a link to one) called
// *.yaml in --rules DIR is refused at once, naming it; LoadDir opened it
// and waited for a writer forever, so "evtxrdp rules --rules DIR" and
// analyze hung. A link to a device (/dev/zero) would have been read
// without end.
func TestLoadDirRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yml")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := LoadDir(dir)
		done <- err
	}()
	select {
	case err := <-done:
		var le *LoadError
		for _, want := range []string{"pipe.yaml: not a regular file", "zero.yml: not a regular file"} {
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), want) {
				t.Errorf("LoadDir: %v; want a *LoadError with %q", err, want)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadDir hangs on a named pipe")
	}
}
