package evtx_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
	"github.com/evtxrdp/evtxrdp/evtx/evtxtest"
)

// TestRemember: File.Remember computes a value once per file of a Log
// found by Find and gives it to later Files of that Log; a value compute
// does not keep is computed again; a file appended to (Log.Changed) is
// computed anew, never given the former file's value; a File opened by
// path and a merged Log keep nothing.
func TestRemember(t *testing.T) {
	p := filepath.Join(t.TempDir(), "System.evtx")
	write := func(n int) {
		t.Helper()
		if err := evtxtest.WriteFile(p, evtxtest.Noise(craftT0, 10*time.Minute, n), evtxtest.Options{MaxRecordsPerChunk: 40}); err != nil {
			t.Fatal(err)
		}
	}
	write(100)
	type key struct{}
	computes := 0
	// records counts the log's records, as a whole pass over it would.
	remember := func(l *evtx.Log, keep bool) int {
		t.Helper()
		f, err := l.Open(evtx.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return f.Remember(key{}, func() (any, bool) {
			computes++
			n := 0
			for {
				if _, err := f.Next(); err != nil {
					break
				}
				n++
			}
			return n, keep
		}).(int)
	}
	l := findOne(t, p)
	if n := remember(l, false); n != 100 || computes != 1 {
		t.Fatalf("first: %d records, %d computes", n, computes)
	}
	if n := remember(l, true); n != 100 || computes != 2 {
		t.Fatalf("after a value not kept: %d records, %d computes, want 100 and 2", n, computes)
	}
	if n := remember(l, true); n != 100 || computes != 2 {
		t.Fatalf("kept: %d records, %d computes, want 100 and 2", n, computes)
	}
	time.Sleep(20 * time.Millisecond) // a change time the file system tells apart
	write(150)
	if n := remember(l, true); n != 150 || computes != 3 {
		t.Fatalf("after the file changed: %d records, %d computes, want 150 and 3", n, computes)
	}
	if l.Changed() == nil {
		t.Fatal("the change is not noted")
	}
	if n := remember(l, true); n != 150 || computes != 3 {
		t.Fatalf("kept for the new file: %d records, %d computes, want 150 and 3", n, computes)
	}
	// Keeping no memo: computed every time.
	for _, open := range []func() (*evtx.File, error){
		func() (*evtx.File, error) { return evtx.Open(p) },
		func() (*evtx.File, error) { return evtx.Merge(findOne(t, p), findOne(t, p)).Open(evtx.Options{}) },
	} {
		before := computes
		for range 2 {
			f, err := open()
			if err != nil {
				t.Fatal(err)
			}
			f.Remember(key{}, func() (any, bool) { computes++; return 0, true })
			f.Close()
		}
		if computes != before+2 {
			t.Errorf("a File without a memo: %d computes of 2 calls, want 2", computes-before)
		}
	}
}
