package evtx

import (
	"archive/zip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A place that holds no log is told apart by errors.Is(err, ErrNoLogs),
// with the text that names it unchanged; a missing path is the stat
// error (fs.ErrNotExist) and not ErrNoLogs. Before, the first two were
// plain fmt.Errorf values no caller could tell from a damaged archive.
func TestFindNoLogsIsErrNoLogs(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(dir, "notes.zip")
	zf, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	w, err := zw.Create("notes.txt")
	if err == nil {
		_, err = w.Write([]byte("no logs here"))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := zf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	for p, text := range map[string]string{
		empty: "evtx: no .evtx logs in " + empty + " (nor in Windows/System32/winevt/Logs below it)",
		zp:    "evtx: no .evtx members in " + zp,
	} {
		logs, err := Find(p)
		if logs != nil || !errors.Is(err, ErrNoLogs) || err.Error() != text {
			t.Errorf("Find(%s) = %v, %v; want ErrNoLogs saying %q", p, logs, err, text)
		}
	}
	missing := filepath.Join(dir, "missing")
	if _, err := Find(missing); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNoLogs) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Find(missing) = %v; want the stat error naming it", err)
	}
}
