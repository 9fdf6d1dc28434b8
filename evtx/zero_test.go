package evtx

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestZeroAndNil calls the exported API with nil arguments and zero-value
// receivers: each gives an error or a documented answer, never a panic
// (the methods of a nil *Reader, documented to panic, are not called).
func TestZeroAndNil(t *testing.T) {
	tests := []struct {
		name string
		call func() error // nil: answered as documented
	}{
		{"NewReader(nil, 0)", func() error {
			rd, err := NewReader(nil, 0)
			if rd != nil || !errors.Is(err, ErrNilReaderAt) {
				return errors.New("want ErrNilReaderAt")
			}
			return nil
		}},
		{"NewReaderOptions(nil) names the file", func() error {
			_, err := NewReaderOptions(nil, 100, Options{Name: "System.evtx"})
			if !errors.Is(err, ErrNilReaderAt) || !strings.Contains(err.Error(), "System.evtx") {
				return errors.New("want ErrNilReaderAt naming System.evtx")
			}
			return nil
		}},
		{"Reader{}.Next", func() error {
			ev, err := (&Reader{}).Next()
			if ev != nil || !errors.Is(err, ErrNoReader) {
				return errors.New("want ErrNoReader")
			}
			return nil
		}},
		{"Reader{} accessors", func() error {
			rd := &Reader{}
			first, last := rd.WrittenEnds()
			if rd.LastWritten() != nil || first != nil || last != nil || rd.LostRecords() != nil ||
				!rd.NewestTime().IsZero() || len(rd.Errors()) != 0 || len(rd.Conflicts()) != 0 ||
				rd.Stats().Records != 0 || rd.Close() != nil {
				return errors.New("the zero Reader reports something")
			}
			_ = rd.Header()
			_ = rd.CutLoss()
			_ = rd.Empty()
			_, _, _ = rd.PartAdded(), rd.PartDamage(), rd.PartStats()
			if _, err := rd.Next(); !errors.Is(err, ErrClosed) {
				return errors.New("Next after Close: want ErrClosed")
			}
			return nil
		}},
		{"File{}.Close", func() error { return (&File{}).Close() }},
		{"(*File)(nil).Close", func() error {
			if err := (*File)(nil).Close(); !errors.Is(err, os.ErrInvalid) {
				return errors.New("want os.ErrInvalid")
			}
			return nil
		}},
		{"Event{} methods", func() error {
			ev := &Event{}
			_, _, _ = ev.Description(), ev.Text(0), ev.Time()
			_, _ = ev.Data("x")
			_, _ = ev.Identities()
			_ = ev.AppendText(nil, 3)
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestWrittenBeforeNilPanics: WrittenBefore documents that it panics on a
// nil event (there is no answer to give).
func TestWrittenBeforeNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("WrittenBefore(nil, ev) did not panic")
		}
	}()
	WrittenBefore(nil, &Event{})
}
