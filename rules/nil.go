package rules

import "errors"

// ErrNilLog is what the functions of this package that read a log and
// return an error (LastWritten, WrittenEnds, TimedWrittenEnds,
// FindClockJump, FindClockJumpBehind, FindTimeGap, LogChannel) return
// (errors.Is) for a nil *evtx.Log: a programming error reported as an
// error rather than a nil-pointer panic.
//
// The methods of this package's types panic on a nil pointer, as do
// String, ChangeText and Span of the result types (ClockJump, TimeGap,
// ClockChange, LastAhead) whose record fields are nil: those values are
// made by the package's functions (FindClockJump, FindTimeGap,
// ReferenceEnd), which set them, not built by hand. RuleError's Error
// does not panic on the zero value.
var ErrNilLog = errors.New("rules: nil *evtx.Log")
