package rules

import (
	"errors"
	"testing"
	"time"

	"github.com/evtxrdp/evtxrdp/evtx"
)

// TestNilArgs calls the functions that read a log with a nil log, and
// the others with the nil arguments they document an answer for: each
// returns ErrNilLog or that answer, and none panics.
func TestNilArgs(t *testing.T) {
	var o evtx.Options
	ev := &evtx.Event{}
	tests := []struct {
		name string
		call func() error
	}{
		{"LastWritten(nil)", func() error { _, err := LastWritten(nil, o, false); return err }},
		{"WrittenEnds(nil)", func() error { _, _, err := WrittenEnds(nil, o, true); return err }},
		{"TimedWrittenEnds(nil)", func() error { _, _, _, err := TimedWrittenEnds(nil, o, false); return err }},
		{"FindClockJump(nil)", func() error { _, err := FindClockJump(nil, ev, o, false); return err }},
		{"FindClockJumpBehind(nil)", func() error { _, err := FindClockJumpBehind(nil, ev, ev, o, false); return err }},
		{"FindTimeGap(nil)", func() error { _, err := FindTimeGap(nil, time.Now(), o, false); return err }},
		{"LogChannel(nil)", func() error { _, _, err := LogChannel(nil, nil); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			if err := tc.call(); !errors.Is(err, ErrNilLog) {
				t.Fatalf("error %v, want ErrNilLog", err)
			}
		})
	}
	answers := []struct {
		name string
		call func() bool // true: the documented answer
	}{
		{"FindClockJump(l, nil last)", func() bool {
			j, err := FindClockJump(&evtx.Log{}, nil, o, false)
			return j == nil && err == nil
		}},
		{"FindClockJumpBehind(l, nil, nil)", func() bool {
			j, err := FindClockJumpBehind(&evtx.Log{}, nil, nil, o, true)
			return j == nil && err == nil
		}},
		{"HeldChannels(nil)", func() bool { return HeldChannels(nil, func(string) bool { return true }, nil, o, false, 0) == nil }},
		{"HeldChannels(l, nil need)", func() bool { return HeldChannels(&evtx.Log{}, nil, nil, o, false, 0) == nil }},
		{"RuleError{}.Error", func() bool { return (&RuleError{}).Error() == "rules" }},
		{"RuleError{Rule}.Error", func() bool { return (&RuleError{Rule: "x", Field: "f"}).Error() == "rules: x: f" }},
	}
	for _, tc := range answers {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			if !tc.call() {
				t.Fatal("not the documented answer")
			}
		})
	}
}
