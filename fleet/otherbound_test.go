package fleet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOtherLogsSearchBounded: the search of a volume for logs outside its
// winevt/Logs looks at maxOtherEntries directory entries at most, and
// then says it stopped (other logs may lie where it did not reach),
// rather than walk a disk of millions of files.
func TestOtherLogsSearchBounded(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "Windows", "System32", "winevt", "Logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "b"} {
		for i := range 30 {
			p := filepath.Join(root, d, fmt.Sprintf("f%02d.txt", i))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "b", "x.evtx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { maxOtherEntries = n }(maxOtherEntries)
	for _, c := range []struct {
		bound   int
		stopped bool
		found   int
	}{{1000, false, 1}, {40, true, 0}} {
		maxOtherEntries = c.bound
		probs := otherLogs(root)
		stopped, found := false, 0
		for _, p := range probs {
			if _, ok := p.(*OtherLog); ok {
				found++
			}
			if strings.Contains(p.Error(), fmt.Sprintf("stopped after %d directory entries", c.bound)) {
				stopped = true
			}
		}
		if stopped != c.stopped || found != c.found {
			t.Errorf("bound %d: stopped %v, %d found, want %v, %d: %v", c.bound, stopped, found, c.stopped, c.found, probs)
		}
	}
}
