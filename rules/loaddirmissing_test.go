package rules

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// A rules directory that cannot be listed is a *LoadError naming it, as
// LoadDir's doc says of every error: it said "rules: open .: no such file
// or directory", naming no directory.
func TestLoadDirMissingNamesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-such-rules")
	_, err := LoadDir(dir)
	var le *LoadError
	if !errors.As(err, &le) || le.File != dir || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("LoadDir(%q) = %v (%T), want a *LoadError with File %q wrapping fs.ErrNotExist", dir, err, err, dir)
	}
	if strings.Contains(err.Error(), "open .") {
		t.Errorf("error names the root of the directory's fs, not the directory: %v", err)
	}
}
