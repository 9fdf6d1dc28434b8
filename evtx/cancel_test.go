package evtx

import (
	"context"
	"errors"
	"github.com/evtxrdp/evtxrdp/internal/ctxtest"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// cancelSample is a real 2 MiB System log of 32 chunk slots.
const cancelSample = "../testdata/evtx/michkoll__fakenevtx__tests__data__System.evtx"

// TestNextStopsOnCancel: with Options.Context, Next stops at the next
// chunk once the context is cancelled: it yields at most the rest of the
// chunk it was in, then an error wrapping context.Canceled (and so on
// every call after), with the Reader's goroutines stopped, without
// Close. A context cancelled before the open refuses it, with the same
// error.
func TestNextStopsOnCancel(t *testing.T) {
	for _, workers := range []int{1, 4} {
		base := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		f, err := OpenOptions(cancelSample, Options{Context: ctx, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var last *Event
		for range 10 {
			if last, err = f.Next(); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		after := 0
		for {
			ev, err := f.Next()
			if err == nil {
				after++
				if ev.Source.Chunk != last.Source.Chunk {
					t.Fatalf("workers %d: an event of chunk %d after the cancel in chunk %d", workers, ev.Source.Chunk, last.Source.Chunk)
				}
				continue
			}
			if err == io.EOF || !errors.Is(err, context.Canceled) {
				t.Fatalf("workers %d: Next after cancel: %v, want context.Canceled", workers, err)
			}
			break
		}
		if _, err := f.Next(); !errors.Is(err, context.Canceled) {
			t.Errorf("workers %d: the next call: %v", workers, err)
		}
		if n := ctxtest.SettledGoroutines(base); n > base {
			t.Errorf("workers %d: %d goroutines after the stop, %d before the open", workers, n, base)
		}
		f.Close()
		t.Logf("workers %d: %d events of the cancelled chunk after the cancel", workers, after)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := OpenOptions(cancelSample, Options{Context: ctx}); !errors.Is(err, context.Canceled) {
		t.Errorf("open with a cancelled context: %v", err)
	}
}

// TestPrimeCancelledChangesNoAnswer: a prime stopped at any point (after
// 0, 1, 2, ... of its context looks) returns context.Canceled, or nil when
// it ended first, and leaves the Log's memo so that what the log gives
// afterwards, read without a context, is what a Log never primed gives:
// its first- and last-written records, every event of a window, Stats. A
// stopped read's findings are never remembered.
func TestPrimeCancelledChangesNoAnswer(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(cancelSample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "System.evtx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		first, last uint64
		events      int
		stats       Stats
	}
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	read := func(l *Log) answer {
		f, err := l.Open(Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		first, last := f.WrittenEnds()
		if first == nil || last == nil {
			t.Fatal("no written ends")
		}
		g, err := l.Open(Options{Workers: 2, Since: since})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		n := 0
		for {
			_, err := g.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		st := g.Stats()
		return answer{first.RecordID, last.RecordID, n, st}
	}
	find := func() *Log {
		ls, err := Find(dir)
		if err != nil || len(ls) != 1 {
			t.Fatalf("Find: %v, %d logs", err, len(ls))
		}
		return ls[0]
	}
	plain := read(find())
	stopped := 0
	for _, after := range []int64{0, 1, 2, 3, 5, 8, 13, 21, 34, 1000} {
		l := find()
		err := l.PrimeContext(ctxtest.NewAfter(after), 2)
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			stopped++
		default:
			t.Fatalf("after %d: %v", after, err)
		}
		if got := read(l); got != plain {
			t.Errorf("after %d looks (prime: %v): %+v, want %+v", after, err, got, plain)
		}
	}
	if stopped < 5 {
		t.Errorf("%d primes stopped, want most of them: the context is not looked at", stopped)
	}
}
