package evtx

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// An archive member too large to hold in memory is inflated into a
// temporary file. An importer that drops the File without Close (it
// stopped reading early, or panicked out of its loop) left that copy in
// the temporary directory, up to MaxZipMember (1 GiB) each time: only
// Close removed it. Now it is removed when the File is collected (on Unix
// its name is removed at once, so that not even a killed process leaves
// it); Close still removes it at once.
func TestZipTempFileNotLeftBehind(t *testing.T) {
	data := readSample(t, "michkoll__fakenevtx__tests__data__System.evtx")
	dir := t.TempDir()
	zp := filepath.Join(dir, "logs.zip")
	zf, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	w, err := zw.Create("Logs/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	left := func() []string {
		var names []string
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "evtxrdp-") {
				names = append(names, e.Name())
			}
		}
		return names
	}
	open := func() *File {
		logs, err := Find(zp)
		if err != nil || len(logs) != 1 {
			t.Fatalf("Find: %d logs, %v", len(logs), err)
		}
		l := logs[0]
		l.TempDir = tmp
		l.zipSize = zipInMemory + 1 // as if large: inflated into a temporary file
		f, err := l.Open(Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if f.f == nil {
			t.Fatal("the member was not inflated into a temporary file")
		}
		for range 3 {
			if _, err := f.Next(); err != nil {
				t.Fatal(err)
			}
		}
		return f
	}
	f := open()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if names := left(); len(names) > 0 {
		t.Fatalf("after Close: %v left in the temporary directory", names)
	}
	func() { open() }() // dropped without Close
	names := left()
	for deadline := time.Now().Add(3 * time.Second); len(names) > 0 && time.Now().Before(deadline); names = left() {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if len(names) > 0 {
		t.Errorf("a File dropped without Close left %v in the temporary directory", names)
	}
}
