package evtx

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// NewestTime, read from the chunks' tails, never exceeds the newest record
// header time a full walk finds (a read whose window skips every record, so
// that every intact record header counts), and equals it on the samples
// whose chunks were filled in time order.
func TestNewestTimeSamples(t *testing.T) {
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	equal := 0
	paths, err := filepath.Glob("../testdata/evtx/*.evtx")
	if err != nil || len(paths) < 40 {
		t.Fatalf("samples: %d, %v", len(paths), err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := NewReaderOptions(bytes.NewReader(b), int64(len(b)), Options{Since: far, Until: far})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got := rd.NewestTime()
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			}
		}
		want := rd.Stats().Last
		switch {
		case got.After(want):
			t.Errorf("%s: NewestTime %v is after every record header (%v)", filepath.Base(p), got, want)
		case got.Equal(want):
			equal++
		default:
			t.Logf("%s: NewestTime %v, newest record header %v (a chunk not filled in time order)", filepath.Base(p), got, want)
		}
	}
	t.Logf("NewestTime exact on %d of %d samples", equal, len(paths))
	// Measured: exact on 48 of 49 (Velocidex Security is 0.5 s low).
	if equal < len(paths)-1 {
		t.Errorf("NewestTime exact on only %d of %d samples", equal, len(paths))
	}
}

// A clock that went back inside a chunk hides the chunk's newest record
// from the tail: NewestTime then errs low, never high, and Stats().Last
// has the exact value (the contract callers rely on).
func TestNewestTimeClockWentBack(t *testing.T) {
	b := append([]byte(nil), readSample(t, cleanSample)...)
	all := readBytes(t, b, Options{})
	victim := all.events[3] // an early record of the first chunk
	future := all.stats.Last.Add(48 * time.Hour)
	binary.LittleEndian.PutUint64(b[victim.Source.Offset+16:], TimeToFiletime(future))
	rd, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got := rd.NewestTime()
	if !got.Before(future) || got.IsZero() {
		t.Errorf("NewestTime %v: the tail of the chunk does not hold %v", got, future)
	}
	for {
		if _, err := rd.Next(); err == io.EOF {
			break
		}
	}
	if last := rd.Stats().Last; !last.Equal(future) {
		t.Errorf("Stats().Last %v, want %v", last, future)
	}
}
