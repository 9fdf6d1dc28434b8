package evtx

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// An importer that stops reading before io.EOF leaks nothing: a File of a
// log and one of copies read as one (Merge), each decoding with four
// workers, stopped after three events, end their goroutines and close
// every file they opened on Close, and end their goroutines when dropped
// without Close, once collected. The merged log's parts are files of
// their own, each with its workers.
func TestStopEarlyReleasesAll(t *testing.T) {
	p := filepath.Join(realSamplesDir, "omerbenamram__evtx__samples__2-vss_7-System.evtx")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "System.evtx")
	if err := os.WriteFile(copyPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	find := func(path string) *Log {
		logs, err := Find(path)
		if err != nil || len(logs) != 1 {
			t.Fatalf("Find %s: %d logs, %v", path, len(logs), err)
		}
		return logs[0]
	}
	open := func(merged bool) *File {
		l := find(p)
		if merged {
			l = Merge(l, find(copyPath))
		}
		f, err := l.Open(Options{Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := f.Next(); err != nil {
				t.Fatal(err)
			}
		}
		return f
	}
	// osFiles returns the files f opened: its own, or its parts'.
	osFiles := func(f *File) []*os.File {
		if f.merged == nil {
			return []*os.File{f.f}
		}
		var fs []*os.File
		for _, pf := range f.merged.files {
			fs = append(fs, pf.f)
		}
		return fs
	}
	settle := func(before int) int {
		after := goroutines()
		for deadline := time.Now().Add(2 * time.Second); after > before && time.Now().Before(deadline); after = goroutines() {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		return after
	}
	runtime.GC()
	runtime.GC()
	for _, merged := range []bool{false, true} {
		before := goroutines()
		f := open(merged)
		if n := runtime.NumGoroutine(); n <= before {
			t.Fatalf("merged %v: no decoding goroutines running (%d <= %d)", merged, n, before)
		}
		files := osFiles(f)
		if len(files) != map[bool]int{false: 1, true: 2}[merged] {
			t.Fatalf("merged %v: %d files open", merged, len(files))
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		for i, of := range files {
			if err := of.Close(); err == nil {
				t.Errorf("merged %v: file %d still open after Close", merged, i)
			}
		}
		if after := settle(before); after > before {
			t.Errorf("merged %v: %d goroutines after Close, %d before", merged, after, before)
		}
		// Dropped without Close.
		func() { open(merged) }()
		if after := settle(before); after > before {
			t.Errorf("merged %v: %d goroutines after the File was dropped, %d before", merged, after, before)
		}
	}
}
