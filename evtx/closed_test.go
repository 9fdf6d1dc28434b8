package evtx

import (
	"errors"
	"io"
	"os"
	"testing"
)

// After Close, Next returns ErrClosed, which a caller can tell apart from
// the end of the log and from damage (which never stops Next), for a plain
// log and for copies read as one (Merge), with one worker or several.
func TestNextAfterCloseIsErrClosed(t *testing.T) {
	const p = "../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx"
	logs, err := Find(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		for name, l := range map[string]*Log{"plain": logs[0], "merged": Merge(logs[0], logs[0])} {
			f, err := l.Open(Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Next(); err != nil {
				t.Fatalf("%s: first Next: %v", name, err)
			}
			if err := f.Close(); err != nil {
				t.Fatalf("%s: Close: %v", name, err)
			}
			ev, err := f.Next()
			if ev != nil || !errors.Is(err, ErrClosed) || err == io.EOF {
				t.Errorf("%s, %d workers: Next after Close = %v, %v; want nil, ErrClosed", name, workers, ev, err)
			}
		}
	}
}

// A second Close of a File returns the error of closing a closed file
// (os.ErrClosed), as File.Close says; the Reader's own Close returns nil.
func TestFileCloseTwice(t *testing.T) {
	f, err := Open("../testdata/evtx/scenarios/tls-36871-10013/System.evtx")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second File.Close = %v, want os.ErrClosed", err)
	}
	if err := f.Reader.Close(); err != nil {
		t.Errorf("Reader.Close after File.Close = %v, want nil", err)
	}
}

// Errors returns a slice a caller may append to while reading on: the
// Reader's later problems do not overwrite what the caller appended, and
// the caller's appends do not show in the Reader's list.
func TestErrorsAppendDoesNotAlias(t *testing.T) {
	const p = "../testdata/evtx/omerbenamram__evtx__samples__sample_with_a_bad_chunk_magic.evtx"
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mine := &FormatError{File: "caller's own"}
	var kept [][]*FormatError
	for {
		if errs := f.Errors(); len(errs) > 0 {
			kept = append(kept, append(errs, mine))
		}
		if _, err := f.Next(); err == io.EOF {
			break
		}
	}
	for _, e := range f.Errors() {
		if e == mine {
			t.Fatal("a caller's append to Errors' slice shows in the Reader's list")
		}
	}
	for _, k := range kept {
		if k[len(k)-1] != mine {
			t.Fatalf("the Reader overwrote what a caller appended to Errors' slice of %d problems", len(k)-1)
		}
	}
	if len(kept) == 0 || f.Stats().Problems < 2 {
		t.Fatalf("want problems met while reading, got %d", f.Stats().Problems)
	}
}
