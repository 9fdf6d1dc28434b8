//go:build linux

package evtx

import (
	"errors"
	"strings"
	"testing"
)

// A file whose size is given as 0 but that holds bytes (a file of /proc)
// was called "not an EVTX file: empty". Now it is read as a stream and
// called what it is; a file that is truly empty is still "empty".
func TestSizelessFileReadAsStream(t *testing.T) {
	logs, err := Find("/proc/self/status")
	if err != nil || len(logs) != 1 {
		t.Fatalf("Find: %d logs, %v", len(logs), err)
	}
	_, err = logs[0].Open(Options{})
	if !errors.Is(err, ErrNotEVTX) || strings.Contains(err.Error(), "empty") || !strings.Contains(err.Error(), "no file header or chunk signature (starts with 4e 61 6d 65") {
		t.Errorf("/proc/self/status: %v", err)
	}
}
